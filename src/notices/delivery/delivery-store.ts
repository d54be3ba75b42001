/**
 * Delivery records: one row per (batch, individual) — the idempotency key of every send and
 * the proof of notice. A separate SQLite file (WAL, synchronous=FULL) that every worker
 * process, sandboxed processors included, writes directly; no PHI (ids, channels, digests,
 * SMTP message ids and replies only).
 *
 * Email exactly-once protocol (why a SIGKILL never causes a second email to a person whose
 * first one was recorded, and never loses one):
 *   1. `claimEmail` commits state 'sending' (attempt n) BEFORE the SMTP transaction starts;
 *   2. the message goes out with a deterministic Message-ID;
 *   3. `markSent` commits 'sent' with the server's reply AFTER the 250 to end-of-DATA.
 * A crash before 1: nothing happened, the retry sends. A crash after 3: the retry sees 'sent'
 * and skips. A crash between 1 and 3 leaves 'sending' with no outcome: the message may or may
 * not have been accepted (the window between the server taking the final "." and our commit).
 * The retry treats that row as IN DOUBT and never blindly resends: it asks the configured
 * in-doubt resolver (the relay's log, by Message-ID); with no answer the policy decides —
 * `resend` (default: a missed breach notice is a legal failure, a duplicate is not; the row is
 * flagged possible_duplicate) or `hold` (left for an operator).
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NoticeChannel } from '../domain/channel';
import { FINAL_STATES, type BatchProgressCounts, type DeliveryRecord, type DeliveryState, type PrintFileRecord } from './delivery-types';

export { FINAL_STATES, type BatchProgressCounts, type DeliveryRecord, type DeliveryState, type PrintFileRecord } from './delivery-types';

type Row = Record<string, unknown>;

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

function toRecord(r: Row): DeliveryRecord {
  return {
    batchId: r.batch_id as string,
    individualId: r.individual_id as string,
    letterId: r.letter_id as string,
    chunk: r.chunk as number,
    channel: r.channel as NoticeChannel,
    state: r.state as DeliveryState,
    attempts: r.attempts as number,
    messageId: (r.message_id as string | null) ?? null,
    smtpResponse: (r.smtp_response as string | null) ?? null,
    pdfSha256: (r.pdf_sha256 as string | null) ?? null,
    printFile: (r.print_file as string | null) ?? null,
    firstPage: (r.first_page as number | null) ?? null,
    lastPage: (r.last_page as number | null) ?? null,
    possibleDuplicate: r.possible_duplicate === 1,
    deliveredAt: (r.delivered_at as string | null) ?? null,
    returnedAt: (r.returned_at as string | null) ?? null,
    returnReason: (r.return_reason as string | null) ?? null,
  };
}

export class DeliveryStore {
  readonly db: Database.Database;

  /**
   * `synchronous`: FULL (default) makes every claim and mark survive power loss; NORMAL (WAL)
   * survives a process crash (SIGKILL) but may lose the last commits on power loss.
   */
  constructor(path: string, options: { synchronous?: 'FULL' | 'NORMAL' } = {}) {
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
        letters_artifact TEXT NOT NULL, letters INTEGER NOT NULL, pages INTEGER NOT NULL, manifest_csv TEXT NOT NULL,
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

  private pending: Array<{ op: () => void; resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushScheduled = false;

  /**
   * Group commit: operations issued while a commit is running (the fsync blocks the event loop,
   * so SMTP replies pile up meanwhile) are committed together in the next turn. Each caller's
   * promise resolves only after its operation is durable, so the claim-before-send and
   * mark-after-accept ordering is unchanged; only the number of fsyncs drops.
   */
  private enqueue(op: () => void): Promise<void> {
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

  /** claimEmail, durable when the promise resolves (group-committed). */
  claimEmailDurably(r: Parameters<DeliveryStore['claimEmail']>[0]): Promise<void> {
    return this.enqueue(() => this.claimEmail(r));
  }

  /** markSent, durable when the promise resolves (group-committed). */
  markSentDurably(...a: Parameters<DeliveryStore['markSent']>): Promise<void> {
    return this.enqueue(() => this.markSent(...a));
  }

  get(batchId: string, individualId: string): DeliveryRecord | null {
    const r = this.db.prepare('SELECT * FROM notice_deliveries WHERE batch_id = ? AND individual_id = ?').get(batchId, individualId) as
      Row | undefined;
    return r ? toRecord(r) : null;
  }

  chunkRecords(batchId: string, chunk: number): Map<string, DeliveryRecord> {
    const rows = this.db.prepare('SELECT * FROM notice_deliveries WHERE batch_id = ? AND chunk = ?').all(batchId, chunk) as Row[];
    return new Map(rows.map((r) => [r.individual_id as string, toRecord(r)]));
  }

  /** Step 1 of the email protocol: durable claim before the SMTP transaction. */
  claimEmail(r: { batchId: string; individualId: string; letterId: string; chunk: number; messageId: string }): void {
    this.db
      .prepare(
        `INSERT INTO notice_deliveries (batch_id, individual_id, letter_id, chunk, channel, state, attempts, message_id)
      VALUES (@batchId, @individualId, @letterId, @chunk, 'email', 'sending', 1, @messageId)
      ON CONFLICT (batch_id, individual_id) DO UPDATE SET state = 'sending', attempts = attempts + 1
      WHERE state IN ('sending', 'failed')`,
      )
      .run(r);
  }

  /** Step 3: the server accepted the message. */
  markSent(batchId: string, individualId: string, messageId: string, response: string, at: string, possibleDuplicate = false): void {
    this.db
      .prepare(
        `UPDATE notice_deliveries SET state = 'sent', message_id = ?, smtp_response = ?, delivered_at = coalesce(delivered_at, ?),
      possible_duplicate = MAX(possible_duplicate, ?) WHERE batch_id = ? AND individual_id = ?`,
      )
      .run(messageId, response.slice(0, 500), at, possibleDuplicate ? 1 : 0, batchId, individualId);
  }

  markEmailState(batchId: string, individualId: string, state: 'failed' | 'held', reason: string): void {
    this.db
      .prepare('UPDATE notice_deliveries SET state = ?, smtp_response = ? WHERE batch_id = ? AND individual_id = ?')
      .run(state, reason.slice(0, 500), batchId, individualId);
  }

  /** Final records for letters, substitute and not-required rows, plus the print file, in one transaction. */
  recordChunkOutcome(
    rows: Array<Omit<DeliveryRecord, 'attempts' | 'possibleDuplicate' | 'returnedAt' | 'returnReason' | 'smtpResponse' | 'messageId'>>,
    printFile: PrintFileRecord | null,
  ): void {
    const ins = this.db.prepare(`INSERT INTO notice_deliveries
      (batch_id, individual_id, letter_id, chunk, channel, state, attempts, pdf_sha256, print_file, first_page, last_page, delivered_at)
      VALUES (@batchId, @individualId, @letterId, @chunk, @channel, @state, 1, @pdfSha256, @printFile, @firstPage, @lastPage, @deliveredAt)
      ON CONFLICT (batch_id, individual_id) DO NOTHING`);
    const pf = this.db
      .prepare(`INSERT INTO notice_print_files (batch_id, chunk, print_artifact, print_sha256, letters_artifact, letters, pages, manifest_csv)
      VALUES (@batchId, @chunk, @printArtifact, @printSha256, @lettersArtifact, @letters, @pages, @manifestCsv)
      ON CONFLICT (batch_id, chunk) DO NOTHING`);
    this.db.transaction(() => {
      if (printFile) pf.run(printFile);
      for (const r of rows) ins.run(r);
    })();
  }

  printFiles(batchId: string): PrintFileRecord[] {
    return (this.db.prepare('SELECT * FROM notice_print_files WHERE batch_id = ? ORDER BY chunk').all(batchId) as Row[]).map((r) => ({
      batchId: r.batch_id as string,
      chunk: r.chunk as number,
      printArtifact: r.print_artifact as string,
      printSha256: r.print_sha256 as string,
      lettersArtifact: r.letters_artifact as string,
      letters: r.letters as number,
      pages: r.pages as number,
      manifestCsv: r.manifest_csv as string,
    }));
  }

  startRun(batchId: string, total: number, chunks: number, at: string): void {
    this.db
      .prepare('INSERT INTO notice_batch_runs (batch_id, total, chunks, planned_at) VALUES (?, ?, ?, ?) ON CONFLICT (batch_id) DO NOTHING')
      .run(batchId, total, chunks, at);
  }

  run(batchId: string): { total: number; chunks: number; plannedAt: string; finishedAt: string | null } | null {
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

  finishRun(batchId: string, at: string): boolean {
    return (
      this.db.prepare('UPDATE notice_batch_runs SET finished_at = ? WHERE batch_id = ? AND finished_at IS NULL').run(at, batchId)
        .changes === 1
    );
  }

  /**
   * Counts per state and channel, and the time of the first and last delivery: read from the
   * counters the triggers keep, so the cost does not grow with the batch.
   */
  progress(batchId: string): BatchProgressCounts {
    const byState: Record<string, number> = {};
    const byChannel: Record<string, number> = {};
    let done = 0;
    for (const r of this.db
      .prepare('SELECT state, channel, n FROM notice_delivery_counts WHERE batch_id = ? AND n <> 0')
      .all(batchId) as Array<{ state: string; channel: string; n: number }>) {
      byState[r.state] = (byState[r.state] ?? 0) + r.n;
      byChannel[r.channel] = (byChannel[r.channel] ?? 0) + r.n;
      if ((FINAL_STATES as readonly string[]).includes(r.state)) done += r.n;
    }
    const t = this.db
      .prepare('SELECT first_at, last_at, possible_duplicates FROM notice_delivery_totals WHERE batch_id = ?')
      .get(batchId) as { first_at: string | null; last_at: string | null; possible_duplicates: number } | undefined;
    return {
      byState,
      byChannel,
      done,
      firstAt: t?.first_at ?? null,
      lastAt: t?.last_at ?? null,
      possibleDuplicates: t?.possible_duplicates ?? 0,
    };
  }

  /** Proof of notice for one individual, across batches. */
  forIndividual(individualId: string): DeliveryRecord[] {
    return (this.db.prepare('SELECT * FROM notice_deliveries WHERE individual_id = ? ORDER BY batch_id').all(individualId) as Row[]).map(
      toRecord,
    );
  }

  byLetterId(letterId: string): DeliveryRecord | null {
    const r = this.db.prepare('SELECT * FROM notice_deliveries WHERE letter_id = ?').get(letterId) as Row | undefined;
    return r ? toRecord(r) : null;
  }

  markReturned(batchId: string, individualId: string, at: string, reason: string): boolean {
    return (
      this.db
        .prepare(
          'UPDATE notice_deliveries SET returned_at = ?, return_reason = ? WHERE batch_id = ? AND individual_id = ? AND returned_at IS NULL',
        )
        .run(at, reason, batchId, individualId).changes === 1
    );
  }

  /** SHA-256 over the batch's delivery records in key order: the digest the completion event carries. */
  digest(batchId: string): string {
    const h = createHash('sha256');
    for (const r of this.db
      .prepare(
        `SELECT individual_id, channel, state, message_id, pdf_sha256, print_file, delivered_at
      FROM notice_deliveries WHERE batch_id = ? ORDER BY individual_id`,
      )
      .iterate(batchId) as Iterable<Row>) {
      h.update(
        `${r.individual_id}|${r.channel}|${r.state}|${r.message_id ?? ''}|${r.pdf_sha256 ?? ''}|${r.print_file ?? ''}|${r.delivered_at ?? ''}\n`,
      );
    }
    return h.digest('hex');
  }

  close(): void {
    this.db.close();
  }
}
