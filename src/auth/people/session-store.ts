import { createHash } from 'node:crypto';
import IORedis, { type Redis } from 'ioredis';
import type { Role } from '../domain/roles';
import type { SignInMethod } from './domain/sign-in';

/**
 * Console sessions live in Redis, shared by every API process; losing Redis signs people out,
 * which is safe. Keys are SHA-256 of the cookie secret, so a Redis dump holds no usable cookie.
 * Times are the injected clock's (milliseconds); Redis's own TTL only collects garbage.
 */
export interface SessionRecord {
  ref: string;
  principalId: string;
  role: Role;
  method: SignInMethod;
  /** Kept in clear: it only proves a request came from the console's own page, which reads it from GET /v1/session. */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export class SessionStore {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly gcSeconds: number,
  ) {
    this.redis = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.redis.on('error', () => undefined); // surfaced by the failing command
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}:console:${kind}:${id}`;
  }

  async save(secret: string, s: SessionRecord): Promise<void> {
    await this.redis.set(this.key('session', sha256(secret)), JSON.stringify(s), 'EX', this.gcSeconds);
  }

  async get(secret: string): Promise<SessionRecord | null> {
    const raw = await this.redis.get(this.key('session', sha256(secret)));
    return raw ? (JSON.parse(raw) as SessionRecord) : null;
  }

  /** True when this call removed it (so concurrent requests record one sign-out, not two). */
  async delete(secret: string): Promise<boolean> {
    return (await this.redis.del(this.key('session', sha256(secret)))) === 1;
  }

  /** One-time values (WebAuthn challenges, OIDC state): taken once, then gone. */
  async putOnce(kind: string, id: string, value: unknown, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(kind, id), JSON.stringify(value), 'EX', ttlSeconds);
  }

  async takeOnce<T>(kind: string, id: string): Promise<T | null> {
    const raw = await this.redis.getdel(this.key(kind, id));
    return raw ? (JSON.parse(raw) as T) : null;
  }

  async close(): Promise<void> {
    if (this.redis.status === 'wait' || this.redis.status === 'end') {
      this.redis.disconnect();
      return;
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
