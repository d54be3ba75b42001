/**
 * An in-memory stand-in for a KurrentDB server behind the client surface the adapter uses.
 * No KurrentDB server can run on the build machines, so the adapter's mapping logic is proven
 * here against the server's documented behaviour, and against a real server by
 * test/integration/scaleout/kurrentdb.contract.spec.ts when KURRENTDB_URL is set.
 *
 * Reproduced behaviour:
 * - revisions from 0; commit positions that only increase, with gaps (record sizes), one per event
 *   (gRPC appends are implicit transactions: commit == prepare for each event);
 * - system records interleaved in $all (`$statsCollected` in `$stats-…` streams, `$metadata`);
 * - optimistic concurrency with the client's own WrongExpectedVersionError / StreamNotFoundError;
 * - the server's idempotency: a batch whose ids already sit right after the expected revision
 *   succeeds without writing (partial match → wrong expected version); with ANY no dedup at all
 *   (the server only promises best effort there);
 * - reads of $all from an inclusive position, server-side event-type regex filters with
 *   checkpoints, catch-up subscriptions that go live and emit 'caughtUp'.
 * Every call yields to the event loop first, so concurrent callers interleave as over a network.
 */
import { Readable } from 'node:stream';
import { StreamNotFoundError, UnavailableError, WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import type {
  KdbClient,
  KdbFilter,
  KdbJsonEventData,
  KdbPosition,
  KdbRecordedEvent,
  KdbResolvedEvent,
  KdbStreamState,
  KdbSubscription,
} from '../../../../src/ledger/kurrentdb/client-surface';

interface LiveSub {
  push(ev: KdbRecordedEvent): void;
  fail(err: Error): void;
}

export class KurrentDbDouble implements KdbClient {
  readonly log: KdbRecordedEvent[] = [];
  private readonly streams = new Map<string, KdbRecordedEvent[]>();
  private nextPosition = 4096n; // the epoch and other system log records come first
  private readonly subs = new Set<LiveSub>();
  private appendsSinceStats = 0;
  /** Server time; tests may move it. */
  now = () => new Date();
  disposed = false;

  async appendToStream(
    streamName: string,
    events: KdbJsonEventData[],
    options: { streamState: KdbStreamState },
  ): Promise<{ success: boolean; nextExpectedRevision: bigint; position?: KdbPosition }> {
    await tick();
    const existing = this.streams.get(streamName) ?? [];
    const current = existing.length === 0 ? null : BigInt(existing.length - 1);
    const state = options.streamState;

    const expectedRev: bigint | null | 'any' | 'exists' =
      state === 'any' ? 'any' : state === 'stream_exists' ? 'exists' : state === 'no_stream' ? null : state;
    if (expectedRev !== 'any' && expectedRev !== 'exists') {
      const startIdx = expectedRev === null ? 0 : Number(expectedRev) + 1;
      const matches = events.filter((e, i) => existing[startIdx + i]?.id === e.id).length;
      if (
        matches === events.length &&
        startIdx + events.length <= existing.length &&
        (expectedRev === null || Number(expectedRev) < existing.length)
      ) {
        const last = existing[startIdx + events.length - 1]!;
        return { success: true, nextExpectedRevision: last.revision, position: last.position };
      }
      if (expectedRev !== current) {
        throw new WrongExpectedVersionError(undefined, { streamName, expected: state, current: current ?? 'no_stream' });
      }
    } else if (expectedRev === 'exists' && current === null) {
      throw new WrongExpectedVersionError(undefined, { streamName, expected: state, current: 'no_stream' });
    }

    const written: KdbRecordedEvent[] = [];
    for (const e of events) {
      const rec = this.record(streamName, e.id, e.type, e.data, e.metadata);
      written.push(rec);
    }
    this.maybeWriteStats();
    const last = written[written.length - 1]!;
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  private record(streamName: string, id: string, type: string, data: unknown, metadata: unknown): KdbRecordedEvent {
    const list = this.streams.get(streamName) ?? [];
    this.streams.set(streamName, list);
    // Stored as bytes on the server: copy through JSON like the wire does.
    const rec: KdbRecordedEvent = {
      streamId: streamName,
      id,
      revision: BigInt(list.length),
      type,
      isJson: true,
      created: this.now(),
      data: JSON.parse(JSON.stringify(data)),
      metadata: JSON.parse(JSON.stringify(metadata)),
      position: { commit: this.nextPosition, prepare: this.nextPosition },
    };
    this.nextPosition += BigInt(120 + JSON.stringify(data).length + JSON.stringify(metadata).length);
    list.push(rec);
    this.log.push(rec);
    for (const s of this.subs) s.push(rec);
    return rec;
  }

  private maybeWriteStats(): void {
    this.appendsSinceStats += 1;
    if (this.appendsSinceStats % 3 === 0) {
      this.record(`$stats-127.0.0.1:2113`, crypto.randomUUID(), '$statsCollected', { 'proc-cpu': 1 }, {});
    }
  }

  readStream(
    streamName: string,
    options: { fromRevision?: 'start' | 'end' | bigint; direction?: 'forwards' | 'backwards'; maxCount?: number | bigint },
  ): AsyncIterable<KdbResolvedEvent> {
    const self = this;
    return (async function* () {
      await tick();
      const list = self.streams.get(streamName);
      if (!list) throw new StreamNotFoundError(undefined, streamName);
      const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      const backwards = options.direction === 'backwards';
      let i: number;
      const from = options.fromRevision ?? (backwards ? 'end' : 'start');
      if (from === 'start') i = 0;
      else if (from === 'end') i = list.length - 1;
      else i = Math.min(Number(from), backwards ? list.length - 1 : Number.MAX_SAFE_INTEGER);
      let n = 0;
      while (n < max && i >= 0 && i < list.length) {
        yield { event: list[i]! };
        n += 1;
        i += backwards ? -1 : 1;
      }
    })();
  }

  readAll(options: {
    fromPosition?: 'start' | 'end' | KdbPosition;
    direction?: 'forwards' | 'backwards';
    maxCount?: number | bigint;
    filter?: KdbFilter;
  }): AsyncIterable<KdbResolvedEvent> {
    const self = this;
    return (async function* () {
      await tick();
      const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      const backwards = options.direction === 'backwards';
      const snapshot = [...self.log];
      const ordered = backwards ? snapshot.reverse() : snapshot;
      const from = options.fromPosition ?? (backwards ? 'end' : 'start');
      let n = 0;
      for (const ev of ordered) {
        if (n >= max) break;
        if (typeof from === 'object') {
          const p = ev.position!.commit;
          if (backwards ? p >= from.commit : p < from.commit) continue;
        }
        if (!matches(options.filter, ev)) continue;
        n += 1;
        yield { event: ev, commitPosition: ev.position!.commit };
      }
    })();
  }

  subscribeToAll(options: { fromPosition?: 'start' | 'end' | KdbPosition; filter?: KdbFilter }): KdbSubscription {
    const readable = new Readable({ objectMode: true, read() {} }) as Readable & KdbSubscription;
    let live = false;
    let skipped = 0;
    const from = options.fromPosition ?? 'start';
    const deliver = (ev: KdbRecordedEvent) => {
      if (typeof from === 'object' && ev.position!.commit < from.commit) return;
      if (!matches(options.filter, ev)) {
        skipped += 1;
        if (options.filter?.checkpointReached && skipped % 2 === 0) {
          void options.filter.checkpointReached(readable, ev.position!);
        }
        return;
      }
      readable.push({ event: ev, commitPosition: ev.position!.commit });
    };
    const sub: LiveSub = {
      push: (ev) => {
        if (live) deliver(ev);
      },
      fail: (err) => readable.destroy(err),
    };
    readable.unsubscribe = async () => {
      this.subs.delete(sub);
      readable.push(null);
    };
    readable.on('close', () => this.subs.delete(sub));
    setImmediate(() => {
      if (from !== 'end') for (const ev of [...this.log]) deliver(ev);
      live = true;
      this.subs.add(sub);
      readable.emit('caughtUp', { date: this.now() });
    });
    return readable;
  }

  /** Drops every live subscription with the error the client reports for a lost connection. */
  breakSubscriptions(): void {
    for (const s of [...this.subs]) s.fail(new UnavailableError(undefined, 'connection lost'));
    this.subs.clear();
  }

  get liveSubscriptions(): number {
    return this.subs.size;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const s of [...this.subs]) s.fail(new Error('client disposed'));
  }
}

function matches(filter: KdbFilter | undefined, ev: KdbRecordedEvent): boolean {
  if (!filter) return true;
  const subject = filter.filterOn === 'eventType' ? ev.type : ev.streamId;
  if (filter.regex !== undefined) return new RegExp(filter.regex).test(subject);
  if (filter.prefixes) return filter.prefixes.some((p) => subject.startsWith(p));
  return true;
}

function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
