/** Between the ledger's envelopes and KurrentDB's records: positions, metadata keys, filters, validation, and the duplicate check. */
import { isUuid } from '../../platform/ids';
import { IdempotencyViolationError } from '../errors';
import type { AppendResult, EventMetadata, NewEvent, RecordedEvent } from '../port';
import type { EventAuthKey, EventAuthTag } from '../integrity/event-auth';
import { type KdbFilter, type KdbJsonEventData, type KdbPosition, type KdbRecordedEvent } from './client-surface';

/** Keys the adapter keeps in KurrentDB's event metadata beside our envelope metadata. */
const META_SCHEMA_VERSION = '$schemaVersion';
export const META_WRITE_ID = '$writeId';
/** The event's authentication tag (EventAuthKey.sealEvent), reserved like every `$` key. */
export const META_EVENT_AUTH = '$eventAuth';
/** Where a recorded event read from KurrentDB carries its stored tag (not enumerable: not part of the envelope). */
export const EVENT_AUTH_TAG = Symbol.for('safeharbor.eventAuthTag');
export const MAX_READ = BigInt(Number.MAX_SAFE_INTEGER);
const STREAM_NAME_RE = /^[a-z][a-z0-9-]*-[A-Za-z0-9._:-]+$/;
export interface ScanResult {
  /** The stream's last revision (0-based), or null when it does not exist. */
  current: bigint | null;
  found: Map<string, { version: bigint; position: bigint }>;
}

export function judgeDuplicate(stream: string, events: NewEvent[], scan: ScanResult): AppendResult | null {
  const present = events.map((e) => scan.found.get(e.id));
  const count = present.filter((p) => p !== undefined).length;
  if (count === 0) return null;
  const consistent = count === events.length && present.every((p, i) => i === 0 || p!.version === present[i - 1]!.version + 1n);
  if (!consistent) {
    throw new IdempotencyViolationError(stream, events[present.findIndex((p) => p !== undefined)]!.id);
  }
  return {
    nextExpectedVersion: present[present.length - 1]!.version,
    firstPosition: present[0]!.position,
    lastPosition: present[present.length - 1]!.position,
    duplicate: true,
  };
}

export function versionOf(revision: bigint | null): bigint | null {
  return revision === null ? null : revision + 1n;
}

export function toKdbPosition(after: bigint): 'start' | KdbPosition {
  return after === 0n ? 'start' : { commit: after, prepare: after };
}

/** The same predicate as the client's `excludeSystemEvents()`: event types not starting with `$`. */
export function ledgerFilter(onCheckpoint?: (pos: KdbPosition) => void): KdbFilter {
  return {
    filterOn: 'eventType',
    regex: '^[^$].*',
    checkpointInterval: 1,
    ...(onCheckpoint ? { checkpointReached: (_sub: unknown, pos: KdbPosition) => onCheckpoint(pos) } : {}),
  };
}

export function isSystem(ev: KdbRecordedEvent): boolean {
  return ev.type.startsWith('$') || ev.streamId.startsWith('$');
}

export function positionOf(ev: KdbRecordedEvent): bigint {
  if (!ev.position) {
    throw new Error('KurrentDB did not return event positions on stream reads (server 22.6 or newer is required)');
  }
  return ev.position.commit;
}

/**
 * The envelope the tag covers: exactly what a read returns as the recorded event (metadata with
 * recordedAt and without the `$` keys, through JSON as the wire carries it), without the position
 * and version, which the server assigns after the tag is made.
 */
export function authEnvelopeOf(e: {
  id: string;
  stream: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: Record<string, unknown>;
}) {
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e.metadata)) if (!k.startsWith('$')) metadata[k] = v;
  return {
    id: e.id,
    stream: e.stream,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: JSON.parse(JSON.stringify(e.data ?? null)) as unknown,
    metadata: JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>,
  };
}

export function toEventData(e: NewEvent, recordedAt: string, writeId: string, stream?: string, auth?: EventAuthKey): KdbJsonEventData {
  const tag: EventAuthTag | undefined =
    auth && stream
      ? auth.sealEvent(authEnvelopeOf({ ...e, stream, metadata: { ...e.metadata, recordedAt } as Record<string, unknown> }))
      : undefined;
  const metadata: Record<string, unknown> = {
    ...e.metadata,
    recordedAt,
    ...(tag ? { [META_EVENT_AUTH]: tag } : {}),
    [META_SCHEMA_VERSION]: e.schemaVersion,
    // KurrentDB's $by_correlation_id system projection reads these two.
    $correlationId: e.metadata.correlationId,
    $causationId: e.metadata.causationId ?? e.metadata.correlationId,
    [META_WRITE_ID]: writeId,
  };
  return { id: e.id, contentType: 'application/json', type: e.type, data: e.data, metadata };
}

export function toRecorded(ev: KdbRecordedEvent): RecordedEvent {
  const raw = ev.metadata;
  if (!ev.isJson || typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Uint8Array) {
    throw new Error(`event at position ${positionOf(ev)} is not a Safe Harbor ledger event (the ledger needs a database of its own)`);
  }
  const stored = raw as Record<string, unknown>;
  const schemaVersion = stored[META_SCHEMA_VERSION];
  if (typeof schemaVersion !== 'number' || typeof stored.recordedAt !== 'string') {
    throw new Error(`event at position ${positionOf(ev)} is not a Safe Harbor ledger event (the ledger needs a database of its own)`);
  }
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stored)) if (!k.startsWith('$')) metadata[k] = v;
  const recorded: RecordedEvent = {
    id: ev.id,
    stream: ev.streamId,
    version: ev.revision + 1n,
    position: positionOf(ev),
    type: ev.type,
    schemaVersion,
    data: ev.data as Record<string, unknown>,
    metadata: metadata as unknown as EventMetadata & { recordedAt: string },
  };
  if (stored[META_EVENT_AUTH] !== undefined) {
    Object.defineProperty(recorded, EVENT_AUTH_TAG, { value: stored[META_EVENT_AUTH], enumerable: false });
  }
  return recorded;
}

/** The authentication tag a recorded event carried in KurrentDB (undefined: untagged). */
export function storedAuthTag(e: RecordedEvent): unknown {
  return (e as unknown as Record<symbol, unknown>)[EVENT_AUTH_TAG];
}

export function assertStreamName(stream: string): void {
  if (!STREAM_NAME_RE.test(stream) || stream.length > 200) {
    throw new Error(`invalid stream name "${stream.slice(0, 60)}": expected <category>-<id>`);
  }
}

export function assertEvents(events: NewEvent[]): void {
  if (events.length === 0) throw new Error('append needs at least one event');
  const ids = new Set<string>();
  for (const [i, e] of events.entries()) {
    if (!isUuid(e.id)) throw new Error(`events[${i}].id must be a UUID`);
    if (ids.has(e.id)) throw new Error(`events[${i}].id repeats an id of the same batch`);
    ids.add(e.id);
    if (!e.type || e.type.startsWith('$')) throw new Error(`events[${i}].type must be a name not starting with "$"`);
    for (const k of Object.keys(e.metadata)) {
      if (k.startsWith('$')) throw new Error(`events[${i}].metadata.${k}: keys starting with "$" are reserved`);
    }
  }
}

/** The earliest mint time of the batch's UUIDv7 ids, or null when one is not a UUIDv7. */
export function earliestUuidv7Ms(events: NewEvent[]): number | null {
  let min = Infinity;
  for (const e of events) {
    if (e.id[14] !== '7') return null;
    const ms = parseInt(e.id.slice(0, 8) + e.id.slice(9, 13), 16);
    if (ms < min) min = ms;
  }
  return min;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
