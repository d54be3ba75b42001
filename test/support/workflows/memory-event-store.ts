/**
 * A small in-memory EventStore (the port in src/ledger/port.ts) for the workflows tests until the
 * foundation's SQLite adapter is on main. Optimistic concurrency and idempotent appends behave
 * as the port specifies; `recordedAt` comes from the injected clock.
 */
import { IdempotencyViolationError, WrongExpectedVersionError } from '../../../src/ledger/errors';
import type {
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from '../../../src/ledger/port';
import type { Clock } from '../../../src/platform/clock';

export class MemoryEventStore implements EventStore {
  readonly adapter = 'memory';
  private readonly all: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  constructor(private readonly clock: Clock) {}

  async append(stream: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    const existing = this.streams.get(stream) ?? [];
    const ids = new Set(existing.map((e) => e.id));
    const dup = events.filter((e) => ids.has(e.id));
    if (dup.length === events.length && events.length > 0) {
      const mine = existing.filter((e) => events.some((n) => n.id === e.id));
      return {
        nextExpectedVersion: BigInt(existing.length),
        firstPosition: mine[0].position,
        lastPosition: mine[mine.length - 1].position,
        duplicate: true,
      };
    }
    if (dup.length > 0) throw new IdempotencyViolationError(stream, dup[0].id);
    const actual = existing.length === 0 ? null : BigInt(existing.length);
    const ok =
      expected === 'any' ||
      (expected === 'no-stream' && actual === null) ||
      (expected === 'stream-exists' && actual !== null) ||
      (typeof expected === 'bigint' && actual === expected);
    if (!ok) throw new WrongExpectedVersionError(stream, expected, actual);
    const recordedAt = this.clock.now().toISOString();
    const first = BigInt(this.all.length + 1);
    for (const e of events) {
      const rec: RecordedEvent = {
        id: e.id,
        stream,
        version: BigInt(existing.length + 1),
        position: BigInt(this.all.length + 1),
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: JSON.parse(JSON.stringify(e.data)),
        metadata: { ...e.metadata, recordedAt },
      };
      existing.push(rec);
      this.all.push(rec);
    }
    this.streams.set(stream, existing);
    return { nextExpectedVersion: BigInt(existing.length), firstPosition: first, lastPosition: BigInt(this.all.length), duplicate: false };
  }

  async readStream(stream: string, o: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    let evs = [...(this.streams.get(stream) ?? [])];
    if (o.from !== undefined) evs = evs.filter((e) => (o.direction === 'backwards' ? e.version <= o.from! : e.version >= o.from!));
    if (o.to !== undefined) evs = evs.filter((e) => (o.direction === 'backwards' ? e.version >= o.to! : e.version <= o.to!));
    if (o.direction === 'backwards') evs.reverse();
    return o.maxCount !== undefined ? evs.slice(0, o.maxCount) : evs;
  }

  async streamVersion(stream: string): Promise<bigint | null> {
    const s = this.streams.get(stream);
    return s && s.length ? BigInt(s.length) : null;
  }

  async readAll(o: ReadAllOptions = {}): Promise<ReadAllPage> {
    const after = Number(o.after ?? 0n);
    const max = o.maxCount ?? 1000;
    const events = this.all.slice(after, after + max);
    const lastPosition = events.length ? events[events.length - 1].position : BigInt(after);
    return { events, lastPosition, isEnd: after + events.length >= this.all.length };
  }

  async headPosition(): Promise<bigint> {
    return BigInt(this.all.length);
  }

  subscribeToAll(_o: SubscribeOptions): Subscription {
    throw new Error('not used by the workflows tests');
  }

  async close(): Promise<void> {}
}
