/**
 * Issue 13, items 2, 3 and 8 over HTTP on a whole Safe Harbor (real SQLite, Redis and the chunk
 * workers), one NY/CT breach of names and SSNs:
 * - state regulator notices: triage owes the New York Attorney General, Department of State and
 *   State Police and the Connecticut Attorney General; a state-regulator batch names its
 *   regulator, states the incident's residents of the state (people without an address
 *   included), produces its PDF and closes that regulator's obligation only;
 * - awaiting substitute notice: the letters batch finishes before any posting exists, and the
 *   people without a usable address are "awaiting-substitute-notice" (not notified) in progress,
 *   in proof of notice and in the evidence export until the posting is live.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { LEDGER, type Ledger } from '../../../src/ledger/ledger';
import { NoticeContent } from '../../../src/notices/content/notice-content';
import type { ArtifactStore } from '../../../src/phi/artifact-store';
import { FakeClock } from '../../../src/platform/clock';
import { ARTIFACT_STORE } from '../../../src/platform/tokens';
import { startTestApp, type TestApp } from '../../support/test-app';
import { pdfText } from '../../unit/notices/pdf-text';
import { testFacts, testOrg } from '../../unit/notices/fixtures';

jest.setTimeout(300_000);

const HEADER = 'name,line1,city,state,zip,email,emailConsent';
const NY_MAIL = 30;
const NY_NO_ADDRESS = 4;
const CT_MAIL = 20;

function csv(): string {
  const rows = [HEADER];
  for (let i = 0; i < NY_MAIL; i++) rows.push(`Person Ny${i},${i + 1} State St,Albany,NY,12207,,`);
  for (let i = 0; i < NY_NO_ADDRESS; i++) rows.push(`Person Nyaddr${i},,,NY,,,`);
  for (let i = 0; i < CT_MAIL; i++) rows.push(`Person Ct${i},${i + 1} Main St,Hartford,CT,06103,,`);
  return rows.join('\n') + '\n';
}

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('state regulator notices and awaiting substitute notice over HTTP', () => {
  let t: TestApp;
  const clock = new FakeClock('2025-03-12T15:00:00.000Z');
  let responder: { id: string; apiKey: string };
  let officer: { id: string; apiKey: string };
  let officer2: { id: string; apiKey: string };
  let incidentId: string;
  const as = (p: { apiKey: string }) => ({ Authorization: `Bearer ${p.apiKey}` });
  const org = testOrg();
  const { whatHappened: _w, discoveredOn: _d, breachStartedOn: _b, breachType: _t, locations: _l, incidentId: _i, ...facts } = testFacts();

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { NOTICES_CHUNK_SIZE: '200', NOTICES_EMAIL_RATE: '0' } as Record<string, string> });
    responder = await t.principal('incident-responder');
    officer = await t.principal('compliance-officer');
    officer2 = await t.principal('compliance-officer');
    const reported = await t
      .http()
      .post('/v1/incidents')
      .set(as(responder))
      .send({
        title: 'Backup drive lost in transit',
        discoveredOn: '2025-03-10',
        summary: 'Unencrypted backup drive with patient billing exports.',
        reporter: { kind: 'covered-entity' },
        occurred: { from: '2025-03-01' },
        breachType: 'loss',
        locations: ['other-portable-electronic-device'],
        dataElements: ['name', 'ssn'],
      });
    expect(reported.status).toBe(201);
    incidentId = reported.body.id as string;
    const imported = await t
      .http()
      .post(`/v1/incidents/${incidentId}/affected`)
      .set(as(responder))
      .set('Content-Type', 'text/csv')
      .send(csv());
    expect(imported.status).toBe(201);
    expect(imported.body.summary).toMatchObject({
      byState: { NY: NY_MAIL + NY_NO_ADDRESS, CT: CT_MAIL },
      insufficientContact: NY_NO_ADDRESS,
    });
    await t.http().post(`/v1/incidents/${incidentId}/triage`).set(as(officer)).send({}).expect(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  const draft = (kind: string, options?: Record<string, unknown>) =>
    t
      .http()
      .post('/v1/notices/batches')
      .set(as(officer))
      .send({ incidentId, fromIncident: true, kind, letterDate: '2025-03-20', organization: org, facts, ...(options ? { options } : {}) });
  async function release(batchId: string, contentDigest: string) {
    await t.http().post(`/v1/notices/batches/${batchId}/preview`).set(as(officer)).send().expect(200);
    await t.http().post(`/v1/notices/batches/${batchId}/approve`).set(as(officer2)).send({ contentDigest }).expect(200);
    await t.http().post(`/v1/notices/batches/${batchId}/release`).set(as(officer)).expect(200);
  }
  const completed = (batchId: string) =>
    until(
      async () => {
        const r = await t.http().get(`/v1/notices/batches/${batchId}`).set(as(officer));
        return r.body.status === 'completed' ? r.body : null;
      },
      180_000,
      `batch ${batchId}`,
    );
  const completeWith = (batchId: string, obligationId: string) =>
    t.http().post(`/v1/notices/batches/${batchId}/complete-obligation`).set(as(officer)).send({ obligationId });
  const obligations = async () =>
    (await t.http().get(`/v1/incidents/${incidentId}/obligations`).set(as(officer))).body.obligations as Array<{
      obligationId: string;
      kind: string;
      jurisdiction?: string;
      regulator?: string;
      status: string;
    }>;
  async function artifactText(digest: string): Promise<string> {
    const parts: Buffer[] = [];
    for await (const c of t.app.get<ArtifactStore>(ARTIFACT_STORE).read(digest)) parts.push(c);
    return Buffer.concat(parts).toString('utf8');
  }

  it("drafts the NY Attorney General's notice from the facts and closes only that regulator's obligation with it", async () => {
    const owed = (await obligations()).filter((o) => o.kind === 'state-regulator-notice');
    const NY_AG = 'state.NY.ny-gbl-899-aa.ag-dos-police';
    const CT_AG = 'state.CT.ct-36a-701b.ag';
    expect(owed.map((o) => o.obligationId)).toEqual(expect.arrayContaining([NY_AG, CT_AG]));
    const nyOthers = owed.filter((o) => o.jurisdiction === 'NY' && o.obligationId !== NY_AG);

    // New York has several regulator notices: the draft must say which (400 naming them).
    const unnamed = await draft('state-regulator', { jurisdiction: 'NY' });
    expect(unnamed.status).toBe(400);
    expect(JSON.stringify(unnamed.body)).toMatch(/several regulator notices: .*ny-gbl-899-aa\.ag-dos-police/);
    // The residents are derived: a typed count that leaves out the people without an address is refused.
    const typed = await draft('state-regulator', { jurisdiction: 'NY', regulator: 'ag-dos-police', affected: NY_MAIL });
    expect(typed.status).toBe(422);
    expect(typed.body.detail).toMatch(
      new RegExp(`options\\.affected: ${NY_MAIL} differs from ${NY_MAIL + NY_NO_ADDRESS} \\(NY residents\\)`),
    );

    const explanation = 'Four residents had no usable postal address and are reached by substitute notice.';
    const ny = await draft('state-regulator', { jurisdiction: 'NY', regulator: 'ag-dos-police', countsExplanation: explanation });
    expect(ny.status).toBe(201);
    const nyId = ny.body.batchId as string;
    const batch = (await t.http().get(`/v1/notices/batches/${nyId}`).set(as(officer))).body;
    expect(batch).toMatchObject({ kind: 'state-regulator', jurisdiction: 'NY', regulator: 'ny-gbl-899-aa.ag-dos-police' });
    const content = await t.app.get(NoticeContent).read(nyId, ny.body.contentDigest);
    expect(content.options).toMatchObject({ affected: NY_MAIL + NY_NO_ADDRESS, countsExplanation: explanation });

    await release(nyId, ny.body.contentDigest);
    const done = await completed(nyId);
    expect(done.documents).toHaveLength(1);
    const pdfParts: Buffer[] = [];
    for await (const c of t.app.get<ArtifactStore>(ARTIFACT_STORE).read(done.documents[0].pdfArtifact)) pdfParts.push(c);
    const pdf = Buffer.concat(pdfParts);
    mkdirSync('test-results/notices', { recursive: true });
    writeFileSync('test-results/notices/state-regulator-NY.pdf', pdf);
    const { flat } = await pdfText(pdf);
    expect(flat).toContain('To: Attorney General, Department of State and Division of State Police');
    expect(flat).toContain(`affected ${NY_MAIL + NY_NO_ADDRESS} New York residents`);
    expect(flat).toContain(explanation);
    expect(flat).toMatch(/N\.Y\. Gen\. Bus\. Law § 899-aa/);

    // The NY batch is not the evidence for Connecticut's Attorney General, nor for another NY regulator.
    const forCt = await completeWith(nyId, CT_AG);
    expect(forCt.status).toBe(422);
    expect(forCt.body.detail).toMatch(/state\.CT\.ct-36a-701b\.ag \(state-regulator-notice\) is closed by .*is for NY, not CT/);
    for (const other of nyOthers) {
      const wrong = await completeWith(nyId, other.obligationId);
      expect(wrong.status).toBe(422);
      expect(wrong.body.detail).toMatch(
        new RegExp(
          `is addressed to ny-gbl-899-aa\\.ag-dos-police, not ${other.obligationId.slice('state.NY.'.length).replace(/\./g, '\\.')}`,
        ),
      );
    }
    expect((await completeWith(nyId, NY_AG)).status).toBe(200);
    const after = await obligations();
    expect(after.find((o) => o.obligationId === NY_AG)?.status).toBe('done');
    expect(after.find((o) => o.obligationId === CT_AG)?.status).not.toBe('done');
    const closed = (await t.app.get<Ledger>(LEDGER).readStream(`incident-${incidentId}`))
      .filter((e) => e.type === 'ObligationCompleted')
      .map((e) => e.data as { obligationId: string; evidence: { proof: Record<string, unknown> } });
    expect(closed.find((c) => c.obligationId === NY_AG)!.evidence.proof).toMatchObject({
      kind: 'notice-batch',
      noticeKind: 'state-regulator',
      jurisdiction: 'NY',
      regulator: 'ny-gbl-899-aa.ag-dos-police',
      status: 'completed',
    });

    // Connecticut: one regulator notice, named without being asked; it closes the CT obligation.
    const ct = await draft('state-regulator', { jurisdiction: 'CT' });
    expect(ct.status).toBe(201);
    await release(ct.body.batchId, ct.body.contentDigest);
    expect((await completed(ct.body.batchId)).regulator).toBe('ct-36a-701b.ag');
    expect((await completeWith(ct.body.batchId, NY_AG)).status).toBe(422);
    expect((await completeWith(ct.body.batchId, CT_AG)).status).toBe(200);
  });

  it('a letters batch that finished before any posting leaves the people without an address awaiting substitute notice', async () => {
    const letters = await draft('individual');
    expect(letters.status).toBe(201);
    const lettersId = letters.body.batchId as string;
    await release(lettersId, letters.body.contentDigest);
    await completed(lettersId);
    const total = NY_MAIL + NY_NO_ADDRESS + CT_MAIL;

    const progress = (await t.http().get(`/v1/notices/batches/${lettersId}/progress`).set(as(officer))).body;
    expect(progress).toMatchObject({
      done: total,
      byState: { printed: NY_MAIL + CT_MAIL, substitute: NY_NO_ADDRESS },
      byNoticeStatus: { printed: NY_MAIL + CT_MAIL, 'awaiting-substitute-notice': NY_NO_ADDRESS },
      notified: NY_MAIL + CT_MAIL,
      substituteNotice: { status: 'awaiting-substitute-notice', people: NY_NO_ADDRESS, posting: null },
    });

    // The evidence export and each person's proof of notice say the same.
    const closed = await completeWith(lettersId, 'individual-notice');
    expect(closed.status).toBe(200);
    const rows = (await artifactText(closed.body.evidenceArtifact))
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const waiting = rows.filter((r) => r[2] === 'substitute');
    expect(waiting).toHaveLength(NY_NO_ADDRESS);
    expect(new Set(waiting.map((r) => r[3]))).toEqual(new Set(['awaiting-substitute-notice']));
    const someone = waiting[0]![0]!;
    const proofBefore = (await t.http().get(`/v1/notices/individuals/${someone}/proof`).set(as(officer))).body;
    expect(JSON.stringify(proofBefore)).toContain('"state":"awaiting-substitute-notice"');
    expect(JSON.stringify(proofBefore)).toContain('"substitutePosting":null');

    // The substitute obligation cannot be closed by the letters batch, however "delivered" it is.
    const byLetters = await completeWith(lettersId, 'substitute-notice');
    expect(byLetters.status).toBe(422);
    expect(byLetters.body.detail).toMatch(
      /substitute-notice \(substitute-notice\) is closed by the substitute-notice posting .*is a individual batch/,
    );

    // Posting the substitute notice: from then on they are reached.
    const posting = await draft('substitute-posting');
    expect(posting.status).toBe(201);
    const postingId = posting.body.batchId as string;
    await release(postingId, posting.body.contentDigest);
    const live = await until(
      async () => {
        const p = (await t.http().get(`/v1/notices/batches/${lettersId}/progress`).set(as(officer))).body;
        return p.substituteNotice?.status === 'substitute-notice-posted' ? p : null;
      },
      60_000,
      'posting live',
    );
    expect(live).toMatchObject({
      byNoticeStatus: { printed: NY_MAIL + CT_MAIL, 'substitute-notice-posted': NY_NO_ADDRESS },
      notified: total,
      substituteNotice: { people: NY_NO_ADDRESS, posting: { url: expect.stringMatching(/\/p\/notices\//) } },
    });
    const proofAfter = (await t.http().get(`/v1/notices/individuals/${someone}/proof`).set(as(officer))).body;
    expect(JSON.stringify(proofAfter)).toContain('"state":"substitute-notice-posted"');
    expect(JSON.stringify(proofAfter)).toMatch(/"substitutePosting":\{"postingId":"[^"]+","postedAt":"[^"]+","url":"[^"]*\/p\/notices\//);
    // Live, but not yet for its 90 days: the obligation still waits.
    const early = await completeWith(postingId, 'substitute-notice');
    expect(early.status).toBe(422);
    expect(early.body.detail).toMatch(/has not yet been live for 90 days/);
  });
});
