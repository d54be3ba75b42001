/**
 * Issue 13, items 1–3 end to end over HTTP (real SQLite, Redis and the chunk workers): a list
 * with Massachusetts ZIPs stripped of their zero, people without a street address and two rows
 * nobody can read. Nobody is dropped (repaired, or kept unresolved and counted); the counts are
 * the same on the incident, in triage, on the media notice and in the HHS report; release waits
 * until the unresolved rows are excluded with a reason; each obligation closes only with its own
 * evidence.
 */
import { LEDGER, type Ledger } from '../../../src/ledger/ledger';
import { NoticeContent } from '../../../src/notices/content/notice-content';
import type { ArtifactStore } from '../../../src/phi/artifact-store';
import { FakeClock } from '../../../src/platform/clock';
import { ARTIFACT_STORE } from '../../../src/platform/tokens';
import { startTestApp, type TestApp } from '../../support/test-app';
import { testFacts, testOrg } from '../../unit/notices/fixtures';

jest.setTimeout(300_000);

const HEADER = 'name,line1,city,state,zip,email,emailConsent';

/** 505 MA with email consent (3 with a stripped ZIP), 12 MA without an address, 10 NY by mail, 2 unreadable rows. */
function csv(): string {
  const rows = [HEADER];
  for (let i = 0; i < 505; i++) {
    const zip = i < 3 ? `${2108 + i}` : `0${2108 + (i % 50)}`;
    rows.push(`Person Ma${i},${i + 1} Beacon St,Boston,MA,${zip},ma${i}@example.org,yes`);
  }
  for (let i = 0; i < 12; i++) rows.push(`Person Noaddr${i},,,MA,,,`);
  for (let i = 0; i < 10; i++) rows.push(`Person Ny${i},${i + 1} State St,Albany,NY,12207,,`);
  rows.push('Person Badzip,9 Elm St,Worcester,MA,ABCDE,,'); // unresolved, counted in MA
  rows.push('Person Nowhere,1 Road,Somewhere,Atlantis,12345,,'); // unresolved, counted in unknown
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

describe('intake, derived counts and evidence over HTTP', () => {
  let t: TestApp;
  const clock = new FakeClock('2025-03-12T15:00:00.000Z');
  let responder: { id: string; apiKey: string };
  let officer: { id: string; apiKey: string };
  let officer2: { id: string; apiKey: string };
  const as = (p: { apiKey: string }) => ({ Authorization: `Bearer ${p.apiKey}` });
  const org = testOrg();
  // Only what the incident does not know is given; the rest is drafted from its events.
  const { whatHappened: _w, discoveredOn: _d, breachStartedOn: _b, breachType: _t, locations: _l, incidentId: _i, ...facts } = testFacts();

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { NOTICES_CHUNK_SIZE: '200', NOTICES_EMAIL_RATE: '0' } as Record<string, string> });
    responder = await t.principal('incident-responder');
    officer = await t.principal('compliance-officer');
    officer2 = await t.principal('compliance-officer');
  });
  afterAll(async () => {
    await t?.close();
  });

  async function draft(incidentId: string, kind: string, options?: Record<string, unknown>) {
    return t
      .http()
      .post('/v1/notices/batches')
      .set(as(officer))
      .send({ incidentId, fromIncident: true, kind, letterDate: '2025-03-20', organization: org, facts, ...(options ? { options } : {}) });
  }
  async function approve(batchId: string, contentDigest: string) {
    await t.http().post(`/v1/notices/batches/${batchId}/preview`).set(as(officer)).send().expect(200);
    await t.http().post(`/v1/notices/batches/${batchId}/approve`).set(as(officer2)).send({ contentDigest }).expect(200);
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

  it('runs the breach from a faulty list to obligations closed by their own evidence', async () => {
    const reported = await t
      .http()
      .post('/v1/incidents')
      .set(as(responder))
      .send({
        title: 'Laptop stolen from a billing contractor',
        discoveredOn: '2025-03-10',
        summary: 'Unencrypted laptop with billing exports.',
        reporter: { kind: 'covered-entity' },
        occurred: { from: '2025-03-01' },
        breachType: 'theft',
        locations: ['laptop'],
      });
    expect(reported.status).toBe(201);
    const id = reported.body.id as string;
    const ledger = t.app.get<Ledger>(LEDGER);
    const types = async () => (await ledger.readStream(`incident-${id}`)).map((e) => e.type);

    // A CSV missing a required column: 400 problem+json naming it (not a reset connection), nothing recorded.
    const missing = await t
      .http()
      .post(`/v1/incidents/${id}/affected`)
      .set(as(responder))
      .set('Content-Type', 'text/csv')
      .send('name,line1,city,state\nAda Lovelace,1 Main St,Boston,MA\n');
    expect(missing.status).toBe(400);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(missing.body)).toContain('csv.zip');
    expect(await types()).toEqual(['IncidentReported']);

    const imported = await t.http().post(`/v1/incidents/${id}/affected`).set(as(responder)).set('Content-Type', 'text/csv').send(csv());
    expect(imported.status).toBe(201);
    expect(imported.body.summary).toMatchObject({
      rows: 529,
      accepted: 527,
      rejected: 2,
      unresolved: 2,
      normalized: 3,
      byState: { MA: 518, NY: 10, unknown: 1 },
      insufficientContact: 12,
    });
    // The report names the repairs by line, column and kind, never the value.
    const report = await t.http().get(`/v1/incidents/${id}/affected/report`).set(as(officer));
    const issues = report.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(issues.filter((i) => i.kind === 'normalized').map((i) => [i.line, i.column, i.change])).toEqual([
      [2, 'zip', 'zip-leading-zero-restored'],
      [3, 'zip', 'zip-leading-zero-restored'],
      [4, 'zip', 'zip-leading-zero-restored'],
    ]);
    expect(report.text).not.toMatch(/2108|Person|Atlantis|ABCDE/);

    await t.http().post(`/v1/incidents/${id}/triage`).set(as(officer)).send({}).expect(200);
    const incident = (await t.http().get(`/v1/incidents/${id}`).set(as(officer))).body;
    expect(incident).toMatchObject({ totalAffected: 529, unresolvedRows: 2, listVersion: 1 });
    const decision = (await ledger.readStream(`incident-${id}`)).filter((e) => e.type === 'TriageDecided').pop()!.data as {
      input: { affectedByState: Record<string, number> };
      result: { totalAffected: number };
    };
    expect(decision.input.affectedByState).toEqual({ MA: 518, NY: 10, unknown: 1 });
    expect(decision.result.totalAffected).toBe(529);
    const obligations = (await t.http().get(`/v1/incidents/${id}/obligations`).set(as(officer))).body.obligations as Array<{
      obligationId: string;
    }>;
    expect(obligations.map((o) => o.obligationId)).toEqual(
      expect.arrayContaining(['individual-notice', 'substitute-notice', 'media-notice.MA', 'hhs-notice']),
    );

    // Media notice: the residents are the incident's MA count (people without an address and the unresolved row included).
    const typedMedia = await draft(id, 'media', { jurisdiction: 'MA', affected: 505 });
    expect(typedMedia.status).toBe(422);
    expect(typedMedia.body.detail).toMatch(/options\.affected: 505 differs from 518/);
    const media = await draft(id, 'media', { jurisdiction: 'MA' });
    expect(media.status).toBe(201);
    const content = t.app.get(NoticeContent);
    expect((await content.read(media.body.batchId, media.body.contentDigest)).options.affected).toBe(518);

    // HHS report: affected and flags come from the incident; a typed 5,000 is refused.
    const hhsBase = { reportType: 'initial', individualNoticeStartDate: '2025-03-20', individualNoticeProjectedEndDate: '2025-03-31' };
    const typedHhs = await draft(id, 'hhs-report', { hhs: { ...hhsBase, affected: 5000 } });
    expect(typedHhs.status).toBe(422);
    expect(typedHhs.body.detail).toMatch(/5000 differs from 529/);

    // Release is blocked while rows are unresolved, until a compliance officer excludes them with a reason.
    const letters = await draft(id, 'individual');
    expect(letters.status).toBe(201);
    const lettersId = letters.body.batchId as string;
    await approve(lettersId, letters.body.contentDigest);
    const blocked = await t.http().post(`/v1/notices/batches/${lettersId}/release`).set(as(officer));
    expect(blocked.status).toBe(422);
    expect(blocked.body.detail).toMatch(/2 row\(s\) of the affected list are unresolved/);
    const byResponder = await t
      .http()
      .post(`/v1/incidents/${id}/affected/unresolved/exclude`)
      .set(as(responder))
      .send({ listVersion: 1, reason: 'x' });
    expect(byResponder.status).toBe(403);
    const noReason = await t.http().post(`/v1/incidents/${id}/affected/unresolved/exclude`).set(as(officer)).send({ listVersion: 1 });
    expect(noReason.status).toBe(400);
    const excluded = await t.http().post(`/v1/incidents/${id}/affected/unresolved/exclude`).set(as(officer)).send({
      listVersion: 1,
      reason: 'One row has no readable ZIP and one no real state; both were checked with the source system and hold no reachable person.',
    });
    expect(excluded.status).toBe(200);
    expect((await t.http().get(`/v1/incidents/${id}`).set(as(officer))).body.unresolvedRows).toBe(0);
    await t.http().post(`/v1/notices/batches/${lettersId}/release`).set(as(officer)).expect(200);

    const mediaId = media.body.batchId as string;
    await approve(mediaId, media.body.contentDigest);
    await t.http().post(`/v1/notices/batches/${mediaId}/release`).set(as(officer)).expect(200);
    await completed(lettersId);
    await completed(mediaId);

    // Wrong evidence is 422 naming the mismatch; the right evidence closes.
    const lettersForMedia = await completeWith(lettersId, 'media-notice.MA');
    expect(lettersForMedia.status).toBe(422);
    expect(lettersForMedia.body.detail).toMatch(
      /media-notice\.MA \(media-notice\) is closed by the completed media notice batch for MA: .*is a individual batch/,
    );
    const mediaForLetters = await completeWith(mediaId, 'individual-notice');
    expect(mediaForLetters.status).toBe(422);
    const typedClose = await t
      .http()
      .post(`/v1/incidents/${id}/obligations/media-notice.MA/complete`)
      .set(as(officer))
      .send({ description: 'Press release sent', completedOn: '2025-03-12' });
    expect(typedClose.status).toBe(422);
    expect(typedClose.body.detail).toMatch(/a description only was given/);
    expect((await completeWith(lettersId, 'individual-notice')).status).toBe(200);
    expect((await completeWith(mediaId, 'media-notice.MA')).status).toBe(200);

    // HHS: derived numbers and flags (media done, substitute not yet); closed only by the portal's confirmation.
    const hhs = await draft(id, 'hhs-report', { hhs: hhsBase });
    expect(hhs.status).toBe(201);
    const hhsContent = await content.read(hhs.body.batchId, hhs.body.contentDigest);
    expect(hhsContent.options.hhs).toMatchObject({ affected: 529, mediaNoticeProvided: true, substituteNoticeProvided: false });
    const hhsId = hhs.body.batchId as string;
    await approve(hhsId, hhs.body.contentDigest);
    await t.http().post(`/v1/notices/batches/${hhsId}/release`).set(as(officer)).expect(200);
    const done = await completed(hhsId);
    const artifacts = t.app.get<ArtifactStore>(ARTIFACT_STORE);
    const parts: Buffer[] = [];
    for await (const c of artifacts.read(done.documents[0].jsonArtifact)) parts.push(c);
    expect(JSON.parse(Buffer.concat(parts).toString('utf8')).breach.approximateIndividualsAffected).toBe(529);
    const unsubmitted = await completeWith(hhsId, 'hhs-notice');
    expect(unsubmitted.status).toBe(422);
    expect(unsubmitted.body.detail).toMatch(/is not an HHS portal submission/);
    await t
      .http()
      .post(`/v1/notices/batches/${hhsId}/hhs-submission`)
      .set(as(officer))
      .send({ confirmationNumber: 'HHS-BR-2025-0042', submittedOn: '2025-03-12' })
      .expect(200);
    expect((await completeWith(hhsId, 'hhs-notice')).status).toBe(200);
    const closedBy = (await ledger.readStream(`incident-${id}`))
      .filter((e) => e.type === 'ObligationCompleted')
      .map((e) => [
        (e.data as { obligationId: string }).obligationId,
        (e.data as { evidence: { proof: { kind: string } } }).evidence.proof.kind,
      ]);
    expect(closedBy).toEqual([
      ['individual-notice', 'notice-batch'],
      ['media-notice.MA', 'notice-batch'],
      ['hhs-notice', 'hhs-report-submitted'],
    ]);
  });
});
