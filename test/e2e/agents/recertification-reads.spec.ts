/**
 * The read routes the console's posture pages use: recertification campaigns listed with how
 * far each has come (filtered by status, validated), and agents listed with their last
 * heartbeat and anomaly count.
 */
import { generateSealKeyPair, generateSigningKeyPair } from '../../../src/shared/agent-protocol';
import { FakeClock } from '../../../src/platform/clock';
import { startTestApp, type TestApp } from '../../support/test-app';

describe('GET /v1/access/recertifications and the agents list', () => {
  let t: TestApp;
  let sec: { id: string; apiKey: string };
  let sec2: { id: string; apiKey: string };
  let comp: { id: string; apiKey: string };
  let auditor: { id: string; apiKey: string };
  let responder: { id: string; apiKey: string };
  const as = (who: { apiKey: string }) => ({
    get: (p: string) => t.http().get(p).set('Authorization', `Bearer ${who.apiKey}`),
    post: (p: string, body: object = {}) => t.http().post(p).set('Authorization', `Bearer ${who.apiKey}`).send(body),
  });

  beforeAll(async () => {
    t = await startTestApp({ clock: new FakeClock('2026-01-05T15:00:00.000Z') });
    sec = await t.principal('security-officer');
    sec2 = await t.principal('security-officer');
    comp = await t.principal('compliance-officer');
    auditor = await t.principal('auditor');
    responder = await t.principal('incident-responder');
    const tok = await as(sec).post('/v1/agents/tokens', { agentId: 'host-r' });
    const enr = await t
      .http()
      .post('/v1/agents/enrollments')
      .send({
        token: tok.body.token,
        agentId: 'host-r',
        publicKey: generateSigningKeyPair().publicKey,
        sealPublicKey: generateSealKeyPair().publicKey,
        hostFacts: { hostname: 'test' },
      });
    expect(enr.status).toBe(201);
    expect((await as(sec2).post('/v1/agents/host-r/approve')).status).toBe(200);
    expect((await as(sec).post('/v1/datasets', { datasetId: 'ds-r', agentId: 'host-r', path: '/srv/phi/r' })).status).toBe(201);
    for (const [g, p] of [
      ['g-r1', 'dr_lee'],
      ['g-r2', 'nurse_ray'],
    ]) {
      const body = { grantId: g, principal: p, datasetId: 'ds-r', permission: 'read', purpose: 'care', durationDays: 90 };
      expect((await as(comp).post('/v1/access/grants', body)).status).toBe(201);
      expect((await as(sec).post(`/v1/access/grants/${g}/approve`)).status).toBe(200);
    }
  }, 60_000);

  afterAll(async () => t?.close());

  it('lists campaigns with their counts, newest due first, filtered by status', async () => {
    expect((await as(auditor).get('/v1/access/recertifications')).body).toEqual([]);
    expect((await as(comp).post('/v1/access/recertifications', { campaignId: 'q1', dueAt: '2026-01-20T00:00:00.000Z' })).status).toBe(201);
    expect((await as(comp).post('/v1/access/recertifications', { campaignId: 'q2', dueAt: '2026-02-20T00:00:00.000Z' })).status).toBe(201);
    expect(
      (await as(sec).post('/v1/access/recertifications/q1/reviews', { grantId: 'g-r1', decision: 'revoke', reason: 'left the team' }))
        .status,
    ).toBe(200);
    expect((await as(sec).post('/v1/access/recertifications/q1/reviews', { grantId: 'g-r2', decision: 'keep' })).status).toBe(200);

    const list = await as(auditor).get('/v1/access/recertifications');
    expect(list.status).toBe(200);
    // g-r1 was revoked by q1, so q2 (frozen at its start, before the revocation) still lists both.
    expect(list.body).toEqual([
      expect.objectContaining({ campaignId: 'q2', status: 'open', grants: 2, kept: 0, revoked: 0, undecided: 2, escalated: 0 }),
      expect.objectContaining({
        campaignId: 'q1',
        status: 'open',
        dueAt: '2026-01-20T00:00:00.000Z',
        revokeUnreviewed: false,
        grants: 2,
        kept: 1,
        revoked: 1,
        undecided: 0,
      }),
    ]);
    expect((await as(sec).get('/v1/access/grants/g-r1')).body.status).toBe('revoked');
    expect((await as(auditor).get('/v1/access/recertifications?status=closed')).body).toEqual([]);
    expect((await as(auditor).get('/v1/access/recertifications?status=open')).body).toHaveLength(2);
  });

  it('refuses a bad filter naming it, and roles that may not read access reviews', async () => {
    const bad = await as(auditor).get('/v1/access/recertifications?status=finished');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(bad.body)).toContain('status');
    expect((await as(auditor).get('/v1/access/recertifications?sort=x')).status).toBe(400);
    expect((await as(responder).get('/v1/access/recertifications')).status).toBe(403);
  });

  it('lists agents with their last heartbeat and anomaly count', async () => {
    const r = await as(auditor).get('/v1/agents');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      expect.objectContaining({ agentId: 'host-r', status: 'active', lastHeardAt: null, anomalies: 0, lastAnomalyAt: null }),
    ]);
  });

  it('documents the route in the OpenAPI document', async () => {
    const docs = await t.http().get('/docs/openapi.json');
    expect(docs.body.paths['/v1/access/recertifications'].get).toBeDefined();
    expect(docs.body.paths['/v1/access/recertifications'].get.responses['200']).toBeDefined();
  });
});
