/**
 * What the console copies out of a batch: the HHS portal's fields of an `hhs-report` batch (from
 * the content its approval binds), and the substitute notice's public link once it is posted.
 */
import { startTestApp, type TestApp } from '../../support/test-app';
import { testFacts, testOrg } from '../../unit/notices/fixtures';

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('notice documents over HTTP (HHS portal fields, substitute-notice link)', () => {
  let t: TestApp;
  let drafter: { id: string; apiKey: string };
  let approver: { id: string; apiKey: string };
  let auditor: { id: string; apiKey: string };
  const facts = testFacts();
  const org = testOrg();
  const as = (who: { apiKey: string }) => ({ Authorization: `Bearer ${who.apiKey}` });

  beforeAll(async () => {
    t = await startTestApp({ env: { NOTICES_EMAIL_RATE: '0' } as Record<string, string> });
    drafter = await t.principal('compliance-officer', 'Drafter');
    approver = await t.principal('compliance-officer', 'Approver');
    auditor = await t.principal('auditor');
  });
  afterAll(async () => t?.close());

  it('gives the HHS portal fields of an hhs-report batch; other batches and bad ids are refused', async () => {
    const hhs = {
      reportType: 'initial',
      affected: 1234,
      individualNoticeStartDate: '2025-04-01',
      individualNoticeProjectedEndDate: '2025-04-15',
      substituteNoticeProvided: false,
      mediaNoticeProvided: true,
    };
    const draft = await t
      .http()
      .post('/v1/notices/batches')
      .set(as(drafter))
      .send({ incidentId: facts.incidentId, kind: 'hhs-report', letterDate: '2025-04-01', organization: org, facts, options: { hhs } });
    expect(draft.status).toBe(201);
    const r = await t.http().get(`/v1/notices/batches/${draft.body.batchId}/hhs-report`).set(as(auditor));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      reportType: 'Initial Breach Report',
      breachAffecting: '500 or More Individuals',
      coveredEntity: { name: org.name },
      breach: { approximateIndividualsAffected: 1234, typeOfBreach: ['Theft'] },
      notice: { individualNoticeStartDate: '2025-04-01', substituteNoticeProvided: false, mediaNoticeProvided: true },
    });
    expect(r.body.schema).toBeUndefined();
    expect((await t.http().get('/v1/notices/batches/not-a-uuid/hhs-report').set(as(auditor))).status).toBe(400);
  });

  it('gives the substitute notice public link once its batch is released, 404 before', async () => {
    const draft = await t
      .http()
      .post('/v1/notices/batches')
      .set(as(drafter))
      .send({ incidentId: facts.incidentId, kind: 'substitute-posting', letterDate: '2025-04-01', organization: org, facts });
    expect(draft.status).toBe(201);
    const id = draft.body.batchId as string;
    expect((await t.http().get(`/v1/notices/batches/${id}/hhs-report`).set(as(auditor))).status).toBe(404);
    const before = await t.http().get(`/v1/notices/batches/${id}/posting`).set(as(auditor));
    expect(before.status).toBe(404);
    expect(before.body.detail).toContain('not posted yet');
    await t.http().post(`/v1/notices/batches/${id}/preview`).set(as(drafter)).send().expect(200);
    await t
      .http()
      .post(`/v1/notices/batches/${id}/approve`)
      .set(as(approver))
      .send({ contentDigest: draft.body.contentDigest })
      .expect(200);
    await t.http().post(`/v1/notices/batches/${id}/release`).set(as(drafter)).send().expect(200);
    const posting = await until(
      async () => {
        const r = await t.http().get(`/v1/notices/batches/${id}/posting`).set(as(auditor));
        return r.status === 200 ? r.body : null;
      },
      60_000,
      'the posting',
    );
    expect(posting).toMatchObject({ url: `${org.publicBaseUrl}/p/notices/${posting.slug}`, takenDownAt: null });
    expect(Date.parse(posting.takeDownAt) - Date.parse(posting.postedAt)).toBe(90 * 86_400_000);
    expect((await t.http().get(`/p/notices/${posting.slug}`)).status).toBe(200);
  });
});
