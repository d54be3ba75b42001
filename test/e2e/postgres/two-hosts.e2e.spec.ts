import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestApp, type TestApp } from '../../support/test-app';

/**
 * Two api hosts, each with its own empty DATA_DIR, sharing one PostgreSQL and one Redis (and the
 * master key, kept apart from both): what one writes, the other reads.
 */
describe('two api hosts sharing PostgreSQL', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestApp({ env: { LEDGER: 'postgres', DATABASE_URL: db.url }, roles: ['api'] });
    b = await startTestApp({
      env: { LEDGER: 'postgres', DATABASE_URL: db.url, MASTER_KEY_FILE: a.config.masterKeyPath, REDIS_PREFIX: a.config.REDIS_PREFIX },
      roles: ['api'],
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db.drop();
  });

  it('an incident and its affected list written on one host are read, amended and reported on the other', async () => {
    expect(a.dataDir).not.toBe(b.dataDir);
    const responder = (await a.principal('incident-responder')).apiKey;
    const auditor = (await a.principal('auditor')).apiKey;
    const as = (k: string) => ({ Authorization: `Bearer ${k}` });
    const report = {
      title: 'Laptop stolen',
      discoveredOn: '2025-03-10',
      summary: 'Scope under investigation.',
      reporter: { kind: 'covered-entity' },
    };
    const created = await a.http().post('/v1/incidents').set(as(responder)).send(report);
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const rows = ['name,line1,line2,city,state,zip'];
    for (let i = 0; i < 300; i++) rows.push(`Synthetic Person ${i},${i} Oak St,,Dayton,OH,45402`);
    rows.push('Synthetic Person 299,299 Oak St,,Dayton,OH,45402');
    const up = await a
      .http()
      .post(`/v1/incidents/${id}/affected`)
      .set(as(responder))
      .set('Content-Type', 'text/csv')
      .send(rows.join('\n') + '\n');
    expect(up.status).toBe(201);

    // host B: its API key, the incident (its own read model, built from the shared ledger), the report artifact
    // the title is sealed free text: host B opens it for a PHI reader with the shared vault's key
    const read = await b.http().get(`/v1/incidents/${id}?minVersion=${created.body.version}`).set(as(responder));
    expect(read.status).toBe(200);
    expect(read.body.title).toBe('Laptop stolen');
    const audited = await b.http().get(`/v1/incidents/${id}`).set(as(auditor));
    expect(audited.body.title).toBe('[sealed free text]');
    const rep = await b.http().get(`/v1/incidents/${id}/affected/report`).set(as(auditor));
    expect(rep.status).toBe(200);
    expect(rep.text).toMatch(/same person as an earlier row/);

    // optimistic concurrency across hosts: B amends at the version A saw, then A's stale write is a 409
    const current = await b.http().get(`/v1/incidents/${id}`).set(as(responder));
    const etag = current.headers.etag as string;
    expect(
      (await b.http().patch(`/v1/incidents/${id}`).set(as(responder)).set('If-Match', etag).send({ title: 'Laptop stolen (B)' })).status,
    ).toBe(200);
    const stale = await a.http().patch(`/v1/incidents/${id}`).set(as(responder)).set('If-Match', etag).send({ title: 'Laptop stolen (A)' });
    expect(stale.status).toBe(409);

    for (const t of [a, b]) {
      const dir = join(t.dataDir, 'artifacts');
      expect(existsSync(join(t.dataDir, 'vault.db'))).toBe(false);
      expect(existsSync(dir) ? readdirSync(dir).filter((f) => f !== 'tmp') : []).toEqual([]);
    }
  });
});
