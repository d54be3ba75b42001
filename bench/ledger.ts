/**
 * npm run bench -- ledger [--events 100000] [--single 2000]
 * npm run bench -- ledger --store postgres [--events 20000] [--single 500]   (bench/postgres/ledger.ts)
 * Our SQLite ledger append (batches of 1000 and of 1) and read-back, beside raw better-sqlite3
 * inserts of the same rows into a same-shaped table in the same run.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../src/ledger/sqlite/sqlite-event-store';
import type { NewEvent } from '../src/ledger/port';
import { SystemClock } from '../src/platform/clock';
import { uuidv7 } from '../src/platform/ids';
import { makeTempDir } from '../test/support/temp-dir';
import { arg, median, percentile, report } from './support';

const TOTAL = arg('events', 100_000);
const SINGLE = arg('single', 2_000);
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

function rawDb(path: string, synchronous = 'FULL') {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL, version INTEGER NOT NULL,
    type TEXT NOT NULL, schema_version INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (stream, version))`);
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  return { db, insert };
}

async function main() {
  const dir = makeTempDir('sh-bench-ledger-');
  try {
    const events = makeEvents(TOTAL);
    const recordedAt = new Date().toISOString();

    // Baseline: raw inserts, 1000 per transaction.
    const raw = rawDb(join(dir.path, 'raw.db'));
    let t = performance.now();
    const insertBatch = raw.db.transaction((batch: NewEvent[], base: number) => {
      batch.forEach((e, i) =>
        raw.insert.run(
          base + i + 1,
          e.id,
          `bench-${Math.floor((base + i) / BATCH)}`,
          (i % BATCH) + 1,
          e.type,
          1,
          JSON.stringify(e.data),
          JSON.stringify({ ...e.metadata, recordedAt }),
        ),
      );
    });
    for (let i = 0; i < TOTAL; i += BATCH) insertBatch(events.slice(i, i + BATCH), i);
    const rawBatchRate = TOTAL / ((performance.now() - t) / 1000);

    // Ours: append in batches of 1000, each to its own stream with no-stream.
    const store = new SqliteEventStore({ path: join(dir.path, 'ours.db'), clock: new SystemClock() });
    t = performance.now();
    for (let i = 0; i < TOTAL; i += BATCH) store.appendSync(`bench-${i / BATCH}`, events.slice(i, i + BATCH), 'no-stream');
    const oursBatchRate = TOTAL / ((performance.now() - t) / 1000);
    report('ledger.append.batch1000', oursBatchRate, rawBatchRate, 'events/s', { events: TOTAL, target: '>= 0.5' });

    // Read back everything through readAll pages vs a raw SELECT of the same rows.
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
    const sel = raw.db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT 1000');
    let pos = 0;
    let m = 0;
    for (;;) {
      const rows = sel.all(pos) as Array<{ position: number; data: string; metadata: string }>;
      for (const r of rows) {
        JSON.parse(r.data);
        JSON.parse(r.metadata);
      }
      m += rows.length;
      if (rows.length < 1000) break;
      pos = rows[rows.length - 1]!.position;
    }
    const rawRead = m / ((performance.now() - t) / 1000);
    report('ledger.readAll', oursRead, rawRead, 'events/s', { events: n });

    // Single-event durable appends (synchronous=FULL, one transaction each) vs raw single inserts.
    const singles = makeEvents(SINGLE);
    const rawLat: number[] = [];
    const single = raw.db.transaction((e: NewEvent, p: number) =>
      raw.insert.run(p, e.id, `single-${p}`, 1, e.type, 1, JSON.stringify(e.data), JSON.stringify({ ...e.metadata, recordedAt })),
    );
    singles.forEach((e, i) => {
      const s = performance.now();
      single(e, TOTAL + i + 1);
      rawLat.push(performance.now() - s);
    });
    const ourLat: number[] = [];
    for (const e of makeEvents(SINGLE)) {
      const s = performance.now();
      store.appendSync(`single-${e.id}`, [e], 'no-stream');
      ourLat.push(performance.now() - s);
    }
    report('ledger.append.single.median', 1000 / median(ourLat), 1000 / median(rawLat), 'appends/s', {
      oursMedianMs: Number(median(ourLat).toFixed(4)),
      baselineMedianMs: Number(median(rawLat).toFixed(4)),
      oursP99Ms: Number(percentile(ourLat, 99).toFixed(4)),
      target: 'median < 1 ms',
    });
    // The same with synchronous=NORMAL (crash-safe, not power-loss-safe), ours and raw.
    const rawN = rawDb(join(dir.path, 'raw-normal.db'), 'NORMAL');
    const storeN = new SqliteEventStore({ path: join(dir.path, 'ours-normal.db'), clock: new SystemClock(), synchronous: 'normal' });
    const rawLatN: number[] = [];
    const singleN = rawN.db.transaction((e: NewEvent, p: number) =>
      rawN.insert.run(p, e.id, `single-${p}`, 1, e.type, 1, JSON.stringify(e.data), JSON.stringify({ ...e.metadata, recordedAt })),
    );
    makeEvents(SINGLE).forEach((e, i) => {
      const s = performance.now();
      singleN(e, i + 1);
      rawLatN.push(performance.now() - s);
    });
    const ourLatN: number[] = [];
    for (const e of makeEvents(SINGLE)) {
      const s = performance.now();
      storeN.appendSync(`single-${e.id}`, [e], 'no-stream');
      ourLatN.push(performance.now() - s);
    }
    report('ledger.append.single.median.synchronous-normal', 1000 / median(ourLatN), 1000 / median(rawLatN), 'appends/s', {
      oursMedianMs: Number(median(ourLatN).toFixed(4)),
      baselineMedianMs: Number(median(rawLatN).toFixed(4)),
      oursP99Ms: Number(percentile(ourLatN, 99).toFixed(4)),
    });
    rawN.db.close();
    await storeN.close();
    raw.db.close();
    await store.close();
  } finally {
    dir.cleanup();
  }
}

const storeArg = process.argv.indexOf('--store');
const run =
  storeArg >= 0 && process.argv[storeArg + 1] === 'postgres'
    ? () => import('./postgres/ledger').then((m) => m.benchLedgerPostgres())
    : main;
run().catch((e) => {
  console.error(e);
  process.exit(1);
});
