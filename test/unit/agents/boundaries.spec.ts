/**
 * Import boundaries of the safeguards contexts and the host agent, read from the source:
 *  - the host agent (it runs on PHI servers) imports only itself and src/shared/agent-protocol;
 *  - the shared protocol and every domain/ folder import no Nest, no I/O module (node:crypto is
 *    allowed: hashing and signing are part of the rules), no database or queue client;
 *  - one context reaches keys, datasets, access or agents only through that context's index.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(__dirname, '../../../src');
const CONTEXTS = ['keys', 'datasets', 'access', 'agents'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports (type-only ones too: they couple as well). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm), ...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map(
    (m) => m[1]!,
  );
}

const rel = (file: string) => relative(SRC, file);
/** src-relative target of a relative import ('' for packages and built-ins). */
const target = (file: string, spec: string) => (spec.startsWith('.') ? relative(SRC, resolve(dirname(file), spec)) : '');

const IO =
  /^(node:(fs|path|os|child_process|net|http|https|worker_threads|stream)|fs|path|child_process|better-sqlite3|ioredis|bullmq|pg|nodemailer)(\/|$)/;

describe('boundaries of the safeguards contexts and the host agent', () => {
  it('the host agent imports nothing of the service: only itself, the shared protocol, built-ins and packages', () => {
    const bad = files(join(SRC, 'host-agent')).flatMap((f) =>
      importsOf(f)
        .map((s) => ({ s, to: target(f, s) }))
        .filter(({ s, to }) => s.startsWith('.') && !to.startsWith('host-agent') && !to.startsWith('shared/agent-protocol'))
        .map(({ s }) => `${rel(f)} → ${s}`),
    );
    expect(bad).toEqual([]);
  });

  it('the shared protocol and the domain folders import no Nest, no I/O, no database or queue client', () => {
    const pure = [...files(join(SRC, 'shared')), ...CONTEXTS.flatMap((c) => files(join(SRC, c, 'domain')))];
    const bad = pure.flatMap((f) =>
      importsOf(f)
        .filter((s) => s.startsWith('@nestjs/') || IO.test(s))
        .map((s) => `${rel(f)} → ${s}`),
    );
    expect(bad).toEqual([]);
    // src/shared stands alone: it imports nothing of the service.
    const outside = files(join(SRC, 'shared')).flatMap((f) =>
      importsOf(f)
        .map((s) => target(f, s))
        .filter((to) => to && !to.startsWith('shared'))
        .map((to) => `${rel(f)} → ${to}`),
    );
    expect(outside).toEqual([]);
  });

  it('other code reaches keys, datasets, access and agents only through their index', () => {
    const bad = files(SRC)
      .filter((f) => rel(f) !== 'app/contexts.ts') // the composition root registers the modules
      .flatMap((f) => {
        const from = rel(f).split('/')[0];
        return importsOf(f)
          .map((s) => ({ s, to: target(f, s) }))
          .filter(({ to }) => {
            const ctx = to.split('/')[0]!;
            return CONTEXTS.includes(ctx) && ctx !== from && to !== ctx && to !== `${ctx}/index`;
          })
          .map(({ s }) => `${rel(f)} → ${s}`);
      });
    expect(bad).toEqual([]);
  });

  it('each context publishes an index that loads no Nest module or handler', () => {
    for (const c of CONTEXTS) {
      const deps = importsOf(join(SRC, c, 'index.ts'));
      expect(deps.length).toBeGreaterThan(0);
      expect(deps.filter((s) => /module|handlers|queries\/|http\/|@nestjs/.test(s))).toEqual([]);
    }
  });
});
