import Database from 'better-sqlite3';
import { join } from 'node:path';
import { PgIdempotencyRecords, SqliteIdempotencyRecords, type IdempotencyRecords } from '../../../src/platform/http/idempotency-records';
import { PgDatabase } from '../../../src/platform/postgres/pool';
import { createTestDatabase } from '../../support/postgres';
import { makeTempDir } from '../../support/temp-dir';

interface Env {
  /** Handles on the same storage, standing for several processes or machines. */
  open(): IdempotencyRecords;
  dispose(): Promise<void>;
}

function idempotencyContract(name: string, create: () => Promise<Env>): void {
  describe(`IdempotencyRecords contract: ${name}`, () => {
    let env: Env;
    beforeEach(async () => {
      env = await create();
    });
    afterEach(async () => {
      await env.dispose();
    });
    const now = '2025-03-10T12:00:00.000Z';

    it('one claim per principal and key, whichever process asks; other principals are separate', async () => {
      const handles = [env.open(), env.open(), env.open()];
      const won = await Promise.all(handles.flatMap((h) => [h.claim('p1', 'k', 'f', now), h.claim('p1', 'k', 'f', now)]));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await handles[0]!.claim('p2', 'k', 'f', now)).toBe(true);
      expect(await handles[1]!.get('p1', 'k')).toEqual({ fingerprint: 'f', status: null, body: null, headers: null });
    });

    it('a completed record is what every process replays, and is never released', async () => {
      const [a, b] = [env.open(), env.open()];
      await a.claim('p', 'k', 'f', now);
      await a.complete('p', 'k', 201, '{"id":"x"}', '{"etag":"\\"1\\""}');
      await b.release('p', 'k');
      expect(await b.get('p', 'k')).toEqual({ fingerprint: 'f', status: 201, body: '{"id":"x"}', headers: '{"etag":"\\"1\\""}' });
      expect(await b.claim('p', 'k', 'f', now)).toBe(false);
    });

    it('a released in-flight claim can be claimed again', async () => {
      const [a, b] = [env.open(), env.open()];
      await a.claim('p', 'k', 'f', now);
      await a.release('p', 'k');
      expect(await b.get('p', 'k')).toBeUndefined();
      expect(await b.claim('p', 'k', 'g', now)).toBe(true);
    });
  });
}

idempotencyContract('sqlite (read store)', async () => {
  const dir = makeTempDir();
  const dbs: Database.Database[] = [];
  return {
    open: () => {
      const db = new Database(join(dir.path, 'read.db'));
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      dbs.push(db);
      return new SqliteIdempotencyRecords(db);
    },
    dispose: async () => {
      for (const d of dbs) d.close();
      dir.cleanup();
    },
  };
});

idempotencyContract('postgres', async () => {
  const tdb = await createTestDatabase();
  const dbs: PgDatabase[] = [];
  return {
    open: () => {
      const db = new PgDatabase(tdb.url, { max: 2 });
      dbs.push(db);
      return new PgIdempotencyRecords(db);
    },
    dispose: async () => {
      for (const d of dbs) await d.close();
      await tdb.drop();
    },
  };
});
