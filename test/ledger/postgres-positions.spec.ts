import { PostgresEventStore, type PgAppendHook } from '../../src/ledger/postgres/postgres-event-store';
import type { RecordedEvent } from '../../src/ledger/port';
import { FakeClock } from '../../src/platform/clock';
import { PgDatabase } from '../../src/platform/postgres/pool';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { newEvent, testStream, waitFor } from './event-store.contract';

/**
 * Global positions readers can trust: with several processes appending (one pool each here), a
 * transaction that took an earlier position but commits later must never be skipped by a reader
 * that already saw a later position.
 */
describe('PostgreSQL ledger: positions under concurrent writers', () => {
  let db: TestDatabase;
  const stores: PostgresEventStore[] = [];
  const open = (hook?: PgAppendHook) => {
    const s = new PostgresEventStore({ db: new PgDatabase(db.url), clock: new FakeClock(), ownsDatabase: true, pollIntervalMs: 10 });
    if (hook) s.addAppendHook(hook);
    stores.push(s);
    return s;
  };

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    await db.drop();
  });

  it('a transaction that commits late is never skipped by a reader that saw a later one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered = false;
    const slowStream = testStream('slow');
    // Process A holds its transaction open after writing its rows (as a slow commit would).
    const a = open({
      async onAppend(_c, events) {
        if (events[0]!.stream !== slowStream) return;
        entered = true;
        await gate;
      },
    });
    const b = open();
    const reader = open();
    const delivered: bigint[] = [];
    const sub = reader.subscribeToAll({ after: 0n, pageSize: 1, handler: (e) => void delivered.push(e.position) });
    await sub.caughtUp;

    const first = a.append(slowStream, [newEvent()], 'no-stream');
    await waitFor(() => entered);
    const second = b.append(testStream('fast'), [newEvent()], 'no-stream');
    const settledEarly = await Promise.race([second.then(() => true), new Promise((r) => setTimeout(() => r(false), 300))]);
    // B cannot commit a later position while A's is uncommitted, and nothing is visible yet.
    expect(settledEarly).toBe(false);
    expect((await reader.readAll({ after: 0n })).events).toEqual([]);
    expect(delivered).toEqual([]);

    release();
    const [ra, rb] = await Promise.all([first, second]);
    expect(ra.firstPosition).toBe(1n);
    expect(rb.firstPosition).toBe(2n);
    await waitFor(() => delivered.length === 2);
    await sub.stop();
    expect(delivered).toEqual([1n, 2n]);
  });

  it('four writers with random commit delays: a live subscription delivers every position once, in order', async () => {
    const delay: PgAppendHook = { onAppend: () => new Promise((r) => setTimeout(r, Math.random() * 15)) };
    const writers = [open(delay), open(delay), open(delay), open(delay)];
    const reader = open();
    const delivered: RecordedEvent[] = [];
    const sub = reader.subscribeToAll({ after: 0n, pageSize: 3, handler: (e) => void delivered.push(e) });
    await sub.caughtUp;

    const appends = writers.flatMap((w, i) =>
      Array.from({ length: 15 }, (_, j) =>
        w.append(testStream(`w${i}`), j % 3 === 0 ? [newEvent(), newEvent()] : [newEvent()], 'no-stream'),
      ),
    );
    const results = await Promise.all(appends);
    const total = results.reduce((n, r) => n + Number(r.lastPosition - r.firstPosition + 1n), 0);
    await waitFor(() => delivered.length >= total, 15_000);
    await sub.stop();

    expect(delivered.map((e) => e.position)).toEqual(Array.from({ length: total }, (_, i) => BigInt(i + 1)));
    expect(new Set(delivered.map((e) => e.id)).size).toBe(total);
    expect(await reader.headPosition()).toBe(BigInt(total));
  });

  it('a rolled-back append leaves no gap: the next append takes its position', async () => {
    const failing = testStream('doomed');
    const a = open({
      async onAppend(_c, events) {
        if (events[0]!.stream === failing) throw new Error('hook refused');
      },
    });
    await a.append(testStream(), [newEvent()], 'no-stream');
    await expect(a.append(failing, [newEvent(), newEvent()], 'no-stream')).rejects.toThrow('hook refused');
    const r = await a.append(testStream(), [newEvent()], 'no-stream');
    expect(r.firstPosition).toBe(2n);
    expect(await a.streamVersion(failing)).toBeNull();
  });
});
