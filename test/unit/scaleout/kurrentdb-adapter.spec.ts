/**
 * The KurrentDB adapter's mapping logic against an in-memory server double (no KurrentDB server
 * can run on the build machines). The same contract suite runs against a real server in
 * test/integration/scaleout/kurrentdb.contract.spec.ts when KURRENTDB_URL is set.
 */
import { IdempotencyViolationError, WrongExpectedVersionError } from '../../../src/ledger/errors';
import { KurrentDbEventStore } from '../../../src/ledger/kurrentdb/kurrentdb-event-store';
import type { EventStore, RecordedEvent } from '../../../src/ledger/port';
import { FakeClock } from '../../../src/platform/clock';
import { uuidv7 } from '../../../src/platform/ids';
import { eventStoreContract, newEvent, testStream, waitFor } from '../../ledger/event-store.contract';
import { KurrentDbDouble } from './support/kurrentdb-double';
import { UnavailableError } from '@kurrent/kurrentdb-client';

const doubles = new Map<EventStore, KurrentDbDouble>();

eventStoreContract('kurrentdb adapter over a server double', {
  contiguousPositions: false,
  async create() {
    const server = new KurrentDbDouble();
    const store = new KurrentDbEventStore({ client: server, clock: new FakeClock(), reconnectBackoffMs: { initial: 5, max: 20 } });
    doubles.set(store, server);
    return store;
  },
  async dispose(store) {
    await store.close();
    doubles.delete(store);
  },
});

