import { KurrentDbEventStore } from '../../ledger/kurrentdb/kurrentdb-event-store';
import { PgIntegrityTree } from '../../ledger/integrity/pg-integrity-tree';
import { PostgresEventStore } from '../../ledger/postgres/postgres-event-store';
import type { EventStore } from '../../ledger/port';
import { PgDatabase } from '../postgres/pool';
import type { Clock } from '../clock';
import type { AppConfig } from '../config';
import { ValidationError } from '../errors';

/**
 * The ledger a process uses, from configuration: `LEDGER=sqlite` (default) returns undefined so
 * the platform opens the embedded file; `LEDGER=kurrentdb` connects to `KURRENTDB_URL`;
 * `LEDGER=postgres` to `DATABASE_URL` (migrated before the first query).
 */
export function createEventStore(config: AppConfig, clock: Clock, pg?: PgDatabase | null): EventStore | undefined {
  if (config.LEDGER === 'postgres') {
    const store = pg
      ? new PostgresEventStore({ db: pg, clock, pollIntervalMs: config.PROJECTION_POLL_MS })
      : PostgresEventStore.connect(postgresUrl(config), clock, config.PROJECTION_POLL_MS);
    store.addAppendHook(new PgIntegrityTree()); // the Merkle tree commits with the events
    return store;
  }
  if (config.LEDGER !== 'kurrentdb') return undefined;
  if (!config.KURRENTDB_URL) {
    throw ValidationError.field('env.KURRENTDB_URL', 'required when LEDGER=kurrentdb (e.g. kurrentdb://kurrentdb:2113?tls=false)');
  }
  if (!/^(kurrentdb|kurrent|kdb|esdb)(\+discover)?:\/\//.test(config.KURRENTDB_URL)) {
    throw ValidationError.field('env.KURRENTDB_URL', 'expected a kurrentdb:// or kurrentdb+discover:// connection string');
  }
  return KurrentDbEventStore.connect(config.KURRENTDB_URL, clock);
}

/** DATABASE_URL, checked: required when LEDGER=postgres. */
export function postgresUrl(config: AppConfig): string {
  if (!config.DATABASE_URL || !/^postgres(ql)?:\/\//.test(config.DATABASE_URL)) {
    throw ValidationError.field('env.DATABASE_URL', 'required when LEDGER=postgres (e.g. postgres://safeharbor@db:5432/safeharbor)');
  }
  return config.DATABASE_URL;
}

/** The shared PostgreSQL pool of the process when LEDGER=postgres (ledger, vault, … share it), else null. */
export function createPgDatabase(config: AppConfig): PgDatabase | null {
  return config.LEDGER === 'postgres' ? new PgDatabase(postgresUrl(config)) : null;
}
