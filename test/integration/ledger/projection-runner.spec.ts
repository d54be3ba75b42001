import type Database from 'better-sqlite3';
import { join } from 'node:path';
import { Ledger } from '../../../src/ledger/ledger';
import type { Projection } from '../../../src/ledger/projections/projection';
import { ProjectionRunner, openReadStore } from '../../../src/ledger/projections/projection-runner';
import { EventRegistry } from '../../../src/ledger/registry';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../../../src/platform/clock';
import { makeTempDir } from '../../support/temp-dir';

const totals: Projection = {
  name: 'totals',
  version: 1,
  handles: ['Incremented', 'Renamed'],
  setup: (db) =>
    db.exec('CREATE TABLE IF NOT EXISTS totals (id TEXT PRIMARY KEY, label TEXT, total INTEGER NOT NULL, events INTEGER NOT NULL)'),
  reset: (db) => db.exec('DELETE FROM totals'),
  apply(db, e) {
    const id = e.stream;
    if (e.type === 'Incremented') {
      db.prepare(
        'INSERT INTO totals (id, total, events) VALUES (?, ?, 1) ON CONFLICT(id) DO UPDATE SET total = total + excluded.total, events = events + 1',
      ).run(id, e.data.by as number);
    } else {
      db.prepare('UPDATE totals SET label = ? WHERE id = ?').run(e.data.label as string, id);
    }
  },
};

const dump = (db: Database.Database) => db.prepare('SELECT * FROM totals ORDER BY id').all();
const ctx = { actor: { id: 'u', role: 'compliance-officer' }, correlationId: 'c' };

describe('projection runner', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let store: SqliteEventStore;
  let ledger: Ledger;
  let registry: EventRegistry;
  beforeEach(async () => {
    dir = makeTempDir();
    store = new SqliteEventStore({ path: join(dir.path, 'ledger.db'), clock: new FakeClock(), pollIntervalMs: 10 });
    registry = new EventRegistry().registerNames('Incremented', 'Renamed', 'Ignored');
    ledger = new Ledger(store, registry, new FakeClock());
    for (let i = 0; i < 1200; i++) {
      await ledger.append(
        `counter-${i % 7}`,
        [{ type: i % 50 === 0 ? 'Renamed' : 'Incremented', data: i % 50 === 0 ? { label: `L${i}` } : { by: i } }],
        'any',
        ctx,
      );
    }
    await ledger.append('other-1', [{ type: 'Ignored', data: {} }], 'any', ctx);
  });
  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  it('replaying the same events twice leaves the read model unchanged', async () => {
    const db = openReadStore(join(dir.path, 'read.db'));
    const runner = new ProjectionRunner(db, store, registry, () => 'now');
    runner.register(totals);
    await runner.catchUp();
    const once = dump(db);
    expect(runner.checkpoint('totals')).toBe(await store.headPosition());
    // Re-applying the page that was already applied is skipped by the checkpoint…
    const page = await store.readAll({ after: 0n, maxCount: 5000 });
    runner.applyPage(page.events);
    expect(dump(db)).toEqual(once);
    // …and a full rebuild from position 0 gives the same tables.
    await runner.rebuild('totals');
    expect(dump(db)).toEqual(once);
    await runner.rebuild();
    expect(dump(db)).toEqual(once);
    db.close();
  });

  it('two runners sharing one read store apply every event exactly once', async () => {
    const path = join(dir.path, 'shared-read.db');
    const dbA = openReadStore(path);
    const dbB = openReadStore(path);
    const a = new ProjectionRunner(dbA, store, registry, () => 'now');
    const b = new ProjectionRunner(dbB, store, registry, () => 'now');
    a.register(totals);
    b.register(totals);
    await Promise.all([a.catchUp(), b.catchUp(), a.catchUp()]);
    const events = (dbA.prepare('SELECT SUM(events) AS n FROM totals').get() as { n: number }).n;
    const expected = (await store.readAll({ after: 0n, maxCount: 5000 })).events.filter((e) => e.type === 'Incremented').length;
    expect(events).toBe(expected);
    dbA.close();
    dbB.close();
  });

  it('follows the ledger live after catching up, with the checkpoint committed with the writes', async () => {
    const db = openReadStore(join(dir.path, 'read.db'));
    const runner = new ProjectionRunner(db, store, registry, () => 'now');
    runner.register(totals);
    await runner.start(() => undefined);
    await ledger.append('counter-live', [{ type: 'Incremented', data: { by: 5 } }], 'any', ctx);
    for (let i = 0; i < 200 && runner.checkpoint('totals') < (await store.headPosition()); i++) await new Promise((r) => setTimeout(r, 10));
    expect(db.prepare("SELECT total FROM totals WHERE id = 'counter-live'").get()).toEqual({ total: 5 });
    await runner.stop();
    db.close();
  });

  it('a projection whose version changed is rebuilt from the start', async () => {
    const path = join(dir.path, 'read.db');
    let db = openReadStore(path);
    let runner = new ProjectionRunner(db, store, registry, () => 'now');
    runner.register(totals);
    await runner.catchUp();
    const before = dump(db);
    db.prepare("UPDATE totals SET total = -1 WHERE id = 'counter-0'").run(); // corrupt the read model
    db.close();
    db = openReadStore(path);
    runner = new ProjectionRunner(db, store, registry, () => 'now');
    runner.register({ ...totals, version: 2 });
    expect(runner.checkpoint('totals')).toBe(0n);
    await runner.catchUp();
    expect(dump(db)).toEqual(before);
    db.close();
  });
});
