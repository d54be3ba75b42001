import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../platform/clock';
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
import { prepareGroupStatements, runGroup, type GroupStatements, type Outcome } from './group-commit';
import { WalSync } from './wal-sync';
// Rows are stored as RFC 8785 canonical JSON: the integrity layer hashes the stored text as it is.
import { canonicalize } from '../../shared/canonical-json';

/**
 * Runs inside the append transaction, after the events' rows are written and before COMMIT.
 * The integrity layer uses it to store leaf hashes and the Merkle frontier atomically with the
 * events. A hook that throws aborts the append.
 */
export interface AppendHook {
  onAppend(db: Database.Database, events: RecordedEvent[]): void;
}

export interface SqliteEventStoreOptions {
  /** File path, or ':memory:' for throwaway tests. */
  path: string;
  clock: Clock;
  /** How often a live subscription polls for events appended by other processes. */
  pollIntervalMs?: number;
  busyTimeoutMs?: number;
  /**
   * 'full' (default): every acknowledged append is fsynced and survives power loss.
   * 'normal': WAL without fsync per commit; survives a process crash, may lose the last
   * commits on power loss (the file stays consistent).
   */
  synchronous?: 'full' | 'normal';
}

/** A row of the events table, integers read as bigint. */
export interface EventRow {
  position: bigint;
  id: string;
  stream: string;
  version: bigint;
  type: string;
  schema_version: bigint;
  data: string;
  metadata: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position       INTEGER PRIMARY KEY,
  id             TEXT    NOT NULL UNIQUE,
  stream         TEXT    NOT NULL,
  version        INTEGER NOT NULL,
  type           TEXT    NOT NULL,
  schema_version INTEGER NOT NULL,
  data           TEXT    NOT NULL,
  metadata       TEXT    NOT NULL,
  UNIQUE (stream, version)
);
CREATE TABLE IF NOT EXISTS streams (
  stream  TEXT    PRIMARY KEY,
  version INTEGER NOT NULL
);
`;

/** The embedded default ledger: one SQLite file in WAL mode, safe for several processes. */
export class SqliteEventStore implements EventStore {
  readonly adapter = 'sqlite';
  readonly db: Database.Database;
  private readonly hooks: AppendHook[] = [];
  private readonly appended = new EventEmitter();
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private closed = false;
  private readonly stmts: ReturnType<SqliteEventStore['prepare']>;
  private readonly group: GroupStatements;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  /** Set with synchronous 'full' on a file: fsyncs the WAL off the event loop (see WalSync). */
  private readonly walSync: WalSync | null = null;

  constructor(options: SqliteEventStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    const wal = this.db.pragma('journal_mode = WAL', { simple: true }) === 'wal';
    // 'full' on a file keeps every acknowledged append durable, but the fsync runs off the event
    // loop (WalSync): COMMIT itself only writes the WAL. ':memory:' has nothing to sync.
    // Other writers on this connection (the integrity layer's checkpoints) keep FULL.
    const asyncSync = options.synchronous !== 'normal' && options.path !== ':memory:' && wal;
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    this.db.exec(SCHEMA);
    this.clock = options.clock;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.appended.setMaxListeners(0);
    this.stmts = this.prepare();
    this.group = prepareGroupStatements(this.db);
    if (asyncSync) {
      const head = (this.stmts.head.get() as { p: bigint }).p;
      this.walSync = new WalSync(`${options.path}-wal`, (p) => this.appended.emit('append', p), head);
    }
  }

  private prepare() {
    const db = this.db;
    const safe = <T extends Database.Statement>(s: T) => s.safeIntegers(true) as T;
    return {
      streamVersion: safe(db.prepare('SELECT version FROM streams WHERE stream = ?')),
      head: safe(db.prepare('SELECT COALESCE(MAX(position), 0) AS p FROM events')),
      byId: safe(db.prepare('SELECT position, stream, version FROM events WHERE id = ?')),
      insert: db.prepare(
        'INSERT INTO events (position, id, stream, version, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      upsertStream: db.prepare(
        'INSERT INTO streams (stream, version) VALUES (?, ?) ON CONFLICT(stream) DO UPDATE SET version = excluded.version',
      ),
      readForward: safe(db.prepare('SELECT * FROM events WHERE stream = ? AND version BETWEEN ? AND ? ORDER BY version ASC LIMIT ?')),
      readBackward: safe(db.prepare('SELECT * FROM events WHERE stream = ? AND version BETWEEN ? AND ? ORDER BY version DESC LIMIT ?')),
      readAll: safe(db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?')),
    };
  }

  addAppendHook(hook: AppendHook): void {
    this.hooks.push(hook);
  }

  private fence: (() => bigint) | null = null;

  /**
   * Caps every read at the last position the integrity layer adopted: a row written into the
   * table outside the ledger is never read back (no aggregate, projection or processor sees it).
   */
  setReadFence(fence: () => bigint): void {
    this.fence = fence;
  }

  /**
   * The last position reads may return: the integrity fence and, for the global log (what
   * projections and processors follow), the last durable position of this process's commits,
   * so nothing derived is built on an event a power loss could still take back.
   */
  private cap(durableOnly: boolean): bigint | null {
    let cap = this.fence ? this.fence() : null;
    const pending = durableOnly ? (this.walSync?.nonDurableFrom ?? null) : null;
    if (pending !== null && (cap === null || pending - 1n < cap)) cap = pending - 1n;
    return cap;
  }

  private fenced(rows: EventRow[], durableOnly = false): EventRow[] {
    const f = this.cap(durableOnly);
    if (f === null) return rows;
    return rows.every((r) => r.position <= f) ? rows : rows.filter((r) => r.position <= f);
  }

  /**
   * Group commit: appends made while the event loop is busy are queued and written together at
   * the next turn, in one BEGIN IMMEDIATE … COMMIT and (with 'full') one fsync of the WAL, run
   * off the event loop. Each append runs in its own SAVEPOINT, so it keeps its own idempotency
   * and expected-version check against everything before it (this group's appends included) and
   * its own positions, and a refused append rolls back alone. An append's promise resolves only
   * once its events are durable, and rejects with its own error.
   */
  append(stream: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    try {
      this.checkAppend(stream, events);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ stream, events, expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private checkAppend(stream: string, events: NewEvent[]): void {
    if (this.closed) throw new Error('the ledger is closed');
    if (this.walSync?.failure) throw this.walSync.failure;
    if (events.length === 0) throw new Error('append needs at least one event');
    assertStreamName(stream);
  }

  /** Writes every queued append in one transaction; see `append`. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome<{ result: AppendResult; recorded: RecordedEvent[] }>[];
    if (this.walSync) this.db.pragma('synchronous = NORMAL'); // the fsync runs off the event loop
    try {
      outcomes = runGroup(
        this.db,
        this.group,
        batch.map((p) => () => this.appendInTransaction(p.stream, p.events, p.expected)),
      );
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    } finally {
      if (this.walSync) this.db.pragma('synchronous = FULL');
    }
    const written = outcomes.flatMap((o) => ('ok' in o && o.ok.recorded.length > 0 ? [o.ok.result] : []));
    if (written.length > 0) {
      const last = written[written.length - 1]!.lastPosition;
      if (this.walSync) this.walSync.committed(written[0]!.firstPosition, last);
      else this.appended.emit('append', last);
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if ('err' in o) p.reject(o.err);
      else if (!this.walSync) p.resolve(o.ok.result);
      else this.walSync.durable(o.ok.result.lastPosition).then(() => p.resolve(o.ok.result), p.reject);
    });
  }

  /**
   * Synchronous append in a transaction of its own, durable when it returns (the ledger mirror
   * uses it). BEGIN IMMEDIATE serializes writers across processes.
   */
  appendSync(stream: string, events: NewEvent[], expected: ExpectedVersion): AppendResult {
    this.checkAppend(stream, events);
    const { result, recorded } = this.db.transaction(() => this.appendInTransaction(stream, events, expected)).immediate();
    if (recorded.length > 0) {
      if (this.walSync)
        this.walSync.committedDurably(result.firstPosition, result.lastPosition); // a FULL commit
      else this.appended.emit('append', result.lastPosition);
    }
    return result;
  }

  private appendInTransaction(
    stream: string,
    events: NewEvent[],
    expected: ExpectedVersion,
  ): { result: AppendResult; recorded: RecordedEvent[] } {
    const duplicate = this.findDuplicate(stream, events);
    if (duplicate) return { result: duplicate, recorded: [] };

    const row = this.stmts.streamVersion.get(stream) as { version: bigint } | undefined;
    const current = row ? row.version : null;
    checkExpected(stream, expected, current);

    const head = (this.stmts.head.get() as { p: bigint }).p;
    const recordedAt = this.clock.now().toISOString();
    let version = current ?? 0n;
    let position = head;
    const recorded: RecordedEvent[] = [];
    for (const e of events) {
      version += 1n;
      position += 1n;
      const metadata = { ...e.metadata, recordedAt };
      this.stmts.insert.run(position, e.id, stream, version, e.type, e.schemaVersion, canonicalize(e.data), canonicalize(metadata));
      recorded.push({ id: e.id, stream, version, position, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata });
    }
    this.stmts.upsertStream.run(stream, version);
    for (const hook of this.hooks) hook.onAppend(this.db, recorded);
    return {
      result: { nextExpectedVersion: version, firstPosition: head + 1n, lastPosition: position, duplicate: false },
      recorded,
    };
  }

  /** Idempotency on event id: a batch already written in full returns its original positions. */
  private findDuplicate(stream: string, events: NewEvent[]): AppendResult | null {
    const found = events.map((e) => this.stmts.byId.get(e.id) as { position: bigint; stream: string; version: bigint } | undefined);
    const present = found.filter((f) => f !== undefined);
    if (present.length === 0) return null;
    const consistent =
      present.length === events.length &&
      present.every((f, i) => f!.stream === stream && (i === 0 || f!.position === present[i - 1]!.position + 1n));
    if (!consistent) {
      const idx = found.findIndex((f) => f !== undefined);
      throw new IdempotencyViolationError(stream, events[idx]!.id);
    }
    return {
      nextExpectedVersion: present[present.length - 1]!.version,
      firstPosition: present[0]!.position,
      lastPosition: present[present.length - 1]!.position,
      duplicate: true,
    };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const MAXV = 9_223_372_036_854_775_807n;
    if (options.direction === 'backwards') {
      const from = options.from ?? MAXV;
      const to = options.to ?? 1n;
      return this.fenced(this.stmts.readBackward.all(stream, to, from, max) as EventRow[]).map(toRecorded);
    }
    const from = options.from ?? 1n;
    const to = options.to ?? MAXV;
    return this.fenced(this.stmts.readForward.all(stream, from, to, max) as EventRow[]).map(toRecorded);
  }

  async streamVersion(stream: string): Promise<bigint | null> {
    const row = this.stmts.streamVersion.get(stream) as { version: bigint } | undefined;
    return row ? row.version : null;
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    const after = options.after ?? 0n;
    const max = options.maxCount ?? 1000;
    const all = this.stmts.readAll.all(after, max) as EventRow[];
    const rows = this.fenced(all, true);
    const events = rows.map(toRecorded);
    return {
      events,
      lastPosition: events.length ? events[events.length - 1]!.position : after,
      isEnd: rows.length < all.length || events.length < max,
    };
  }

  async headPosition(): Promise<bigint> {
    const head = (this.stmts.head.get() as { p: bigint }).p;
    const f = this.cap(true);
    return f === null || head < f ? head : f;
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

  /** fsyncs every committed append now (the integrity layer, before it signs a tree head). */
  syncCommitted(): void {
    this.walSync?.syncAll();
  }

  /** Writes what is queued, waits until it is durable, then closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    await this.walSync?.settled();
    this.walSync?.close();
    this.appended.emit('close');
    this.db.close();
  }
}

interface PendingAppend {
  stream: string;
  events: NewEvent[];
  expected: ExpectedVersion;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
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

/** The RecordedEvent a stored row reads as; the integrity layer reads rows the same way. */
export function toRecorded(r: EventRow): RecordedEvent {
  return {
    id: r.id,
    stream: r.stream,
    version: r.version,
    position: r.position,
    type: r.type,
    schemaVersion: Number(r.schema_version),
    data: JSON.parse(r.data),
    metadata: JSON.parse(r.metadata),
  };
}
