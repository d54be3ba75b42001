import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventStore, RecordedEvent, Subscription } from '../port';
import type { EventRegistry } from '../registry';
import type { Projection } from './projection';

/** Opens the embedded read store (read models, checkpoints, idempotency records). */
export function openReadStore(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.exec(`CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name TEXT PRIMARY KEY, position INTEGER NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL)`);
  return db;
}

/**
 * Runs `fn` (a write of derived state: projection rows with their checkpoints, processor
 * checkpoints) with `synchronous = NORMAL`: its COMMIT is not fsynced on the event loop. A power
 * loss can take back only a tail of such commits, and WAL recovery keeps a prefix, so rows and
 * checkpoints roll back together and are rebuilt from the ledger; the next commit with the
 * connection's own setting (FULL) fsyncs them along with it.
 */
export function withoutFsync<T>(db: Database.Database, fn: () => T): T {
  const previous = db.pragma('synchronous', { simple: true }) as number;
  if (previous <= 1) return fn();
  db.pragma('synchronous = NORMAL');
  try {
    return fn();
  } finally {
    db.pragma(`synchronous = ${previous}`);
  }
}

const statementCaches = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * A prepared statement reused by SQL text on this connection, for read paths that run on every
 * request (compiling the SQL costs more than a key lookup). For fixed SQL text only; the caller
 * must not change its modes (pluck, raw, expand, safeIntegers) nor bind it. One busy in an
 * `iterate()` is not handed out twice.
 */
export function cachedStatement(db: Database.Database, sql: string): Database.Statement {
  let cache = statementCaches.get(db);
  if (!cache) statementCaches.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt.busy ? db.prepare(sql) : stmt;
}

export const PROJECTION_RUNNER = Symbol('ProjectionRunner');
export const READ_DB = Symbol('ReadDb');

/**
 * Keeps every registered projection up to date from the ledger. Several processes may run it
 * against one read store: each page is applied inside BEGIN IMMEDIATE after re-reading the
 * checkpoint, so an event is applied exactly once whoever gets there first.
 */
export class ProjectionRunner {
  private readonly projections = new Map<string, Projection>();
  private subscription: Subscription | null = null;
  private catchingUp: Promise<void> | null = null;
  private readonly pageSize = 500;

  constructor(
    private readonly db: Database.Database,
    private readonly store: EventStore,
    private readonly registry: EventRegistry,
    private readonly nowIso: () => string,
  ) {
    this.selectCheckpoint = db.prepare('SELECT position, version FROM projection_checkpoints WHERE name = ?').safeIntegers(true);
    this.putCheckpoint = db.prepare(
      `INSERT INTO projection_checkpoints (name, position, version, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET position = excluded.position, version = excluded.version, updated_at = excluded.updated_at`,
    );
  }

  private readonly selectCheckpoint: Database.Statement;
  private readonly putCheckpoint: Database.Statement;

  register(projection: Projection): void {
    if (this.projections.has(projection.name)) throw new Error(`projection ${projection.name} registered twice`);
    this.projections.set(projection.name, projection);
    projection.setup(this.db);
    const row = this.checkpointRow(projection.name);
    if (row && row.version !== projection.version) this.resetProjection(projection);
  }

  names(): string[] {
    return [...this.projections.keys()].sort();
  }

  checkpoint(name: string): bigint {
    return this.checkpointRow(name)?.position ?? 0n;
  }

  private checkpointRow(name: string): { position: bigint; version: number } | undefined {
    const row = this.selectCheckpoint.get(name) as { position: bigint; version: bigint } | undefined;
    return row ? { position: row.position, version: Number(row.version) } : undefined;
  }

  private resetProjection(p: Projection): void {
    this.db
      .transaction(() => {
        p.reset(this.db);
        this.db
          .prepare(
            `INSERT INTO projection_checkpoints (name, position, version, updated_at) VALUES (?, 0, ?, ?)
           ON CONFLICT(name) DO UPDATE SET position = 0, version = excluded.version, updated_at = excluded.updated_at`,
          )
          .run(p.name, p.version, this.nowIso());
      })
      .immediate();
  }

  /** Empties a projection (or all) and replays the whole ledger into it. */
  async rebuild(name?: string, onProgress?: (position: bigint, head: bigint) => void): Promise<void> {
    const targets = name ? [this.mustGet(name)] : [...this.projections.values()];
    for (const p of targets) this.resetProjection(p);
    await this.catchUp(onProgress);
  }

  private mustGet(name: string): Projection {
    const p = this.projections.get(name);
    if (!p) throw new Error(`no projection named ${name} (known: ${this.names().join(', ')})`);
    return p;
  }

  /** Applies everything up to the current head. Concurrent callers share one run. */
  catchUp(onProgress?: (position: bigint, head: bigint) => void): Promise<void> {
    if (!this.catchingUp) {
      this.catchingUp = this.runCatchUp(onProgress).finally(() => {
        this.catchingUp = null;
      });
    }
    return this.catchingUp;
  }

  private async runCatchUp(onProgress?: (position: bigint, head: bigint) => void): Promise<void> {
    const head = await this.store.headPosition();
    for (;;) {
      const from = this.lowestCheckpoint();
      if (from >= head) return;
      const page = await this.store.readAll({ after: from, maxCount: this.pageSize });
      if (page.events.length === 0) return;
      this.applyPage(page.events);
      onProgress?.(page.lastPosition, head);
      if (page.isEnd) return;
    }
  }

  private lowestCheckpoint(): bigint {
    let min: bigint | null = null;
    for (const p of this.projections.values()) {
      const c = this.checkpoint(p.name);
      if (min === null || c < min) min = c;
    }
    return min ?? 0n;
  }

  /** One transaction per page: every projection's writes and checkpoints commit together. */
  applyPage(events: RecordedEvent[]): void {
    const last = events[events.length - 1]!.position;
    const now = this.nowIso();
    const page = this.db.transaction(() => {
      for (const p of this.projections.values()) {
        const checkpoint = this.checkpoint(p.name);
        if (checkpoint >= last) continue;
        const handles = this.handles(p);
        for (const raw of events) {
          if (raw.position <= checkpoint || !handles.has(raw.type)) continue;
          p.apply(this.db, this.registry.upcast(raw));
        }
        this.putCheckpoint.run(p.name, last, p.version, now);
      }
    });
    withoutFsync(this.db, () => page.immediate());
  }

  private readonly handleSets = new Map<string, Set<string>>();
  private handles(p: Projection): Set<string> {
    let set = this.handleSets.get(p.name);
    if (!set) this.handleSets.set(p.name, (set = new Set(p.handles)));
    return set;
  }

  /** Catch up, then follow the ledger live. */
  async start(onError: (err: unknown) => void): Promise<void> {
    await this.catchUp();
    let pending: RecordedEvent[] = [];
    this.subscription = this.store.subscribeToAll({
      after: this.lowestCheckpoint(),
      handler: (e) => {
        pending.push(e);
      },
      onPage: () => {
        const batch = pending;
        pending = [];
        if (batch.length) this.applyPage(batch);
      },
      onError,
    });
    await this.subscription.caughtUp;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = null;
  }
}
