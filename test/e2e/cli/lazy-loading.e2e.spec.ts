import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ed25519NoteKey } from '../../../src/ledger/integrity/note';
import { makeTempDir } from '../../support/temp-dir';

const ROOT = join(__dirname, '../../..');

/** Runs `safeharbor ARGS` in a child process and reports its exit code and which packages it asked for. */
function runAndListModules(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; loaded: string[] }> {
  // Packages requested by name, whatever their format: ESM-only packages loaded through
  // require(esm) do not show up in require.cache.
  const probe = `
    const Module = require('node:module');
    const requested = new Set();
    const load = Module._load;
    Module._load = function (request, ...rest) {
      if (!request.startsWith('.') && !request.startsWith('/') && !request.startsWith('node:')) requested.add(request.split('/').slice(0, request.startsWith('@') ? 2 : 1).join('/'));
      return load.call(this, request, ...rest);
    };
    const { runCli } = require(${JSON.stringify(join(ROOT, 'src/cli/main.ts'))});
    runCli(${JSON.stringify(args)}).then((code) => {
      process.stderr.write('\\nLOADED ' + JSON.stringify([...requested]) + '\\n');
      process.exitCode = code;
    });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', join(ROOT, 'scripts/swc-register.js'), '-e', probe], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = /LOADED (.*)/.exec(stderr)?.[1];
      if (!line) return reject(new Error(`no module list: ${stderr}`));
      resolve({ code: code ?? 1, stdout, loaded: JSON.parse(line) });
    });
  });
}

const APPLICATION = ['@nestjs/core', '@nestjs/cqrs', 'better-sqlite3', 'bullmq', 'ioredis', 'pdfkit', 'nodemailer'];

describe('commands that need no application load none of it', () => {
  const dir = makeTempDir('safeharbor-cli-lazy-');
  const env = {
    DATA_DIR: join(dir.path, 'data'),
    MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key'),
    LEDGER_WITNESS_DIRS: join(dir.path, 'data-witness'),
  };
  afterAll(() => dir.cleanup());

  it('triage answers from the pure engine', async () => {
    const input = join(dir.path, 'facts.json');
    writeFileSync(
      input,
      JSON.stringify({
        reporter: 'covered-entity',
        discoveredOn: '2025-03-10',
        affectedByState: { OH: 3 },
        exception: null,
        safeguards: { encryption: null, keyCompromised: false, destruction: null },
        riskAssessment: null,
        insufficientContact: 0,
        imminentMisuse: false,
        lawEnforcementDelay: null,
      }),
    );
    const r = await runAndListModules(['triage', '--input', input], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ breach: true, totalAffected: 3 });
    expect(r.loaded.filter((p) => APPLICATION.includes(p))).toEqual([]);
  }, 60_000);

  it('workflows validate, ledger init-key, witness init and officer keygen', async () => {
    const logKey = Ed25519NoteKey.generate('test.local/ledger').verifierKey;
    for (const args of [
      ['workflows', 'validate', join(ROOT, 'workflows')],
      ['ledger', 'init-key'],
      ['witness', 'init', '--dir', join(dir.path, 'witness'), '--log-key', logKey],
      ['officer', 'keygen', '--out', join(dir.path, 'officer.key')],
    ]) {
      const r = await runAndListModules(args, env);
      expect({ args, code: r.code, application: r.loaded.filter((p) => APPLICATION.includes(p)) }).toEqual({
        args,
        code: 0,
        application: [],
      });
    }
  }, 60_000);

  it('a command that needs the application still loads it', async () => {
    // The first principal of a new installation: the one command besides serve that may create the master key.
    const r = await runAndListModules(['principals', 'create', '--name', 'First admin', '--role', 'admin'], env);
    expect(r.code).toBe(0);
    expect(r.loaded).toEqual(expect.arrayContaining(['@nestjs/core', 'better-sqlite3']));
  }, 60_000);
});
