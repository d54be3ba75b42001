/**
 * The part of `@kurrent/kurrentdb-client` the adapter uses, written out as a structural type.
 * The real `KurrentDBClient` satisfies it; a test double that reproduces the server's documented
 * semantics can satisfy it too (no KurrentDB server can run on the build machines).
 */
export type KdbPosition = { commit: bigint; prepare: bigint };
export type KdbStreamState = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface KdbRecordedEvent {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  isJson: boolean;
  created: Date;
  data: unknown;
  metadata: unknown;
  position?: KdbPosition;
}

export interface KdbResolvedEvent {
  event?: KdbRecordedEvent;
  link?: KdbRecordedEvent;
  commitPosition?: bigint;
}

export interface KdbJsonEventData {
  id: string;
  contentType: 'application/json';
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface KdbFilter {
  filterOn: 'eventType' | 'streamName';
  regex?: string;
  prefixes?: string[];
  checkpointInterval: number;
  checkpointReached?: (subscription: unknown, position: KdbPosition) => Promise<void> | void;
  maxSearchWindow?: number;
}

/** A catch-up subscription: a Readable in object mode (the members the adapter touches). */
export interface KdbSubscription {
  readonly readableLength: number;
  unsubscribe(): Promise<void>;
  [Symbol.asyncIterator](): AsyncIterator<KdbResolvedEvent>;
}

export interface KdbClient {
  appendToStream(
    streamName: string,
    events: KdbJsonEventData[],
    options: { streamState: KdbStreamState; requiresLeader?: boolean; deadline?: number },
  ): Promise<{ success: boolean; nextExpectedRevision: bigint; position?: KdbPosition }>;
  readStream(
    streamName: string,
    options: {
      fromRevision?: 'start' | 'end' | bigint;
      direction?: 'forwards' | 'backwards';
      maxCount?: number | bigint;
      requiresLeader?: boolean;
    },
  ): AsyncIterable<KdbResolvedEvent>;
  readAll(options: {
    fromPosition?: 'start' | 'end' | KdbPosition;
    direction?: 'forwards' | 'backwards';
    maxCount?: number | bigint;
    filter?: KdbFilter;
    requiresLeader?: boolean;
  }): AsyncIterable<KdbResolvedEvent>;
  subscribeToAll(options: { fromPosition?: 'start' | 'end' | KdbPosition; filter?: KdbFilter }): KdbSubscription;
  dispose(): Promise<void>;
}

/** Error `type` strings of the client's CommandError classes that the adapter maps. */
export const KDB_WRONG_EXPECTED_VERSION = 'wrong-expected-version';
export const KDB_STREAM_NOT_FOUND = 'stream-not-found';
/** Transient failures after which a subscription reconnects from its last position. */
export const KDB_TRANSIENT = new Set(['unavailable', 'deadline-exceeded', 'timeout', 'not-leader', 'cancelled']);

export function errorType(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'type' in err && typeof (err as { type: unknown }).type === 'string'
    ? (err as { type: string }).type
    : undefined;
}
