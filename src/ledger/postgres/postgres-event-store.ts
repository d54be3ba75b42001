/**
 * The ledger on PostgreSQL: the shared store several machines use (LEDGER=postgres, DATABASE_URL).
 * Same port and contract suite as the SQLite and KurrentDB adapters.
 *
 * Positions readers can trust. Every append takes a transaction-scoped advisory lock
 * (pg_advisory_xact_lock) before it reads the head, so positions are handed out one transaction
 * at a time and the lock is released only by COMMIT or ROLLBACK. Consequences:
 * - position N+1 can only be assigned after the transaction holding N has committed (or rolled
 *   back, in which case N is assigned again): a reader that sees N+1 has already been able to see
 *   N. A sequence (bigserial) would not give that: two transactions take 7 and 8, 8 commits first,
 *   a subscription reads 8, saves its checkpoint, and never delivers 7.
 * - positions are contiguous from 1, which the integrity layer's leaf index needs (leaf n = event n).
 * An advisory lock rather than `SELECT … FOR UPDATE` on a head row: nothing is updated for the lock
 * itself (no dead row per append), and the key is per database, so stores in other databases of the
 * same server do not contend. The cost is one writer at a time, as with SQLite's BEGIN IMMEDIATE; a
 * batch of events is one transaction, so throughput comes from batching.
 */
import { EventEmitter } from 'node:events';
import type { PoolClient } from 'pg';
import type { Clock } from '../../platform/clock';
import { PgDatabase } from '../../platform/postgres/pool';
import { canonicalize } from '../../shared/canonical-json';
import { IdempotencyViolationError, WrongExpectedVersionError } from '../errors';
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
import { startPollingSubscription } from '../subscription';

/** The advisory lock key serializing appends ('SHLEDGER', fixed forever). */
export const LEDGER_APPEND_LOCK_KEY = '6001937102402127186';

/** Runs inside the append transaction, after the rows are written, before COMMIT; a throw aborts the append. */
export interface PgAppendHook {
  /** `stored` holds the canonical JSON texts written for each event's data and metadata. */
  onAppend(client: PoolClient, events: RecordedEvent[], stored: StoredTexts[]): Promise<void>;
}

export interface StoredTexts {
  dataText: string;
  metadataText: string;
}

export interface PostgresEventStoreOptions {
  db: PgDatabase;
  clock: Clock;
  /** Close the database (pool) when the store closes: true when the store made it. */
  ownsDatabase?: boolean;
  /** How often a live subscription polls for events appended by other processes. */
  pollIntervalMs?: number;
}

interface EventRow {
  position: string;
  id: string;
  stream: string;
  version: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
}

export class PostgresEventStore implements EventStore {
  readonly adapter = 'postgres';
  readonly db: PgDatabase;
  private readonly clock: Clock;
  private readonly ownsDatabase: boolean;
  private readonly pollIntervalMs: number;
  private readonly hooks: PgAppendHook[] = [];
  private readonly appended = new EventEmitter();
  private closed = false;

  constructor(options: PostgresEventStoreOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.ownsDatabase = options.ownsDatabase ?? false;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.appended.setMaxListeners(0);
  }

  static connect(url: string, clock: Clock, pollIntervalMs?: number): PostgresEventStore {
    return new PostgresEventStore({ db: new PgDatabase(url), clock, ownsDatabase: true, pollIntervalMs });
  }

  addAppendHook(hook: PgAppendHook): void {
    this.hooks.push(hook);
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    assertStreamName(stream);
    await this.db.ready();
    const client = await this.db.pool.connect();
    let result: AppendResult;
    try {
      await client.query('BEGIN');
      try {
        result = await this.appendIn(client, stream, events, expected);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      client.release();
    }
    if (!result.duplicate) this.appended.emit('append', result.lastPosition);
    return result;
  }

  private async appendIn(client: PoolClient, stream: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [LEDGER_APPEND_LOCK_KEY]);
    const duplicate = await findDuplicate(client, stream, events);
    if (duplicate) return duplicate;

    const state = await client.query<{ current: string | null; head: string }>(
      'SELECT (SELECT version FROM streams WHERE stream = $1) AS current, (SELECT COALESCE(MAX(position), 0) FROM events) AS head',
      [stream],
    );
    const current = state.rows[0]!.current === null ? null : BigInt(state.rows[0]!.current);
    checkExpected(stream, expected, current);
    const head = BigInt(state.rows[0]!.head);

    const recordedAt = this.clock.now().toISOString();
    const recorded: RecordedEvent[] = [];
    const cols = { position: [] as string[], id: [] as string[], version: [] as string[], type: [] as string[] };
    const schema: number[] = [];
    const data: string[] = [];
    const meta: string[] = [];
    let version = current ?? 0n;
    let position = head;
    for (const e of events) {
      version += 1n;
      position += 1n;
      const metadata = { ...e.metadata, recordedAt };
      cols.position.push(String(position));
      cols.id.push(e.id);
      cols.version.push(String(version));
      cols.type.push(e.type);
      schema.push(e.schemaVersion);
      data.push(canonicalize(e.data));
      meta.push(canonicalize(metadata));
      recorded.push({ id: e.id, stream, version, position, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata });
    }
    await client.query(
      `INSERT INTO events (position, id, stream, version, type, schema_version, data, metadata)
       SELECT p, i, $3, v, t, s, d, m FROM unnest($1::bigint[], $2::text[], $4::bigint[], $5::text[], $6::int[], $7::text[], $8::text[]) AS u(p, i, v, t, s, d, m)`,
      [cols.position, cols.id, stream, cols.version, cols.type, schema, data, meta],
    );
    await client.query(
      'INSERT INTO streams (stream, version) VALUES ($1, $2) ON CONFLICT (stream) DO UPDATE SET version = excluded.version',
      [stream, String(version)],
    );
    const stored = data.map((d, i) => ({ dataText: d, metadataText: meta[i]! }));
    for (const hook of this.hooks) await hook.onAppend(client, recorded, stored);
    return { nextExpectedVersion: version, firstPosition: head + 1n, lastPosition: position, duplicate: false };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    await this.db.ready();
    const MAXV = 9_223_372_036_854_775_807n;
    const limit = options.maxCount ?? null;
    const backwards = options.direction === 'backwards';
    const lo = backwards ? (options.to ?? 1n) : (options.from ?? 1n);
    const hi = backwards ? (options.from ?? MAXV) : (options.to ?? MAXV);
    const r = await this.db.pool.query<EventRow>(
      `SELECT * FROM events WHERE stream = $1 AND version BETWEEN $2 AND $3 ORDER BY version ${backwards ? 'DESC' : 'ASC'} LIMIT $4`,
      [stream, String(lo), String(hi), limit],
    );
    return r.rows.map(toRecorded);
  }

