/**
 * Delivery records on PostgreSQL (migration 005), shared by every api and worker machine.
 *
 * Progress counters change in the same transaction as the rows: each write reads the row's
 * previous state under a row lock (or learns from RETURNING that it inserted), collects the
 * change per (batch, state, channel, shard), and applies all of a transaction's counter changes
 * as its last statement, in key order. Every transaction takes counter locks in the same order
 * and holds them only until its commit, so two workers never deadlock on counters and wait on
 * each other only when their chunks share a shard (chunk % 16). Email claims and marks issued
 * while a commit runs share the next transaction (group commit), as in the SQLite adapter.
 */
import type { PoolClient } from 'pg';
import type { PgDatabase } from '../../platform/postgres/pool';
import { DeliveryStore, type BatchRun, type ChunkOutcomeRow, type EmailClaim } from './delivery-store';
import { progressFromCounts, toPrintFile, toRecord, type Row } from './delivery-rows';
import type { BatchProgressCounts, DeliveryRecord, PrintFileRecord } from './delivery-types';

export const COUNTER_SHARDS = 16;

/** The columns a counter depends on. */
interface CounterRow {
  batch_id: string;
  chunk: number;
  state: string;
  channel: string;
  delivered_at: string | null;
  possible_duplicate: number;
}
const COUNTER_COLS = 'batch_id, chunk, state, channel, delivered_at, possible_duplicate';

/** One transaction's counter changes, applied last and in key order. */
class CounterDelta {
  private readonly counts = new Map<string, { batchId: string; state: string; channel: string; shard: number; n: number }>();
  private readonly totals = new Map<string, { batchId: string; shard: number; first: string | null; last: string | null; dups: number }>();

  row(old: CounterRow | null, now: CounterRow): void {
    const shard = now.chunk % COUNTER_SHARDS;
    if (!old || old.state !== now.state || old.channel !== now.channel) {
      if (old) this.count(old.batch_id, old.state, old.channel, old.chunk % COUNTER_SHARDS, -1);
      this.count(now.batch_id, now.state, now.channel, shard, 1);
    }
    const dups = now.possible_duplicate - (old?.possible_duplicate ?? 0);
    if (!old || dups !== 0 || old.delivered_at !== now.delivered_at) {
      const k = `${now.batch_id}\u0000${shard}`;
      const t = this.totals.get(k) ?? { batchId: now.batch_id, shard, first: null, last: null, dups: 0 };
      const at = now.delivered_at;
      if (at !== null) {
        if (t.first === null || at < t.first) t.first = at;
        if (t.last === null || at > t.last) t.last = at;
      }
      t.dups += dups;
      this.totals.set(k, t);
    }
  }

  private count(batchId: string, state: string, channel: string, shard: number, n: number): void {
    const k = `${batchId}\u0000${state}\u0000${channel}\u0000${shard}`;
    const c = this.counts.get(k) ?? { batchId, state, channel, shard, n: 0 };
    c.n += n;
    this.counts.set(k, c);
  }

  async apply(c: PoolClient): Promise<void> {
    const counts = [...this.counts.values()].filter((x) => x.n !== 0);
    if (counts.length > 0) {
      await c.query(
        `INSERT INTO notice_delivery_counts AS t (batch_id, state, channel, shard, n)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[]) ORDER BY 1, 2, 3, 4
         ON CONFLICT (batch_id, state, channel, shard) DO UPDATE SET n = t.n + excluded.n`,
        [
          counts.map((x) => x.batchId),
          counts.map((x) => x.state),
          counts.map((x) => x.channel),
          counts.map((x) => x.shard),
          counts.map((x) => x.n),
        ],
      );
    }
    const totals = [...this.totals.values()];
    if (totals.length > 0) {
      await c.query(
        `INSERT INTO notice_delivery_totals AS t (batch_id, shard, first_at, last_at, possible_duplicates)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::int[]) ORDER BY 1, 2
         ON CONFLICT (batch_id, shard) DO UPDATE SET first_at = LEAST(t.first_at, excluded.first_at),
           last_at = GREATEST(t.last_at, excluded.last_at), possible_duplicates = t.possible_duplicates + excluded.possible_duplicates`,
        [
          totals.map((x) => x.batchId),
          totals.map((x) => x.shard),
          totals.map((x) => x.first),
          totals.map((x) => x.last),
          totals.map((x) => x.dups),
        ],
      );
    }
  }
}

type Op = (c: PoolClient, d: CounterDelta) => Promise<void>;

/** Deadlock or serialization failure: the whole transaction is safe to run again. */
const RETRYABLE = new Set(['40P01', '40001']);

