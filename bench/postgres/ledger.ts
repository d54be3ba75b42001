/**
 * npm run bench -- ledger --store postgres [--events 20000] [--single 500]
 * Our PostgreSQL ledger (advisory-locked appends + the Merkle tree in the same transaction, as in
 * production) beside raw `pg` inserts of the same rows into a same-shaped table, in the same run,
 * on a database of its own (DATABASE_URL / TEST_DATABASE_URL server, else 127.0.0.1:5432).
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { PgIntegrityTree } from '../../src/ledger/integrity/pg-integrity-tree';
import { PostgresEventStore } from '../../src/ledger/postgres/postgres-event-store';
import type { NewEvent } from '../../src/ledger/port';
import { SystemClock } from '../../src/platform/clock';
import { uuidv7 } from '../../src/platform/ids';
import { PgDatabase } from '../../src/platform/postgres/pool';
import { canonicalize } from '../../src/shared/canonical-json';
import { createTestDatabase } from '../../test/support/postgres';
import { arg, median, percentile, report } from '../support';

const TOTAL = arg('events', 20_000);
const SINGLE = arg('single', 500);
const BATCH = 1000;

function makeEvents(n: number): NewEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: uuidv7(),
    type: 'BenchEventRecorded',
    schemaVersion: 1,
    data: { seq: i, incidentId: 'bench', state: 'OH', count: i % 997, note: 'synthetic benchmark payload of modest size' },
    metadata: { actor: { id: 'bench', role: 'compliance-officer' }, correlationId: uuidv7(), occurredAt: '2025-03-10T12:00:00.000Z' },
  }));
}

const RAW_INSERT = `INSERT INTO raw_events (position, id, stream, version, type, schema_version, data, metadata)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::int[], $7::text[], $8::text[])`;

function rawParams(batch: NewEvent[], base: number, stream: (i: number) => string, recordedAt: string): unknown[] {
  return [
    batch.map((_, i) => String(base + i + 1)),
    batch.map((e) => e.id),
    batch.map((_, i) => stream(i)),
    batch.map((_, i) => String(i + 1)),
    batch.map((e) => e.type),
    batch.map(() => 1),
    batch.map((e) => canonicalize(e.data)),
    batch.map((e) => canonicalize({ ...e.metadata, recordedAt })),
  ];
}

export async function benchLedgerPostgres(): Promise<void> {
  const tdb = await createTestDatabase();
  const raw = new Client({ connectionString: tdb.url });
  const db = new PgDatabase(tdb.url);
  try {
    await raw.connect();
    await raw.query(`CREATE TABLE raw_events (position bigint PRIMARY KEY, id text NOT NULL UNIQUE, stream text NOT NULL, version bigint NOT NULL,
      type text NOT NULL, schema_version integer NOT NULL, data text NOT NULL, metadata text NOT NULL, UNIQUE (stream, version))`);
    const store = new PostgresEventStore({ db, clock: new SystemClock() });
    store.addAppendHook(new PgIntegrityTree());
    await db.ready();
    const recordedAt = new Date().toISOString();

    // Batches of 1000: raw multi-row insert per transaction vs our append (lock, checks, rows, tree).
    const events = makeEvents(TOTAL);
    let t = performance.now();
    for (let i = 0; i < TOTAL; i += BATCH) {
      await raw.query('BEGIN');
      await raw.query(
        RAW_INSERT,
        rawParams(events.slice(i, i + BATCH), i, () => `bench-${i / BATCH}`, recordedAt),
      );
      await raw.query('COMMIT');
    }
    const rawBatchRate = TOTAL / ((performance.now() - t) / 1000);
    t = performance.now();
    for (let i = 0; i < TOTAL; i += BATCH) await store.append(`bench-${i / BATCH}`, events.slice(i, i + BATCH), 'no-stream');
    const oursBatchRate = TOTAL / ((performance.now() - t) / 1000);
    report('ledger.postgres.append.batch1000', oursBatchRate, rawBatchRate, 'events/s', { events: TOTAL, target: '>= 0.5' });

    // Read back: readAll pages vs a raw SELECT of the same rows (JSON parsed in both).
    t = performance.now();
    let after = 0n;
    let n = 0;
    for (;;) {
      const page = await store.readAll({ after, maxCount: 1000 });
      n += page.events.length;
      after = page.lastPosition;
      if (page.isEnd) break;
    }
    const oursRead = n / ((performance.now() - t) / 1000);
    t = performance.now();
    let pos = '0';
    let m = 0;
    for (;;) {
      const r = await raw.query<{ position: string; data: string; metadata: string }>(
        'SELECT * FROM raw_events WHERE position > $1 ORDER BY position LIMIT 1000',
        [pos],
      );
      for (const row of r.rows) {
        JSON.parse(row.data);
        JSON.parse(row.metadata);
      }
      m += r.rows.length;
      if (r.rows.length < 1000) break;
      pos = r.rows[r.rows.length - 1]!.position;
    }
    report('ledger.postgres.readAll', oursRead, m / ((performance.now() - t) / 1000), 'events/s', { events: n });

    // Single durable appends (synchronous_commit on: COMMIT waits for the WAL flush) vs raw single inserts.
    const rawLat: number[] = [];
    for (const [i, e] of makeEvents(SINGLE).entries()) {
      const s = performance.now();
      await raw.query('BEGIN');
      await raw.query(
        RAW_INSERT,
        rawParams([e], TOTAL + i, () => `single-${e.id}`, recordedAt),
      );
      await raw.query('COMMIT');
      rawLat.push(performance.now() - s);
    }
    const ourLat: number[] = [];
    for (const e of makeEvents(SINGLE)) {
      const s = performance.now();
      await store.append(`single-${e.id}`, [e], 'no-stream');
      ourLat.push(performance.now() - s);
    }
    report('ledger.postgres.append.single.median', 1000 / median(ourLat), 1000 / median(rawLat), 'appends/s', {
      oursMedianMs: Number(median(ourLat).toFixed(3)),
      baselineMedianMs: Number(median(rawLat).toFixed(3)),
      oursP99Ms: Number(percentile(ourLat, 99).toFixed(3)),
      target: 'median < 5 ms',
    });
    await store.close();
  } finally {
    await raw.end().catch(() => undefined);
    await db.close();
    await tdb.drop();
  }
}
