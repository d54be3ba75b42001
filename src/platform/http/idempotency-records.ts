import type Database from 'better-sqlite3';
import type { PgDatabase } from '../postgres/pool';

/** A stored `Idempotency-Key` use: claimed (status null, in flight) or completed with its response. */
export interface IdempotencyRecord {
  fingerprint: string;
  status: number | null;
  body: string | null;
  headers: string | null;
}

/**
 * Where Idempotency-Key records live: the read store (SQLite, one host) or PostgreSQL (shared, so a
 * retry that lands on another machine replays the same response). Both adapters pass
 * test/integration/platform/idempotency-records.spec.ts.
 */
export interface IdempotencyRecords {
  get(principalId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Claims the key for an in-flight request; false when another request holds or used it. */
  claim(principalId: string, key: string, fingerprint: string, nowIso: string): Promise<boolean>;
  complete(principalId: string, key: string, status: number, body: string | null, headers: string): Promise<void>;
  /** Forgets an in-flight claim (the request failed and may be retried with the same key). */
  release(principalId: string, key: string): Promise<void>;
}

export class SqliteIdempotencyRecords implements IdempotencyRecords {
  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS idempotency_keys (
      principal_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER,
      body TEXT, headers TEXT, created_at TEXT NOT NULL, PRIMARY KEY (principal_id, key))`);
  }

  async get(principalId: string, key: string): Promise<IdempotencyRecord | undefined> {
    return this.db
      .prepare('SELECT fingerprint, status, body, headers FROM idempotency_keys WHERE principal_id = ? AND key = ?')
      .get(principalId, key) as IdempotencyRecord | undefined;
  }

  async claim(principalId: string, key: string, fingerprint: string, nowIso: string): Promise<boolean> {
    const r = this.db
      .prepare('INSERT INTO idempotency_keys (principal_id, key, fingerprint, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(principalId, key, fingerprint, nowIso);
    return r.changes > 0;
  }

  async complete(principalId: string, key: string, status: number, body: string | null, headers: string): Promise<void> {
    this.db
      .prepare('UPDATE idempotency_keys SET status = ?, body = ?, headers = ? WHERE principal_id = ? AND key = ?')
      .run(status, body, headers, principalId, key);
  }

  async release(principalId: string, key: string): Promise<void> {
    this.db.prepare('DELETE FROM idempotency_keys WHERE principal_id = ? AND key = ? AND status IS NULL').run(principalId, key);
  }
}

/** Idempotency records on PostgreSQL (migration 004). */
export class PgIdempotencyRecords implements IdempotencyRecords {
  constructor(private readonly db: PgDatabase) {}

  private async q<T extends object>(sql: string, params: unknown[]) {
    await this.db.ready();
    return this.db.pool.query<T & Record<string, unknown>>(sql, params);
  }

  async get(principalId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const r = await this.q<IdempotencyRecord>(
      'SELECT fingerprint, status, body, headers FROM idempotency_keys WHERE principal_id = $1 AND key = $2',
      [principalId, key],
    );
    return r.rows[0];
  }

  async claim(principalId: string, key: string, fingerprint: string, nowIso: string): Promise<boolean> {
    const r = await this.q(
      'INSERT INTO idempotency_keys (principal_id, key, fingerprint, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [principalId, key, fingerprint, nowIso],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async complete(principalId: string, key: string, status: number, body: string | null, headers: string): Promise<void> {
    await this.q('UPDATE idempotency_keys SET status = $1, body = $2, headers = $3 WHERE principal_id = $4 AND key = $5', [
      status,
      body,
      headers,
      principalId,
      key,
    ]);
  }

  async release(principalId: string, key: string): Promise<void> {
    await this.q('DELETE FROM idempotency_keys WHERE principal_id = $1 AND key = $2 AND status IS NULL', [principalId, key]);
  }
}
