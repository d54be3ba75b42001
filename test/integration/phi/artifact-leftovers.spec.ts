/**
 * Leftovers (issue 14, item 11): a process killed with SIGKILL while writing an import leaves its
 * encrypted temporary file; the next start removes it once it is older than the longest import,
 * and leaves a younger one (another process may still be writing it).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FakeClock } from '../../../src/platform/clock';
import { loadConfig } from '../../../src/platform/config';
import { startTestApp } from '../../support/test-app';
import { makeTempDir } from '../../support/temp-dir';

const repo = resolve(__dirname, '../../..');

describe('abandoned temporary artifact files', () => {
  it('are left by a SIGKILL mid-import and removed at the next start when older than the longest import', async () => {
    const dir = makeTempDir('safeharbor-leftovers-');
    try {
      const env = { DATA_DIR: join(dir.path, 'data'), MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key') };
      const config = loadConfig(env);
      const tmpDir = join(config.artifactsDir, 'tmp');
      const child = spawn(
        process.execPath,
        [
          '-r',
          join(repo, 'scripts/swc-register.js'),
          join(repo, 'test/support/write-artifact-forever.ts'),
          config.masterKeyPath,
          config.vaultPath,
          config.artifactsDir,
        ],
        { stdio: 'ignore' },
      );
      // Wait until the import has written encrypted bytes, then kill it without a chance to clean up.
      const deadline = Date.now() + 20_000;
      let leftover: string | undefined;
      while (Date.now() < deadline) {
        const names = existsSync(tmpDir) ? readdirSync(tmpDir) : [];
        if (names.length === 1 && statSync(join(tmpDir, names[0]!)).size > 100_000) {
          leftover = join(tmpDir, names[0]!);
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      expect(leftover).toBeDefined();
      expect(existsSync(leftover!)).toBe(true);
      expect(readdirSync(tmpDir)).toHaveLength(1);

      // The next start runs at "now" on the fake clock: the leftover is 7 hours old, a write in progress 1 minute.
      const clock = new FakeClock('2025-03-10T14:00:00.000Z');
      const now = clock.now().getTime();
      utimesSync(leftover!, new Date(now - 7 * 3600_000), new Date(now - 7 * 3600_000));
      const young = join(tmpDir, 'in-progress-elsewhere');
      writeFileSync(young, 'x');
      utimesSync(young, new Date(now - 60_000), new Date(now - 60_000));

      const t = await startTestApp({ clock, env });
      try {
        expect(existsSync(leftover!)).toBe(false);
        expect(existsSync(young)).toBe(true);
      } finally {
        await t.close();
      }
    } finally {
      dir.cleanup();
    }
  }, 60_000);
});
