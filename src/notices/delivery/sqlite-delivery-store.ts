/**
 * Delivery records in SQLite: a separate file in DATA_DIR (WAL, synchronous=FULL) that every
 * worker process on this host, sandboxed processors included, writes directly. Progress
 * counters are kept by triggers in the rows' own transactions. The protocol and the contract:
 * delivery-store.ts.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DeliveryStore, type BatchRun, type ChunkOutcomeRow, type EmailClaim } from './delivery-store';
import type { BatchProgressCounts, DeliveryRecord, PrintFileRecord } from './delivery-types';
import { progressFromCounts, toPrintFile, toRecord, type Row } from './delivery-rows';

/**
 * Counters per (batch, state, channel) and per batch (first and last delivery, possible
 * duplicates). delivered_at is written once per row (null → time), so min and max stay exact;
 * rows are never deleted (they are the proof of notice).
 */
const SQLITE_COUNTERS = `
  CREATE TABLE notice_delivery_counts (
    batch_id TEXT NOT NULL, state TEXT NOT NULL, channel TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (batch_id, state, channel)) WITHOUT ROWID;
  CREATE TABLE notice_delivery_totals (
    batch_id TEXT PRIMARY KEY, first_at TEXT, last_at TEXT, possible_duplicates INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TRIGGER notice_deliveries_count_insert AFTER INSERT ON notice_deliveries BEGIN
    INSERT INTO notice_delivery_counts (batch_id, state, channel, n) VALUES (new.batch_id, new.state, new.channel, 1)
      ON CONFLICT (batch_id, state, channel) DO UPDATE SET n = n + 1;
    INSERT INTO notice_delivery_totals (batch_id, first_at, last_at, possible_duplicates)
      VALUES (new.batch_id, new.delivered_at, new.delivered_at, new.possible_duplicate)
      ON CONFLICT (batch_id) DO UPDATE SET
        first_at = coalesce(min(first_at, excluded.first_at), first_at, excluded.first_at),
        last_at = coalesce(max(last_at, excluded.last_at), last_at, excluded.last_at),
        possible_duplicates = possible_duplicates + excluded.possible_duplicates;
  END;
  CREATE TRIGGER notice_deliveries_count_move AFTER UPDATE OF state, channel ON notice_deliveries
    WHEN old.state IS NOT new.state OR old.channel IS NOT new.channel BEGIN
    UPDATE notice_delivery_counts SET n = n - 1 WHERE batch_id = old.batch_id AND state = old.state AND channel = old.channel;
    INSERT INTO notice_delivery_counts (batch_id, state, channel, n) VALUES (new.batch_id, new.state, new.channel, 1)
      ON CONFLICT (batch_id, state, channel) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER notice_deliveries_count_totals AFTER UPDATE OF delivered_at, possible_duplicate ON notice_deliveries
    WHEN old.delivered_at IS NOT new.delivered_at OR old.possible_duplicate IS NOT new.possible_duplicate BEGIN
    UPDATE notice_delivery_totals SET
      first_at = coalesce(min(first_at, new.delivered_at), first_at, new.delivered_at),
      last_at = coalesce(max(last_at, new.delivered_at), last_at, new.delivered_at),
      possible_duplicates = possible_duplicates + new.possible_duplicate - old.possible_duplicate
    WHERE batch_id = new.batch_id;
  END;
  CREATE TRIGGER notice_deliveries_keep BEFORE DELETE ON notice_deliveries BEGIN
    SELECT RAISE(ABORT, 'delivery records are proof of notice and are never deleted');
  END;
  CREATE TRIGGER notice_deliveries_keep_key BEFORE UPDATE OF batch_id ON notice_deliveries BEGIN
    SELECT RAISE(ABORT, 'a delivery record never moves to another batch');
  END;
`;

export class SqliteDeliveryStore extends DeliveryStore {
  readonly db: Database.Database;

