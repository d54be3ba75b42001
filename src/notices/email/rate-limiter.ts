/**
 * A global token bucket in Redis, shared by every worker on every machine: `ratePerSecond`
 * tokens flow in continuously up to `burst`. One Lua script takes a token atomically or says
 * how long to wait; the script reads Redis's own TIME so every worker agrees on the clock.
 */
import type Redis from 'ioredis';

export interface RateLimiter {
  /** Resolves when one send may proceed. */
  acquire(): Promise<void>;
}

export class NoRateLimit implements RateLimiter {
  async acquire(): Promise<void> {}
}

const SCRIPT = `
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil then tokens = burst; ts = now end
local elapsed = math.max(0, now - ts)
tokens = math.min(burst, tokens + elapsed * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', key, 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', key, math.ceil(burst * 1000 / rate) + 60000)
return wait
`;

export class RedisTokenBucket implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ratePerSecond: number,
    private readonly burst: number = Math.max(1, Math.ceil(ratePerSecond)),
  ) {
    if (!(ratePerSecond > 0)) throw new Error('rate limit: ratePerSecond must be positive');
    if (typeof (redis as unknown as Record<string, unknown>).noticesTakeToken !== 'function') {
      redis.defineCommand('noticesTakeToken', { numberOfKeys: 1, lua: SCRIPT });
    }
  }

  async acquire(): Promise<void> {
    for (;;) {
      const wait = Number(
        await (this.redis as unknown as { noticesTakeToken(k: string, r: number, b: number): Promise<number> }).noticesTakeToken(
          this.key,
          this.ratePerSecond,
          this.burst,
        ),
      );
      if (wait <= 0) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
