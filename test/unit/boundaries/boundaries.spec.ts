import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

// The import-boundary rules (.dependency-cruiser.cjs) run against a fixture tree that breaks each rule once and
// also holds imports that must pass; `npm run lint` runs the same rules against src/.
const root = path.resolve(__dirname, '../../..');
const fixture = path.join(root, 'test/fixtures/boundaries');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function cruise(outputType: 'json' | 'err') {
  return spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
      'src',
      '--config',
      path.join(root, '.dependency-cruiser.cjs'),
      '--output-type',
      outputType,
    ],
    { cwd: fixture, encoding: 'utf8' },
  );
}

describe('import boundaries', () => {
  const violations: Violation[] = JSON.parse(cruise('json').stdout).summary.violations;
  const found = violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to.replace(/^.*node_modules\//, 'node_modules/')}`).sort();

  it('exits non-zero when a boundary is crossed (as `npm run lint` runs it)', () => {
    const r = cruise('err');
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain('7 dependency violations');
  });

  it('reports each crossing under its rule, and nothing else', () => {
    expect(found).toEqual(
      [
        'context-through-its-index: src/agents/reaches-inside.ts -> src/keys/domain/key.ts',
        'context-through-its-index: src/platform/knows-context.ts -> src/agents/through-index.ts',
        'domain-is-pure: src/keys/domain/key.ts -> fs',
        'domain-is-pure: src/keys/domain/key.ts -> node_modules/@nestjs/common/index.js',
        'host-agent-stands-alone: src/host-agent/main.ts -> src/ledger/ledger.ts',
        'only-entry-points-import-app: src/agents/uses-app.ts -> src/app/app.ts',
        'platform-knows-no-context: src/platform/knows-context.ts -> src/agents/through-index.ts',
      ].sort(),
    );
  });

  it('lets a context reach another through its index and the shared kernel directly', () => {
    expect(found.filter((f) => f.includes('src/agents/through-index.ts ->'))).toEqual([]);
  });
});
