import { KurrentDbEventStore } from '../../ledger/kurrentdb/kurrentdb-event-store';
import type { EventStore } from '../../ledger/port';
import type { Clock } from '../clock';
import type { AppConfig } from '../config';
import { ValidationError } from '../errors';

/**
 * The ledger a process uses, from configuration: `LEDGER=sqlite` (default) returns undefined so
 * the platform opens the embedded file; `LEDGER=kurrentdb` connects to `KURRENTDB_URL`.
 */
export function createEventStore(config: AppConfig, clock: Clock): EventStore | undefined {
  if (config.LEDGER !== 'kurrentdb') return undefined;
  if (!config.KURRENTDB_URL) {
    throw ValidationError.field('env.KURRENTDB_URL', 'required when LEDGER=kurrentdb (e.g. kurrentdb://kurrentdb:2113?tls=false)');
  }
  if (!/^(kurrentdb|kurrent|kdb|esdb)(\+discover)?:\/\//.test(config.KURRENTDB_URL)) {
    throw ValidationError.field('env.KURRENTDB_URL', 'expected a kurrentdb:// or kurrentdb+discover:// connection string');
  }
  return KurrentDbEventStore.connect(config.KURRENTDB_URL, clock);
}
