/**
 * Operators told, not surprised (issue 13 item 9), through HTTP with a real SMTP server: with no
 * role contacts /health is degraded naming the roles (never an address) and an overdue obligation's
 * escalation goes to the placeholder mailboxes; once an admin PUTs the organization profile, /health
 * is ok and the next escalation reaches the profile's addresses — same process, no restart.
 */
import { FakeClock } from '../../../src/platform/clock';
import { SmtpSink, type ReceivedMail } from '../../integration/notices/smtp-sink';
import { startTestApp, type TestApp } from '../../support/test-app';
import { testOrg } from '../../unit/notices/fixtures';

async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('role contacts: escalation mail and /health follow the organization profile', () => {
  const sink = new SmtpSink();
  const clock = new FakeClock('2025-06-02T15:00:00.000Z');
  let t: TestApp;
  let responder: string;
  let officer: string;
  const auth = (k: string) => ({ Authorization: `Bearer ${k}` });
  const contacts = {
    'compliance-officer': 'co@riverside.example',
    'privacy-officer': 'privacy@riverside.example',
    'security-officer': 'security@riverside.example',
    executive: 'ceo@riverside.example',
  };

  beforeAll(async () => {
    await sink.start();
    t = await startTestApp({ clock, env: { MAIL_TRANSPORT: 'smtp', SMTP_URL: `smtp://127.0.0.1:${sink.port}` } });
    responder = (await t.principal('incident-responder')).apiKey;
    officer = (await t.principal('compliance-officer')).apiKey;
  });
  afterAll(async () => {
    await t?.close();
    await sink.stop();
  });

  /** An incident discovered in March, triaged in June: its notification obligations are overdue, so escalations fire now. */
  async function overdueIncident(): Promise<string> {
    const r = await t
      .http()
      .post('/v1/incidents')
      .set(auth(responder))
      .send({
        title: 'Laptop stolen from clinic car',
        discoveredOn: '2025-03-03',
        summary: 'Unencrypted laptop with scheduling exports.',
        reporter: { kind: 'covered-entity' },
        discovery: { basis: 'actual-knowledge' },
        occurred: { from: '2025-03-01' },
        breachType: 'theft',
        locations: ['laptop'],
        datasetIds: ['ds-sched'],
      });
    expect(r.status).toBe(201);
    const id = r.body.id as string;
    await t
      .http()
      .post(`/v1/incidents/${id}/affected-counts`)
      .set(auth(responder))
      .send({ byState: { OH: 100 }, insufficientContact: 0, reason: 'estimate' })
      .expect(200);
    await t.http().post(`/v1/incidents/${id}/triage`).set(auth(officer)).send({}).expect(200);
    return id;
  }

  const escalationsOf = (id: string) =>
    sink.received.filter((m) => {
      const timer = String(m.parsed.headers.get('x-safeharbor-timer') ?? '');
      return timer.includes(id) && timer.includes('escalation-7d');
    });
  const rcpts = (mails: ReceivedMail[]) => [...new Set(mails.flatMap((m) => m.envelopeTo))].sort();

  it('placeholder and degraded before; the profile’s addresses and ok after PUT, without a restart', async () => {
    const before = await t.http().get('/health');
    expect(before.status).toBe(200);
    expect(before.body.status).toBe('degraded');
    expect(before.body.warnings).toEqual([
      {
        code: 'role-contacts-missing',
        roles: ['compliance-officer', 'privacy-officer', 'security-officer', 'executive'],
        reason: expect.stringMatching(/^No contact for compliance-officer, privacy-officer, security-officer, executive: .*placeholder/),
      },
    ]);
    expect(JSON.stringify(before.body)).not.toContain('@'); // roles only, never an address
    const status = await t.http().get('/v1/organization/role-contacts').set(auth(officer));
    expect(status.body).toMatchObject({
      status: 'degraded',
      missing: ['compliance-officer', 'privacy-officer', 'security-officer', 'executive'],
    });
    expect(JSON.stringify(status.body)).not.toContain('@');

    const first = await overdueIncident();
    const placeholderMail = await waitFor(() => escalationsOf(first).length > 0 && escalationsOf(first), 'the first escalation');
    expect(rcpts(placeholderMail)).toEqual([
      'compliance-officer@safeharbor.invalid',
      'executive@safeharbor.invalid',
      'privacy-officer@safeharbor.invalid',
      'security-officer@safeharbor.invalid',
    ]);

    const put = await t.http().put('/v1/organization/profile').set(auth(t.adminKey)).send({ profile: testOrg(), roleContacts: contacts });
    expect(put.status).toBe(200);

    const after = await t.http().get('/health');
    expect(after.body).toMatchObject({ status: 'ok' });
    expect(after.body.warnings).toBeUndefined();
    expect((await t.http().get('/v1/organization/role-contacts').set(auth(officer))).body).toMatchObject({
      status: 'ok',
      missing: [],
      sources: { 'compliance-officer': 'profile', 'privacy-officer': 'profile', 'security-officer': 'profile', executive: 'profile' },
    });

    const second = await overdueIncident();
    const realMail = await waitFor(() => escalationsOf(second).length > 0 && escalationsOf(second), 'the second escalation');
    expect(rcpts(realMail)).toEqual(Object.values(contacts).sort());
    expect(realMail[0].parsed.text).not.toContain('Laptop'); // ids and dates, never the incident's text
  });
});
