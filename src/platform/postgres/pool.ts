import { Pool, type PoolConfig } from 'pg';
import { migrate } from './migrate';

/**
 * One connection pool per process for every PostgreSQL store (ledger, vault, artifacts, …),
 * migrated once before first use. Stores take a `PgDatabase` and await `ready()`.
 */
export class PgDatabase {
  readonly pool: Pool;
  private migrated: Promise<void> | null = null;
  private closed = false;

  constructor(url: string, options: Omit<PoolConfig, 'connectionString'> = {}) {
    this.pool = new Pool({ connectionString: url, max: 10, ...options });
    // An idle client that loses its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** Resolves once the schema is current (migrations run at most once per process). */
  ready(): Promise<void> {
    this.migrated ??= migrate(this.pool).then(() => undefined);
    return this.migrated;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.migrated?.catch(() => undefined);
    await this.pool.end();
  }
}
