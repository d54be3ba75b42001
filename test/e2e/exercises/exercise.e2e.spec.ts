/**
 * A breach exercise end to end over HTTP, with the service delivering mail to a real SMTP server
 * (smtp-server) and the worker and scheduler roles running: scenario opened with synthetic
 * individuals, triage, obligations on the exercise clock, fast-forward, notice drafted, approved
 * by a second person and rendered, closed, after-action report rendered. Nothing is sent (SMTP
 * server and outbox empty), no notice batch or public page exists, and the real incident, the
 * posture and Today read exactly as before.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEDGER, type Ledger } from '../../../src/ledger/ledger';
import { FakeClock } from '../../../src/platform/clock';
import { startTestApp, type TestApp } from '../../support/test-app';
import { makeTempDir } from '../../support/temp-dir';
import { SmtpSink } from '../../integration/notices/smtp-sink';

const binary = (res: NodeJS.ReadableStream & { setEncoding(e: string): void }, cb: (e: Error | null, b: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe('breach exercise end to end', () => {
  const sink = new SmtpSink();
  const clock = new FakeClock('2026-12-04T15:00:00.000Z');
  const dir = makeTempDir('sh-exercise-');
  let t: TestApp;
  let responder: { apiKey: string };
  let officer: { id: string; apiKey: string };
  let officer2: { id: string; apiKey: string };
  const as = (who: { apiKey: string }) => ({
    get: (p: string) => t.http().get(p).set('Authorization', `Bearer ${who.apiKey}`),
    pdf: (p: string) =>
      t
        .http()
        .get(p)
        .set('Authorization', `Bearer ${who.apiKey}`)
        .buffer(true)
        .parse(binary as never),
    post: (p: string, body: object = {}) => t.http().post(p).set('Authorization', `Bearer ${who.apiKey}`).send(body),
  });

  beforeAll(async () => {
    await sink.start();
    t = await startTestApp({ clock, env: { MAIL_TRANSPORT: 'smtp', SMTP_URL: `smtp://127.0.0.1:${sink.port}` } });
    [responder, officer, officer2] = [
      await t.principal('incident-responder'),
      await t.principal('compliance-officer'),
      await t.principal('compliance-officer'),
    ];
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sink.stop();
    dir.cleanup();
  });

  it('runs the real workflow on the exercise clock and reaches nobody', async () => {
    // A real incident, decided: its obligations are what must stay untouched.
    const real = await as(responder).post('/v1/incidents', {
      title: 'Real: misplaced backup tape',
      discoveredOn: '2026-12-01',
      summary: 'A backup tape was not found at the off-site store.',
      reporter: { kind: 'covered-entity' },
    });
    expect(real.status).toBe(201);
    const realId = real.body.id as string;
    await as(responder).post(`/v1/incidents/${realId}/affected-counts`, {
      byState: { OH: 40 },
      insufficientContact: 0,
      reason: 'estimate',
    });
    expect((await as(officer).post(`/v1/incidents/${realId}/triage`)).status).toBe(200);
    const snapshot = async () => ({
      incidents: (await as(officer).get('/v1/incidents')).body,
      incident: (await as(officer).get(`/v1/incidents/${realId}`)).body,
      obligations: (await as(officer).get(`/v1/incidents/${realId}/obligations`)).body,
      posture: (await as(officer).get('/v1/posture')).body.sections.filter((s: { key: string }) => s.key !== 'exposure'),
      today: { ...(await as(officer).get('/v1/today')).body, asOf: null },
      batches: (await as(officer).get('/v1/notices/batches')).body,
    });
    const before = await snapshot();

    const scenarios = await as(officer).get('/v1/exercises/scenarios');
    expect(scenarios.body.map((s: { id: string }) => s.id)).toEqual([
      'stolen-laptop',
      'ransomware-file-server',
      'misdirected-mailing',
      'ba-reported-late',
    ]);
    expect((await as(officer).post('/v1/exercises', { scenario: 'no-such' })).status).toBe(400);

    const opened = await as(responder).post('/v1/exercises', { scenario: 'stolen-laptop', asOf: '2026-12-04', seed: 'drill-1' });
    expect(opened.status).toBe(201);
    const id = opened.body.exerciseId as string;
    expect(opened.body).toMatchObject({
      exercise: true,
      asOf: '2026-12-04',
      syntheticIndividuals: 1250,
      incident: { status: 'triage', affected: { insufficientContact: 25 } },
    });

    const triaged = await as(officer).post(`/v1/exercises/${id}/triage`).set('If-Match', opened.headers.etag);
    expect(triaged.status).toBe(200);
    const obligations = triaged.body.incident.obligations as Array<{
      obligationId: string;
      kind: string;
      jurisdiction: string | null;
      dueOn: string;
    }>;
    expect(obligations.map((o) => o.obligationId)).toEqual(
      expect.arrayContaining(['individual-notice', 'media-notice.TX', 'hhs-notice', 'substitute-notice']),
    );
    const txAg = obligations.find((o) => o.kind === 'state-regulator-notice' && o.jurisdiction === 'TX')!;
    expect(txAg.dueOn).toBe('2027-01-03');
    expect((await as(officer).post(`/v1/exercises/${id}/advance`, { days: 1 }).set('If-Match', opened.headers.etag)).status).toBe(409);

    const drafted = await as(responder).post(`/v1/exercises/${id}/notices`, { obligationId: 'individual-notice' });
    expect(drafted.status).toBe(201);
    expect(drafted.body.notices[0]).toMatchObject({ noticeId: 'n1', letters: 1225, approvedBy: null });
    expect((await as(responder).post(`/v1/exercises/${id}/notices/n1/approve`)).status).toBe(403);
    expect((await as(officer).post(`/v1/exercises/${id}/notices/n1/approve`)).body.notices[0].approvedBy).toBe(officer.id);
    const letters = await as(officer).pdf(`/v1/exercises/${id}/notices/n1/letters.pdf`);
    expect([letters.status, letters.headers['content-type']]).toEqual([200, 'application/pdf']);

    const ff = await as(officer).post(`/v1/exercises/${id}/advance`, { days: 40 });
    expect(ff.body.asOf).toBe('2027-01-13');
    expect(ff.body.incident.obligations.find((o: { obligationId: string }) => o.obligationId === txAg.obligationId).overdue).toBe(true);
    const done = await as(officer).post(`/v1/exercises/${id}/obligations/individual-notice/complete`, {
      description: 'letters mailed by the print house',
    });
    expect(done.status).toBe(200);
    expect(done.body.incident.obligations.find((o: { obligationId: string }) => o.obligationId === 'individual-notice').status).toBe(
      'done',
    );
    const closed = await as(officer2).post(`/v1/exercises/${id}/close`);
    expect(closed.body.closedOn).toBe('2027-01-13');
    expect((await as(officer2).post(`/v1/exercises/${id}/advance`, { days: 1 })).status).toBe(422);

    const aar = await as(officer).get(`/v1/exercises/${id}/after-action`);
    expect(aar.body.obligations.find((o: { obligationId: string }) => o.obligationId === 'individual-notice')).toMatchObject({
      daysAllowed: 60,
      daysUsed: 40,
      verdict: 'on time',
    });
    expect(aar.body.gaps).toEqual(expect.arrayContaining([`${txAg.obligationId}: not done, due 2027-01-03, overdue on 2027-01-13`]));
    const pdf = await as(officer).pdf(`/v1/exercises/${id}/after-action.pdf`);
    expect(pdf.status).toBe(200);
    // The sealed free text opened into the PDF is a read of PHI: one record, naming the exercise's scope.
    const pdfReads = (await t.app.get<Ledger>(LEDGER).readStream(`phiaccess-${officer.id}`)).filter(
      (e) => (e.data as { route?: string }).route === '/v1/exercises/:id/after-action.pdf',
    );
    expect(pdfReads).toHaveLength(1);
    expect(pdfReads[0]!.data).toMatchObject({
      params: { id },
      freeText: { scopes: expect.arrayContaining([expect.stringMatching(/^(text|incident):/)]) },
    });
    const file = join(dir.path, 'aar.pdf');
    writeFileSync(file, pdf.body as Buffer);
    if (process.env.AAR_OUT) writeFileSync(process.env.AAR_OUT, pdf.body as Buffer);
    if (process.env.AAR_OUT) writeFileSync(`${process.env.AAR_OUT}.letters.pdf`, letters.body as Buffer);
    execFileSync('pdftoppm', ['-png', '-r', '30', file, join(dir.path, 'p')]);
    expect(existsSync(join(dir.path, 'p-1.png'))).toBe(true);

    // Give the worker and scheduler roles time to act on anything they were going to act on.
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(sink.received).toEqual([]);
    expect(existsSync(t.config.outboxDir) ? readdirSync(t.config.outboxDir) : []).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect((await as(officer).get('/v1/incidents')).body).not.toEqual(expect.arrayContaining([expect.objectContaining({ id })]));
    expect((await as(officer).get(`/v1/incidents/${id}`)).status).toBe(404);
    // No substitute notice was posted: no public page answers for it.
    expect((await t.http().get(`/p/notices/${id.replace(/-/g, '').slice(0, 20)}`)).status).toBe(404);
  }, 120_000);
});
