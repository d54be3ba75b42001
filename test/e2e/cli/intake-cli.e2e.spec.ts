import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../support/temp-dir';
import { runCliProcess } from '../../support/cli';

/** Issue 13 (items 1 and 9) from a terminal: exit 2 with the problem, never a crash or a silent new installation. */
describe('safeharbor CLI: intake and operator safety', () => {
  const dir = makeTempDir('safeharbor-cli-intake-');
  const env = { DATA_DIR: join(dir.path, 'data'), MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key') };
  afterAll(() => dir.cleanup());

  it('a command on a folder with no master key refuses (exit 2), names the folder and creates nothing', async () => {
    const wrong = {
      DATA_DIR: join(dir.path, 'elsewhere'),
      MASTER_KEY_FILE: join(dir.path, 'nokeys', 'master.key'),
      SAFEHARBOR_API_KEY: 'shk_x',
    };
    const r = await runCliProcess(['incidents', 'obligations', '01937a4e-0000-7000-8000-000000000001'], wrong);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(dir.path, 'nokeys', 'master.key'));
    expect(r.stderr).toContain(join(dir.path, 'elsewhere'));
    expect(existsSync(join(dir.path, 'nokeys'))).toBe(false);
    expect(existsSync(join(dir.path, 'elsewhere'))).toBe(false);
  }, 60_000);

  it('a CSV missing a required column: exit 2 naming the column, no ERR_STREAM_DESTROYED, no list recorded', async () => {
    const admin = await runCliProcess(['principals', 'create', '--name', 'First Admin', '--role', 'admin'], env);
    expect(admin.code).toBe(0);
    const adminKey = JSON.parse(admin.stdout).apiKey as string;
    const responder = await runCliProcess(
      ['--api-key', adminKey, 'principals', 'create', '--name', 'Riley', '--role', 'incident-responder'],
      env,
    );
    const key = JSON.parse(responder.stdout).apiKey as string;
    const ok = await runCliProcess(
      ['incidents', 'report', '--title', 'Laptop stolen', '--discovered-on', '2025-03-10', '--summary', 'Laptop taken from a car'],
      { ...env, SAFEHARBOR_API_KEY: key },
    );
    expect(ok.code).toBe(0);
    const id = JSON.parse(ok.stdout).id as string;
    const csv = join(dir.path, 'no-zip.csv');
    writeFileSync(csv, 'name,line1,city,state\nAda Lovelace,1 Main St,Boston,MA\n');
    const r = await runCliProcess(['affected', 'import', '--incident', id, csv], { ...env, SAFEHARBOR_API_KEY: key });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/column "zip" \(for zip\) is not in the header/);
    expect(r.stderr).not.toMatch(/ERR_STREAM_DESTROYED/);
    const tl = await runCliProcess(['incidents', 'timeline', id], { ...env, SAFEHARBOR_API_KEY: key });
    expect(JSON.parse(tl.stdout).entries.map((e: { type: string }) => e.type)).toEqual(['IncidentReported']);

    // The sample generator's file imports, with its faults repaired and its bad row kept unresolved.
    const sample = join(dir.path, 'sample.csv');
    const gen = await runCliProcess(['affected', 'sample', '--people', '40', '--faults', '--out', sample], env);
    expect(gen.code).toBe(0);
    const imp = await runCliProcess(['affected', 'import', '--incident', id, sample], { ...env, SAFEHARBOR_API_KEY: key });
    expect(imp.code).toBe(0);
    const summary = JSON.parse(imp.stdout).summary;
    expect(summary).toMatchObject({ rows: 40, accepted: 39, unresolved: 1 });
    expect(summary.normalized).toBeGreaterThan(5);
    expect(summary.languages).toEqual({ en: 33, es: 6 });
    expect(Object.values(summary.byState as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(40);
  }, 120_000);
});
