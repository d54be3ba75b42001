/**
 * Keys apart from the data (issue 14, item 2): `npm start` runs the default witness as its own
 * process (`safeharbor witness serve`) with its key in its own folder, and the service reaches it
 * only over HTTP. This starts both as `scripts/start.js` does (scripts/default-witness.js), signs a
 * checkpoint through the API and checks the witness process cosigned it: the cosignature verifies
 * against the witness's key, and the witness itself holds the checkpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Ed25519NoteKey, verifyNoteSignatures } from '../../../src/ledger/integrity/note';
import { makeTempDir } from '../../support/temp-dir';

const ROOT = join(__dirname, '../../..');
const CLI = [process.execPath, '-r', join(ROOT, 'scripts/swc-register.js'), join(ROOT, 'src/cli/main.ts')];

type Witness = { dir: string; url: string; witnessKey: string; env: Record<string, string>; stop(): void };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startDefaultWitness, settings } = require('../../../scripts/default-witness') as {
  startDefaultWitness(o: { cli: string[]; env: NodeJS.ProcessEnv; cwd: string; log?: (l: string) => void }): Promise<Witness | null>;
  settings(env: NodeJS.ProcessEnv, cwd: string): { off: boolean; dir: string; port: number };
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('default witness under npm start (e2e)', () => {
  it('runs the witness as its own process with its key outside the service folders, and the service gets its checkpoints cosigned', async () => {
    const dir = makeTempDir('safeharbor-witness-e2e-');
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: join(dir.path, 'data'),
      MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key'),
      SAFEHARBOR_WITNESS_DIR: join(dir.path, 'witness'),
      SAFEHARBOR_WITNESS_PORT: '0',
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `sh-witness-${port}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    };
    delete env.LEDGER_WITNESS_DIRS;
    delete env.LEDGER_WITNESS_URLS;
    const lines: string[] = [];
    let service: ChildProcess | null = null;
    let witness: Witness | null = null;
    try {
      witness = await startDefaultWitness({ cli: CLI, env, cwd: ROOT, log: (l) => lines.push(l) });
      expect(witness).not.toBeNull();
      const w = witness!;
      expect(w.env).toEqual({ LEDGER_WITNESS_URLS: `${w.witnessKey}@${w.url}`, LEDGER_WITNESS_DIRS: '' });

      service = spawn(CLI[0]!, [CLI[1]!, CLI[2]!, join(ROOT, 'src/main.ts')], { env: { ...env, ...w.env }, stdio: 'ignore' });
      const base = `http://127.0.0.1:${port}`;
      let healthy = false;
      for (let i = 0; i < 150 && !healthy; i++) {
        await new Promise((r) => setTimeout(r, 200));
        healthy = await fetch(`${base}/health`).then(
          (r) => r.status === 200,
          () => false,
        );
      }
      expect(healthy).toBe(true);

      // An officer signs a checkpoint now; the service offers it to the witness process.
      const admin = readFileSync(join(dir.path, 'data', 'bootstrap-admin.key'), 'utf8').trim();
      const created = await fetch(`${base}/v1/principals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Officer W', role: 'security-officer' }),
      });
      expect(created.status).toBe(201);
      const officer = ((await created.json()) as { apiKey: string }).apiKey;
      const signed = await fetch(`${base}/v1/ledger/checkpoints`, { method: 'POST', headers: { authorization: `Bearer ${officer}` } });
      const result = (await signed.json()) as { size: number; cosignatures: number; witnesses: { witness?: string; ok?: boolean }[] };
      expect(signed.status).toBe(200);
      expect(result.cosignatures).toBe(1);

      // The checkpoint the service serves carries a cosignature that verifies against the witness's key…
      const cp = (await (await fetch(`${base}/v1/ledger/checkpoint`, { headers: { authorization: `Bearer ${officer}` } })).json()) as {
        size: number;
        note: string;
      };
      expect(cp.size).toBe(result.size);
      const witnessKey = Ed25519NoteKey.fromVerifierKey(w.witnessKey);
      expect(verifyNoteSignatures(cp.note, [witnessKey]).verified.map((v) => v.name)).toEqual([witnessKey.name]);
      // …and the witness process itself holds that checkpoint.
      const held = await fetch(`${w.url}/checkpoint?origin=${encodeURIComponent('safeharbor.local/ledger')}`);
      expect(held.status).toBe(200);
      expect((await held.text()).split('\n')[1]).toBe(String(result.size));

      // Its key lives in its own folder (0600), outside the data folder; the service made no file witness.
      const files = readdirSync(w.dir);
      const keyFile = files.find((f) => /\.key$/.test(f));
      expect(keyFile).toBeDefined();
      expect(statSync(join(w.dir, keyFile!)).mode & 0o077).toBe(0);
      expect(existsSync(join(dir.path, 'data-witness'))).toBe(false);
      expect(readdirSync(join(dir.path, 'data')).some((f) => /witness/.test(f))).toBe(false);
      // eslint-disable-next-line no-console
      console.log(`default witness: ${w.url}, checkpoint of size ${result.size} cosigned by ${witnessKey.name}`);
    } finally {
      service?.kill('SIGTERM');
      witness?.stop();
      await new Promise((r) => setTimeout(r, 300));
      service?.kill('SIGKILL');
      dir.cleanup();
    }
  }, 90_000);

  it('is off with SAFEHARBOR_WITNESS=off, and never takes a folder inside DATA_DIR', async () => {
    expect(await startDefaultWitness({ cli: CLI, env: { SAFEHARBOR_WITNESS: 'off' }, cwd: ROOT })).toBeNull();
    expect(() => settings({ DATA_DIR: '/srv/sh/data', SAFEHARBOR_WITNESS_DIR: '/srv/sh/data/witness' }, '/')).toThrow(/inside DATA_DIR/);
    expect(() => settings({ SAFEHARBOR_WITNESS_PORT: 'x' }, '/')).toThrow(/SAFEHARBOR_WITNESS_PORT/);
    expect(settings({ DATA_DIR: '/srv/sh/data' }, '/srv/sh')).toEqual({ off: false, dir: '/srv/sh/witness', port: 7380 });
  });
});
