/**
 * GET /v1/today on real read models: obligations with countdowns in the organization's time
 * zone (on track → due in ≤ 7 days → overdue as the clock moves), approvals that never wait for
 * the person who asked (two-person rule), and sections by role.
 */
import { FakeClock } from '../../../src/platform/clock';
import { generateSealKeyPair, generateSigningKeyPair } from '../../../src/shared/agent-protocol';
import { startTestApp, type TestApp } from '../../support/test-app';

const HEADER =
  'name,line1,line2,city,state,zip,email,emailConsent,deceased,nextOfKinName,nextOfKinLine1,nextOfKinLine2,nextOfKinCity,nextOfKinState,nextOfKinZip';

describe('GET /v1/today', () => {
  let t: TestApp;
  const clock = new FakeClock('2025-03-12T15:00:00.000Z');
  let responder: string;
  let officer: string;
  let officer2: string;
  let auditor: string;
  let incidentId: string;
  const auth = (k: string) => ({ Authorization: `Bearer ${k}` });
  const today = async (key: string) => {
    const r = await t.http().get('/v1/today').set(auth(key));
    expect(r.status).toBe(200);
    return r.body as {
      today: string;
      timeZone: string;
      sections: Array<{ key: string; items: Array<Record<string, unknown>>; emptyHint: string }>;
    };
  };
  const section = (body: Awaited<ReturnType<typeof today>>, key: string) => body.sections.find((s) => s.key === key);

  beforeAll(async () => {
    t = await startTestApp({ clock });
    responder = (await t.principal('incident-responder')).apiKey;
    officer = (await t.principal('compliance-officer')).apiKey;
    officer2 = (await t.principal('compliance-officer')).apiKey;
    auditor = (await t.principal('auditor')).apiKey;
    const r = await t
      .http()
      .post('/v1/incidents')
      .set(auth(responder))
      .send({
        title: 'Laptop stolen from clinic car',
        discoveredOn: '2025-03-10',
        summary: 'Unencrypted laptop with scheduling exports.',
        reporter: { kind: 'covered-entity' },
        discovery: { basis: 'actual-knowledge' },
        occurred: { from: '2025-03-01' },
        breachType: 'theft',
        locations: ['laptop'],
      });
    incidentId = r.body.id;
    const rows = [HEADER, ...Array.from({ length: 12 }, (_, i) => `Person ${i},${i} Main St,,Columbus,OH,43004,,,,,,,,,`)];
    await t
      .http()
      .post(`/v1/incidents/${incidentId}/affected`)
      .set(auth(responder))
      .set('Content-Type', 'text/csv')
      .send(rows.join('\n') + '\n')
      .expect(201);
    await t.http().post(`/v1/incidents/${incidentId}/triage`).set(auth(officer)).send({}).expect(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists open obligations by due date with a countdown that turns due-soon then overdue', async () => {
    let body = await today(officer);
    expect(body).toMatchObject({ today: '2025-03-12', timeZone: 'America/New_York' });
    const obligations = () => section(body, 'obligations')!.items.map((i) => [String(i.id).split('.')[1], i.dueOn, i.daysLeft, i.status]);
    expect(obligations()).toEqual([
      ['individual-notice', '2025-05-09', 58, 'on-track'],
      ['hhs-notice', '2026-03-01', 354, 'on-track'],
    ]);
    expect(section(body, 'obligations')!.items[0]!.title).toBe('Laptop stolen from clinic car: individual-notice');

    clock.set('2025-05-02T15:00:00.000Z'); // 7 days before
    body = await today(officer);
    expect(obligations()[0]).toEqual(['individual-notice', '2025-05-09', 7, 'due-soon']);

    // 02:30 UTC on May 10 is still May 9 in New York: due today, not yet overdue.
    clock.set('2025-05-10T02:30:00.000Z');
    body = await today(officer);
    expect(body.today).toBe('2025-05-09');
    expect(obligations()[0]).toEqual(['individual-notice', '2025-05-09', 0, 'due-soon']);

    clock.set('2025-05-10T15:00:00.000Z');
    body = await today(officer);
    expect(obligations()[0]).toEqual(['individual-notice', '2025-05-09', -1, 'overdue']);
    clock.set('2025-03-12T15:00:00.000Z');
  });

  it('a waiver request waits for the other officer, never for the one who asked', async () => {
    await t
      .http()
      .post(`/v1/incidents/${incidentId}/obligations/hhs-notice/waiver`)
      .set(auth(officer))
      .send({ reason: 'Testing the approvals list.' })
      .expect(200);
    expect(section(await today(officer), 'approvals')!.items).toEqual([]);
    expect(section(await today(officer2), 'approvals')!.items).toEqual([
      expect.objectContaining({ kind: 'waiver', id: `${incidentId}.hhs-notice`, href: `/incidents/${incidentId}` }),
    ]);
  });

  it('sections follow the role: auditors see no approvals; admins see invitations, not obligations', async () => {
    const a = await today(auditor);
    expect(a.sections.map((s) => s.key)).toEqual(['obligations', 'reviews', 'tamperAlerts']);
    const admin = await today(t.adminKey);
    expect(admin.sections.map((s) => s.key)).toEqual(['invitations']);
    expect(section(admin, 'invitations')!.emptyHint).toMatch(/Invite/);
    expect(section(await today(responder), 'obligations')!.items).toHaveLength(2);
    expect(JSON.stringify(await today(officer))).not.toContain('Person');
  });

  it('lists active agents not heard from for 24 hours to security officers, from the agents read model', async () => {
    const so = await t.principal('security-officer');
    const so2 = await t.principal('security-officer');
    const post = (who: { apiKey: string }, path: string, body: object) => t.http().post(path).set(auth(who.apiKey)).send(body);
    const tok = await post(so, '/v1/agents/tokens', { agentId: 'host-quiet' }).expect(201);
    await post(so, '/v1/agents/enrollments', {
      token: tok.body.token,
      agentId: 'host-quiet',
      publicKey: generateSigningKeyPair().publicKey,
      sealPublicKey: generateSealKeyPair().publicKey,
      hostFacts: { hostname: 'quiet' },
    }).expect(201);
    await post(so2, '/v1/agents/host-quiet/approve', {}).expect(200);
    // Enrolled but never activated: not an agent that should be reporting.
    await post(so, '/v1/agents/tokens', { agentId: 'host-pending' }).expect(201);

    const silent = async () => section(await today(so.apiKey), 'silentAgents')!.items;
    expect(await silent()).toEqual([]);
    clock.advance(23 * 3_600_000);
    expect(await silent()).toEqual([]);
    clock.advance(2 * 3_600_000);
    expect(await silent()).toEqual([
      expect.objectContaining({
        kind: 'agent',
        id: 'host-quiet',
        since: '2025-03-12T15:00:00.000Z',
        detail: 'no heartbeat since enrollment',
      }),
    ]);
    // Only security officers act on agents.
    expect((await today(officer)).sections.map((s) => s.key)).not.toContain('silentAgents');
    clock.set('2025-03-12T15:00:00.000Z');
  });
});
