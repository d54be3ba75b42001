/**
 * `npm run bench -- api [--rate N] [--seconds S] [--connections C]`
 *
 * The HTTP API under a fixed request rate, the service started as `npm start` starts it (every
 * role in one process, SQLite ledger, Redis, outbox mail) in a fresh data folder. Load comes from
 * autocannon at a fixed overall rate (`--rate`, default 500/s, over `--connections`, default 100),
 * which corrects for coordinated omission: a late answer delays its connection's next request,
 * and that request's latency counts from when it was due.
 * In the same run: `GET /health` (the floor), `GET /v1/incidents/{id}`, and `POST /v1/incidents`.
 * Prints, per route, p50/p99/max, errors, achieved rate and the service's CPU ms per request; the POST line's ratio is its p99 over the floor's.
 * Target (issue 15): POST at 500/s with 0 errors and p99 < 20 ms. The HTTP rate limit is lifted
 * for the run (RATE_LIMIT_PER_MINUTE=0) so the figure is the service's, not the limiter's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { arg, report, round } from './support';

const RATE = arg('rate', 500);
const SECONDS = arg('seconds', 10);
const CONNECTIONS = arg('connections', 100);
/** `--only post|get|health`: run one phase (for profiling); `--cpu-prof DIR`: the service writes a V8 CPU profile there. */
const ONLY = flag('only');
const CPU_PROF = flag('cpu-prof');

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const REPO = resolve(__dirname, '..');

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

interface Reply {
  status: number;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
function call(port: number, method: string, path: string, token?: string, body?: unknown): Promise<Reply> {
  return new Promise((res, rej) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}),
        },
      },
      (r) => {
        let b = '';
        r.setEncoding('utf8');
        r.on('data', (c) => (b += c));
        r.on('end', () => res({ status: r.statusCode ?? 0, body: b }));
      },
    );
    req.on('error', rej);
    req.end(data);
  });
}

/** User + system CPU seconds a process has used so far (Linux /proc), or NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

interface Phase {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  ok: number;
  body?: () => string;
}

interface PhaseResult {
  p50: number;
  p99: number;
  max: number;
  errors: number;
  achieved: number;
  cpuMsPerRequest: number;
  sample?: string;
}

/**
 * autocannon at a fixed overall rate; with a rate set it corrects for coordinated omission (a
 * late answer delays the connection's next request, whose latency then counts from when it was due).
 */
async function load(port: number, token: string, phase: Phase, pid: number | undefined): Promise<PhaseResult> {
  let errors = 0;
  let sample: string | undefined;
  const cpu0 = cpuSeconds(pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    overallRate: RATE,
    duration: SECONDS,
    timeout: 10,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [
      {
        method: phase.method,
        path: phase.path,
        ...(phase.body
          ? {
              setupRequest: (req: autocannon.Request) => ({ ...req, body: phase.body!() }),
            }
          : {}),
        onResponse: (status: number, body: string) => {
          if (status !== phase.ok) {
            errors++;
            sample ??= `${status} ${body.slice(0, 200)}`;
          }
        },
      },
    ],
  });
  const cpu = cpuSeconds(pid) - cpu0;
  const done = result.requests.total;
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: errors + result.errors + result.timeouts,
    achieved: done / SECONDS,
    cpuMsPerRequest: done > 0 ? (cpu * 1000) / done : Number.NaN,
    sample,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sh-bench-api-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  try {
    child = spawn(
      process.execPath,
      [
        ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${resolve(CPU_PROF)}`] : []),
        '-r',
        join(REPO, 'scripts/swc-register.js'),
        join(REPO, 'src/main.ts'),
      ],
      {
        cwd: dir,
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATA_DIR: join(dir, 'data'),
          MASTER_KEY_FILE: join(dir, 'secrets', 'master.key'),
          REDIS_PREFIX: `sh-bench-api-${process.pid}`,
          RATE_LIMIT_PER_MINUTE: '0',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const deadline = Date.now() + 120_000;
    for (;;) {
      const up = await call(port, 'GET', '/health').catch(() => null);
      if (up && up.status < 500) break;
      if (Date.now() > deadline) throw new Error('the service did not answer /health within 120 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    const admin = readFileSync(join(dir, 'data', 'bootstrap-admin.key'), 'utf8').trim();
    const p = await call(port, 'POST', '/v1/principals', admin, { name: 'Bench Responder', role: 'incident-responder' });
    const responder = (JSON.parse(p.body) as { apiKey: string }).apiKey;
    const incident = (body: number) => ({
      title: `Bench incident ${body}`,
      discoveredOn: '2026-03-10',
      summary: 'Workstation left unlocked in a records room during a benchmark run',
      reporter: { kind: 'covered-entity' },
    });
    const created = await call(port, 'POST', '/v1/incidents', responder, incident(0));
    if (created.status !== 201) throw new Error(`POST /v1/incidents answered ${created.status}: ${created.body.slice(0, 300)}`);
    const id =
      (JSON.parse(created.body) as { id?: string; incidentId?: string }).id ??
      (JSON.parse(created.body) as { incidentId: string }).incidentId;
    // Warm-up: JIT, SQLite pages, connections.
    for (let i = 0; i < 200; i++) await call(port, 'GET', '/health');

    let n = 1;
    const phases: Phase[] = [
      { name: 'GET /health', method: 'GET', path: '/health', ok: 200 },
      { name: 'GET /v1/incidents/{id}', method: 'GET', path: `/v1/incidents/${id}`, ok: 200 },
      { name: 'POST /v1/incidents', method: 'POST', path: '/v1/incidents', ok: 201, body: () => JSON.stringify(incident(n++)) },
    ];
    const results: Record<string, PhaseResult> = {};
    for (const phase of phases) {
      if (ONLY && !phase.name.toLowerCase().includes(ONLY)) continue;
      const r = await load(port, responder, phase, child.pid);
      results[phase.name] = r;
      process.stdout.write(
        JSON.stringify({
          bench: `api ${phase.name}`,
          rate: RATE,
          seconds: SECONDS,
          connections: CONNECTIONS,
          achievedPerSecond: round(r.achieved),
          p50ms: round(r.p50),
          p99ms: round(r.p99),
          maxms: round(r.max),
          errors: r.errors,
          serviceCpuMsPerRequest: round(r.cpuMsPerRequest),
          ...(r.sample ? { firstError: r.sample } : {}),
        }) + '\n',
      );
    }
    const post = results['POST /v1/incidents'];
    if (!post || !results['GET /health']) return;
    report('api POST p99 vs /health p99 (ms)', post.p99, results['GET /health'].p99, 'ms', {
      target: 'POST p99 < 20 ms at 500/s, 0 errors',
      postErrors: post.errors,
    });
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e) => {
  process.stderr.write(`bench api: ${(e as Error).message}\n`);
  process.exit(1);
});
