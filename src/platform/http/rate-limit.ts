import { Injectable, type DynamicModule, type ExecutionContext } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule, type ThrottlerLimitDetail, type ThrottlerStorage } from '@nestjs/throttler';
import type { Request } from 'express';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config';
import { TooManyRequestsError } from '../errors';
import { LOGGER } from '../logger';
import { QUEUES, type QueueRegistry } from '../redis';

/**
 * A token bucket per caller in Redis: `limit` requests per `ttl` ms, refilled continuously, so a
 * caller over the limit waits until one request's worth is back, not a whole window. Time is
 * Redis's own (TIME), so every api process sharing the Redis shares one clock and one bucket.
 * A clock set back never drains a bucket. Returns {allowed, tokens left, ms until full, ms until
 * the next request is allowed}.
 */
const TAKE_TOKEN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local rate = cap / tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then tokens = cap; at = now end
if now > at then tokens = math.min(cap, tokens + (now - at) * rate); at = now end
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
local fullIn = math.ceil((cap - tokens) / rate)
redis.call('PEXPIRE', KEYS[1], math.max(fullIn, 1))
local retryIn = 0
if allowed == 0 then retryIn = math.ceil((1 - tokens) / rate) end
return { allowed, tostring(tokens), fullIn, retryIn }
`;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;
type TakeToken = (key: string, capacity: number, windowMs: number) => Promise<[number, string, number, number]>;

/**
 * @nestjs/throttler storage over the project's Redis (QueueRegistry), under its own key prefix
 * `<REDIS_PREFIX>:ratelimit:`. While Redis does not answer, requests are let through (logged at
 * most every 30 s): the API of a breach service stays up when its job queue is down.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private client: (Redis & { takeToken?: TakeToken }) | null = null;
  private waited = false;
  private lastWarning = 0;

  constructor(
    private readonly redis: () => Redis,
    readonly keyPrefix: string,
    private readonly logger: Logger,
  ) {}

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      const client = await this.ready();
      const [allowed, tokens, fullInMs, retryInMs] = await client.takeToken!(`${this.keyPrefix}${throttlerName}:${key}`, limit, ttl);
      const left = Math.floor(Number(tokens));
      return {
        totalHits: allowed ? limit - left : limit + 1,
        timeToExpire: Math.ceil(fullInMs / 1000),
        isBlocked: !allowed,
        timeToBlockExpire: allowed ? 0 : Math.max(1, Math.ceil(retryInMs / 1000)),
      };
    } catch (err) {
      if (Date.now() - this.lastWarning > 30_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ err }, 'rate limit: Redis did not answer; requests are let through until it does');
      }
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  /** The first request of a process waits (up to 1 s) for the connection; later ones never wait. */
  private async ready(): Promise<Redis & { takeToken?: TakeToken }> {
    if (!this.client) {
      this.client = this.redis();
      this.client.defineCommand('takeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
    }
    const client = this.client;
    if (!this.waited && client.status !== 'ready') {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          client.off('ready', done);
          resolve();
        };
        const t = setTimeout(done, 1000);
        client.once('ready', done);
      });
    }
    this.waited = true;
    return client;
  }
}

/** `Bearer shk_<12 hex key id>_<secret>` → the key id; the secret never leaves the header. */
export function callerOf(req: Pick<Request, 'headers' | 'ip'>): string {
  const auth = req.headers.authorization ?? req.headers['x-api-key'];
  const keyId = typeof auth === 'string' ? /shk_([0-9a-f]{12})_/.exec(auth)?.[1] : undefined;
  return keyId ? `key:${keyId}` : `ip:${req.ip ?? 'unknown'}`;
}

/**
 * One limit per caller (API key id, else client address) across every route and every api
 * process. It runs before authentication, so unauthenticated floods are limited too. Over the
 * limit: 429 problem+json with Retry-After (seconds until the next request is allowed).
 */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return callerOf(req as unknown as Request);
  }

  /** Hashed, so neither key ids nor addresses are written to Redis as they are. */
  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return createHash('sha256').update(tracker).digest('base64url').slice(0, 22);
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const perMinute = Math.round((detail.limit * 60_000) / detail.ttl);
    throw new TooManyRequestsError(`more than ${perMinute} requests a minute; retry later`);
  }
}

/** The HTTP rate limit: RATE_LIMIT_PER_MINUTE per caller, shared through Redis; 0 turns it off. */
export function rateLimitModule(): DynamicModule {
  return {
    module: RateLimitModule,
    imports: [
      ThrottlerModule.forRootAsync({
        inject: [APP_CONFIG, QUEUES, LOGGER],
        useFactory: (config: AppConfig, queues: QueueRegistry, logger: Logger) => ({
          throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(1, config.RATE_LIMIT_PER_MINUTE) }],
          skipIf: () => config.RATE_LIMIT_PER_MINUTE <= 0,
          storage: new RedisThrottlerStorage(() => queues.failFastClient(), `${config.REDIS_PREFIX}:ratelimit:`, logger),
        }),
      }),
    ],
    providers: [{ provide: APP_GUARD, useClass: CallerThrottlerGuard }],
  };
}

export class RateLimitModule {}
