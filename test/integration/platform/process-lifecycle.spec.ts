import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/platform/logger';
import { QueueRegistry } from '../../../src/platform/redis';
import { makeTempDir } from '../../support/temp-dir';

const ROOT = join(__dirname, '../../..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('service process lifecycle', () => {
  it('serves /health, then on SIGTERM drains, closes workers and stores, and exits 0', async () => {
    const dir = makeTempDir();
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', join(ROOT, 'scripts/swc-register.js'), join(ROOT, 'src/main.ts')], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: join(dir.path, 'data'),
        MASTER_KEY_FILE: join(dir.path, 'master.key'),
        REDIS_PREFIX: `sh-life-${port}`,
        LOG_LEVEL: 'info',
      },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      let healthy = false;
      for (let i = 0; i < 100 && !healthy; i++) {
        await new Promise((r) => setTimeout(r, 200));
        healthy = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.status === 200,
          () => false,
        );
      }
      expect(healthy).toBe(true);
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('Safe Harbor stopped');
    } finally {
      child.kill('SIGKILL');
      dir.cleanup();
    }
  }, 60_000);

  it('warns when Redis may evict BullMQ keys (maxmemory-policy other than noeviction)', async () => {
    const dir = makeTempDir();
    const port = await freePort();
    execFileSync('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--daemonize',
      'yes',
      '--save',
      '',
      '--dir',
      dir.path,
      '--maxmemory-policy',
      'allkeys-lru',
    ]);
    const lines: string[] = [];
    const logger = createLogger('warn', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) as never);
    const queues = new QueueRegistry(`redis://127.0.0.1:${port}`, 'sh-evict', logger);
    try {
      for (let i = 0; i < 50 && !(await queues.ping()); i++) await new Promise((r) => setTimeout(r, 100));
      await queues.checkEvictionPolicy();
      expect(lines.join('')).toMatch(/maxmemory-policy is \\"allkeys-lru\\"/);
    } finally {
      await queues.close();
      execFileSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
      dir.cleanup();
    }
  }, 30_000);
});
