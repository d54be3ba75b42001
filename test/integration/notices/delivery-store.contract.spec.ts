import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { DeliveryStore, type ChunkOutcomeRow } from '../../../src/notices/delivery/delivery-store';
import { progressFromCounts } from '../../../src/notices/delivery/delivery-rows';
import type { BatchProgressCounts, DeliveryState } from '../../../src/notices/delivery/delivery-types';
import { PgDeliveryStore } from '../../../src/notices/delivery/pg-delivery-store';
import { SqliteDeliveryStore } from '../../../src/notices/delivery/sqlite-delivery-store';
import type { NoticeChannel } from '../../../src/notices/domain/channel';
import { PgDatabase } from '../../../src/platform/postgres/pool';
import { createTestDatabase } from '../../support/postgres';
import { makeTempDir } from '../../support/temp-dir';

/** Handles on one storage (standing for several processes or machines) and a full-scan oracle. */
interface Env {
  open(): DeliveryStore;
  /** Progress by a full recount over every delivery row of the batch. */
  recount(batchId: string): Promise<BatchProgressCounts>;
  /** Deletes every delivery row with raw SQL (must be refused). */
  deleteAll(): Promise<void>;
  dispose(): Promise<void>;
}

const RECOUNT_COUNTS = 'SELECT state, channel, count(*) AS n FROM notice_deliveries WHERE batch_id = $b GROUP BY state, channel';
const RECOUNT_TOTALS =
  'SELECT min(delivered_at) AS f, max(delivered_at) AS l, coalesce(sum(possible_duplicate), 0) AS d FROM notice_deliveries WHERE batch_id = $b';

/** A small deterministic PRNG (mulberry32), so a failure replays from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OFFLINE: Array<{ channel: NoticeChannel; state: DeliveryState }> = [
  { channel: 'mail', state: 'printed' },
  { channel: 'mail-next-of-kin', state: 'printed' },
  { channel: 'substitute', state: 'substitute' },
  { channel: 'none', state: 'not-required' },
];

function row(batchId: string, individualId: string, chunk: number, o: (typeof OFFLINE)[number], deliveredAt: string): ChunkOutcomeRow {
  return {
    batchId,
    individualId,
    letterId: `${batchId}:${individualId}`,
    chunk,
    channel: o.channel,
    state: o.state,
    pdfSha256: null,
    printFile: null,
    firstPage: null,
    lastPage: null,
    deliveredAt,
  };
}

/** One random delivery state change through the store's API (a failed transaction included). */
async function randomChange(store: DeliveryStore, rand: () => number, batches: string[], people: string[], step: number): Promise<void> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const batchId = pick(batches);
  const individualId = pick(people);
  // chunks 0, 16 and 32 share a PostgreSQL counter shard
  const chunk = pick([0, 1, 16, 32]);
  const at = () => new Date(Date.UTC(2025, 2, 10) + Math.floor(rand() * 86_400_000)).toISOString();
  switch (Math.floor(rand() * 6)) {
    case 0:
      return store.claimEmail({ batchId, individualId, letterId: `${batchId}:${individualId}`, chunk, messageId: `<${step}@x>` });
    case 1:
      return store.markSent(batchId, individualId, `<${step}@x>`, '250 ok', at(), rand() < 0.3);
    case 2:
      return store.markEmailState(batchId, individualId, rand() < 0.5 ? 'failed' : 'held', 'synthetic');
    case 3: {
      const rows = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => row(batchId, pick(people), chunk, pick(OFFLINE), at()));
      return store.recordChunkOutcome([...new Map(rows.map((r) => [r.individualId, r])).values()], null);
    }
    case 4:
      await store.markReturned(batchId, individualId, at(), 'synthetic return');
      return;
    default: {
      // a transaction that fails part-way (a row without a letter id) changes no row and no counter
      const bad = { ...row(batchId, `${individualId}-x`, chunk, pick(OFFLINE), at()), letterId: null as unknown as string };
      // toHaveProperty, not toThrow: better-sqlite3's native part keeps the SqliteError class of the
      // first test file that loaded it in this Jest worker, so its errors are not `instanceof Error` here
      await expect(store.recordChunkOutcome([row(batchId, `new-${step}`, chunk, pick(OFFLINE), at()), bad], null)).rejects.toHaveProperty(
        'message',
      );
    }
  }
}

