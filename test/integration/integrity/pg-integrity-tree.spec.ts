import { join } from 'node:path';
import { PgIntegrityTree, verifyPgTree } from '../../../src/ledger/integrity/pg-integrity-tree';
import { SqliteIntegrityStore } from '../../../src/ledger/integrity/sqlite-integrity-store';
import { PostgresEventStore } from '../../../src/ledger/postgres/postgres-event-store';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../../../src/platform/clock';
import { PgDatabase } from '../../../src/platform/postgres/pool';
import { newEvent, testStream } from '../../ledger/event-store.contract';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { makeTempDir } from '../../support/temp-dir';

describe('integrity tree on PostgreSQL (written in the append transaction)', () => {
  let db: TestDatabase;
  let pg: PostgresEventStore;
  beforeEach(async () => {
    db = await createTestDatabase();
    pg = new PostgresEventStore({ db: new PgDatabase(db.url), clock: new FakeClock(), ownsDatabase: true });
  });
  afterEach(async () => {
    await pg.close();
    await db.drop();
  });

  it('has the same root as the SQLite ledger for the same events, and verifies', async () => {
    const dir = makeTempDir();
    const sqlite = new SqliteEventStore({ path: join(dir.path, 'ledger.db'), clock: new FakeClock() });
    const sqliteTree = new SqliteIntegrityStore(sqlite.db);
    sqlite.addAppendHook(sqliteTree);
    pg.addAppendHook(new PgIntegrityTree());
    try {
      for (let i = 0; i < 13; i++) {
        const s = testStream();
        const batch = Array.from({ length: (i % 3) + 1 }, (_, j) =>
          newEvent('Counted', { i, j, text: 'ünï "q"', z: 1, a: [2, { y: 1, b: 0 }] }),
        );
        await sqlite.append(s, batch, 'no-stream');
        await pg.append(s, batch, 'no-stream');
      }
      const report = await verifyPgTree(pg.db.pool, 5);
      expect(report.ok).toBe(true);
      expect(report.size).toBe(Number(await pg.headPosition()));
      expect(report.root).toBe(sqliteTree.root().toString('hex'));
    } finally {
      await sqlite.close();
      dir.cleanup();
    }
  });

  it('a row rewritten behind the ledger is found at its position', async () => {
    pg.addAppendHook(new PgIntegrityTree());
    for (let i = 0; i < 6; i++) await pg.append(testStream(), [newEvent('Counted', { i })], 'no-stream');
    await pg.db.pool.query(`UPDATE events SET data = '{"i":99}' WHERE position = 4`);
    const report = await verifyPgTree(pg.db.pool);
    expect(report).toMatchObject({ ok: false, firstBadPosition: 4 });
  });

  it('hashes events appended before the hook was attached, in the next append', async () => {
    await pg.append(testStream(), [newEvent(), newEvent()], 'no-stream');
    pg.addAppendHook(new PgIntegrityTree());
    await pg.append(testStream(), [newEvent()], 'no-stream');
    expect(await verifyPgTree(pg.db.pool)).toMatchObject({ ok: true, size: 3 });
  });
});
