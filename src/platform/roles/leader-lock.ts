/**
 * Leadership for singleton roles (the scheduler) over Redis: a lease lock with fencing tokens.
 *
 * - Acquire: one Lua script, atomically: if nobody holds `<key>`, INCR `<key>:fence` and
 *   SET `<key>` = `<owner>:<token>` PX lease. Tokens only ever grow, across all contenders.
 * - Renew: PEXPIRE only if the value is still ours (Lua compare-and-expire), every lease/3.
 * - Loss: a renewal that finds another value, or no successful renewal for `lease - margin`
 *   (Redis unreachable: the key may already have expired), ends the term at once: the
 *   AbortSignal handed to the leader fires before anyone else can have been elected.
 * - Fencing: writes the leader makes are guarded in Redis itself by `fencedEval`, which runs the
 *   write's Lua only while `<key>` still holds this term's `<owner>:<token>`, and by
 *   `FencedTimerStore`, which also stores the token with each timer and refuses a write carrying
 *   a token older than the one already stored (a deposed leader waking from a pause).
 *
 * Redis here is a single primary (as BullMQ requires); this is not Redlock across independent
 * masters, and with Redis replication a failover can lose a lease: the fencing checks are what
 * keep a stale leader's writes out.
 */
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
return token
`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export class FencedOutError extends Error {
  readonly code = 'FENCED_OUT';
  constructor(
    readonly lock: string,
    readonly token: bigint,
  ) {
    super(`leadership of ${lock} (term ${token}) is no longer held: write refused`);
    this.name = 'FencedOutError';
  }
}

export interface LeaderTerm {
  /** The fencing token of this term: strictly greater than every earlier term's. */
  readonly token: bigint;
  /** `<owner>:<token>`, the lock's value while this term lasts. */
  readonly holder: string;
  /** Fires when the term ends (lost, released or stopped). */
  readonly signal: AbortSignal;
}

export interface LeaderLockOptions {
  redis: Redis;
  /** Lock key, e.g. `safeharbor:leader:scheduler` (give tests their own prefix). */
  key: string;
  leaseMs?: number;
  /** How often a follower tries to take the lock (default lease/3). */
  retryMs?: number;
  /** A leader steps down when it has not renewed for lease - margin (default lease/5). */
  safetyMarginMs?: number;
  /** Identifies this process in the lock value (default: a random UUID). */
  owner?: string;
  onError?: (err: unknown) => void;
}

/** Campaigns for a lock and runs `lead` for each term it wins, until stopped. */
export class LeaderLock {
  readonly owner: string;
  readonly key: string;
  readonly fenceKey: string;
  private readonly redis: Redis;
  private readonly leaseMs: number;
  private readonly retryMs: number;
  private readonly marginMs: number;
  private readonly onError: (err: unknown) => void;
  private term: (LeaderTerm & { abort: AbortController; lastRenewed: number; watchdog?: NodeJS.Timeout }) | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: LeaderLockOptions) {
    this.redis = options.redis;
    this.key = options.key;
    this.fenceKey = `${options.key}:fence`;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.retryMs = options.retryMs ?? Math.max(50, Math.floor(this.leaseMs / 3));
    this.marginMs = options.safetyMarginMs ?? Math.floor(this.leaseMs / 5);
    this.owner = options.owner ?? randomUUID();
    this.onError = options.onError ?? (() => undefined);
    if (this.marginMs >= this.leaseMs) throw new Error('safetyMarginMs must be smaller than leaseMs');
  }

  get current(): LeaderTerm | null {
    return this.term;
  }

  get isLeader(): boolean {
    return this.term !== null && !this.term.signal.aborted;
  }

  /** One attempt to take the lock. Returns the new term, or null when someone else holds it. */
  async tryAcquire(): Promise<LeaderTerm | null> {
    if (this.term) return this.term;
    // Lease time is counted from before the request: the server set the expiry no earlier.
    const sentAt = Date.now();
    const res = (await this.redis.eval(ACQUIRE, 2, this.key, this.fenceKey, this.owner, String(this.leaseMs))) as number | null;
    if (res === null || res === undefined) return null;
    const token = BigInt(res);
    const abort = new AbortController();
    const term = { token, holder: `${this.owner}:${token}`, signal: abort.signal, abort, lastRenewed: sentAt };
    this.term = term;
    this.armWatchdog(term);
    return term;
  }

  /** Renews the current term; ends it when the lock is gone or has changed hands. */
  async renew(): Promise<boolean> {
    const term = this.term;
    if (!term) return false;
    const sentAt = Date.now();
    try {
      const ok = (await this.redis.eval(RENEW, 1, this.key, term.holder, String(this.leaseMs))) as number;
      if (ok === 1) {
        term.lastRenewed = sentAt;
        this.armWatchdog(term);
        return true;
      }
      this.endTerm(term, 'lost');
      return false;
    } catch (err) {
      // Unknown outcome: the watchdog ends the term once the last confirmed lease may have run out.
      this.onError(err);
      return false;
    }
  }

  /** Gives the lock up (only if still ours) and ends the term. */
  async release(): Promise<void> {
    const term = this.term;
    if (!term) return;
    this.endTerm(term, 'released');
    await this.redis.eval(RELEASE, 1, this.key, term.holder).catch((err) => this.onError(err));
  }

  /**
   * Campaigns until `stop()`: whenever this process wins a term, `lead(term)` runs; it should
   * stop its work when `term.signal` aborts. Returns at once; campaigning runs on timers.
   */
  campaign(lead: (term: LeaderTerm) => void | Promise<void>): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        if (this.term) {
          await this.renew();
        } else {
          const term = await this.tryAcquire();
          if (term) {
            Promise.resolve()
              .then(() => lead(term))
              .catch((err) => this.onError(err));
          }
        }
      } catch (err) {
        this.onError(err);
      }
      if (!this.stopped) this.timer = setTimeout(tick, this.nextDelay());
    };
    void tick();
  }

  private nextDelay(): number {
    return this.term ? Math.max(10, Math.floor(this.leaseMs / 3)) : this.retryMs;
  }

  /**
   * Ends the term locally when no renewal has been confirmed for lease - margin, even if a
   * Redis call hangs: by then the key may be about to expire and another process may lead.
   */
  private armWatchdog(term: LeaderTerm & { abort: AbortController; watchdog?: NodeJS.Timeout; lastRenewed: number }): void {
    if (term.watchdog) clearTimeout(term.watchdog);
    const left = this.leaseMs - this.marginMs - (Date.now() - term.lastRenewed);
    term.watchdog = setTimeout(() => this.endTerm(term, 'lost'), Math.max(0, left));
    term.watchdog.unref?.();
  }

  /** Stops campaigning and releases the lock if held. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.release();
  }

  private endTerm(term: LeaderTerm & { abort: AbortController; watchdog?: NodeJS.Timeout }, _why: 'lost' | 'released'): void {
    if (term.watchdog) clearTimeout(term.watchdog);
    if (this.term === term) this.term = null;
    if (!term.abort.signal.aborted) term.abort.abort(new FencedOutError(this.key, term.token));
  }

  /**
   * Runs a write script only while this term holds the lock. The script sees the guarded keys
   * as KEYS[2..] and its arguments as ARGV[2..] (KEYS[1] is the lock, ARGV[1] our holder value).
   */
  async fencedEval(term: LeaderTerm, script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    return fencedEval(this.redis, this.key, term, script, keys, args);
  }
}

/** See LeaderLock.fencedEval. Throws FencedOutError when the lock is not held by `term`. */
export async function fencedEval(
  redis: Redis,
  lockKey: string,
  term: LeaderTerm,
  script: string,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  const wrapped = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED') end
local function body(KEYS, ARGV)
${script}
end
local k, a = {}, {}
for i = 2, #KEYS do k[#k + 1] = KEYS[i] end
for i = 2, #ARGV do a[#a + 1] = ARGV[i] end
return body(k, a)
`;
  try {
    return await redis.eval(wrapped, keys.length + 1, lockKey, ...keys, term.holder, ...args.map(String));
  } catch (err) {
    if (err instanceof Error && err.message.includes('FENCED')) throw new FencedOutError(lockKey, term.token);
    throw err;
  }
}

