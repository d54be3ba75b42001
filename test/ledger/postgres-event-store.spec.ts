import { PostgresEventStore } from '../../src/ledger/postgres/postgres-event-store';
import type { EventStore } from '../../src/ledger/port';
import { FakeClock } from '../../src/platform/clock';
import { PgDatabase } from '../../src/platform/postgres/pool';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { eventStoreContract } from './event-store.contract';

const dbs = new Map<EventStore, TestDatabase>();

eventStoreContract('postgres (own database per test)', {
  contiguousPositions: true,
  async create() {
    const db = await createTestDatabase();
    const store = new PostgresEventStore({ db: new PgDatabase(db.url), clock: new FakeClock(), ownsDatabase: true, pollIntervalMs: 20 });
    dbs.set(store, db);
    return store;
  },
  async dispose(store) {
    await store.close();
    await dbs.get(store)?.drop();
    dbs.delete(store);
  },
});
