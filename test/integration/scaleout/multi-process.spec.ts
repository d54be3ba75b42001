/**
 * A scaled-out Safe Harbor on one machine: two API processes, two workers and two schedulers,
 * all real processes, sharing one SQLite ledger file and the local Redis.
 */
import Redis from 'ioredis';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uuidv7 } from '../../../src/platform/ids';
import { makeTempDir } from '../../support/temp-dir';
import { killRole, startRole, stopRole, type RoleProcess } from './support/processes';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LEASE_MS = 2_000;

jest.setTimeout(240_000);

describe('scale-out: api ×2, worker ×2, scheduler ×2 on one ledger and one Redis', () => {
  const dir = makeTempDir('safeharbor-scaleout-');
  const prefix = `sh-test-scaleout-${uuidv7().slice(-12)}`;
  const env = {
    DATA_DIR: join(dir.path, 'data'),
    MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key'),
    REDIS_URL,
    REDIS_PREFIX: prefix,
    PROJECTION_POLL_MS: '50',
    SCHEDULER_LEASE_MS: String(LEASE_MS),
    ORG_TIMEZONE: 'America/New_York',
    // Real role mailboxes, so /health reports ok rather than the placeholder-address warning.
    SAFEHARBOR_ROLE_EMAILS: JSON.stringify({
      'compliance-officer': ['co@example.org'],
      'security-officer': ['so@example.org'],
      'privacy-officer': ['po@example.org'],
      executive: ['exec@example.org'],
    }),
  };
  const procs: RoleProcess[] = [];
  let api1: RoleProcess;
  let api2: RoleProcess;
  let officerKey: string;

  beforeAll(async () => {
    // The first API process creates the bootstrap admin; the rest start once it exists.
    api1 = await startRole('api-1', 'api', env);
    procs.push(api1);
    const adminKey = readFileSync(join(env.DATA_DIR, 'bootstrap-admin.key'), 'utf8').trim();
    const started = await Promise.all([
      startRole('api-2', 'api', env),
      startRole('worker-1', 'worker', env),
      startRole('worker-2', 'worker', env),
      startRole('scheduler-1', 'scheduler', env),
      startRole('scheduler-2', 'scheduler', env),
    ]);
    procs.push(...started);
    api2 = started[0];
    const res = await call(api1, 'POST', '/v1/principals', adminKey, { name: 'Officer Scale', role: 'compliance-officer' });
    expect(res.status).toBe(201);
    officerKey = (res.body as { apiKey: string }).apiKey;
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => stopRole(p)));
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    dir.cleanup();
  });

  it('every process is healthy and shares the one ledger', async () => {
    const health = await Promise.all(procs.map(async (p) => ({ p, h: await getJson(p.url('/health')) })));
    for (const { p, h } of health) {
      expect({ name: p.name, status: h.status }).toEqual({ name: p.name, status: 'ok' });
      expect((h.ledger as { adapter: string }).adapter).toBe('sqlite');
    }
  });

  it('concurrent amendments of one incident through two API processes: one wins, the other gets 409', async () => {
    const created = await call(api1, 'POST', '/v1/incidents', officerKey, {
      title: 'Laptop stolen from clinic car',
      discoveredOn: '2025-03-01',
      summary: 'Unencrypted laptop with scheduling exports',
      reporter: { kind: 'covered-entity' },
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    let etag = created.headers.get('etag')!;
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      const [a, b] = await Promise.all([
        call(api1, 'PATCH', `/v1/incidents/${id}`, officerKey, { summary: `api-1 round ${round}` }, { 'If-Match': etag }),
        call(api2, 'PATCH', `/v1/incidents/${id}`, officerKey, { summary: `api-2 round ${round}` }, { 'If-Match': etag }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const loser = a.status === 409 ? a : b;
      expect(loser.headers.get('content-type')).toMatch(/application\/problem\+json/);
      etag = (a.status === 200 ? a : b).headers.get('etag')!;
      expect(etag).toBe(`"${round + 2}"`);
    }
    // Both API processes see the same final version: nothing lost, nothing doubled.
    for (const api of [api1, api2]) {
      const got = await waitForVersion(api, id, officerKey, rounds + 1);
      expect(got.headers.get('etag')).toBe(`"${rounds + 1}"`);
    }
  });

  it('exactly one scheduler leads; killing it hands leadership to the other within the lease', async () => {
    const schedulers = procs.filter((p) => p.role === 'scheduler');
    const statuses = await Promise.all(
      schedulers.map(async (p) => (await getJson(p.url('/health'))).scheduler as { leader: boolean; token: string }),
    );
    expect(statuses.filter((s) => s.leader)).toHaveLength(1);
    const leaderIdx = statuses.findIndex((s) => s.leader);
    const leader = schedulers[leaderIdx]!;
    const standby = schedulers[1 - leaderIdx]!;
    const oldToken = BigInt(statuses[leaderIdx]!.token);

    const killedAt = Date.now();
    await killRole(leader); // SIGKILL: no release, the lease must run out
    let took = -1;
    let newToken = 0n;
    while (Date.now() - killedAt < LEASE_MS * 5) {
      const s = (await getJson(standby.url('/health'))).scheduler as { leader: boolean; token: string | null };
      if (s.leader) {
        took = Date.now() - killedAt;
        newToken = BigInt(s.token!);
        break;
      }
      await sleep(50);
    }
    expect(took).toBeGreaterThanOrEqual(0);
    // At most one lease after the last renewal, plus the standby's polling interval (lease/3).
    expect(took).toBeLessThan(LEASE_MS + LEASE_MS / 3 + 1_000);
    expect(newToken).toBeGreaterThan(oldToken);
  });

  it('SIGTERM stops every role cleanly (exit 0), and a stopping scheduler releases its lock at once', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const lockKey = `${prefix}:leader:scheduler`;
      expect(await redis.get(lockKey)).not.toBeNull();
      const alive = procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      expect(alive.map((p) => p.role).sort()).toEqual(['api', 'api', 'scheduler', 'worker', 'worker']);
      for (const p of alive) {
        p.child.kill('SIGTERM');
        expect({ name: p.name, code: await p.exited }).toEqual({ name: p.name, code: 0 });
        if (p.role === 'scheduler') expect(await redis.get(lockKey)).toBeNull();
      }
    } finally {
      await redis.quit();
    }
  });
});

async function call(
  p: RoleProcess,
  method: string,
  path: string,
  apiKey: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(p.url(path), {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  return (await res.json()) as Record<string, unknown>;
}

async function waitForVersion(api: RoleProcess, id: string, key: string, version: number) {
  for (let i = 0; i < 100; i++) {
    const r = await call(api, 'GET', `/v1/incidents/${id}`, key);
    if (r.headers.get('etag') === `"${version}"`) return r;
    await sleep(50);
  }
  return call(api, 'GET', `/v1/incidents/${id}`, key);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