export class PgDeliveryStore extends DeliveryStore {
  private pending: Array<{ op: Op; resolve: () => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private running = false;

  constructor(private readonly db: PgDatabase) {
    super();
  }

  private async q(sql: string, params: unknown[]): Promise<Row[]> {
    await this.db.ready();
    return (await this.db.pool.query<Row>(sql, params)).rows;
  }

  private async tx<T>(fn: (c: PoolClient, d: CounterDelta) => Promise<T>): Promise<T> {
    await this.db.ready();
    for (let attempt = 1; ; attempt++) {
      const c = await this.db.pool.connect();
      try {
        await c.query('BEGIN');
        const d = new CounterDelta();
        const out = await fn(c, d);
        await d.apply(c);
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        if (attempt < 5 && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
        throw err;
      } finally {
        c.release();
      }
    }
  }

  /** Group commit: writes issued while a commit runs share the next transaction; each resolves when durable. */
  private enqueue(op: Op): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      if (this.scheduled || this.running) return; // the running drain takes it before it stops
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.drain();
      });
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0) {
        const ops = this.pending.splice(0);
        try {
          await this.tx(async (c, d) => {
            for (const o of ops) await o.op(c, d);
          });
        } catch (e) {
          for (const o of ops) o.reject(e);
          continue;
        }
        for (const o of ops) o.resolve();
      }
    } finally {
      // No await between the last emptiness check and this: a write queued later schedules a new drain.
      this.running = false;
    }
  }

  /** Updates one row under its lock when `when(old)` holds, recording the counter change. */
  private async update(
    c: PoolClient,
    d: CounterDelta,
    batchId: string,
    individualId: string,
    set: string,
    params: unknown[],
    when: (old: CounterRow) => boolean = () => true,
  ): Promise<void> {
    const old = (
      await c.query<CounterRow>(`SELECT ${COUNTER_COLS} FROM notice_deliveries WHERE batch_id = $1 AND individual_id = $2 FOR UPDATE`, [
        batchId,
        individualId,
      ])
    ).rows[0];
    if (!old || !when(old)) return;
    const now = (
      await c.query<CounterRow>(
        `UPDATE notice_deliveries SET ${set} WHERE batch_id = $1 AND individual_id = $2 RETURNING ${COUNTER_COLS}`,
        [batchId, individualId, ...params],
      )
    ).rows[0]!;
    d.row(old, now);
  }

  async get(batchId: string, individualId: string): Promise<DeliveryRecord | null> {
    const r = await this.q('SELECT * FROM notice_deliveries WHERE batch_id = $1 AND individual_id = $2', [batchId, individualId]);
    return r[0] ? toRecord(r[0]) : null;
  }

  async chunkRecords(batchId: string, chunk: number): Promise<Map<string, DeliveryRecord>> {
    const rows = await this.q('SELECT * FROM notice_deliveries WHERE batch_id = $1 AND chunk = $2', [batchId, chunk]);
    return new Map(rows.map((r) => [r.individual_id as string, toRecord(r)]));
  }

  claimEmail(r: EmailClaim): Promise<void> {
    return this.enqueue(async (c, d) => {
      const ins = await c.query<CounterRow>(
        `INSERT INTO notice_deliveries (batch_id, individual_id, letter_id, chunk, channel, state, attempts, message_id)
         VALUES ($1, $2, $3, $4, 'email', 'sending', 1, $5) ON CONFLICT (batch_id, individual_id) DO NOTHING RETURNING ${COUNTER_COLS}`,
        [r.batchId, r.individualId, r.letterId, r.chunk, r.messageId],
      );
      if (ins.rows[0]) return d.row(null, ins.rows[0]);
      await this.update(c, d, r.batchId, r.individualId, `state = 'sending', attempts = attempts + 1`, [], (o) =>
        ['sending', 'failed'].includes(o.state),
      );
    });
  }

  markSent(
    batchId: string,
    individualId: string,
    messageId: string,
    response: string,
    at: string,
    possibleDuplicate = false,
  ): Promise<void> {
    return this.enqueue((c, d) =>
      this.update(
        c,
        d,
        batchId,
        individualId,
        `state = 'sent', message_id = $3, smtp_response = $4, delivered_at = coalesce(delivered_at, $5),
         possible_duplicate = GREATEST(possible_duplicate, $6)`,
        [messageId, response.slice(0, 500), at, possibleDuplicate ? 1 : 0],
      ),
    );
  }

  markEmailState(batchId: string, individualId: string, state: 'failed' | 'held', reason: string): Promise<void> {
    return this.enqueue((c, d) =>
      this.update(c, d, batchId, individualId, 'state = $3, smtp_response = $4', [state, reason.slice(0, 500)]),
    );
  }

  async recordChunkOutcome(rows: ChunkOutcomeRow[], printFile: PrintFileRecord | null): Promise<void> {
    await this.tx(async (c, d) => {
      if (printFile) {
        const p = printFile;
        await c.query(
          `INSERT INTO notice_print_files (batch_id, chunk, print_artifact, print_sha256, letters_artifact, letters, pages, manifest_csv)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (batch_id, chunk) DO NOTHING`,
          [p.batchId, p.chunk, p.printArtifact, p.printSha256, '', p.letters, p.pages, p.manifestCsv],
        );
      }
      if (rows.length === 0) return;
      const col = <K extends keyof ChunkOutcomeRow>(k: K) => rows.map((r) => r[k]);
      const inserted = await c.query<CounterRow>(
        `INSERT INTO notice_deliveries
           (batch_id, individual_id, letter_id, chunk, channel, state, attempts, pdf_sha256, print_file, first_page, last_page, delivered_at)
         SELECT b, i, l, ch, chan, st, 1, sha, pf, fp, lp, at FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[],
           $6::text[], $7::text[], $8::text[], $9::int[], $10::int[], $11::text[]) AS u(b, i, l, ch, chan, st, sha, pf, fp, lp, at)
         ORDER BY i
         ON CONFLICT (batch_id, individual_id) DO NOTHING RETURNING ${COUNTER_COLS}`,
        [
          col('batchId'),
          col('individualId'),
          col('letterId'),
          col('chunk'),
          col('channel'),
          col('state'),
          col('pdfSha256'),
          col('printFile'),
          col('firstPage'),
          col('lastPage'),
          col('deliveredAt'),
        ],
      );
      for (const r of inserted.rows) d.row(null, r);
    });
  }

  async printFiles(batchId: string): Promise<PrintFileRecord[]> {
    return (await this.q('SELECT * FROM notice_print_files WHERE batch_id = $1 ORDER BY chunk', [batchId])).map(toPrintFile);
  }

  async startRun(batchId: string, total: number, chunks: number, at: string): Promise<void> {
    await this.q(
      'INSERT INTO notice_batch_runs (batch_id, total, chunks, planned_at) VALUES ($1, $2, $3, $4) ON CONFLICT (batch_id) DO NOTHING',
      [batchId, total, chunks, at],
    );
  }

  async run(batchId: string): Promise<BatchRun | null> {
    const r = (await this.q('SELECT * FROM notice_batch_runs WHERE batch_id = $1', [batchId]))[0];
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
    await this.db.ready();
    const r = await this.db.pool.query('UPDATE notice_batch_runs SET finished_at = $1 WHERE batch_id = $2 AND finished_at IS NULL', [
      at,
      batchId,
    ]);
    return r.rowCount === 1;
  }

  /** At most (states × channels × 16) counter rows and 16 total rows, whatever the batch size. */
  async progress(batchId: string): Promise<BatchProgressCounts> {
    const [counts, totals] = await Promise.all([
      this.q('SELECT state, channel, sum(n)::int AS n FROM notice_delivery_counts WHERE batch_id = $1 GROUP BY state, channel', [batchId]),
      this.q(
        'SELECT min(first_at) AS f, max(last_at) AS l, coalesce(sum(possible_duplicates), 0)::int AS d FROM notice_delivery_totals WHERE batch_id = $1',
        [batchId],
      ),
    ]);
    const t = totals[0]!;
    return progressFromCounts(
      counts as Array<{ state: string; channel: string; n: number }>,
      (t.f as string | null) ?? null,
      (t.l as string | null) ?? null,
      t.d as number,
    );
  }

  async forIndividual(individualId: string): Promise<DeliveryRecord[]> {
    return (await this.q('SELECT * FROM notice_deliveries WHERE individual_id = $1 ORDER BY batch_id', [individualId])).map(toRecord);
  }

  async byLetterId(letterId: string): Promise<DeliveryRecord | null> {
    const r = await this.q('SELECT * FROM notice_deliveries WHERE letter_id = $1 LIMIT 1', [letterId]);
    return r[0] ? toRecord(r[0]) : null;
  }

  async markReturned(batchId: string, individualId: string, at: string, reason: string): Promise<boolean> {
    await this.db.ready();
    const r = await this.db.pool.query(
      'UPDATE notice_deliveries SET returned_at = $1, return_reason = $2 WHERE batch_id = $3 AND individual_id = $4 AND returned_at IS NULL',
      [at, reason, batchId, individualId],
    );
    return r.rowCount === 1;
  }

  async *records(batchId: string): AsyncGenerator<DeliveryRecord> {
    let after = '';
    for (;;) {
      const page = await this.q(
        'SELECT * FROM notice_deliveries WHERE batch_id = $1 AND individual_id > $2 ORDER BY individual_id LIMIT 1000',
        [batchId, after],
      );
      for (const r of page) yield toRecord(r);
      if (page.length < 1000) return;
      after = page[page.length - 1]!.individual_id as string;
    }
  }

  /** Waits for queued writes; the pool belongs to whoever opened it. */
  async close(): Promise<void> {
    while (this.scheduled || this.running || this.pending.length > 0) await new Promise((r) => setTimeout(r, 5));
  }
}
