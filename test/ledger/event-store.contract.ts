import { uuidv7 } from '../../src/platform/ids';
import { IdempotencyViolationError, WrongExpectedVersionError } from '../../src/ledger/errors';
import type { EventStore, NewEvent, RecordedEvent } from '../../src/ledger/port';

export interface ContractAdapter {
  /** A new, empty store (its own file / database / stream prefix). */
  create(): Promise<EventStore>;
  /** Release everything `create` made. */
  dispose(store: EventStore): Promise<void>;
  /** SQLite numbers positions 1, 2, 3…; KurrentDB's commit positions only increase. */
  contiguousPositions: boolean;
}

let counter = 0;
export function testStream(category = 'contract'): string {
  counter += 1;
  return `${category}-${uuidv7()}-${counter}`;
}

export function newEvent(type = 'ThingHappened', data: Record<string, unknown> = {}): NewEvent {
  return {
    id: uuidv7(),
    type,
    schemaVersion: 1,
    data,
    metadata: {
      actor: { id: 'tester', role: 'compliance-officer' },
      correlationId: uuidv7(),
      occurredAt: '2025-03-10T12:00:00.000Z',
    },
  };
}

/**
 * The one contract every ledger adapter passes. Call it from an adapter's spec file.
 */
export function eventStoreContract(name: string, adapter: ContractAdapter): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await adapter.create();
    });
    afterEach(async () => {
      await adapter.dispose(store);
    });

    describe('append with expected versions', () => {
      it('no-stream creates a stream and refuses when it exists', async () => {
        const s = testStream();
        const r = await store.append(s, [newEvent(), newEvent()], 'no-stream');
        expect(r.nextExpectedVersion).toBe(2n);
        expect(r.duplicate).toBe(false);
        await expect(store.append(s, [newEvent()], 'no-stream')).rejects.toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.streamVersion(s)).toBe(2n);
      });

      it('stream-exists refuses on an absent stream and accepts on an existing one', async () => {
        const s = testStream();
        await expect(store.append(s, [newEvent()], 'stream-exists')).rejects.toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.streamVersion(s)).toBeNull();
        await store.append(s, [newEvent()], 'no-stream');
        const r = await store.append(s, [newEvent()], 'stream-exists');
        expect(r.nextExpectedVersion).toBe(2n);
      });

      it('an exact version must match the current version', async () => {
        const s = testStream();
        await expect(store.append(s, [newEvent()], 0n)).rejects.toBeInstanceOf(WrongExpectedVersionError);
        await store.append(s, [newEvent()], 'no-stream');
        await expect(store.append(s, [newEvent()], 2n)).rejects.toBeInstanceOf(WrongExpectedVersionError);
        const r = await store.append(s, [newEvent()], 1n);
        expect(r.nextExpectedVersion).toBe(2n);
        const err = await store.append(s, [newEvent()], 1n).catch((e) => e);
        expect(err).toBeInstanceOf(WrongExpectedVersionError);
        expect(err.actual).toBe(2n);
        expect(err.stream).toBe(s);
      });

      it('any appends whatever the state', async () => {
        const s = testStream();
        await store.append(s, [newEvent()], 'any');
        const r = await store.append(s, [newEvent()], 'any');
        expect(r.nextExpectedVersion).toBe(2n);
      });

      it('a conflict writes nothing', async () => {
        const s = testStream();
        await store.append(s, [newEvent()], 'no-stream');
        const before = await store.headPosition();
        await expect(store.append(s, [newEvent(), newEvent()], 5n)).rejects.toThrow(WrongExpectedVersionError);
        expect(await store.headPosition()).toBe(before);
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('20 concurrent appends with the same expected version: exactly one wins, no gaps', async () => {
        const s = testStream();
        await store.append(s, [newEvent()], 'no-stream');
        const results = await Promise.allSettled(Array.from({ length: 20 }, () => store.append(s, [newEvent()], 1n)));
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        for (const l of lost) expect(l.reason).toBeInstanceOf(WrongExpectedVersionError);
        const events = await store.readStream(s);
        expect(events.map((e) => e.version)).toEqual([1n, 2n]);
      });
    });

    describe('idempotency on event id', () => {
      it('appending the same ids again returns the original positions and writes nothing', async () => {
        const s = testStream();
        const batch = [newEvent(), newEvent()];
        const first = await store.append(s, batch, 'no-stream');
        await store.append(s, [newEvent()], 'any');
        const head = await store.headPosition();
        const again = await store.append(s, batch, 'no-stream');
        expect(again.duplicate).toBe(true);
        expect(again.firstPosition).toBe(first.firstPosition);
        expect(again.lastPosition).toBe(first.lastPosition);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(s)).toHaveLength(3);
      });

      it('a batch mixing written and new ids is refused', async () => {
        const s = testStream();
        const e1 = newEvent();
        await store.append(s, [e1], 'no-stream');
        await expect(store.append(s, [e1, newEvent()], 'any')).rejects.toBeInstanceOf(IdempotencyViolationError);
        expect(await store.readStream(s)).toHaveLength(1);
      });
    });

    describe('reading', () => {
      it('reads a stream forwards, backwards and within bounds', async () => {
        const s = testStream();
        await store.append(
          s,
          [1, 2, 3, 4, 5].map((n) => newEvent('Counted', { n })),
          'no-stream',
        );
        const all = await store.readStream(s);
        expect(all.map((e) => e.data.n)).toEqual([1, 2, 3, 4, 5]);
        expect(all.every((e) => e.stream === s && e.type === 'Counted' && e.schemaVersion === 1)).toBe(true);
        expect((await store.readStream(s, { from: 2n, to: 4n })).map((e) => e.version)).toEqual([2n, 3n, 4n]);
        expect((await store.readStream(s, { direction: 'backwards' })).map((e) => e.version)).toEqual([5n, 4n, 3n, 2n, 1n]);
        expect((await store.readStream(s, { direction: 'backwards', from: 4n, maxCount: 2 })).map((e) => e.version)).toEqual([4n, 3n]);
        expect(await store.readStream(testStream())).toEqual([]);
      });

      it('keeps metadata, adds recordedAt, and preserves data exactly', async () => {
        const s = testStream();
        const e = newEvent('Noted', { text: 'ünïcödé "quoted"', nested: { list: [1, null, true] } });
        e.metadata.causationId = uuidv7();
        await store.append(s, [e], 'no-stream');
        const [read] = await store.readStream(s);
        expect(read!.id).toBe(e.id);
        expect(read!.data).toEqual(e.data);
        expect(read!.metadata.actor).toEqual(e.metadata.actor);
        expect(read!.metadata.correlationId).toBe(e.metadata.correlationId);
        expect(read!.metadata.causationId).toBe(e.metadata.causationId);
        expect(typeof read!.metadata.recordedAt).toBe('string');
      });

      it('readAll pages through the global log in position order', async () => {
        const start = await store.headPosition();
        const a = testStream();
        const b = testStream();
        for (let i = 0; i < 7; i++) await store.append(i % 2 ? a : b, [newEvent('Counted', { i })], 'any');
        const seen: RecordedEvent[] = [];
        let after = start;
        for (;;) {
          const page = await store.readAll({ after, maxCount: 3 });
          seen.push(...page.events);
          after = page.lastPosition;
          if (page.isEnd) break;
        }
        const mine = seen.filter((e) => e.stream === a || e.stream === b);
        expect(mine.map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
        for (let i = 1; i < seen.length; i++) expect(seen[i]!.position > seen[i - 1]!.position).toBe(true);
        if (adapter.contiguousPositions) {
          for (let i = 1; i < seen.length; i++) expect(seen[i]!.position).toBe(seen[i - 1]!.position + 1n);
        }
        expect(await store.headPosition()).toBe(seen[seen.length - 1]!.position);
      });
    });

    describe('subscriptions', () => {
      it('catches up, then delivers live events in order', async () => {
        const s = testStream();
        await store.append(s, [newEvent('Counted', { n: 1 }), newEvent('Counted', { n: 2 })], 'no-stream');
        const got: number[] = [];
        const pages: bigint[] = [];
        const sub = store.subscribeToAll({
          after: 0n,
          handler: (e) => {
            if (e.stream === s) got.push(e.data.n as number);
          },
          onPage: (p) => {
            pages.push(p);
          },
        });
        await sub.caughtUp;
        expect(got).toEqual([1, 2]);
        await store.append(s, [newEvent('Counted', { n: 3 })], 2n);
        await waitFor(() => got.length === 3);
        await sub.stop();
        expect(got).toEqual([1, 2, 3]);
        expect(pages[pages.length - 1]).toBe(await store.headPosition());
      });

      it('resumes after a checkpoint without redelivering', async () => {
        const s = testStream();
        const r = await store.append(s, [newEvent('Counted', { n: 1 })], 'no-stream');
        await store.append(s, [newEvent('Counted', { n: 2 })], 1n);
        const got: number[] = [];
        const sub = store.subscribeToAll({ after: r.lastPosition, handler: (e) => void (e.stream === s && got.push(e.data.n as number)) });
        await sub.caughtUp;
        await sub.stop();
        expect(got).toEqual([2]);
      });
    });

    describe('positions and versions', () => {
      it('versions count from 1 without gaps and positions only increase', async () => {
        const s = testStream();
        const r1 = await store.append(s, [newEvent(), newEvent(), newEvent()], 'no-stream');
        const r2 = await store.append(s, [newEvent()], 3n);
        expect(r1.lastPosition > r1.firstPosition).toBe(true);
        expect(r2.firstPosition > r1.lastPosition).toBe(true);
        const evs = await store.readStream(s);
        expect(evs.map((e) => e.version)).toEqual([1n, 2n, 3n, 4n]);
        expect(typeof evs[0]!.position).toBe('bigint');
      });
    });
  });
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
