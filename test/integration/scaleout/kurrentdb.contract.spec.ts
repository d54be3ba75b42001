/**
 * The ledger contract suite against a real KurrentDB server. Needs KURRENTDB_URL, e.g.
 *   KURRENTDB_URL='kurrentdb://localhost:2113?tls=false' npx jest test/integration/scaleout/kurrentdb.contract.spec.ts
 * (docker/compose.yaml brings one up). Without it the suite is skipped and says so.
 * Each test writes to streams with fresh UUIDv7 names, so a shared server is fine, but it must be
 * a database with no other writers (the adapter refuses foreign events in $all).
 */
import { KurrentDbEventStore } from '../../../src/ledger/kurrentdb/kurrentdb-event-store';
import { SystemClock } from '../../../src/platform/clock';
import { eventStoreContract } from '../../ledger/event-store.contract';

const url = process.env.KURRENTDB_URL;

if (url) {
  eventStoreContract(`kurrentdb (${url.replace(/\/\/[^@/]*@/, '//***@')})`, {
    contiguousPositions: false,
    async create() {
      return KurrentDbEventStore.connect(url, new SystemClock());
    },
    async dispose(store) {
      await store.close();
    },
  });
} else {
  // eslint-disable-next-line no-console
  console.log('SKIPPED: KurrentDB ledger contract suite: KURRENTDB_URL is not set (no server on this machine).');
  describe.skip('KurrentDB ledger contract suite: SKIPPED because KURRENTDB_URL is not set (no KurrentDB server here)', () => {
    it('runs the EventStore contract against a real KurrentDB server', () => undefined);
  });
}