const UPSERT_TIMER = `
local stored = redis.call('HGET', KEYS[1], 'fence')
if stored and tonumber(stored) > tonumber(ARGV[4]) then return redis.error_reply('STALE_FENCE') end
redis.call('HSET', KEYS[1], 'dueAt', ARGV[2], 'payload', ARGV[3], 'fence', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
`;

const REMOVE_TIMER = `
local stored = redis.call('HGET', KEYS[1], 'fence')
if stored and tonumber(stored) > tonumber(ARGV[2]) then return redis.error_reply('STALE_FENCE') end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

export interface StoredTimer {
  id: string;
  dueAt: number;
  payload: string;
  /** The fencing token of the leader term that wrote it. */
  fence: bigint;
}

/**
 * Timers the scheduler derives from the ledger (a cache: the reconciler rewrites them on each
 * term). Every write is fenced twice: the lock must still hold this term's value, and a timer
 * already written by a later term is never overwritten by an earlier one. Payloads carry ids
 * only, never PHI.
 */
export class FencedTimerStore {
  constructor(
    private readonly redis: Redis,
    private readonly lockKey: string,
    private readonly prefix: string,
  ) {}

  private hashKey(id: string): string {
    return `${this.prefix}:timer:${id}`;
  }

  private get indexKey(): string {
    return `${this.prefix}:timers:due`;
  }

  async upsert(term: LeaderTerm, id: string, dueAt: number, payload: string): Promise<void> {
    await this.guard(term, () =>
      fencedEval(
        this.redis,
        this.lockKey,
        term,
        UPSERT_TIMER,
        [this.hashKey(id), this.indexKey],
        [id, dueAt, payload, term.token.toString()],
      ),
    );
  }

  async remove(term: LeaderTerm, id: string): Promise<void> {
    await this.guard(term, () =>
      fencedEval(this.redis, this.lockKey, term, REMOVE_TIMER, [this.hashKey(id), this.indexKey], [id, term.token.toString()]),
    );
  }

  async get(id: string): Promise<StoredTimer | null> {
    const h = await this.redis.hgetall(this.hashKey(id));
    if (!h.dueAt) return null;
    return { id, dueAt: Number(h.dueAt), payload: h.payload ?? '', fence: BigInt(h.fence ?? '0') };
  }

  /** Timer ids due at or before `now`, oldest first. */
  async due(now: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.indexKey, '-inf', now, 'LIMIT', 0, limit);
  }

  private async guard(term: LeaderTerm, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (err instanceof Error && err.message.includes('STALE_FENCE')) throw new FencedOutError(this.lockKey, term.token);
      throw err;
    }
  }
}
