/**
 * Starts real `safeharbor <role>` processes (TypeScript through SWC) for multi-process tests and
 * stops exactly the processes it started, by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../../..');

export interface RoleProcess {
  name: string;
  role: 'api' | 'worker' | 'scheduler';
  child: ChildProcess;
  port: number;
  pid: number;
  log: string[];
  url(path: string): string;
  exited: Promise<number | null>;
}

export async function startRole(
  name: string,
  role: RoleProcess['role'],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<RoleProcess> {
  const child = spawn(
    process.execPath,
    ['-r', join(ROOT, 'scripts', 'swc-register.js'), join(ROOT, 'src', 'cli', 'main.ts'), role, '--port', '0'],
    { cwd: ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in time:\n${log.join('\n')}`)), timeoutMs);
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        log.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: string; port?: number };
          if (rec.msg?.endsWith(' started') && typeof rec.port === 'number') {
            clearTimeout(timer);
            resolvePort(rec.port);
          }
        } catch {
          /* not JSON */
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => log.push(c.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before starting:\n${log.join('\n')}`));
    });
  });
  return {
    name,
    role,
    child,
    port,
    pid: child.pid!,
    log,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    exited,
  };
}

/** SIGTERM, then SIGKILL after a grace period; only this child. */
export async function stopRole(p: RoleProcess, graceMs = 10_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(t);
}

export async function killRole(p: RoleProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGKILL');
  await p.exited;
}
