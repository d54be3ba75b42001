import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { verifyPgTree } from '../../../src/ledger/integrity/pg-integrity-tree';
import { runCliProcess } from '../../support/cli';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { makeTempDir } from '../../support/temp-dir';
import { startTestApp, type TestApp } from '../../support/test-app';

describe('the service on LEDGER=postgres', () => {
  let db: TestDatabase;
  let t: TestApp;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ env: { LEDGER: 'postgres', DATABASE_URL: db.url } });
    pool = new Pool({ connectionString: db.url, max: 1 });
  });
  afterAll(async () => {
    await t.close();
    await pool.end();
    await db.drop();
  });

  it('commands append to PostgreSQL, a stale If-Match is a 409, and the Merkle tree covers every event; data keys and Idempotency-Key records live in PostgreSQL', async () => {
    const responder = (await t.principal('incident-responder')).apiKey;
    const report = {
      title: 'Laptop stolen',
      discoveredOn: '2025-03-10',
      summary: 'Scope under investigation.',
      reporter: { kind: 'covered-entity' },
    };
    const created = await t.http().post('/v1/incidents').set('Authorization', `Bearer ${responder}`).send(report);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const patch = (etag: string, title: string) =>
      t.http().patch(`/v1/incidents/${id}`).set('Authorization', `Bearer ${responder}`).set('If-Match', etag).send({ title });
    expect((await patch('"1"', 'Laptop stolen (amended)')).status).toBe(200);
    const stale = await patch('"1"', 'Other');
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ status: 409, currentVersion: '2' });

    const replay = await t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${responder}`)
      .set('Idempotency-Key', 'pg-once')
      .send(report);
    const again = await t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${responder}`)
      .set('Idempotency-Key', 'pg-once')
      .send(report);
    expect(again.body.id).toBe(replay.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await pool.query("SELECT status FROM idempotency_keys WHERE key = 'pg-once'")).rows).toEqual([{ status: 201 }]);

    const rows = await pool.query('SELECT stream, version FROM events WHERE stream = $1 ORDER BY version', [`incident-${id}`]);
    expect(rows.rows.map((r) => Number(r.version))).toEqual([1, 2]);
    const read = await t.http().get(`/v1/incidents/${id}`).set('Authorization', `Bearer ${responder}`);
    expect(read.body).toMatchObject({ title: 'Laptop stolen (amended)', version: 2 });

    // the wrapped data keys are on PostgreSQL (the bootstrap sign-in link is keyed by one), not in DATA_DIR
    expect((await pool.query("SELECT scope FROM data_keys WHERE scope = 'console:links'")).rows).toHaveLength(1);
    expect(existsSync(join(t.dataDir, 'vault.db'))).toBe(false);

    const head = Number((await pool.query('SELECT MAX(position) AS p FROM events')).rows[0].p);
    expect(await verifyPgTree(pool)).toMatchObject({ ok: true, size: head });
  });

  it('an affected list is stored as an encrypted artifact in PostgreSQL, nothing under DATA_DIR/artifacts', async () => {
    const responder = (await t.principal('incident-responder')).apiKey;
    const report = {
      title: 'Misdirected mailing',
      discoveredOn: '2025-03-10',
      summary: 'Statements mailed to wrong addresses.',
      reporter: { kind: 'covered-entity' },
    };
    const { body } = await t.http().post('/v1/incidents').set('Authorization', `Bearer ${responder}`).send(report);
    const rows = ['name,line1,line2,city,state,zip'];
    for (let i = 0; i < 500; i++) rows.push(`Synthetic Person ${i},${i} Oak St,,Dayton,OH,45402`);
    const up = await t
      .http()
      .post(`/v1/incidents/${body.id}/affected`)
      .set('Authorization', `Bearer ${responder}`)
      .set('Content-Type', 'text/csv')
      .send(rows.join('\n') + '\n');
    expect(up.status).toBe(201);
    expect(up.body.summary).toMatchObject({ accepted: 500 });
    const stored = await pool.query(
      'SELECT a.size, count(c.seq) AS n FROM artifacts a JOIN artifact_chunks c USING (blob_id) WHERE a.digest = $1 GROUP BY a.size',
      [up.body.digest],
    );
    expect(stored.rows).toHaveLength(1);
    const files = existsSync(join(t.dataDir, 'artifacts')) ? readdirSync(join(t.dataDir, 'artifacts')).filter((f) => f !== 'tmp') : [];
    expect(files).toEqual([]);
  });

  it('`safeharbor ledger verify` from another machine (its own empty DATA_DIR) is green, and names a rewritten row', async () => {
    const other = makeTempDir('safeharbor-other-host-');
    try {
      const env = {
        LEDGER: 'postgres',
        DATABASE_URL: db.url,
        DATA_DIR: join(other.path, 'data'),
        MASTER_KEY_FILE: t.config.masterKeyPath,
        REDIS_URL: t.config.REDIS_URL,
        REDIS_PREFIX: t.config.REDIS_PREFIX,
      };
      const ok = await runCliProcess(['ledger', 'verify'], env);
      expect(ok.stderr).not.toMatch(/error/i);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/"ok": ?true/);
      await pool.query(`UPDATE events SET data = '{"tampered":true}' WHERE position = 3`);
      const bad = await runCliProcess(['ledger', 'verify'], env);
      expect(bad.code).toBe(1);
      expect(bad.stdout + bad.stderr).toMatch(/position 3/);
    } finally {
      other.cleanup();
    }
  }, 120_000);
});