function deliveryStoreContract(name: string, create: () => Promise<Env>): void {
  describe(`DeliveryStore contract: ${name}`, () => {
    let env: Env;
    beforeEach(async () => {
      env = await create();
    });
    afterEach(async () => {
      await env.dispose();
    });

    it('progress equals a full recount after each of 2,000 random delivery state changes', async () => {
      const store = env.open();
      const rand = rng(153);
      const batches = ['b-1', 'b-2', 'b-3'];
      const people = Array.from({ length: 40 }, (_, i) => `ind-${i}`);
      for (let step = 0; step < 2000; step++) {
        await randomChange(store, rand, batches, people, step);
        const got = await Promise.all(batches.map((b) => store.progress(b)));
        const want: BatchProgressCounts[] = [];
        for (const b of batches) want.push(await env.recount(b));
        expect({ step, got }).toEqual({ step, got: want });
      }
      expect((await store.progress('b-1')).done).toBeGreaterThan(0);
    }, 240_000);

    it('counters stay exact when several processes change the same batch at once', async () => {
      const handles = [env.open(), env.open(), env.open(), env.open()];
      const people = Array.from({ length: 60 }, (_, i) => `ind-${i}`);
      await Promise.all(
        handles.map(async (h, i) => {
          const rand = rng(1000 + i);
          const inFlight: Array<Promise<void>> = [];
          for (let step = 0; step < 300; step++) {
            inFlight.push(randomChange(h, rand, ['b'], people, step * 10 + i));
            if (inFlight.length >= 8) await Promise.all(inFlight.splice(0));
          }
          await Promise.all(inFlight);
        }),
      );
      expect(await handles[3]!.progress('b')).toEqual(await env.recount('b'));
    }, 240_000);

    it('the email protocol: claim before send, sent is final, a failed send may be claimed again', async () => {
      const [a, b] = [env.open(), env.open()];
      const claim = { batchId: 'b', individualId: 'i', letterId: 'L-1', chunk: 3, messageId: '<m@x>' };
      await Promise.all([a.claimEmail(claim), b.claimEmail(claim)]);
      expect(await a.get('b', 'i')).toMatchObject({ state: 'sending', attempts: 2, channel: 'email', chunk: 3, messageId: '<m@x>' });
      await b.markSent('b', 'i', '<m@x>', '250 2.0.0 queued', '2025-03-10T10:00:00.000Z', true);
      await a.claimEmail(claim);
      await a.markSent('b', 'i', '<m@x>', '250 again', '2025-03-11T10:00:00.000Z');
      expect(await b.get('b', 'i')).toMatchObject({
        state: 'sent',
        attempts: 2,
        smtpResponse: '250 again',
        deliveredAt: '2025-03-10T10:00:00.000Z',
        possibleDuplicate: true,
      });
      await a.claimEmail({ ...claim, individualId: 'j', letterId: 'L-2' });
      await a.markEmailState('b', 'j', 'failed', 'rejected 550');
      await b.claimEmail({ ...claim, individualId: 'j', letterId: 'L-2' });
      expect(await a.get('b', 'j')).toMatchObject({ state: 'sending', attempts: 2, smtpResponse: 'rejected 550' });
      expect((await a.chunkRecords('b', 3)).size).toBe(2);
      expect(await a.progress('b')).toEqual({
        byState: { sent: 1, sending: 1 },
        byChannel: { email: 2 },
        done: 1,
        firstAt: '2025-03-10T10:00:00.000Z',
        lastAt: '2025-03-10T10:00:00.000Z',
        possibleDuplicates: 1,
      });
    });

    it('chunk outcomes and print files: first write wins, whichever process re-runs the chunk', async () => {
      const [a, b] = [env.open(), env.open()];
      const file = (letters: number) => ({
        batchId: 'b',
        chunk: 0,
        printArtifact: `p${letters}`,
        printSha256: 's',
        letters,
        pages: 2 * letters,
        manifestCsv: 'file,letter_id\n',
      });
      const rows = [row('b', 'i2', 0, OFFLINE[0]!, '2025-03-10T10:00:00.000Z'), row('b', 'i1', 0, OFFLINE[2]!, '2025-03-10T10:00:01.000Z')];
      await Promise.all([a.recordChunkOutcome(rows, file(2)), b.recordChunkOutcome(rows, file(2))]);
      await b.recordChunkOutcome([row('b', 'i1', 0, OFFLINE[3]!, '2025-03-12T00:00:00.000Z')], file(9));
      expect(await b.printFiles('b')).toEqual([file(2)]);
      expect(await a.get('b', 'i1')).toMatchObject({ state: 'substitute', channel: 'substitute', attempts: 1 });
      expect(await a.byLetterId('b:i2')).toMatchObject({ individualId: 'i2', state: 'printed' });
      expect(await a.byLetterId('nope')).toBeNull();
      expect((await b.progress('b')).done).toBe(2);

      // proof of notice across batches, returns recorded once
      await a.recordChunkOutcome([row('a', 'i1', 0, OFFLINE[0]!, '2025-03-09T00:00:00.000Z')], null);
      expect((await b.forIndividual('i1')).map((r) => r.batchId)).toEqual(['a', 'b']);
      const returned = await Promise.all([
        a.markReturned('b', 'i2', '2025-04-01T00:00:00.000Z', 'returned-mail: moved'),
        b.markReturned('b', 'i2', '2025-04-02T00:00:00.000Z', 'again'),
      ]);
      expect(returned.filter(Boolean)).toHaveLength(1);
      expect(await a.markReturned('b', 'nobody', '2025-04-01T00:00:00.000Z', 'x')).toBe(false);
      expect((await b.get('b', 'i2'))!.returnedAt).not.toBeNull();

      // the records stream in key order; their digest is defined over these lines
      const lines = ['i1|substitute|substitute||||2025-03-10T10:00:01.000Z\n', 'i2|mail|printed||||2025-03-10T10:00:00.000Z\n'];
      expect(await b.digest('b')).toBe(createHash('sha256').update(lines.join('')).digest('hex'));
      await expect(env.deleteAll()).rejects.toHaveProperty('message', expect.stringMatching(/never deleted/));
    });

    it('records stream in individual-id order past a page, and a batch run finishes once', async () => {
      const [a, b] = [env.open(), env.open()];
      const ids = Array.from({ length: 2345 }, (_, i) => `p-${(i * 7919) % 2345}`);
      await a.recordChunkOutcome(
        ids.map((id) => row('big', id, 0, OFFLINE[2]!, '2025-03-10T10:00:00.000Z')),
        null,
      );
      const seen: string[] = [];
      for await (const r of b.records('big')) seen.push(r.individualId);
      expect(seen).toEqual([...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
      expect(await a.run('big')).toBeNull();
      await a.startRun('big', 2345, 3, '2025-03-10T09:00:00.000Z');
      await b.startRun('big', 1, 1, '2025-03-11T09:00:00.000Z');
      const finished = await Promise.all([a.finishRun('big', '2025-03-10T11:00:00.000Z'), b.finishRun('big', '2025-03-10T11:00:01.000Z')]);
      expect(finished.filter(Boolean)).toHaveLength(1);
      expect(await b.run('big')).toMatchObject({ total: 2345, chunks: 3, plannedAt: '2025-03-10T09:00:00.000Z' });
      expect(await b.progress('big')).toMatchObject({ done: 2345, byState: { substitute: 2345 } });
    });
  });
}

deliveryStoreContract('sqlite', async () => {
  const dir = makeTempDir();
  const path = join(dir.path, 'notices.db');
  const stores: DeliveryStore[] = [];
  const raw = () => {
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    return db;
  };
  return {
    open: () => {
      const s = new SqliteDeliveryStore(path, { synchronous: 'NORMAL' });
      stores.push(s);
      return s;
    },
    recount: async (b) => {
      const db = raw();
      try {
        const counts = db.prepare(RECOUNT_COUNTS).all({ b }) as Array<{ state: string; channel: string; n: number }>;
        const t = db.prepare(RECOUNT_TOTALS).get({ b }) as { f: string | null; l: string | null; d: number };
        return progressFromCounts(counts, t.f, t.l, t.d);
      } finally {
        db.close();
      }
    },
    deleteAll: async () => {
      const db = raw();
      try {
        db.prepare('DELETE FROM notice_deliveries').run();
      } finally {
        db.close();
      }
    },
    dispose: async () => {
      for (const s of stores) await s.close();
      dir.cleanup();
    },
  };
});

deliveryStoreContract('postgres', async () => {
  const tdb = await createTestDatabase();
  const dbs: PgDatabase[] = [];
  const stores: DeliveryStore[] = [];
  let client: Client | null = null;
  const raw = async <T>(fn: (c: Client) => Promise<T>): Promise<T> => {
    if (!client) {
      client = new Client({ connectionString: tdb.url });
      await client.connect();
    }
    return fn(client);
  };
  const pgSql = (sql: string) =>
    sql
      .replace(/count\(\*\)/, 'count(*)::int')
      .replace(/sum\(possible_duplicate\), 0\)/, 'sum(possible_duplicate), 0)::int')
      .replace(/\$b/g, '$1');
  return {
    open: () => {
      const db = new PgDatabase(tdb.url, { max: 3 });
      dbs.push(db);
      const s = new PgDeliveryStore(db);
      stores.push(s);
      return s;
    },
    recount: (b) =>
      raw(async (c) => {
        const counts = (await c.query(pgSql(RECOUNT_COUNTS), [b])).rows as Array<{ state: string; channel: string; n: number }>;
        const t = (await c.query(pgSql(RECOUNT_TOTALS), [b])).rows[0] as { f: string | null; l: string | null; d: number };
        return progressFromCounts(counts, t.f, t.l, t.d);
      }),
    deleteAll: () => raw(async (c) => void (await c.query('DELETE FROM notice_deliveries'))),
    dispose: async () => {
      for (const s of stores) await s.close();
      for (const d of dbs) await d.close();
      await client?.end();
      await tdb.drop();
    },
  };
});
