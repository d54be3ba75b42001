import type { PgDatabase } from '../platform/postgres/pool';
import type { DataKeyRepository, WrappedKeyRow } from './data-key-store';

/**
 * Wrapped data keys on PostgreSQL (table data_keys, migration 002), shared by every machine.
 * Shredding sets the wrapped key to NULL and vacuums the table so the old row version's space is
 * reclaimed; its bytes may still sit in WAL segments and backups until they age out, which is why
 * only master-key-wrapped keys are ever stored here (docs/deployment.md, backups).
 */
export class PgDataKeyRepository implements DataKeyRepository {
  constructor(private readonly db: PgDatabase) {}

  async get(scope: string): Promise<WrappedKeyRow | undefined> {
    await this.db.ready();
    const r = await this.db.pool.query<{ wrapped: Buffer | null; shredded_at: string | null }>(
      'SELECT wrapped, shredded_at FROM data_keys WHERE scope = $1',
      [scope],
    );
    const row = r.rows[0];
    return row ? { wrapped: row.wrapped, shreddedAt: row.shredded_at } : undefined;
  }

  async insertIfAbsent(scope: string, wrapped: Buffer, nowIso: string): Promise<boolean> {
    await this.db.ready();
    const r = await this.db.pool.query(
      'INSERT INTO data_keys (scope, wrapped, created_at) VALUES ($1, $2, $3) ON CONFLICT (scope) DO NOTHING',
      [scope, wrapped, nowIso],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async tombstone(scope: string, nowIso: string): Promise<void> {
    await this.db.ready();
    await this.db.pool.query(
      `INSERT INTO data_keys (scope, wrapped, created_at, shredded_at) VALUES ($1, NULL, $2, $2)
       ON CONFLICT (scope) DO UPDATE SET wrapped = NULL, shredded_at = excluded.shredded_at`,
      [scope, nowIso],
    );
    await this.db.pool.query('VACUUM data_keys').catch(() => undefined); // best effort: reclaim the dead row version
  }

  /** The pool belongs to the process (PgDatabase), closed by whoever opened it. */
  async close(): Promise<void> {}
}
