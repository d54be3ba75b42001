import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { loadMigrations, migrate } from '../../../src/platform/postgres/migrate';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

describe('PostgreSQL migrations (numbered SQL files under an advisory lock)', () => {
  let db: TestDatabase;
  const pools: Pool[] = [];
  const pool = () => {
    const p = new Pool({ connectionString: db.url, max: 2 });
    pools.push(p);
    return p;
  };

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const p of pools.splice(0)) await p.end();
    await db.drop();
  });

  it('five processes starting at once: each file is applied exactly once, and every start sees the full schema', async () => {
    const files = loadMigrations();
    expect(files.length).toBeGreaterThan(0);
    const runs = await Promise.all(Array.from({ length: 5 }, () => migrate(pool())));
    expect(runs.flat().sort()).toEqual(files.map((f) => f.version));
    expect(runs.filter((r) => r.length > 0)).toHaveLength(1);
    const check = pool();
    const rows = (await check.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    expect(rows).toEqual(files.map((f) => f.version));
    expect((await check.query("SELECT to_regclass('public.events') AS t")).rows[0].t).toBe('events');
    expect(await migrate(check)).toEqual([]);
  });

  it('a failing migration rolls back alone and is retried on the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sh-migrations-'));
    try {
      writeFileSync(join(dir, '001_one.sql'), 'CREATE TABLE one (x int);');
      writeFileSync(join(dir, '002_two.sql'), 'CREATE TABLE two (x int); SELECT no_such_function();');
      const p = pool();
      await expect(migrate(p, loadMigrations(dir))).rejects.toThrow(/no_such_function/);
      expect((await p.query('SELECT version FROM schema_migrations')).rows).toEqual([{ version: 1 }]);
      expect((await p.query("SELECT to_regclass('public.two') AS t")).rows[0].t).toBeNull();
      writeFileSync(join(dir, '002_two.sql'), 'CREATE TABLE two (x int);');
      expect(await migrate(p, loadMigrations(dir))).toEqual([2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a database migrated by a newer build', async () => {
    const p = pool();
    await migrate(p);
    await p.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')");
    await expect(migrate(p)).rejects.toThrow(/newer version/);
  });
});
