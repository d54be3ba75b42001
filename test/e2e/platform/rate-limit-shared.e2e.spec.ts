import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createHttpApp } from '../../../src/app';
import { FakeClock } from '../../../src/platform/clock';
import { loadConfig } from '../../../src/platform/config';
import { createLogger } from '../../../src/platform/logger';
import { makeTempDir } from '../../support/temp-dir';
import { testRedisPrefix } from '../../support/test-app';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIMIT = 12;

/**
 * Two api processes of one deployment (one ledger, one Redis prefix) share one rate limit per
 * caller: requests sent to either count against it.
 */
describe('HTTP rate limit shared through Redis by several api instances', () => {
  const dir = makeTempDir('safeharbor-ratelimit-');
  const prefix = testRedisPrefix();
  const config = loadConfig({
    DATA_DIR: join(dir.path, 'data'),
    MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key'),
    REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    PROJECTION_POLL_MS: '25',
    RATE_LIMIT_PER_MINUTE: String(LIMIT),
  });
  const clock = new FakeClock('2025-03-10T14:00:00.000Z');
  let a: INestApplication;
  let b: INestApplication;
  let adminKey: string;

  beforeAll(async () => {
    a = await createHttpApp({ config, logger: createLogger('silent'), clock, roles: ['api', 'worker', 'scheduler'] });
    await a.init();
    b = await createHttpApp({ config, logger: createLogger('silent'), clock, roles: ['api'] });
    await b.init();
    adminKey = readFileSync(join(config.dataDir, 'bootstrap-admin.key'), 'utf8').trim();
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    dir.cleanup();
  });

  it('counts requests to both instances against one limit; 429 is problem+json with Retry-After on either', async () => {
    const auditor = await request(a.getHttpServer())
      .post('/v1/principals')
      .set('Authorization', `Bearer ${adminKey}`)
      .send({ name: 'Avery Auditor', role: 'auditor' });
    expect(auditor.status).toBe(201);
    const key: string = auditor.body.apiKey;
    const get = (app: INestApplication) => request(app.getHttpServer()).get('/v1/incidents').set('Authorization', `Bearer ${key}`);
    // The key is known to b once its read model has caught up; these requests count too.
    let used = 1;
    while ((await get(b)).status === 401 && used < LIMIT - 4) {
      used++;
      await new Promise((r) => setTimeout(r, 25));
    }

    const statuses: Array<[string, number]> = [];
    for (let i = 0; i < LIMIT + 4; i++) {
      const [name, app] = i % 2 === 0 ? ['a', a] : ['b', b];
      statuses.push([name, (await get(app)).status]);
    }
    // Each instance alone would have let all of them through.
    const ok = statuses.filter(([, s]) => s === 200).length;
    expect(used + ok).toBeLessThanOrEqual(LIMIT + 1); // refill during the test is under one request
    expect(used + ok).toBeGreaterThanOrEqual(LIMIT);
    expect(statuses.filter(([n, s]) => n === 'a' && s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter(([n, s]) => n === 'b' && s === 429).length).toBeGreaterThan(0);

    for (const app of [a, b]) {
      const limited = await get(app);
      expect(limited.status).toBe(429);
      expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(limited.body).toMatchObject({ status: 429, title: 'Too Many Requests', instance: '/v1/incidents' });
      expect(limited.body.detail).toContain(`more than ${LIMIT} requests a minute`);
      // 12 a minute: one request's worth comes back within 5 s.
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(5);
    }

    // Another caller has its own budget, on both instances.
    expect((await request(b.getHttpServer()).get('/v1/principals').set('Authorization', `Bearer ${adminKey}`)).status).toBe(200);
  });

  it('limits a caller before authentication: a flood of bad keys meets 429, not an endless 401', async () => {
    const bogus = `Bearer shk_0123456789ab_${'A'.repeat(43)}`;
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++)
      statuses.push(
        (
          await request((i % 2 ? a : b).getHttpServer())
            .get('/v1/incidents')
            .set('Authorization', bogus)
        ).status,
      );
    expect(statuses.slice(0, LIMIT - 2).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(-2)).toEqual([429, 429]);
  });

  it('keeps its buckets under the deployment prefix, keyed by a hash (no key id or address in Redis)', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}:ratelimit:*`);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      for (const k of keys) {
        expect(k).toMatch(new RegExp(`^${prefix}:ratelimit:default:[A-Za-z0-9_-]{22}$`));
        expect(k).not.toContain('0123456789ab');
        expect(await redis.pttl(k)).toBeGreaterThan(0); // buckets expire once full again
      }
    } finally {
      await redis.quit();
    }
  });
});
