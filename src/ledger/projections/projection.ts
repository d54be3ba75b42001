import type Database from 'better-sqlite3';
import type { RecordedEvent } from '../port';

/**
 * A read model kept in the embedded read store. `apply` runs inside the runner's transaction,
 * together with the checkpoint update, so a crash never applies an event twice or skips one.
 * `apply` must be deterministic: replaying the same events gives the same tables.
 */
export interface Projection {
  /** Stable name; also the key of its checkpoint. */
  readonly name: string;
  /** Bump when the tables or apply logic change: the runner then rebuilds from position 0. */
  readonly version: number;
  /** Event types it reads; others are skipped (but still advance the checkpoint). */
  readonly handles: readonly string[];
  /** Creates its tables (IF NOT EXISTS). */
  setup(db: Database.Database): void;
  /** Empties its tables before a rebuild. */
  reset(db: Database.Database): void;
  apply(db: Database.Database, event: RecordedEvent): void;
}
