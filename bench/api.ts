/**
 * `npm run bench -- api [--rate N] [--seconds S]`
 *
 * The HTTP API under a fixed request rate, the service started as `npm start` starts it (every
 * role in one process, SQLite ledger, Redis, outbox mail) in a fresh data folder. An open-loop
 * generator sends at a constant rate whatever the answers do and measures each latency from the
 * moment the request was due, so a slow server cannot hide its queueing (no coordinated omission).
 * In the same run: `GET /health` (the floor), `GET /v1/incidents/{id}`, and `POST /v1/incidents`.
 * Prints, per route, p50/p99/max and errors; the POST line's ratio is its p99 over the floor's.
 * Target (issue 15): POST at 500/s with 0 errors and p99 < 20 ms. The HTTP rate limit is lifted
 * for the run (RATE_LIMIT_PER_MINUTE=0) so the figure is the service's, not the limiter's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { arg, percentile, report, round } from './support';

const RATE = arg('rate', 500);
const SECONDS = arg('seconds', 10);
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

/** Open loop: request i is due at start + i/rate; its latency counts from then. */
async function load(
  port: number,
  send: () => Promise<Reply>,
  okStatus: number,
): Promise<{ lat: number[]; errors: number; sample?: string; achieved: number }> {
  const total = RATE * SECONDS;
  const lat: number[] = [];
  let errors = 0;
  let sample: string | undefined;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      send().then(
        (r) => {
          lat.push(performance.now() - due);
          if (r.status !== okStatus) {
            errors++;
            sample ??= `${r.status} ${r.body.slice(0, 200)}`;
          }
        },
        (e: Error) => {
          lat.push(performance.now() - due);
          errors++;
          sample ??= e.message;
        },
      ),
    );
  }
  await Promise.all(inflight);
  return { lat, errors, sample, achieved: total / ((performance.now() - start) / 1000) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sh-bench-api-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  try {
    child = spawn(process.execPath, ['-r', join(REPO, 'scripts/swc-register.js'), join(REPO, 'src/main.ts')], {
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
    });
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
    const runs = [
      { name: 'GET /health', ok: 200, send: () => call(port, 'GET', '/health') },
      { name: 'GET /v1/incidents/{id}', ok: 200, send: () => call(port, 'GET', `/v1/incidents/${id}`, responder) },
      { name: 'POST /v1/incidents', ok: 201, send: () => call(port, 'POST', '/v1/incidents', responder, incident(n++)) },
    ];
    const results: Record<string, { p50: number; p99: number; max: number; errors: number; achieved: number }> = {};
    for (const r of runs) {
      const { lat, errors, sample, achieved } = await load(port, r.send, r.ok);
      results[r.name] = { p50: percentile(lat, 50), p99: percentile(lat, 99), max: Math.max(...lat), errors, achieved };
      process.stdout.write(
        JSON.stringify({
          bench: `api ${r.name}`,
          rate: RATE,
          seconds: SECONDS,
          achievedPerSecond: round(achieved),
          p50ms: round(results[r.name]!.p50),
          p99ms: round(results[r.name]!.p99),
          maxms: round(results[r.name]!.max),
          errors,
          ...(sample ? { firstError: sample } : {}),
        }) + '\n',
      );
    }
    const post = results['POST /v1/incidents']!;
    report('api POST p99 vs /health p99 (ms)', post.p99, results['GET /health']!.p99, 'ms', {
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
