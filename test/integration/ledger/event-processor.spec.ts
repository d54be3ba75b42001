/**
 * Processors are retried until they succeed, in order, never skipping an event; the checkpoint
 * moves only past handled events, so a runner started again on the same read store resumes at
 * the event that was failing. Real SQLite ledger and read store.
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { Ledger } from '../../../src/ledger/ledger';
import { ProcessorRunner, type EventProcessor } from '../../../src/ledger/processors/event-processor';
import type { RecordedEvent } from '../../../src/ledger/port';
import { openReadStore } from '../../../src/ledger/projections/projection-runner';
import { EventRegistry } from '../../../src/ledger/registry';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../../../src/platform/clock';
import { createLogger } from '../../../src/platform/logger';
import { makeTempDir } from '../../support/temp-dir';

const ctx = { actor: { id: 'u', role: 'compliance-officer' }, correlationId: 'c' };

async function until(what: string, fn: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('event processor runner', () => {
  const dir = makeTempDir('sh-processors-');
  let store: SqliteEventStore;
  let ledger: Ledger;
  let registry: EventRegistry;
  let db: Database.Database;
  beforeAll(() => {
    store = new SqliteEventStore({ path: join(dir.path, 'ledger.db'), clock: new FakeClock(), pollIntervalMs: 10 });
    registry = new EventRegistry().registerNames('Ping', 'Other');
    ledger = new Ledger(store, registry, new FakeClock());
    db = openReadStore(join(dir.path, 'read.db'));
  });
  afterAll(async () => {
    db.close();
    await store.close();
    dir.cleanup();
  });

  it('retries a failing event until it succeeds, keeps order, and resumes there after a restart', async () => {
    const seen: string[] = [];
    let failuresLeft = 2;
    let down = false;
    const processor: EventProcessor = {
      name: 'test.pings',
      handles: ['Ping'],
      async handle(e: RecordedEvent) {
        const n = String(e.data.n);
        if (down || (n === '2' && failuresLeft > 0)) {
          if (!down) failuresLeft--;
          throw new Error('transient failure');
        }
        seen.push(n);
      },
    };
    const runner = new ProcessorRunner(db, store, registry, createLogger('silent'), { retryDelayMs: () => 20 });
    runner.register(processor);
    runner.start();
    for (const n of [1, 2, 3]) await ledger.append('ping-a', [{ type: 'Ping', data: { n } }], 'any', ctx);
    await ledger.append('other-a', [{ type: 'Other', data: {} }], 'any', ctx);
    await until('all three pings handled', () => seen.length === 3);
    expect(seen).toEqual(['1', '2', '3']); // the failing event held the ones after it back
    expect(failuresLeft).toBe(0);
    await until('checkpoint at the head', () => runner.checkpoint('test.pings') === 4n);

    // Now the downstream is down when event 4 arrives: the runner stops while retrying it.
    down = true;
    await ledger.append('ping-a', [{ type: 'Ping', data: { n: 4 } }], 'any', ctx);
    await new Promise((r) => setTimeout(r, 100));
    await runner.stop();
    expect(runner.checkpoint('test.pings')).toBe(4n); // not past the event that never succeeded

    // A new process on the same read store: the event is delivered once the downstream is back.
    down = false;
    const restarted = new ProcessorRunner(db, store, registry, createLogger('silent'), { retryDelayMs: () => 20 });
    restarted.register(processor);
    restarted.start();
    await until('event 4 handled after the restart', () => seen.length === 4);
    expect(seen).toEqual(['1', '2', '3', '4']);
    await restarted.stop();
  });
});
