/**
 * The scale-out ledger adapter: KurrentDB (EventStoreDB) through `@kurrent/kurrentdb-client`,
 * implementing the same port as the embedded SQLite adapter and proven by the same contract suite.
 *
 * Mapping (see docs/deployment.md, "Ledger on KurrentDB"):
 * - Versions: ours count from 1, KurrentDB revisions from 0, so `version = revision + 1`.
 *   ExpectedVersion `n` ↔ revision `n - 1`; 'no-stream' ↔ NO_STREAM; 'stream-exists' and 'any' are
 *   turned into an exact revision read just before the append (see idempotency below).
 * - Positions: the event's commit position in the transaction log. Events written through the gRPC
 *   API are implicitly committed, so every event has its own commit position (commit == prepare),
 *   and $all is ordered by it: strictly increasing, but NOT contiguous (gaps are record sizes).
 *   The integrity layer therefore keeps its own contiguous leaf index (leaf n = the n-th ledger
 *   event in $all order) mapped to these positions; tree sizes and proofs use the leaf index.
 * - Global log: $all without system events (event types starting with `$`, i.e. the
 *   `excludeSystemEvents` server-side filter), and also without anything in `$`-streams.
 * - Idempotency on event id, with the SQLite adapter's semantics scoped to the target stream:
 *   every id already in the stream (same order, consecutive versions) → `duplicate: true` with the
 *   original positions; some ids present → IdempotencyViolationError. KurrentDB itself dedups a
 *   retry at the same expected revision; the adapter adds a backwards scan of the stream before
 *   writing, bounded by time: an event whose UUIDv7 id was minted at T cannot have been committed
 *   before T - skew, so the scan stops at events the server created before that. Ids that are not
 *   UUIDv7 make the scan read the whole stream. A duplicate that appears between the scan and the
 *   write (a concurrent retry) is still caught: the exact revision makes the write conflict or the
 *   server dedups it, and a per-attempt write id in the KurrentDB metadata tells which happened.
 * - Conflicts: KurrentDB's WrongExpectedVersionError becomes src/ledger/errors.ts
 *   WrongExpectedVersionError with our version numbering (actual = revision + 1, or null).
 * - recordedAt comes from the injected clock and is stored in the event's KurrentDB metadata, so
 *   every read returns the same bytes (the integrity layer hashes the envelope).
 *
 * The ledger must live in a KurrentDB database of its own (no other writers, no $maxAge/$maxCount
 * or $tb stream metadata, no stream deletion): events must never disappear from $all.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock';
import type { EventAuthKey } from '../integrity/event-auth';
import { WrongExpectedVersionError } from '../errors';
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
} from '../port';
import {
  errorType,
  KDB_STREAM_NOT_FOUND,
  KDB_WRONG_EXPECTED_VERSION,
  type KdbClient,
  type KdbRecordedEvent,
  type KdbStreamState,
} from './client-surface';
import {
  assertEvents,
  assertStreamName,
  earliestUuidv7Ms,
  isSystem,
  judgeDuplicate,
  ledgerFilter,
  MAX_READ,
  META_WRITE_ID,
  positionOf,
  type ScanResult,
  sleep,
  toEventData,
  toKdbPosition,
  toRecorded,
  versionOf,
} from './kurrentdb-mapping';
import { catchUpSubscription } from './kurrentdb-subscription';

export interface KurrentDbEventStoreOptions {
  /** A connected client (tests pass a double; production uses `KurrentDbEventStore.connect`). */
  client: KdbClient;
  clock: Clock;
  /** Clock skew allowed between id minting and the server's commit time (bounds the id scan). */
  idempotencyScanSkewMs?: number;
  /** 'any'/'stream-exists' appends retry this often when another writer moves the stream meanwhile. */
  maxOptimisticRetries?: number;
  /**
   * The ledger's event authentication key (beside the master key): every appended event carries
   * its tag in metadata `$eventAuth`, which the mirror checks before adopting the event.
   */
  eventAuth?: EventAuthKey;
  /** Sleep between subscription reconnect attempts after a transient failure (doubles, capped). */
  reconnectBackoffMs?: { initial: number; max: number };
}

export class KurrentDbEventStore implements EventStore {
  readonly adapter = 'kurrentdb';
  private readonly client: KdbClient;
  private readonly clock: Clock;
  private readonly skewMs: number;
  private readonly maxRetries: number;
  private readonly backoff: { initial: number; max: number };
  readonly eventAuth: EventAuthKey | undefined;
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  constructor(options: KurrentDbEventStoreOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.skewMs = options.idempotencyScanSkewMs ?? 5 * 60_000;
    this.maxRetries = options.maxOptimisticRetries ?? 20;
    this.backoff = options.reconnectBackoffMs ?? { initial: 100, max: 5_000 };
    this.eventAuth = options.eventAuth;
  }