  /**
   * `synchronous`: FULL (default) makes every claim and mark survive power loss; NORMAL (WAL)
   * survives a process crash (SIGKILL) but may lose the last commits on power loss.
   */
  constructor(path: string, options: { synchronous?: 'FULL' | 'NORMAL' } = {}) {
    super();
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('busy_timeout = 15000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS notice_deliveries (
        batch_id TEXT NOT NULL, individual_id TEXT NOT NULL, letter_id TEXT NOT NULL, chunk INTEGER NOT NULL,
        channel TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        message_id TEXT, smtp_response TEXT, pdf_sha256 TEXT, print_file TEXT, first_page INTEGER, last_page INTEGER,
        possible_duplicate INTEGER NOT NULL DEFAULT 0, delivered_at TEXT, returned_at TEXT, return_reason TEXT,
        PRIMARY KEY (batch_id, individual_id)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS notice_deliveries_individual ON notice_deliveries (individual_id);
      CREATE INDEX IF NOT EXISTS notice_deliveries_letter ON notice_deliveries (letter_id);
      CREATE INDEX IF NOT EXISTS notice_deliveries_state ON notice_deliveries (batch_id, state);
      CREATE TABLE IF NOT EXISTS notice_print_files (
        batch_id TEXT NOT NULL, chunk INTEGER NOT NULL, print_artifact TEXT NOT NULL, print_sha256 TEXT NOT NULL,
        letters_artifact TEXT NOT NULL DEFAULT '', letters INTEGER NOT NULL, pages INTEGER NOT NULL, manifest_csv TEXT NOT NULL,
        PRIMARY KEY (batch_id, chunk));
      CREATE TABLE IF NOT EXISTS notice_batch_runs (
        batch_id TEXT PRIMARY KEY, total INTEGER NOT NULL, chunks INTEGER NOT NULL, planned_at TEXT NOT NULL,
        started_at TEXT, finished_at TEXT);
    `);
    this.ensureCounters();
  }

  /**
   * Progress counters kept by triggers in the same transaction as the delivery rows, so
   * `progress` reads a few rows whatever the batch size. A database written before the counters
   * existed is counted once, when they are created.
   */
  private ensureCounters(): void {
    const have = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'notice_delivery_counts'").get();
    if (have) return;
    this.db.transaction(() => {
      this.db.exec(SQLITE_COUNTERS);
      this.db.exec(`
        INSERT INTO notice_delivery_counts (batch_id, state, channel, n)
          SELECT batch_id, state, channel, count(*) FROM notice_deliveries GROUP BY batch_id, state, channel;
        INSERT INTO notice_delivery_totals (batch_id, first_at, last_at, possible_duplicates)
          SELECT batch_id, min(delivered_at), max(delivered_at), sum(possible_duplicate) FROM notice_deliveries GROUP BY batch_id;
      `);
    })();
  }

  private pending: Array<{ op: () => unknown; resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushScheduled = false;

  /**
   * Group commit: operations issued while a commit is running (the fsync blocks the event loop,
   * so SMTP replies pile up meanwhile) are committed together in the next turn. Each caller's
   * promise resolves only after its operation is durable, so the claim-before-send and
   * mark-after-accept ordering is unchanged; only the number of fsyncs drops.
   */
  private enqueue(op: () => unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const ops = this.pending.splice(0);
    this.flushScheduled = false;
    try {
      this.db.transaction(() => {
        for (const o of ops) o.op();
      })();
    } catch (e) {
      for (const o of ops) o.reject(e);
      return;
    }
    for (const o of ops) o.resolve();
  }

  async get(batchId: string, individualId: string): Promise<DeliveryRecord | null> {
    const r = this.db.prepare('SELECT * FROM notice_deliveries WHERE batch_id = ? AND individual_id = ?').get(batchId, individualId) as
      Row | undefined;
    return r ? toRecord(r) : null;
  }

  async chunkRecords(batchId: string, chunk: number): Promise<Map<string, DeliveryRecord>> {
    const rows = this.db.prepare('SELECT * FROM notice_deliveries WHERE batch_id = ? AND chunk = ?').all(batchId, chunk) as Row[];
    return new Map(rows.map((r) => [r.individual_id as string, toRecord(r)]));
  }

  claimEmail(r: EmailClaim): Promise<void> {
    return this.enqueue(() =>
      this.db
        .prepare(
          `INSERT INTO notice_deliveries (batch_id, individual_id, letter_id, chunk, channel, state, attempts, message_id)
        VALUES (@batchId, @individualId, @letterId, @chunk, 'email', 'sending', 1, @messageId)
        ON CONFLICT (batch_id, individual_id) DO UPDATE SET state = 'sending', attempts = attempts + 1
        WHERE state IN ('sending', 'failed')`,
        )
        .run(r),
    );
  }

  markSent(
    batchId: string,
    individualId: string,
    messageId: string,
    response: string,
    at: string,
    possibleDuplicate = false,
  ): Promise<void> {
    return this.enqueue(() =>
      this.db
        .prepare(
          `UPDATE notice_deliveries SET state = 'sent', message_id = ?, smtp_response = ?, delivered_at = coalesce(delivered_at, ?),
        possible_duplicate = MAX(possible_duplicate, ?) WHERE batch_id = ? AND individual_id = ?`,
        )
        .run(messageId, response.slice(0, 500), at, possibleDuplicate ? 1 : 0, batchId, individualId),
    );
  }

  markEmailState(batchId: string, individualId: string, state: 'failed' | 'held', reason: string): Promise<void> {
    return this.enqueue(() =>
      this.db
        .prepare('UPDATE notice_deliveries SET state = ?, smtp_response = ? WHERE batch_id = ? AND individual_id = ?')
        .run(state, reason.slice(0, 500), batchId, individualId),
    );
  }

  async recordChunkOutcome(rows: ChunkOutcomeRow[], printFile: PrintFileRecord | null): Promise<void> {
    const ins = this.db.prepare(`INSERT INTO notice_deliveries
      (batch_id, individual_id, letter_id, chunk, channel, state, attempts, pdf_sha256, print_file, first_page, last_page, delivered_at)
      VALUES (@batchId, @individualId, @letterId, @chunk, @channel, @state, 1, @pdfSha256, @printFile, @firstPage, @lastPage, @deliveredAt)
      ON CONFLICT (batch_id, individual_id) DO NOTHING`);
    const pf = this.db
      .prepare(`INSERT INTO notice_print_files (batch_id, chunk, print_artifact, print_sha256, letters_artifact, letters, pages, manifest_csv)
      VALUES (@batchId, @chunk, @printArtifact, @printSha256, '', @letters, @pages, @manifestCsv)
      ON CONFLICT (batch_id, chunk) DO NOTHING`);
    this.db.transaction(() => {
      if (printFile) pf.run(printFile);
      for (const r of rows) ins.run(r);
    })();
  }

  async printFiles(batchId: string): Promise<PrintFileRecord[]> {
    return (this.db.prepare('SELECT * FROM notice_print_files WHERE batch_id = ? ORDER BY chunk').all(batchId) as Row[]).map(toPrintFile);
  }

  async startRun(batchId: string, total: number, chunks: number, at: string): Promise<void> {
    this.db
      .prepare('INSERT INTO notice_batch_runs (batch_id, total, chunks, planned_at) VALUES (?, ?, ?, ?) ON CONFLICT (batch_id) DO NOTHING')
      .run(batchId, total, chunks, at);
  }

  async run(batchId: string): Promise<BatchRun | null> {
    const r = this.db.prepare('SELECT * FROM notice_batch_runs WHERE batch_id = ?').get(batchId) as Row | undefined;
    return r
      ? {
          total: r.total as number,
          chunks: r.chunks as number,
          plannedAt: r.planned_at as string,
          finishedAt: (r.finished_at as string | null) ?? null,
        }
      : null;
  }

  async finishRun(batchId: string, at: string): Promise<boolean> {
    return (
      this.db.prepare('UPDATE notice_batch_runs SET finished_at = ? WHERE batch_id = ? AND finished_at IS NULL').run(at, batchId)
        .changes === 1
    );
  }

  /** Read from the counters the triggers keep, so the cost does not grow with the batch. */
  async progress(batchId: string): Promise<BatchProgressCounts> {
    const t = this.db
      .prepare('SELECT first_at, last_at, possible_duplicates FROM notice_delivery_totals WHERE batch_id = ?')
      .get(batchId) as { first_at: string | null; last_at: string | null; possible_duplicates: number } | undefined;
    const counts = this.db
      .prepare('SELECT state, channel, n FROM notice_delivery_counts WHERE batch_id = ? AND n <> 0')
      .all(batchId) as Array<{ state: string; channel: string; n: number }>;
    return progressFromCounts(counts, t?.first_at ?? null, t?.last_at ?? null, t?.possible_duplicates ?? 0);
  }

  async forIndividual(individualId: string): Promise<DeliveryRecord[]> {
    return (this.db.prepare('SELECT * FROM notice_deliveries WHERE individual_id = ? ORDER BY batch_id').all(individualId) as Row[]).map(
      toRecord,
    );
  }

  async byLetterId(letterId: string): Promise<DeliveryRecord | null> {
    const r = this.db.prepare('SELECT * FROM notice_deliveries WHERE letter_id = ?').get(letterId) as Row | undefined;
    return r ? toRecord(r) : null;
  }

  async markReturned(batchId: string, individualId: string, at: string, reason: string): Promise<boolean> {
    return (
      this.db
        .prepare(
          'UPDATE notice_deliveries SET returned_at = ?, return_reason = ? WHERE batch_id = ? AND individual_id = ? AND returned_at IS NULL',
        )
        .run(at, reason, batchId, individualId).changes === 1
    );
  }

  async *records(batchId: string): AsyncGenerator<DeliveryRecord> {
    // Pages of 1,000 by key, so no statement stays open across an await.
    let after = '';
    for (;;) {
      const page = this.db
        .prepare('SELECT * FROM notice_deliveries WHERE batch_id = ? AND individual_id > ? ORDER BY individual_id LIMIT 1000')
        .all(batchId, after) as Row[];
      for (const r of page) yield toRecord(r);
      if (page.length < 1000) return;
      after = page[page.length - 1]!.individual_id as string;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
