/**
 * A year on a fake clock, through the HTTP API and the real workflows engine (SQLite ledger,
 * Redis, outbox): the annual review falls due, reminders go out, it escalates when overdue,
 * and completing the assessment (approved by a second person) schedules the next review.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from '../../../src/ledger/port';
import { FakeClock } from '../../../src/platform/clock';
import { EVENT_STORE } from '../../../src/platform/tokens';
import { timelineStream } from '../../../src/workflows/domain/timeline';
import type { WorkflowEngine } from '../../../src/workflows/runtime/workflow-engine';
import { WORKFLOW_ENGINE } from '../../../src/workflows/workflows.module';
import { startTestApp, type TestApp } from '../../support/test-app';

jest.setTimeout(240_000);

async function waitFor<T>(fn: () => Promise<T | undefined | false>, what: string, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

describe('a year of risk reviews on a fake clock', () => {
  let t: TestApp;
  afterAll(async () => t?.close());

  it('review falls due, reminders go out, escalation when overdue, completion schedules the next', async () => {
    const clock = new FakeClock('2025-01-02T15:00:00Z'); // 10:00 in New York
    t = await startTestApp({ clock });
    const engine = t.app.get<WorkflowEngine>(WORKFLOW_ENGINE);
    const store = t.app.get<EventStore>(EVENT_STORE);
    const alice = await t.principal('compliance-officer', 'Alice');
    const bob = await t.principal('security-officer', 'Bob');
    const as = (p: { apiKey: string }) => ({ Authorization: `Bearer ${p.apiKey}` });

    const est = await t
      .http()
      .post('/v1/risk/programs')
      .set(as(alice))
      .send({ name: 'Example Health risk program', ownerId: alice.id, firstReviewDueOn: '2025-12-31' });
    expect(est.status).toBe(201);
    expect(est.body).toMatchObject({ programId: 'default', reviewDueOn: '2025-12-31' });

    const own = timelineStream('risk-review-annual', { kind: 'risk-program', id: 'default' });
    const sent = async () =>
      (await store.readStream(own)).map((e) => ({
        type: e.type,
        step: String(e.data.step),
        dueOn: String(e.data.dueOn),
        sentOn: String(e.data.sentAt).slice(0, 10),
        daysLeft: Number(e.data.daysLeft),
      }));

    let assessmentId = '';
    let overduePosture: any = null;
    // Walk day by day at 10:00 local time.
    for (let day = 0; day < 400; day++) {
      const today = new Date(clock.now()).toISOString().slice(0, 10);
      await engine.reconcile();
      const due = (await engine.plan()).flatMap((p) =>
        p.timers.filter((x) => x.state === 'pending' && x.fireAt <= clock.now()).map((x) => x.timerId),
      );
      if (due.length)
        await waitFor(
          async () => (await engine.plan()).every((p) => p.timers.every((x) => !due.includes(x.timerId) || x.state !== 'pending')),
          `timers ${due.join(', ')}`,
        );

      if (today === '2025-11-15') {
        // The assessment starts; the register is filled in through the API.
        const st = await t
          .http()
          .post('/v1/risk/assessments')
          .set(as(alice))
          .send({ title: 'Annual risk analysis 2025', periodStart: '2025-01-01', periodEnd: '2025-12-31' });
        expect(st.status).toBe(201);
        assessmentId = st.body.assessment.assessmentId;
        const base = `/v1/risk/assessments/${assessmentId}`;
        const asset = await t
          .http()
          .post(`${base}/assets`)
          .set(as(alice))
          .send({ kind: 'system', name: 'EHR database server', holdsEphi: true });
        expect(asset.status).toBe(201);
        const risk = await t
          .http()
          .post(`${base}/risks`)
          .set(as(alice))
          .send({
            title: 'Unpatched EHR host',
            assetIds: [asset.body.assetId],
            threat: 'Exploitation of known vulnerability',
            vulnerability: 'Security updates pending',
            controls: ['SH-VM-01'],
          });
        expect(risk.status).toBe(201);
        const rid = risk.body.riskId;
        expect(
          (
            await t
              .http()
              .post(`${base}/risks/${rid}/ratings`)
              .set(as(alice))
              .send({ rating: 'inherent', likelihood: 4, impact: 5, rationale: 'internet-facing' })
          ).status,
        ).toBe(201);
        expect(
          (
            await t
              .http()
              .post(`${base}/risks/${rid}/ratings`)
              .set(as(alice))
              .send({ rating: 'residual', likelihood: 3, impact: 5, rationale: 'patch window monthly' })
          ).status,
        ).toBe(201);
        const bad = await t
          .http()
          .post(`${base}/risks/${rid}/ratings`)
          .set(as(alice))
          .send({ rating: 'residual', likelihood: 9, impact: 5, rationale: 'x' });
        expect(bad.status).toBe(422);
        expect(bad.body.detail ?? bad.body.title).toMatch(/likelihood/);
        const missing = await t
          .http()
          .post(`${base}/risks/${rid}/treatment`)
          .set(as(alice))
          .send({ option: 'mitigate', ownerId: alice.id, plan: 'weekly patching' });
        expect(missing.status).toBe(400);
        expect(JSON.stringify(missing.body)).toContain('dueOn');
        expect(
          (
            await t
              .http()
              .post(`${base}/risks/${rid}/treatment`)
              .set(as(alice))
              .send({ option: 'mitigate', ownerId: alice.id, dueOn: '2026-01-31', plan: 'weekly patching' })
          ).status,
        ).toBe(201);
        expect((await t.http().post(`${base}/submit`).set(as(alice))).status).toBe(200);
      }
      if (today === '2026-01-08') {
        overduePosture = (await t.http().get('/v1/posture').set(as(bob))).body;
      }
      if (today === '2026-01-10') {
        const base = `/v1/risk/assessments/${assessmentId}`;
        const self = await t.http().post(`${base}/approve`).set(as(alice));
        expect(self.status).toBe(422);
        expect(JSON.stringify(self.body)).toMatch(/different person/);
        expect((await t.http().post(`${base}/approve`).set(as(bob))).status).toBe(200);
        const done = await t.http().post(`${base}/complete`).set(as(alice));
        expect(done.status).toBe(200);
        expect(done.body.assessment).toMatchObject({ status: 'completed', completedOn: '2026-01-10', nextReviewDueOn: '2027-01-10' });
      }
      clock.advanceDays(1);
    }

    // What went out, and when (reminders before, escalation on the due date and after, nothing after completion).
    expect(await sent()).toEqual([
      { type: 'ReminderSent', step: 'reminder-60d', dueOn: '2025-12-31', sentOn: '2025-11-01', daysLeft: 60 },
      { type: 'ReminderSent', step: 'reminder-30d', dueOn: '2025-12-31', sentOn: '2025-12-01', daysLeft: 30 },
      { type: 'ReminderSent', step: 'reminder-14d', dueOn: '2025-12-31', sentOn: '2025-12-17', daysLeft: 14 },
      { type: 'ReminderSent', step: 'reminder-7d', dueOn: '2025-12-31', sentOn: '2025-12-24', daysLeft: 7 },
      { type: 'ReminderSent', step: 'reminder-1d', dueOn: '2025-12-31', sentOn: '2025-12-30', daysLeft: 1 },
      { type: 'EscalationRaised', step: 'escalation-0d', dueOn: '2025-12-31', sentOn: '2025-12-31', daysLeft: 0 },
      { type: 'EscalationRaised', step: 'escalation-7d', dueOn: '2025-12-31', sentOn: '2026-01-07', daysLeft: -7 },
    ]);
    // The next review is planned a year after completion, with its timers in Redis.
    const next = (await engine.plan()).find((p) => p.timeline.workflow === 'risk-review-annual')!;
    expect(next.timeline.dueOn).toBe('2027-01-10');
    expect(next.timeline.workflowVersion).toBe(1);

    // Mail in the outbox, addressed to the owner and the chain of roles; the 7-day escalation adds the executive.
    const outbox = join(t.dataDir, 'outbox');
    const files = readdirSync(outbox).filter((f) => f.startsWith('risk-review-annual'));
    expect(files).toHaveLength(7);
    const esc = readFileSync(
      join(
        outbox,
        files.find((f) => f.includes('escalation-7d'))!,
      ),
      'utf8',
    );
    expect(esc).toMatch(/^Subject: .*ESCALATION: Annual risk assessment review .*OVERDUE by 7 days/m);
    const to = /^To: (.*)$/m.exec(esc)![1].split(', ');
    expect(to).toEqual(
      expect.arrayContaining([`${alice.id}@safeharbor.invalid`, 'compliance-officer@safeharbor.invalid', 'executive@safeharbor.invalid']),
    );
    expect(esc).toMatch(/^X-Safeharbor-Roles: compliance-officer, security-officer, executive$/m);

    // While overdue, the posture said so.
    const reviews = overduePosture.sections.find((s: any) => s.key === 'reviews');
    expect(reviews.rows).toEqual([
      expect.objectContaining({ workflow: 'risk-review-annual', dueOn: '2025-12-31', daysLeft: -8, overdue: true, escalations: 2 }),
    ]);
    expect(reviews.attention).toBe(1);

    // Now: the posture shows the high risk still open and no overdue review; the report is a PDF.
    const posture = await t.http().get('/v1/posture').set(as(bob));
    expect(posture.status).toBe(200);
    const high = posture.body.sections.find((s: any) => s.key === 'high-risks');
    expect(high.rows).toEqual([
      expect.objectContaining({ title: 'Unpatched EHR host', level: 'high', score: 15, treatment: 'mitigate', treatmentOverdue: true }),
    ]);
    expect(posture.body.sections.find((s: any) => s.key === 'reviews').rows).toEqual([]);
    expect(posture.body.sections.find((s: any) => s.key === 'grants-expiring')).toMatchObject({
      available: true,
      rows: [],
      note: expect.stringContaining('no grant expiry timelines'),
    });
    expect(posture.body.sections.find((s: any) => s.key === 'unencrypted-datasets')).toMatchObject({ available: true, rows: [] }); // answered by the datasets context
    const pdf = await t
      .http()
      .get(`/v1/risk/assessments/${assessmentId}/report.pdf`)
      .set(as(bob))
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
  });
});
