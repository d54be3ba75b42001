/**
 * The state overlays compiled at build time (scripts/compile-overlays.js): the same set as reading
 * the YAML, used only while every YAML file is byte-for-byte the one compiled, and a run that uses
 * them never loads the YAML parser.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileOverlaySet } from '../../../src/incidents/domain/triage/state-overlays';
import { compileStateOverlays, DEFAULT_OVERLAYS_DIR, loadStateOverlays } from '../../../src/incidents/infrastructure/state-overlays.loader';
import { makeTempDir } from '../../support/temp-dir';

const ROOT = join(__dirname, '../../..');

describe('compiled state overlays', () => {
  const tmp = makeTempDir('safeharbor-overlays-');
  afterAll(() => tmp.cleanup());

  /** A private copy of the shipped overlays and their compiled JSON (the loader caches per directory). */
  function copy(name: string): { dir: string; compiled: string } {
    const dir = join(tmp.path, name);
    cpSync(DEFAULT_OVERLAYS_DIR, dir, { recursive: true });
    const compiled = join(tmp.path, `${name}.json`);
    writeFileSync(compiled, compileStateOverlays(dir));
    return { dir, compiled };
  }

  it('gives the same set as parsing and validating the YAML', () => {
    const { dir, compiled } = copy('same');
    const fromJson = loadStateOverlays(dir, compiled);
    const fromYaml = loadStateOverlays(DEFAULT_OVERLAYS_DIR, join(tmp.path, 'none.json'));
    expect(fromJson.byJurisdiction.size).toBe(fromYaml.byJurisdiction.size);
    expect(fromJson.byJurisdiction.size).toBeGreaterThanOrEqual(50);
    expect(compileOverlaySet(fromJson)).toEqual(compileOverlaySet(fromYaml));
    // The business-day calendars are rebuilt, not serialized.
    const ny = fromJson.byJurisdiction.get('NY')!;
    expect(ny.businessCalendar.isBusinessDay).toEqual(expect.any(Function));
  });

  it('is ignored once a YAML file changed: the edit is what the engine sees', () => {
    const { dir, compiled } = copy('edited');
    const file = join(dir, 'OH.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('statute: Ohio Rev. Code § 1349.19\n');
    writeFileSync(
      file,
      text.replace('statute: Ohio Rev. Code § 1349.19\n', 'statute: Ohio Rev. Code § 1349.19 (edited after the build)\n'),
    );
    const set = loadStateOverlays(dir, compiled);
    expect(set.byJurisdiction.get('OH')!.rules[0]!.versions[0]!.statute).toBe('Ohio Rev. Code § 1349.19 (edited after the build)');
  });

  it('is ignored when a file was added (and an invalid one still fails loudly)', () => {
    const { dir, compiled } = copy('added');
    writeFileSync(join(dir, 'ZZ.yaml'), 'jurisdiction: ZZ\n');
    expect(() => loadStateOverlays(dir, compiled)).toThrow(/ZZ\.yaml/);
  });

  it('a run on fresh compiled overlays does not load the YAML parser', () => {
    const { dir, compiled } = copy('no-yaml');
    const probe = `
      const { loadStateOverlays } = require(${JSON.stringify(join(ROOT, 'src/incidents/infrastructure/state-overlays.loader.ts'))});
      const set = loadStateOverlays(${JSON.stringify(dir)}, ${JSON.stringify(compiled)});
      const yaml = Object.keys(require.cache).some((f) => f.includes('/node_modules/yaml/'));
      process.stdout.write(JSON.stringify({ size: set.byJurisdiction.size, yaml }));`;
    const r = spawnSync(process.execPath, ['-r', join(ROOT, 'scripts/swc-register.js'), '-e', probe], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ size: expect.any(Number), yaml: false });
  });
});