describe('KurrentDB adapter specifics', () => {
  let server: KurrentDbDouble;
  let clock: FakeClock;
  let store: KurrentDbEventStore;
  beforeEach(() => {
    server = new KurrentDbDouble();
    clock = new FakeClock('2025-06-01T00:00:00.000Z');
    store = new KurrentDbEventStore({ client: server, clock, reconnectBackoffMs: { initial: 5, max: 20 } });
  });
  afterEach(async () => {
    await store.close();
  });

  it('maps versions to revisions and positions to commit positions, which have gaps', async () => {
    const s = testStream();
    const r = await store.append(s, [newEvent(), newEvent(), newEvent()], 'no-stream');
    const raw = server.log.filter((e) => e.streamId === s);
    expect(raw.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
    expect(r.firstPosition).toBe(raw[0]!.position!.commit);
    expect(r.lastPosition).toBe(raw[2]!.position!.commit);
    expect(r.lastPosition - r.firstPosition).toBeGreaterThan(2n);
    const read = await store.readStream(s);
    expect(read.map((e) => e.version)).toEqual([1n, 2n, 3n]);
    expect(read.map((e) => e.position)).toEqual(raw.map((e) => e.position!.commit));
  });

  it('stores recordedAt from the injected clock and the schema version, and reads back the envelope exactly', async () => {
    const s = testStream();
    const e = { ...newEvent('Noted', { a: 1 }), schemaVersion: 3 };
    await store.append(s, [e], 'no-stream');
    clock.advance(60_000);
    const [read] = await store.readStream(s);
    expect(read!.metadata.recordedAt).toBe('2025-06-01T00:00:00.000Z');
    expect(read!.schemaVersion).toBe(3);
    expect(Object.keys(read!.metadata).some((k) => k.startsWith('$'))).toBe(false);
    const stored = server.log.find((x) => x.id === e.id)!.metadata as Record<string, unknown>;
    expect(stored.$correlationId).toBe(e.metadata.correlationId);
  });

  it('conflicts carry our version numbering', async () => {
    const s = testStream();
    await store.append(s, [newEvent(), newEvent()], 'no-stream');
    const err = await store.append(s, [newEvent()], 1n).catch((x) => x);
    expect(err).toBeInstanceOf(WrongExpectedVersionError);
    expect(err.actual).toBe(2n);
    expect(err.expected).toBe(1n);
    const err2 = await store.append(testStream(), [newEvent()], 'stream-exists').catch((x) => x);
    expect(err2).toBeInstanceOf(WrongExpectedVersionError);
    expect(err2.actual).toBeNull();
  });

  it('leaves system events out of readAll, headPosition and subscriptions', async () => {
    const s = testStream();
    for (let i = 0; i < 9; i++) await store.append(s, [newEvent('Counted', { i })], 'any');
    expect(server.log.some((e) => e.type.startsWith('$'))).toBe(true);
    const page = await store.readAll({ after: 0n, maxCount: 100 });
    expect(page.events.map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(page.isEnd).toBe(true);
    expect(await store.headPosition()).toBe(page.events[8]!.position);
    const got: RecordedEvent[] = [];
    const sub = store.subscribeToAll({ after: 0n, handler: (e) => void got.push(e) });
    await sub.caughtUp;
    await sub.stop();
    expect(got.map((e) => e.type)).toEqual(Array(9).fill('Counted'));
  });

  it('a concurrent retry of the same batch is recognised after KurrentDB deduplicates it', async () => {
    const s = testStream();
    await store.append(s, [newEvent()], 'no-stream');
    const batch = [newEvent(), newEvent()];
    const [a, b] = await Promise.all([store.append(s, batch, 1n), store.append(s, batch, 1n)]);
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    expect(a.firstPosition).toBe(b.firstPosition);
    expect(a.lastPosition).toBe(b.lastPosition);
    expect(a.nextExpectedVersion).toBe(3n);
    expect(b.nextExpectedVersion).toBe(3n);
    expect(await store.readStream(s)).toHaveLength(3);
  });

  it("'any' retries are exactly-once even though KurrentDB's ANY does not promise dedup", async () => {
    const s = testStream();
    const batch = [newEvent('Delivered')];
    const results = await Promise.all(Array.from({ length: 5 }, () => store.append(s, batch, 'any')));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await store.readStream(s)).toHaveLength(1);
    await store.append(s, [newEvent()], 'any');
    const again = await store.append(s, batch, 'any');
    expect(again.duplicate).toBe(true);
    expect(again.nextExpectedVersion).toBe(1n);
  });

  it('a retry with a later expected version is still a duplicate, as on SQLite', async () => {
    const s = testStream();
    const batch = [newEvent(), newEvent()];
    const first = await store.append(s, batch, 'no-stream');
    await store.append(s, [newEvent()], 2n);
    const again = await store.append(s, batch, 3n);
    expect(again).toEqual({ ...first, duplicate: true });
    expect(await store.streamVersion(s)).toBe(3n);
  });

  it('ids out of order or split are an idempotency violation', async () => {
    const s = testStream();
    const [e1, e2] = [newEvent(), newEvent()];
    await store.append(s, [e1, e2], 'no-stream');
    await expect(store.append(s, [e2, e1], 'any')).rejects.toBeInstanceOf(IdempotencyViolationError);
    await expect(store.append(s, [e1], 2n)).resolves.toMatchObject({ duplicate: true });
  });

  it('the id scan stops at events committed before the batch was minted (less the skew)', async () => {
    const s = testStream();
    // Twenty events the server committed an hour ago, then three recent ones.
    server.now = () => new Date(Date.now() - 3_600_000);
    for (let i = 0; i < 20; i++) await store.append(s, [newEvent()], 'any');
    server.now = () => new Date();
    for (let i = 0; i < 3; i++) await store.append(s, [newEvent()], 'any');
    let scanned = 0;
    const original = server.readStream.bind(server);
    server.readStream = (name, options) => {
      const it = original(name, options);
      if (options.direction !== 'backwards') return it;
      return (async function* () {
        for await (const r of it) {
          scanned += 1;
          yield r;
        }
      })();
    };
    const fresh = newEvent();
    expect((await store.append(s, [fresh], 'any')).duplicate).toBe(false);
    // 3 recent events and the first old one, not the whole stream of 23.
    expect(scanned).toBe(4);
    expect((await store.append(s, [fresh], 'any')).duplicate).toBe(true);
  });

  it('rejects batches the ledger cannot store faithfully, naming the field', async () => {
    const s = testStream();
    await expect(store.append(s, [{ ...newEvent(), id: 'not-a-uuid' }], 'any')).rejects.toThrow('events[0].id');
    const e = newEvent();
    await expect(store.append(s, [e, e], 'any')).rejects.toThrow('events[1].id');
    await expect(store.append(s, [newEvent('$Sneaky')], 'any')).rejects.toThrow('events[0].type');
    const m = newEvent();
    (m.metadata as unknown as Record<string, unknown>).$writeId = 'x';
    await expect(store.append(s, [m], 'any')).rejects.toThrow('events[0].metadata.$writeId');
    await expect(store.append('$all', [newEvent()], 'any')).rejects.toThrow('invalid stream name');
    expect(server.log.filter((x) => !x.type.startsWith('$'))).toHaveLength(0);
  });

  it('a subscription resumes after a lost connection without redelivering or skipping', async () => {
    const s = testStream();
    await store.append(s, [newEvent('Counted', { n: 1 })], 'no-stream');
    const got: number[] = [];
    const pages: bigint[] = [];
    const sub = store.subscribeToAll({
      after: 0n,
      handler: (e) => void got.push(e.data.n as number),
      onPage: (p) => void pages.push(p),
    });
    await sub.caughtUp;
    await waitFor(() => server.liveSubscriptions === 1);
    server.breakSubscriptions();
    await store.append(s, [newEvent('Counted', { n: 2 })], 1n);
    await waitFor(() => got.length === 2);
    await store.append(s, [newEvent('Counted', { n: 3 })], 2n);
    await waitFor(() => got.length === 3);
    await sub.stop();
    expect(got).toEqual([1, 2, 3]);
    expect(pages[pages.length - 1]).toBe(await store.headPosition());
  });

  it('a subscription started while KurrentDB is unreachable waits for it instead of failing', async () => {
    const s = testStream();
    await store.append(s, [newEvent('Counted', { n: 1 })], 'no-stream');
    const original = server.readAll.bind(server);
    let failures = 3;
    server.readAll = (options) => {
      if (failures > 0) {
        failures -= 1;
        return (async function* () {
          throw new UnavailableError(undefined, 'connection refused');
        })();
      }
      return original(options);
    };
    const got: number[] = [];
    const errors: unknown[] = [];
    const sub = store.subscribeToAll({ after: 0n, handler: (e) => void got.push(e.data.n as number), onError: (e) => errors.push(e) });
    await sub.caughtUp;
    await sub.stop();
    expect(failures).toBe(0);
    expect(errors).toEqual([]);
    expect(got).toEqual([1]);
  });

  it('a handler error stops the subscription and is reported', async () => {
    const s = testStream();
    await store.append(s, [newEvent()], 'no-stream');
    const errors: unknown[] = [];
    const sub = store.subscribeToAll({
      after: 0n,
      handler: () => {
        throw new Error('projection failed');
      },
      onError: (e) => errors.push(e),
    });
    await sub.caughtUp;
    await waitFor(() => errors.length === 1);
    expect((errors[0] as Error).message).toBe('projection failed');
    await sub.stop();
  });

  it('refuses a foreign event in the ledger database instead of guessing', async () => {
    await server.appendToStream(
      'orders-1',
      [{ id: uuidv7(), contentType: 'application/json', type: 'OrderPlaced', data: {}, metadata: {} }],
      {
        streamState: 'any',
      },
    );
    await expect(store.readAll({ after: 0n })).rejects.toThrow('needs a database of its own');
  });
});
