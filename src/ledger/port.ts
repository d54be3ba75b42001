/**
 * The ledger port: the one event-store interface every adapter (SQLite embedded default,
 * KurrentDB for scale-out) implements and proves with the shared contract suite
 * (test/ledger/event-store.contract.ts).
 *
 * Versions and positions are bigint because KurrentDB's revisions and commit positions are
 * 64-bit. Stream versions count from 1 (KurrentDB revision + 1); global positions are strictly
 * increasing from 1 (contiguous on SQLite, which the integrity layer relies on).
 */

/** Optimistic concurrency expectation for an append, the same four states KurrentDB has. */
export type ExpectedVersion = bigint | 'no-stream' | 'stream-exists' | 'any';

export interface Actor {
  id: string;
  role: string;
}

export interface EventMetadata {
  actor: Actor;
  correlationId: string;
  causationId?: string;
  /** When the fact happened in the world (ISO instant), from the injected clock or the caller. */
  occurredAt: string;
  /** Set by the store when the event is committed. */
  recordedAt?: string;
}

/** An event about to be appended. `id` is a UUIDv7 chosen by the caller: retries reuse it. */
export interface NewEvent {
  id: string;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

export interface RecordedEvent {
  id: string;
  stream: string;
  version: bigint;
  position: bigint;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata: EventMetadata & { recordedAt: string };
}

export interface AppendResult {
  /** The stream's version after the append (pass it as `expected` next time). */
  nextExpectedVersion: bigint;
  firstPosition: bigint;
  lastPosition: bigint;
  /** True when every event id was already in the stream: nothing was written. */
  duplicate: boolean;
}

export interface ReadStreamOptions {
  /** Inclusive version bounds. Forwards: from defaults to 1. Backwards: from defaults to the end. */
  from?: bigint;
  to?: bigint;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Read events with position strictly greater than this (0n = from the start). */
  after?: bigint;
  maxCount?: number;
}

export interface ReadAllPage {
  events: RecordedEvent[];
  /** Pass as `after` to read the next page. */
  lastPosition: bigint;
  isEnd: boolean;
}

export interface Subscription {
  /** Resolves once the subscription has caught up with the head at least once. */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  /** Deliver events with position strictly greater than this. */
  after: bigint;
  /** Called for each event in order; the subscription waits for it before the next. */
  handler: (event: RecordedEvent) => Promise<void> | void;
  /** Called once per delivered page, after its handlers ran (where checkpoints are saved). */
  onPage?: (lastPosition: bigint) => Promise<void> | void;
  pageSize?: number;
  onError?: (err: unknown) => void;
}

export interface EventStore {
  readonly adapter: string;
  append(stream: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult>;
  /** Events of a stream; an absent stream reads as []. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** The current version of a stream, or null when it does not exist. */
  streamVersion(stream: string): Promise<bigint | null>;
  readAll(options?: ReadAllOptions): Promise<ReadAllPage>;
  /** The position of the newest event (0n when the ledger is empty). */
  headPosition(): Promise<bigint>;
  /** Catch up from `after`, then stay live. */
  subscribeToAll(options: SubscribeOptions): Subscription;
  close(): Promise<void>;
}
