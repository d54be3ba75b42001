import { FakeClock } from '../../../src/platform/clock';
import { startTestApp, type TestApp } from '../../support/test-app';
import { SAFE_HARBOR } from '../../../src/datasets';
import { SafeguardsRefresher } from '../../../src/incidents/safeguards-refresher';
import { CommandBus } from '@nestjs/cqrs';
import { RunIncidentCommand } from '../../../src/incidents/commands/incident-command';
import type { ObligationProof } from '../../../src/incidents/domain/incident';

const HEADER =
  'name,line1,line2,city,state,zip,email,emailConsent,deceased,nextOfKinName,nextOfKinLine1,nextOfKinLine2,nextOfKinCity,nextOfKinState,nextOfKinZip';

/** Synthetic list: `n` OH residents, a few without addresses, one duplicate and one bad row. */
function csv(n: number, noAddress: number): string {
  const rows = [HEADER];
  for (let i = 0; i < n; i++) {
    rows.push(i < noAddress ? `Person ${i},,,,OH,,,,,,,,,,` : `Person ${i},${i} Main St,,Columbus,OH,43004,,,,,,,,,`);
  }
  rows.push(`Person ${n - 1},${n - 1} Main St,,Columbus,OH,43004,,,,,,,,,`); // duplicate
  rows.push('Bad Row,1 Main St,,Columbus,ZZ,43004,,,,,,,,,');
  return rows.join('\n') + '\n';
}