  /** Connects with a KurrentDB connection string, e.g. `kurrentdb://localhost:2113?tls=false`. */
  static connect(
    connectionString: string,
    clock: Clock,
    options: Omit<KurrentDbEventStoreOptions, 'client' | 'clock'> = {},
  ): KurrentDbEventStore {
    // Loaded lazily so the embedded default never loads the native bridge.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { KurrentDBClient } = require('@kurrent/kurrentdb-client') as typeof import('@kurrent/kurrentdb-client');
    const client = KurrentDBClient.connectionString(connectionString) as unknown as KdbClient;
    return new KurrentDbEventStore({ ...options, client, clock });
  }

  // ---------------------------------------------------------------- append

  async append(stream: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    this.assertOpen();
    assertStreamName(stream);
    assertEvents(events);
    if (typeof expected === 'bigint' && expected < 1n) {
      // Versions count from 1: no stream is ever at version 0 (use 'no-stream').
      const scan = await this.scan(stream, events);
      const dup = judgeDuplicate(stream, events, scan);
      if (dup) return dup;
      throw new WrongExpectedVersionError(stream, expected, versionOf(scan.current));
    }

    for (let attempt = 0; ; attempt++) {
      const scan = await this.scan(stream, events);
      const dup = judgeDuplicate(stream, events, scan);
      if (dup) return dup;

      let state: KdbStreamState;
      if (expected === 'any') state = scan.current ?? 'no_stream';
      else if (expected === 'stream-exists') {
        if (scan.current === null) throw new WrongExpectedVersionError(stream, expected, null);
        state = scan.current;
      } else if (expected === 'no-stream') state = 'no_stream';
      else state = expected - 1n;

      // Past the retry budget an 'any' append falls back to KurrentDB's own ANY (its id dedup is best effort).
      if (expected === 'any' && attempt >= this.maxRetries) state = 'any';

      const writeId = randomUUID();
      const recordedAt = this.clock.now().toISOString();
      let nextRevision: bigint;
      try {
        const res = await this.client.appendToStream(
          stream,
          events.map((e) => toEventData(e, recordedAt, writeId, stream, this.eventAuth)),
          {
            streamState: state,
            requiresLeader: true,
          },
        );
        nextRevision = res.nextExpectedRevision;
      } catch (err) {
        if (errorType(err) !== KDB_WRONG_EXPECTED_VERSION) throw err;
        if ((expected === 'any' || expected === 'stream-exists') && attempt < this.maxRetries) {
          await sleep(Math.min(50, 2 ** attempt) * Math.random());
          continue;
        }
        // A conflict may be our own earlier attempt landing first: look again before refusing.
        const again = await this.scan(stream, events);
        const d = judgeDuplicate(stream, events, again);
        if (d) return d;
        throw new WrongExpectedVersionError(stream, expected, versionOf(again.current));
      }
      return this.readBack(stream, events, nextRevision, writeId);
    }
  }

  /** Reads the appended events back from the leader for their commit positions. */
  private async readBack(stream: string, events: NewEvent[], nextRevision: bigint, writeId: string): Promise<AppendResult> {
    const first = nextRevision - BigInt(events.length) + 1n;
    const back: KdbRecordedEvent[] = [];
    for await (const r of this.client.readStream(stream, {
      fromRevision: first,
      direction: 'forwards',
      maxCount: events.length,
      requiresLeader: true,
    })) {
      if (r.event) back.push(r.event);
    }
    if (back.length !== events.length || back.some((b, i) => b.id !== events[i]!.id)) {
      throw new Error(`stream ${stream}: append acknowledged at revision ${nextRevision} but its events did not read back`);
    }
    const meta = back[0]!.metadata as Record<string, unknown> | undefined;
    return {
      nextExpectedVersion: nextRevision + 1n,
      firstPosition: positionOf(back[0]!),
      lastPosition: positionOf(back[back.length - 1]!),
      // The server answers a retry of a committed batch (same ids, same revision) with success
      // and writes nothing: the stored write id is then another attempt's.
      duplicate: meta?.[META_WRITE_ID] !== writeId,
    };
  }