  async streamVersion(stream: string): Promise<bigint | null> {
    await this.db.ready();
    const r = await this.db.pool.query<{ version: string }>('SELECT version FROM streams WHERE stream = $1', [stream]);
    return r.rows.length ? BigInt(r.rows[0]!.version) : null;
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    await this.db.ready();
    const after = options.after ?? 0n;
    const max = options.maxCount ?? 1000;
    const r = await this.db.pool.query<EventRow>('SELECT * FROM events WHERE position > $1 ORDER BY position ASC LIMIT $2', [
      String(after),
      max,
    ]);
    const events = r.rows.map(toRecorded);
    return { events, lastPosition: events.length ? events[events.length - 1]!.position : after, isEnd: events.length < max };
  }

  async headPosition(): Promise<bigint> {
    await this.db.ready();
    const r = await this.db.pool.query<{ p: string }>('SELECT COALESCE(MAX(position), 0) AS p FROM events');
    return BigInt(r.rows[0]!.p);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    return startPollingSubscription(this, options, {
      pollIntervalMs: this.pollIntervalMs,
      onLocalAppend: (listener) => {
        this.appended.on('append', listener);
        return () => this.appended.off('append', listener);
      },
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.appended.emit('close');
    if (this.ownsDatabase) await this.db.close();
  }
}

/** Idempotency on event id: a batch already written in full returns its original positions. */
async function findDuplicate(client: PoolClient, stream: string, events: NewEvent[]): Promise<AppendResult | null> {
  const ids = events.map((e) => e.id);
  const r = await client.query<{ id: string; position: string; stream: string; version: string }>(
    'SELECT id, position, stream, version FROM events WHERE id = ANY($1::text[])',
    [ids],
  );
  if (r.rows.length === 0) return null;
  const byId = new Map(r.rows.map((row) => [row.id, row]));
  const found = ids.map((id) => byId.get(id));
  const consistent =
    r.rows.length === events.length &&
    found.every(
      (f, i) => f !== undefined && f.stream === stream && (i === 0 || BigInt(f.position) === BigInt(found[i - 1]!.position) + 1n),
    );
  if (!consistent) {
    const idx = found.findIndex((f) => f !== undefined);
    throw new IdempotencyViolationError(stream, events[idx]!.id);
  }
  return {
    nextExpectedVersion: BigInt(found[found.length - 1]!.version),
    firstPosition: BigInt(found[0]!.position),
    lastPosition: BigInt(found[found.length - 1]!.position),
    duplicate: true,
  };
}

function checkExpected(stream: string, expected: ExpectedVersion, current: bigint | null): void {
  const ok =
    expected === 'any' ||
    (expected === 'no-stream' && current === null) ||
    (expected === 'stream-exists' && current !== null) ||
    (typeof expected === 'bigint' && current !== null && expected === current);
  if (!ok) throw new WrongExpectedVersionError(stream, expected, current);
}

function assertStreamName(stream: string): void {
  if (!/^[a-z][a-z0-9-]*-[A-Za-z0-9._:-]+$/.test(stream) || stream.length > 200) {
    throw new Error(`invalid stream name "${stream.slice(0, 60)}": expected <category>-<id>`);
  }
}

export function toRecorded(r: EventRow): RecordedEvent {
  return {
    id: r.id,
    stream: r.stream,
    version: BigInt(r.version),
    position: BigInt(r.position),
    type: r.type,
    schemaVersion: r.schema_version,
    data: JSON.parse(r.data),
    metadata: JSON.parse(r.metadata),
  };
}