describe('incident workflow through HTTP', () => {
  let t: TestApp;
  const clock = new FakeClock('2025-03-12T15:00:00.000Z');
  let responder: string;
  let officer: { id: string; apiKey: string };
  let officer2: { id: string; apiKey: string };
  let auditor: string;
  const auth = (k: string) => ({ Authorization: `Bearer ${k}` });

  beforeAll(async () => {
    t = await startTestApp({ clock });
    responder = (await t.principal('incident-responder')).apiKey;
    officer = await t.principal('compliance-officer');
    officer2 = await t.principal('compliance-officer');
    auditor = (await t.principal('auditor')).apiKey;
  });
  afterAll(async () => {
    await t.close();
  });

  async function completeWithProof(id: string, obligationId: string, proof: ObligationProof): Promise<void> {
    await t.app
      .get(CommandBus)
      .execute(
        new RunIncidentCommand(
          id,
          { kind: 'complete-obligation', obligationId, evidence: { description: 'finished', completedOn: '2025-03-12', proof } },
          { actor: { id: officer.id, role: 'compliance-officer' }, correlationId: 'test' },
        ),
      );
  }

  async function reportIncident(extra: Record<string, unknown> = {}): Promise<string> {
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
        datasetIds: ['ds-sched'],
        ...extra,
      });
    expect(r.status).toBe(201);
    return r.body.id;
  }

  it('report → import list → decide → obligations with days left → complete/waive → close, with roles enforced', async () => {
    const id = await reportIncident();

    // Streamed CSV upload, stored as an encrypted artifact: the response has digests and counts only.
    const up = await t.http().post(`/v1/incidents/${id}/affected`).set(auth(responder)).set('Content-Type', 'text/csv').send(csv(20, 4));
    expect(up.status).toBe(201);
    expect(up.body.summary).toMatchObject({
      rows: 22,
      accepted: 20,
      duplicates: 1,
      rejected: 1,
      unresolved: 1,
      // The unreadable row is kept (unresolved) and counted: its state is unknown.
      byState: { OH: 20, unknown: 1 },
      insufficientContact: 4,
    });
    expect(up.body.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(up.body)).not.toContain('Person');
    const rep = await t.http().get(`/v1/incidents/${id}/affected/report`).set(auth(auditor));
    expect(rep.status).toBe(200);
    expect(
      rep.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { line: 22, kind: 'merged', reason: 'same person as an earlier row', mergedIntoLine: 21 },
      { line: 23, kind: 'rejected', column: 'state', reason: 'not a USPS state or territory code or name' },
    ]);

    // Only compliance officers decide.
    expect((await t.http().post(`/v1/incidents/${id}/triage`).set(auth(responder)).send({})).status).toBe(403);
    expect((await t.http().post(`/v1/incidents/${id}/triage`).set(auth(auditor)).send({})).status).toBe(403);
    const decided = await t.http().post(`/v1/incidents/${id}/triage`).set(auth(officer.apiKey)).send({});
    expect(decided.status).toBe(200);
    expect(decided.body.incident).toMatchObject({ status: 'breach', breach: true, basis: 'presumed', totalAffected: 21, decisions: 1 });
    expect(decided.body.decision.result.obligations.map((o: { kind: string }) => o.kind)).toEqual([
      'individual-notice',
      'substitute-notice',
      'hhs-notice',
    ]);

    const obl = await t.http().get(`/v1/incidents/${id}/obligations`).set(auth(auditor));
    expect(obl.status).toBe(200);
    expect(obl.body.today).toBe('2025-03-12');
    expect(obl.body.obligations.map((o: Record<string, unknown>) => [o.obligationId, o.dueOn, o.daysLeft, o.overdue, o.status])).toEqual([
      ['individual-notice', '2025-05-09', 58, false, 'open'],
      ['substitute-notice', '2025-05-09', 58, false, 'open'],
      ['hhs-notice', '2026-03-01', 354, false, 'open'],
    ]);
    expect(obl.body.obligations[2].nonBusinessDay).toEqual({ kind: 'weekend', day: 'Sunday' });

    // Waiver: requested by one officer, approved by another (never the same person).
    await t
      .http()
      .post(`/v1/incidents/${id}/obligations/substitute-notice/waiver`)
      .set(auth(officer.apiKey))
      .send({ reason: 'All four reached by phone; addresses confirmed.' })
      .expect(200);
    const self = await t.http().post(`/v1/incidents/${id}/obligations/substitute-notice/waiver/approve`).set(auth(officer.apiKey)).send({});
    expect(self.status).toBe(422);
    await t.http().post(`/v1/incidents/${id}/obligations/substitute-notice/waiver/approve`).set(auth(officer2.apiKey)).send({}).expect(200);

    await t.http().post(`/v1/incidents/${id}/obligations/individual-notice/start`).set(auth(responder)).send({}).expect(200);
    // A description alone does not close a notice obligation: its evidence is the finished batch.
    const typed = await t
      .http()
      .post(`/v1/incidents/${id}/obligations/individual-notice/complete`)
      .set(auth(responder))
      .send({ description: 'Letters mailed first class', completedOn: '2025-03-12' });
    expect(typed.status).toBe(422);
    expect(typed.body.detail).toMatch(/individual-notice \(individual-notice\) is closed by a completed individual notice batch/);
    await t
      .http()
      .post(`/v1/incidents/${id}/affected/unresolved/exclude`)
      .set(auth(officer.apiKey))
      .send({ listVersion: 1, reason: 'The unreadable row names no state and was traced to a test record.' })
      .expect(200);
    // The notices context builds these proofs from its ledger (intake-evidence e2e); here the obligation lifecycle is under test.
    await completeWithProof(id, 'individual-notice', {
      kind: 'notice-batch',
      batchId: 'b-letters',
      incidentId: id,
      noticeKind: 'individual',
      status: 'completed',
      recipientsDigest: up.body.digest,
    });
    const early = await t.http().post(`/v1/incidents/${id}/close`).set(auth(officer.apiKey)).send({});
    expect(early.status).toBe(422);
    expect(early.body.detail ?? early.body.title).toMatch(/hhs-notice/);
    await completeWithProof(id, 'hhs-notice', {
      kind: 'hhs-report-submitted',
      batchId: 'b-hhs',
      incidentId: id,
      confirmationNumber: 'HHS-0001',
      submittedOn: '2025-03-12',
      submittedBy: officer.id,
    });
    const closed = await t.http().post(`/v1/incidents/${id}/close`).set(auth(officer.apiKey)).send({});
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');

    const tl = await t.http().get(`/v1/incidents/${id}/timeline`).set(auth(auditor));
    expect(
      tl.body.entries.map(
        (e: { type: string; data: { subject?: { id: string } } }) =>
          e.type + (e.data.subject ? `:${e.data.subject.id.slice(id.length + 1)}` : ''),
      ),
    ).toEqual([
      'IncidentReported',
      'AffectedListImported',
      'TriageDecided',
      // Each dated obligation gets a breach-notification timeline in the same append (reminders, escalation).
      'TimelineScheduled:individual-notice',
      'TimelineScheduled:substitute-notice',
      'TimelineScheduled:hhs-notice',
      'ObligationWaiverRequested',
      'ObligationWaived',
      'TimelineCancelled:substitute-notice',
      'ObligationStarted',
      'UnresolvedRowsExcluded',
      'ObligationCompleted',
      'TimelineCompleted:individual-notice',
      'ObligationCompleted',
      'TimelineCompleted:hhs-notice',
      'IncidentClosed',
    ]);
    expect(JSON.stringify(tl.body)).not.toContain('Person ');
  });

  it('facts changing after a decision re-triage; the discovery date cannot be revised', async () => {
    const id = await reportIncident();
    await t
      .http()
      .post(`/v1/incidents/${id}/affected-counts`)
      .set(auth(responder))
      .send({ byState: { OH: 100 }, insufficientContact: 0, reason: 'estimate' })
      .expect(200);
    await t.http().post(`/v1/incidents/${id}/triage`).set(auth(officer.apiKey)).send({}).expect(200);
    const bad = await t.http().post(`/v1/incidents/${id}/facts`).set(auth(responder)).send({ discoveredOn: '2025-03-20' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('discoveredOn');
    await t
      .http()
      .post(`/v1/incidents/${id}/affected-counts`)
      .set(auth(responder))
      .send({ byState: { OH: 700 }, insufficientContact: 15, reason: 'revised-count' })
      .expect(200);
    const obl = await t.http().get(`/v1/incidents/${id}/obligations`).set(auth(officer.apiKey));
    expect(obl.body.obligations.map((o: Record<string, unknown>) => [o.obligationId, o.timing ?? o.form ?? null, o.dueOn])).toEqual([
      ['individual-notice', null, '2025-05-09'],
      ['substitute-notice', 'posting-or-media-with-toll-free', '2025-05-09'],
      ['media-notice.OH', null, '2025-05-09'],
      ['hhs-notice', 'contemporaneous', '2025-05-09'],
    ]);
    // An oral law-enforcement hold tolls the clock.
    const hold = await t
      .http()
      .post(`/v1/incidents/${id}/holds`)
      .set(auth(responder))
      .send({ statement: 'oral', madeOn: '2025-03-12', official: { name: 'Det. Example', agency: 'City Police' } });
    expect(hold.status).toBe(201);
    expect(hold.body.incident.holdUntil).toBe('2025-04-11');
    const after = await t.http().get(`/v1/incidents/${id}/obligations`).set(auth(officer.apiKey));
    expect(after.body.obligations[0].dueOn).toBe('2025-06-08');

    // The clock only moves forward (the rate limiter, like the real world, expects that).
    clock.set('2025-06-10T15:00:00.000Z');
    const late = await t.http().get(`/v1/incidents/${id}/obligations`).set(auth(officer.apiKey));
    expect(late.body.obligations[0]).toMatchObject({ daysLeft: -2, overdue: true });
    const list = await t.http().get('/v1/incidents?overdue=true&status=breach').set(auth(auditor));
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(id);
    expect(list.body.items.find((i: { id: string }) => i.id === id)).toMatchObject({ overdue: true, nextDueOn: '2025-06-08' });
  });

  it('a key compromised in the datasets/keys ledger re-triages open incidents naming the dataset', async () => {
    // The datasets context's SAFE_HARBOR port, answering from a table for this test.
    const source = t.app.get(SAFE_HARBOR) as { safeguardsFor: (ids: string[], at: string) => Promise<unknown> };
    const original = source.safeguardsFor;
    let compromised = false;
    source.safeguardsFor = async (ids: string[]) =>
      ids.includes('ds-vault')
        ? { encryption: 'nist-800-111', keyCompromised: compromised, destruction: null, secured: !compromised, reasons: [] }
        : undefined;
    try {
      const id = await reportIncident({ datasetIds: ['ds-vault'] });
      await t
        .http()
        .post(`/v1/incidents/${id}/affected-counts`)
        .set(auth(responder))
        .send({ byState: { OH: 40 }, insufficientContact: 0, reason: 'estimate' })
        .expect(200);
      const d = await t.http().post(`/v1/incidents/${id}/triage`).set(auth(officer.apiKey)).send({});
      expect([d.status, d.body.incident ?? d.body]).toMatchObject([200, { status: 'not-a-breach', basis: 'secured' }]);
      compromised = true;
      const touched = await t.app.get(SafeguardsRefresher).refreshFor(['ds-vault']);
      expect(touched).toContain(id);
      const after = await t.http().get(`/v1/incidents/${id}`).set(auth(auditor));
      expect(after.body).toMatchObject({ status: 'breach', basis: 'presumed', decisions: 2 });
      const tl = await t.http().get(`/v1/incidents/${id}/timeline`).set(auth(auditor));
      const rec = tl.body.entries
        .filter((e: { type: string }) => e.type === 'SafeguardsRecorded')
        .map((e: { data: unknown; actor: unknown }) => [e.data, e.actor]);
      expect(rec[rec.length - 1]).toEqual([
        { incidentId: id, encryption: 'nist-800-111', keyCompromised: true, destruction: null, source: 'datasets-ledger' },
        { id: 'system:safeguards', role: 'system' },
      ]);
    } finally {
      source.safeguardsFor = original;
    }
  });

  it('bad bodies are 400 naming the field; unknown obligations are 422', async () => {
    const id = await reportIncident();
    const r = await t
      .http()
      .post(`/v1/incidents/${id}/risk-assessment`)
      .set(auth(responder))
      .send({ factors: { natureAndExtent: { risk: 'extreme', rationale: 'x' } }, lowProbabilityOfCompromise: false });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('factors.natureAndExtent.risk');
    const csvWrongType = await t
      .http()
      .post(`/v1/incidents/${id}/affected`)
      .set(auth(responder))
      .set('Content-Type', 'application/json')
      .send({});
    expect(csvWrongType.status).toBe(400);
    const badMapping = await t
      .http()
      .post(`/v1/incidents/${id}/affected?mapping=${encodeURIComponent('{"name":"n","nope":1}')}`)
      .set(auth(responder))
      .set('Content-Type', 'text/csv')
      .send('n\nA\n');
    expect(badMapping.status).toBe(400);
    const start = await t.http().post(`/v1/incidents/${id}/obligations/individual-notice/start`).set(auth(responder)).send({});
    expect(start.status).toBe(422);
  });
});
