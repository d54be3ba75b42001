/**
 * Scheduler leadership against the real local Redis: one leader at a time, takeover after the
 * leader stops renewing, and fencing that keeps a deposed leader's writes out.
 */
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { FencedOutError, FencedTimerStore, LeaderLock, type LeaderTerm } from '../../../src/platform/roles/leader-lock';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LEASE = 600;

describe('LeaderLock (Redis lease + fencing tokens)', () => {
  let prefix: string;
  const clients: Redis[] = [];
  const locks: LeaderLock[] = [];
  // No offline queue: while cut off from Redis, commands fail at once instead of waiting.
  const connect = async () => {
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    r.on('error', () => undefined);
    clients.push(r);
    await new Promise((resolve) => r.once('ready', resolve));
    return r;
  };
  const lockFor = (redis: Redis, owner: string) => {
    const l = new LeaderLock({ redis, key: `${prefix}:leader:scheduler`, leaseMs: LEASE, owner });
    locks.push(l);
    return l;
  };

  beforeEach(() => {
    prefix = `test:scaleout:${randomUUID()}`;
  });

  afterEach(async () => {
    for (const l of locks.splice(0)) await l.stop().catch(() => undefined);
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length) await admin.del(...keys);
    await admin.quit();
    for (const c of clients.splice(0)) {
      if (c.status === 'ready') await c.quit();
      else if (c.status !== 'end') c.disconnect();
    }
  });

  it('of two contenders exactly one leads, and keeps leading while it renews', async () => {
    const a = lockFor(await connect(), 'a');
    const b = lockFor(await connect(), 'b');
    const terms: string[] = [];
    a.campaign((t) => void terms.push(`a:${t.token}`));
    b.campaign((t) => void terms.push(`b:${t.token}`));
    // Three leases: renewals must hold the lock the whole time.
    for (let i = 0; i < 30; i++) {
      await sleep(LEASE / 10);
      expect(Number(a.isLeader) + Number(b.isLeader)).toBeLessThanOrEqual(1);
    }
    expect(Number(a.isLeader) + Number(b.isLeader)).toBe(1);
    expect(terms).toHaveLength(1);
    expect(terms[0]).toMatch(/^[ab]:1$/);
  });

  it('when the leader stops renewing, its term ends first and the other takes over within the lease', async () => {
    const redisA = await connect();
    const a = lockFor(redisA, 'a');
    const b = lockFor(await connect(), 'b');
    const events: { who: string; what: string; at: number; token: bigint }[] = [];
    const lead = (who: string) => (t: LeaderTerm) => {
      events.push({ who, what: 'elected', at: Date.now(), token: t.token });
      t.signal.addEventListener('abort', () => events.push({ who, what: 'ended', at: Date.now(), token: t.token }));
    };
    a.campaign(lead('a'));
    await waitFor(() => a.isLeader);
    b.campaign(lead('b'));
    await sleep(LEASE);
    expect(b.isLeader).toBe(false);

    // Partition the leader from Redis: its renewals fail from now on.
    const stalledAt = Date.now();
    redisA.disconnect();
    await waitFor(() => b.isLeader, LEASE * 5);
    const tookOverAfter = Date.now() - stalledAt;

    const aEnded = events.find((e) => e.who === 'a' && e.what === 'ended')!;
    const bElected = events.find((e) => e.who === 'b' && e.what === 'elected')!;
    expect(aEnded).toBeDefined();
    expect(aEnded.at).toBeLessThanOrEqual(bElected.at); // never two leaders
    expect(bElected.token).toBeGreaterThan(aEnded.token); // fencing tokens only grow
    // The key expires at most one lease after the last renewal; b polls every lease/3.
    expect(tookOverAfter).toBeLessThan(LEASE + LEASE / 3 + 400);
  });

  it("fences a deposed leader's writes in Redis", async () => {
    const redisA = await connect();
    const redisB = await connect();
    const a = lockFor(redisA, 'a');
    const b = lockFor(redisB, 'b');
    const termA = (await a.tryAcquire())!;
    const timersA = new FencedTimerStore(redisA, a.key, prefix);
    const timersB = new FencedTimerStore(redisB, b.key, prefix);
    await timersA.upsert(termA, 'incident-1:notify-hhs', 1_000, '{"incident":"1"}');
    expect((await timersA.get('incident-1:notify-hhs'))!.fence).toBe(termA.token);

    // a stalls past its lease; b is elected.
    await sleep(LEASE + 50);
    const termB = (await b.tryAcquire())!;
    expect(termB.token).toBeGreaterThan(termA.token);
    await timersB.upsert(termB, 'incident-1:notify-hhs', 2_000, '{"incident":"1"}');

    // a wakes up and, not knowing yet, writes with its old term: refused, nothing changes.
    await expect(timersA.upsert(termA, 'incident-1:notify-hhs', 5_000, '{"incident":"1"}')).rejects.toBeInstanceOf(FencedOutError);
    await expect(timersA.remove(termA, 'incident-1:notify-hhs')).rejects.toBeInstanceOf(FencedOutError);
    await expect(a.fencedEval(termA, "return redis.call('SET', KEYS[1], ARGV[1])", [`${prefix}:x`], ['stale'])).rejects.toBeInstanceOf(
      FencedOutError,
    );
    expect(await redisB.get(`${prefix}:x`)).toBeNull();
    const t = (await timersB.get('incident-1:notify-hhs'))!;
    expect(t.dueAt).toBe(2_000);
    expect(t.fence).toBe(termB.token);
    expect(await timersB.due(2_000)).toEqual(['incident-1:notify-hhs']);

    // And a's renewal discovers the loss and ends its term.
    expect(await a.renew()).toBe(false);
    expect(termA.signal.aborted).toBe(true);
    expect(a.isLeader).toBe(false);
  });

  it('a leader that stops cleanly hands over at once, without waiting for the lease', async () => {
    const a = lockFor(await connect(), 'a');
    const b = lockFor(await connect(), 'b');
    await a.tryAcquire();
    expect(await b.tryAcquire()).toBeNull();
    await a.stop();
    const t = await b.tryAcquire();
    expect(t).not.toBeNull();
    expect(t!.token).toBe(2n);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await sleep(10);
  }
}
