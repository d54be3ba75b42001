/**
 * A role process that cannot start says why and exits (2 for bad configuration naming the field,
 * 1 for a ledger that does not answer) instead of lingering on half-opened connections.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { uuidv7 } from '../../../src/platform/ids';
import { makeTempDir } from '../../support/temp-dir';

const ROOT = resolve(__dirname, '../../..');
jest.setTimeout(180_000);

function runWorker(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const dir = makeTempDir('safeharbor-role-start-');
  const child = spawn(
    process.execPath,
    ['-r', join(ROOT, 'scripts', 'swc-register.js'), join(ROOT, 'src', 'cli', 'main.ts'), 'worker', '--port', '0'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATA_DIR: join(dir.path, 'data'),
        MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key'),
        REDIS_PREFIX: `sh-test-start-${uuidv7().slice(-12)}`,
        LOG_LEVEL: 'silent',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  return new Promise((r) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      dir.cleanup();
      r({ code, stderr });
    }),
  );
}

describe('role process start-up failures', () => {
  it('a malformed KURRENTDB_URL exits 2 naming the variable', async () => {
    const r = await runWorker({ LEDGER: 'kurrentdb', KURRENTDB_URL: 'http://ledger.internal:2113' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/env\.KURRENTDB_URL/);
  });

  it('an unreachable KurrentDB exits 1 saying so, without the credentials', async () => {
    const r = await runWorker({ LEDGER: 'kurrentdb', KURRENTDB_URL: 'kurrentdb://admin:s3cret@127.0.0.1:1?tls=false' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/KurrentDB ledger at kurrentdb:\/\/\*\*\*@127\.0\.0\.1:1\?tls=false did not answer/);
    expect(r.stderr).not.toContain('s3cret');
  });
});