  /**
   * Walks the stream backwards from its end looking for the batch's ids, stopping at events
   * committed before the earliest id was minted (less the allowed skew).
   */
  private async scan(stream: string, events: NewEvent[]): Promise<ScanResult> {
    const want = new Set(events.map((e) => e.id));
    const found = new Map<string, { version: bigint; position: bigint }>();
    let current: bigint | null = null;
    const mintedMs = earliestUuidv7Ms(events);
    const bound = mintedMs === null ? null : mintedMs - this.skewMs;
    try {
      for await (const r of this.client.readStream(stream, {
        fromRevision: 'end',
        direction: 'backwards',
        maxCount: MAX_READ,
        requiresLeader: true,
      })) {
        const ev = r.event;
        if (!ev) continue;
        if (current === null) current = ev.revision;
        if (want.has(ev.id)) found.set(ev.id, { version: ev.revision + 1n, position: positionOf(ev) });
        if (found.size === want.size) break;
        if (bound !== null && ev.created.getTime() < bound) break;
      }
    } catch (err) {
      if (errorType(err) === KDB_STREAM_NOT_FOUND) return { current: null, found };
      throw err;
    }
    return { current, found };
  }

  // ---------------------------------------------------------------- reads

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (max <= 0) return [];
    const backwards = options.direction === 'backwards';
    // Forwards: from..to ascending. Backwards: from (default: the end) down to `to` (default 1).
    const upper = backwards ? options.from : options.to;
    const lower = (backwards ? options.to : options.from) ?? 1n;
    if (upper !== undefined && upper < lower) return [];
    if (upper !== undefined && upper < 1n) return [];
    const fromRevision: 'end' | bigint = backwards ? (upper === undefined ? 'end' : upper - 1n) : lower > 1n ? lower - 1n : 0n;
    const out: RecordedEvent[] = [];
    try {
      for await (const r of this.client.readStream(stream, {
        fromRevision,
        direction: backwards ? 'backwards' : 'forwards',
        maxCount: BigInt(max),
      })) {
        if (!r.event) continue;
        const version = r.event.revision + 1n;
        if (backwards ? version < lower : upper !== undefined && version > upper) break;
        out.push(toRecorded(r.event));
        if (out.length >= max) break;
      }
    } catch (err) {
      if (errorType(err) === KDB_STREAM_NOT_FOUND) return [];
      throw err;
    }
    return out;
  }

  async streamVersion(stream: string): Promise<bigint | null> {
    this.assertOpen();
    try {
      for await (const r of this.client.readStream(stream, { fromRevision: 'end', direction: 'backwards', maxCount: 1 })) {
        if (r.event) return r.event.revision + 1n;
      }
    } catch (err) {
      if (errorType(err) === KDB_STREAM_NOT_FOUND) return null;
      throw err;
    }
    return null;
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    this.assertOpen();
    const after = options.after ?? 0n;
    const max = options.maxCount ?? 1000;
    const events: RecordedEvent[] = [];
    let last = after;
    let seen = 0;
    // The start position is inclusive on the server: ask for one more and drop the event at `after`.
    for await (const r of this.client.readAll({
      fromPosition: toKdbPosition(after),
      direction: 'forwards',
      maxCount: max + 1,
      filter: ledgerFilter(),
    })) {
      const ev = r.event;
      if (!ev) continue;
      const p = positionOf(ev);
      if (p <= after) continue;
      seen += 1;
      last = p;
      if (!isSystem(ev)) events.push(toRecorded(ev));
      if (seen >= max) break;
    }
    return { events, lastPosition: last, isEnd: seen < max };
  }

  async headPosition(): Promise<bigint> {
    this.assertOpen();
    for await (const r of this.client.readAll({ fromPosition: 'end', direction: 'backwards', maxCount: 64, filter: ledgerFilter() })) {
      if (r.event && !isSystem(r.event)) return positionOf(r.event);
    }
    return 0n;
  }

  // ---------------------------------------------------------------- subscriptions

  /** A catch-up subscription to $all (see kurrentdb-subscription.ts); close() stops it. */
  subscribeToAll(options: SubscribeOptions): Subscription {
    this.assertOpen();
    const subscription = catchUpSubscription(
      {
        client: this.client,
        headPosition: () => this.headPosition(),
        backoff: this.backoff,
        onStopped: (s) => this.subscriptions.delete(s),
      },
      options,
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * A KurrentDB catch-up subscription to $all (server-side filter excluding system events),
   * resumed from the last handled position after transient failures. `onPage` runs when the
   * delivered burst is drained (or every `pageSize` events), with the last handled position.
   * The server's filter checkpoints only move the internal resume point past long runs of
   * filtered-out records; `onPage` always reports the position of a delivered ledger event.
   */

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the KurrentDB ledger is closed');
  }
}
