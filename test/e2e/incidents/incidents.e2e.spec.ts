import { startTestApp, type TestApp } from '../../support/test-app';

describe('incidents through HTTP (first vertical slice)', () => {
  let t: TestApp;
  let responder: string;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestApp();
    responder = (await t.principal('incident-responder')).apiKey;
    auditor = (await t.principal('auditor')).apiKey;
  });
  afterAll(async () => {
    await t.close();
  });

  const report = {
    title: 'Laptop stolen from clinic car',
    discoveredOn: '2025-03-10',
    summary: 'An unencrypted laptop was stolen; scope under investigation.',
    reporter: { kind: 'covered-entity' },
  };

  it('reports an incident, reads it back from the projection with its ETag', async () => {
    const created = await t.http().post('/v1/incidents').set('Authorization', `Bearer ${responder}`).send(report);
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.headers.location).toBe(`/v1/incidents/${created.body.id}`);
    expect(created.body).toMatchObject({ title: report.title, discoveredOn: '2025-03-10', status: 'reported', version: 1 });

    const read = await t.http().get(`/v1/incidents/${created.body.id}`).set('Authorization', `Bearer ${auditor}`);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(created.body.id);
    expect(read.headers.etag).toBe('"1"');
    const list = await t.http().get('/v1/incidents?status=reported').set('Authorization', `Bearer ${auditor}`);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(created.body.id);
  });

  it('a stale If-Match is a 409 problem and writes nothing', async () => {
    const { body } = await t.http().post('/v1/incidents').set('Authorization', `Bearer ${responder}`).send(report);
    const first = await t
      .http()
      .patch(`/v1/incidents/${body.id}`)
      .set('Authorization', `Bearer ${responder}`)
      .set('If-Match', '"1"')
      .send({ title: 'Laptop stolen (amended)' });
    expect(first.status).toBe(200);
    expect(first.headers.etag).toBe('"2"');
    const stale = await t
      .http()
      .patch(`/v1/incidents/${body.id}`)
      .set('Authorization', `Bearer ${responder}`)
      .set('If-Match', '"1"')
      .send({ title: 'Other title' });
    expect(stale.status).toBe(409);
    expect(stale.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(stale.body).toMatchObject({ status: 409, title: 'Conflict', currentVersion: '2' });
    const read = await t.http().get(`/v1/incidents/${body.id}`).set('Authorization', `Bearer ${responder}`);
    expect(read.body.title).toBe('Laptop stolen (amended)');
    expect(read.body.version).toBe(2);
    // Free text is PHI until proven otherwise: an auditor sees that it is there, not what it says.
    const audited = await t.http().get(`/v1/incidents/${body.id}`).set('Authorization', `Bearer ${auditor}`);
    expect(audited.body).toMatchObject({ title: '[sealed free text]', summary: '[sealed free text]', version: 2 });
  });

  it('bad input is a 400 problem naming the field', async () => {
    const res = await t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${responder}`)
      .send({ ...report, discoveredOn: '2025-02-30', extra: 1 });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['discoveredOn', 'extra']);
    const notJson = await t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${responder}`)
      .set('Content-Type', 'application/json')
      .send('{"title":');
    expect(notJson.status).toBe(400);
  });

  it('401 without a key, 403 for a role that may not act, 404 for an unknown incident', async () => {
    expect((await t.http().post('/v1/incidents').send(report)).status).toBe(401);
    expect(
      (
        await t
          .http()
          .get('/v1/incidents')
          .set('Authorization', 'Bearer shk_000000000000_' + 'A'.repeat(43))
      ).status,
    ).toBe(401);
    const forbidden = await t.http().post('/v1/incidents').set('Authorization', `Bearer ${auditor}`).send(report);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.type).toBe('urn:safeharbor:problem:forbidden');
    const admin = await t.http().get('/v1/incidents').set('Authorization', `Bearer ${t.adminKey}`);
    expect(admin.status).toBe(403);
    const missing = await t.http().get('/v1/incidents/0190c0de-0000-7000-8000-000000000000').set('Authorization', `Bearer ${auditor}`);
    expect(missing.status).toBe(404);
  });

  it('Idempotency-Key: same key and body replays; same key, other body is 422', async () => {
    const key = 'report-once-' + Date.now();
    const a = await t.http().post('/v1/incidents').set('Authorization', `Bearer ${responder}`).set('Idempotency-Key', key).send(report);
    const b = await t.http().post('/v1/incidents').set('Authorization', `Bearer ${responder}`).set('Idempotency-Key', key).send(report);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect(b.headers['idempotent-replayed']).toBe('true');
    const c = await t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${responder}`)
      .set('Idempotency-Key', key)
      .send({ ...report, title: 'different' });
    expect(c.status).toBe(422);
  });

  it('serves /health, /metrics and /docs without a key', async () => {
    const health = await t.http().get('/health');
    expect(health.status).toBe(200);
    // No role contacts here (no profile, no SAFEHARBOR_ROLE_EMAILS): it runs, but names the roles whose escalations go to placeholders.
    expect(health.body).toMatchObject({
      status: 'degraded',
      ledger: { ok: true, adapter: 'sqlite' },
      redis: { ok: true },
      warnings: [
        {
          code: 'role-contacts-missing',
          reason: expect.stringMatching(/^No contact for compliance-officer, .*placeholder/),
          roles: expect.arrayContaining(['compliance-officer', 'privacy-officer', 'security-officer', 'executive']),
        },
      ],
    });
    const metrics = await t.http().get('/metrics');
    expect(metrics.text).toContain('safeharbor_http_requests_total');
    const docs = await t.http().get('/docs/openapi.json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/v1/incidents', '/v1/incidents/{id}', '/health']));
  });
});
