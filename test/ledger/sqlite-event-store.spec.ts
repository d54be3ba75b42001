import { join } from 'node:path';
import { SqliteEventStore } from '../../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../../src/platform/clock';
import { makeTempDir } from '../support/temp-dir';
import { eventStoreContract } from './event-store.contract';

const dirs = new Map<unknown, () => void>();

eventStoreContract('sqlite (file, WAL)', {
  contiguousPositions: true,
  async create() {
    const dir = makeTempDir();
    const store = new SqliteEventStore({ path: join(dir.path, 'ledger.db'), clock: new FakeClock(), pollIntervalMs: 20 });
    dirs.set(store, dir.cleanup);
    return store;
  },
  async dispose(store) {
    await store.close();
    dirs.get(store)?.();
    dirs.delete(store);
  },
});
