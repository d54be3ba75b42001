import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(__dirname, '../../../src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every relative import (static, dynamic, re-export) of a file, as a path under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specs.map((s) => relative(SRC, resolve(dirname(file), s)));
}

/**
 * The shape the service is assembled in: src/platform (config, errors, Redis, HTTP plumbing,
 * roles) knows no bounded context; the composition root, src/app, sits above them all.
 */
describe('composition root and platform boundaries', () => {
  it('src/platform imports only platform, ledger and shared code', () => {
    const offending = tsFiles(join(SRC, 'platform')).flatMap((f) =>
      importsOf(f)
        .filter((target) => !/^(platform|ledger|shared)(\/|$)/.test(target))
        .map((target) => `${relative(SRC, f)} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('only entry points (main, the CLI) import the composition root', () => {
    const offending = tsFiles(SRC)
      .filter((f) => !/^(app|cli)\//.test(relative(SRC, f)) && relative(SRC, f) !== 'main.ts')
      .flatMap((f) =>
        importsOf(f)
          .filter((t) => /^app(\/|$)/.test(t))
          .map((t) => `${relative(SRC, f)} → ${t}`),
      );
    expect(offending).toEqual([]);
  });
});
