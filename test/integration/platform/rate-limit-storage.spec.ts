import Redis from 'ioredis';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/platform/logger';
import { RedisThrottlerStorage } from '../../../src/platform/http/rate-limit';
import { testRedisPrefix } from '../../support/test-app';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger('warn', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) as never);
  return { logger, lines };
}

describe('RedisThrottlerStorage (token bucket in Redis)', () => {
  const prefix = `${testRedisPrefix()}:ratelimit:`;
  const redis = new Redis(REDIS_URL);

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('lets `limit` requests through, then blocks with the seconds until one request is back', async () => {
    const storage = new RedisThrottlerStorage(() => redis, prefix, createLogger('silent'));
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await storage.increment('caller-a', 60_000, 3, 60_000, 'default'));
    expect(hits.map((h) => h.isBlocked)).toEqual([false, false, false, true]);
    expect(hits.map((h) => h.totalHits)).toEqual([1, 2, 3, 4]);
    // 3 a minute: one comes back every 20 s.
    expect(hits[3].timeToBlockExpire).toBeGreaterThanOrEqual(19);
    expect(hits[3].timeToBlockExpire).toBeLessThanOrEqual(20);
    expect(hits[2].timeToExpire).toBeGreaterThanOrEqual(59);
    // Another caller, and the same caller under another throttler name, have their own buckets.
    expect((await storage.increment('caller-b', 60_000, 3, 60_000, 'default')).isBlocked).toBe(false);
    expect((await storage.increment('caller-a', 60_000, 3, 60_000, 'burst')).isBlocked).toBe(false);
    expect(await redis.pttl(`${prefix}default:caller-a`)).toBeGreaterThan(59_000);
  });

  it('refills continuously: a request is back after limit/ttl of the window', async () => {
    const storage = new RedisThrottlerStorage(() => redis, prefix, createLogger('silent'));
    // 5 per 5 s: one request comes back every second.
    const take = () => storage.increment('caller-c', 5_000, 5, 5_000, 'default');
    for (let i = 0; i < 5; i++) expect((await take()).isBlocked).toBe(false);
    const blocked = await take();
    expect(blocked.isBlocked).toBe(true);
    expect(blocked.timeToBlockExpire).toBe(1);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await take()).isBlocked).toBe(false);
    expect((await take()).isBlocked).toBe(true);
  });

  it('lets requests through, at once after the first second, while Redis does not answer, and says so once', async () => {
    const { logger, lines } = capturingLogger();
    const dead = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 200 });
    dead.on('error', () => undefined);
    try {
      const storage = new RedisThrottlerStorage(() => dead, prefix, logger);
      const started = Date.now();
      const first = await storage.increment('caller-d', 60_000, 1, 60_000, 'default');
      const second = await storage.increment('caller-d', 60_000, 1, 60_000, 'default');
      expect(Date.now() - started).toBeLessThan(1_800);
      expect([first.isBlocked, second.isBlocked]).toEqual([false, false]);
      expect(lines.filter((l) => l.includes('rate limit: Redis did not answer'))).toHaveLength(1);
    } finally {
      dead.disconnect();
    }
  });
});
