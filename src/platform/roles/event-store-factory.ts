import { EventAuthKey } from '../../ledger/integrity/event-auth';
import { loadIntegrityConfig } from '../../ledger/integrity/integrity-config';
import { KurrentDbEventStore } from '../../ledger/kurrentdb/kurrentdb-event-store';
import { join } from 'node:path';
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
export function createEventStore(
  config: AppConfig,
  clock: Clock,
  pg?: PgDatabase | null,
  warn: (msg: string, extra: Record<string, unknown>) => void = (msg, extra) =>
    process.stderr.write(`WARNING: ${msg} ${JSON.stringify(extra)}\n`),
): EventStore | undefined {
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
  return KurrentDbEventStore.connect(config.KURRENTDB_URL, clock, { eventAuth: ledgerEventAuthKey(config, warn) });
}

/**
 * The ledger's event authentication key (`ledger-event-auth.key`, 0600) in the ledger key folder
 * beside the master key (LEDGER_KEY_DIR; never in DATA_DIR), created at first start with a loud
 * warning. On KurrentDB every appended event carries its tag, and the mirror adopts only tagged
 * events: every process appending to one KurrentDB ledger needs the same key.
 */
export function ledgerEventAuthKey(config: AppConfig, warn: (msg: string, extra: Record<string, unknown>) => void): EventAuthKey {
  const { keyDir } = loadIntegrityConfig(config.dataDir, process.env, config.masterKeyPath);
  const { key, created } = EventAuthKey.loadOrCreate(keyDir);
  if (created) {
    warn(
      'GENERATED A NEW LEDGER EVENT AUTHENTICATION KEY. Every ledger event is tagged with it and an event without a valid tag is never adopted: back it up apart from ./data with the master key, and give every api/worker/scheduler process appending to this ledger the same key (LEDGER_KEY_DIR). A ledger with events from before tagging needs `safeharbor ledger adopt-untagged` by an officer.',
      { path: join(keyDir, 'ledger-event-auth.key') },
    );
  }
  return key;
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
