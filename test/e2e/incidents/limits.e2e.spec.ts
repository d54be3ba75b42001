import { startTestApp, type TestApp } from '../../support/test-app';

describe('request limits as problem+json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { BODY_LIMIT: '2kb', RATE_LIMIT_PER_MINUTE: '30' } });
  });
  afterAll(async () => t.close());

  it('413 for a body over the limit, and nothing is written', async () => {
    const { apiKey } = await t.principal('incident-responder');
    const res = await t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${apiKey}`)
      .send({ title: 'x', discoveredOn: '2025-01-01', summary: 'y'.repeat(5000), reporter: { kind: 'covered-entity' } });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 413, title: 'Payload Too Large' });
    const list = await t.http().get('/v1/incidents').set('Authorization', `Bearer ${apiKey}`);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
  });

  it('429 with Retry-After once a caller exceeds its rate', async () => {
    const { apiKey } = await t.principal('auditor');
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await t.http().get('/v1/incidents').set('Authorization', `Bearer ${apiKey}`)).status);
    expect(statuses.slice(0, 25).every((s) => s === 200)).toBe(true);
    expect(statuses).toContain(429);
    const limited = await t.http().get('/v1/incidents').set('Authorization', `Bearer ${apiKey}`);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
