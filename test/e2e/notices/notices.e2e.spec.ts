import { uuidv7 } from '../../../src/platform/ids';
import { EVENT_STORE } from '../../../src/platform/tokens';
import type { EventStore } from '../../../src/ledger/port';
/**
 * The notices workflow over HTTP on a whole Safe Harbor: draft → preview → approval by a second
 * compliance officer → release → delivered by the sandboxed chunk workers (outbox mail) →
 * progress, proof of notice per individual, print files, returned mail raising insufficient
 * contact; a substitute-notice posting served publicly and taken down by its timer.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { Queue } from 'bullmq';
import { LEDGER, type Ledger } from '../../../src/ledger/ledger';
import { asAsync } from '../../../src/notices/delivery/chunk-runner';
import { planChannel } from '../../../src/notices/domain/channel';
import { POSTING_QUEUE } from '../../../src/notices/jobs/coordinator';
import { NoticesModule } from '../../../src/notices/notices.module';
import { letterIdOf } from '../../../src/notices/rendering/letters';
import type { ArtifactStore } from '../../../src/phi/artifact-store';
import type { FakeClock } from '../../../src/platform/clock';
import { ARTIFACT_STORE } from '../../../src/platform/tokens';
import { startTestApp, type TestApp } from '../../support/test-app';
import { syntheticPerson, testFacts, testOrg } from '../../unit/notices/fixtures';

jest.setTimeout(240_000);

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('notices e2e', () => {
  let t: TestApp;
  let drafter: { id: string; apiKey: string };
  let approver: { id: string; apiKey: string };
  const facts = testFacts();
  const org = testOrg();
  const people = Array.from({ length: 60 }, (_, i) =>
    syntheticPerson(i, i % 15 === 7 ? { insufficientContact: true, emailConsent: false } : {}),
  );

  beforeAll(async () => {
    // Notices settings come from the process environment (the app config does not carry them).
    process.env.NOTICES_IMB_MAILER_ID = '567094';
    try {
      t = await startTestApp({ env: { NOTICES_CHUNK_SIZE: '25', NOTICES_EMAIL_RATE: '0' } as Record<string, string> });
    } finally {
      delete process.env.NOTICES_IMB_MAILER_ID;
    }
    drafter = await t.principal('compliance-officer', 'Drafter');
    approver = await t.principal('compliance-officer', 'Approver');
  });
  afterAll(async () => {
    await t?.close();
  });

  const as = (who: { apiKey: string }) => ({ Authorization: `Bearer ${who.apiKey}` });

  it('drafts, previews, needs a second officer, re-approves after a change, releases and delivers with proof', async () => {
    const artifacts = t.app.get<ArtifactStore>(ARTIFACT_STORE);
    const recipients = await artifacts.write(`incident:${facts.incidentId}`, asAsync(people.map((p) => `${JSON.stringify(p)}\n`)));
    const draft = await t.http().post('/v1/notices/batches').set(as(drafter)).send({
      incidentId: facts.incidentId,
      kind: 'individual',
      letterDate: '2025-04-01',
      organization: org,
      facts,
      recipientsArtifact: recipients.digest,
    });
    expect(draft.status).toBe(201);
    const id = draft.body.batchId as string;
    expect(draft.body.status).toBe('drafted');

    // A missing required fact is a 400 naming the field.
    const bad = await t
      .http()
      .post('/v1/notices/batches')
      .set(as(drafter))
      .send({
        incidentId: facts.incidentId,
        kind: 'individual',
        letterDate: '2025-04-01',
        organization: org,
        facts: { ...facts, stepsForIndividuals: [] },
        recipientsArtifact: recipients.digest,
      });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('incident.stepsForIndividuals');

    // Approval before a preview is refused.
    expect(
      (await t.http().post(`/v1/notices/batches/${id}/approve`).set(as(approver)).send({ contentDigest: draft.body.contentDigest })).status,
    ).toBe(422);

    const preview = await t.http().post(`/v1/notices/batches/${id}/preview`).set(as(drafter)).send();
    expect(preview.status).toBe(200);
    const expectedByChannel: Record<string, number> = {};
    for (const p of people) expectedByChannel[planChannel(p).channel] = (expectedByChannel[planChannel(p).channel] ?? 0) + 1;
    for (const [c, n] of Object.entries(expectedByChannel)) expect(preview.body.counts.byChannel[c]).toBe(n);
    expect(preview.body.counts.total).toBe(people.length);
    // A read of something that does not exist is not a read: no PhiAccessed for a 404.
    expect((await t.http().get(`/v1/notices/batches/${id}/samples/99`).set(as(approver))).status).toBe(404);
    expect((await t.http().get(`/v1/notices/batches/${uuidv7()}/samples/0`).set(as(approver))).status).toBe(404);
    expect(await t.app.get<EventStore>(EVENT_STORE).readStream(`phiaccess-${approver.id}`)).toEqual([]);
    const sample = await t
      .http()
      .get(preview.body.samples[0].href)
      .set(as(approver))
      .buffer(true)
      .parse((res, cb) => {
        const b: Buffer[] = [];
        res.on('data', (c: Buffer) => b.push(c));
        res.on('end', () => cb(null, Buffer.concat(b)));
      });
    expect(sample.status).toBe(200);
    // Admin manages principals and never reads PHI, whatever route it tries.
    expect((await t.http().get(preview.body.samples[0].href).set('Authorization', `Bearer ${t.adminKey}`)).status).toBe(403);
    // Reading PHI is itself an event: who, which route, which ids — never the PHI.
    const reads = await t.app.get<EventStore>(EVENT_STORE).readStream(`phiaccess-${approver.id}`);
    expect(reads.map((e) => e.type)).toEqual(['PhiAccessed']);
    expect(reads[0]!.data).toMatchObject({ principalId: approver.id, route: '/v1/notices/batches/:id/samples/:n', params: { id, n: '0' } });

    // The drafter may not approve their own batch.
    const self = await t
      .http()
      .post(`/v1/notices/batches/${id}/approve`)
      .set(as(drafter))
      .send({ contentDigest: draft.body.contentDigest });
    expect(self.status).toBe(422);
    expect(self.body.rule).toBe('SAME_PERSON');
    const ok = await t.http().post(`/v1/notices/batches/${id}/approve`).set(as(approver)).send({ contentDigest: draft.body.contentDigest });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('approved');

    // A change after approval voids it: release is refused until previewed and approved again.
    const revised = await t
      .http()
      .put(`/v1/notices/batches/${id}/content`)
      .set(as(drafter))
      .send({
        letterDate: '2025-04-01',
        organization: org,
        facts: { ...facts, prevention: 'We now encrypt every laptop and removable drive.' },
      });
    expect(revised.status).toBe(200);
    expect(revised.body.status).toBe('drafted');
    expect(revised.body.contentDigest).not.toBe(draft.body.contentDigest);
    expect((await t.http().post(`/v1/notices/batches/${id}/release`).set(as(drafter)).send()).status).toBe(422);
    await t.http().post(`/v1/notices/batches/${id}/preview`).set(as(drafter)).send().expect(200);
    await t
      .http()
      .post(`/v1/notices/batches/${id}/approve`)
      .set(as(approver))
      .send({ contentDigest: revised.body.contentDigest })
      .expect(200);
    const released = await t.http().post(`/v1/notices/batches/${id}/release`).set(as(drafter)).send();
    expect(released.status).toBe(200);
    expect(released.body.status).toBe('released');

    const done = await until(
      async () => {
        const r = await t.http().get(`/v1/notices/batches/${id}`).set(as(approver));
        return r.body.status === 'completed' ? r.body : null;
      },
      180_000,
      'the batch to complete',
    );
    expect(done.progress.done).toBe(people.length);
    expect(done.progress.total).toBe(people.length);

    // Emails went only to people who agreed, as .eml files in the outbox.
    const emails = readdirSync(t.config.outboxDir).filter((f) => f.endsWith('.eml'));
    expect(emails.length).toBe(expectedByChannel.email);

    // Proof of notice per individual.
    const mailed = people.find((p) => planChannel(p).channel === 'mail')!;
    const proof = await t.http().get(`/v1/notices/individuals/${mailed.id}/proof`).set(as(approver));
    expect(proof.status).toBe(200);
    expect(proof.body.items[0]).toMatchObject({ batchId: id, channel: 'mail', state: 'printed', letterId: letterIdOf(id, mailed.id) });
    expect(proof.body.items[0].pdfSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(proof.body.items[0].mailHouseFile).toMatch(/^[0-9a-f]{64}$/);
    const emailed = people.find((p) => planChannel(p).channel === 'email')!;
    const eproof = await t.http().get(`/v1/notices/individuals/${emailed.id}/proof`).set(as(approver));
    expect(eproof.body.items[0]).toMatchObject({ channel: 'email', state: 'sent' });
    expect(eproof.body.items[0].smtpMessageId).toMatch(/^<L[0-9A-F]{15}\./);

    const files = await t.http().get(`/v1/notices/batches/${id}/print-files`).set(as(approver));
    expect(files.body.items.reduce((s: number, f: { letters: number }) => s + f.letters, 0)).toBe(expectedByChannel.mail ?? 0);

    // The mail house downloads every print file and one manifest that reconciles with them.
    type FileView = {
      chunk: number;
      file: string;
      download: string;
      letters: number;
      pages: number;
      sheets: number;
      sha256: string;
      status: string;
    };
    const items = files.body.items as FileView[];
    expect(items.length).toBeGreaterThanOrEqual(1);
    const manifest = await t.http().get(`/v1/notices/batches/${id}/print-files/manifest.csv`).set(as(approver));
    expect(manifest.status).toBe(200);
    const rows = manifest.text
      .trim()
      .split('\n')
      .slice(1)
      .map((r) => r.split(','));
    expect(manifest.text.split('\n')[0]).toBe('file,reference,page_offset,page_count,sheet_count,first_page,last_page,sha256,imb');
    expect(rows).toHaveLength(expectedByChannel.mail ?? 0);
    for (const f of items) {
      expect(f.status).toBe('printed');
      const pdf = await t
        .http()
        .get(f.download)
        .set(as(drafter))
        .buffer(true)
        .parse((res, cb) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => cb(null, Buffer.concat(parts)));
        });
      expect(pdf.status).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      const body = pdf.body as Buffer;
      expect(createHash('sha256').update(body).digest('hex')).toBe(f.sha256);
      expect(Number(/\/Type \/Pages\n\/Count (\d+)/.exec(body.toString('latin1'))![1])).toBe(f.pages);
      const mine = rows.filter((r) => r[0] === f.file);
      expect(mine).toHaveLength(f.letters);
      expect(mine.reduce((n, r) => n + Number(r[3]), 0)).toBe(f.pages);
      expect(mine.reduce((n, r) => n + Number(r[4]), 0)).toBe(f.sheets);
      // IMb digits: barcode id 00, service type 700, the mailer id, a 9-digit serial, the ZIP.
      for (const r of mine) expect(r[8]).toMatch(/^00700567094\d{9}\d{5}$/);
    }
    expect(new Set(rows.map((r) => r[8])).size).toBe(rows.length);
    // An auditor may list print files but not download the letters (PHI).
    const auditor = await t.principal('auditor', 'Auditor');
    expect((await t.http().get(items[0]!.download).set(as(auditor))).status).toBe(403);

    // "Mailed" only on the mail house's confirmation, with its date and a count that reconciles.
    const first = items[0]!;
    const wrong = await t
      .http()
      .post(`/v1/notices/batches/${id}/print-files/${first.chunk}/mailed`)
      .set(as(drafter))
      .send({ mailedOn: t.clock.now().toISOString().slice(0, 10), count: first.letters + 1 });
    expect(wrong.status).toBe(422);
    expect(wrong.body.detail).toContain(`holds ${first.letters} letters`);
    const holder = items.find((f) => rows.some((r) => r[0] === f.file && r[1] === letterIdOf(id, mailed.id)))!;
    const today = t.clock.now().toISOString().slice(0, 10);
    const confirmed = await t
      .http()
      .post(`/v1/notices/batches/${id}/print-files/${holder.chunk}/mailed`)
      .set(as(drafter))
      .send({ mailedOn: today, count: holder.letters });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'mailed', mailedOn: today, mailHouseCount: holder.letters });
    const mailedProof = await t.http().get(`/v1/notices/individuals/${mailed.id}/proof`).set(as(approver));
    expect(mailedProof.body.items[0]).toMatchObject({ state: 'mailed', mailedOn: today });

    // Returned mail by CSV raises the insufficient-contact count (an event triage re-runs on).
    const csv = `letter_id,kind,reason\n${letterIdOf(id, mailed.id)},returned-mail,Moved - left no address\nLFFFFFFFFFFFFFFF,returned-mail,unknown\n`;
    const ret = await t.http().post('/v1/notices/returns').set(as(drafter)).set('Content-Type', 'text/csv').send(csv);
    expect(ret.status).toBe(200);
    expect(ret.body).toEqual({ recorded: 1, insufficientContactAdded: 1, unknownLetterIds: ['LFFFFFFFFFFFFFFF'], incidentsUpdated: [] });
    const again = await t
      .http()
      .post('/v1/notices/returns')
      .set(as(drafter))
      .send({ entries: [{ letterId: letterIdOf(id, mailed.id), kind: 'returned-mail', reason: 'again' }] });
    expect(again.body.insufficientContactAdded).toBe(0);
    const ledger = t.app.get<Ledger>(LEDGER);
    const events = await ledger.readStream(`notice-batch-${id}`);
    const returned = events.find((e) => e.type === 'NoticesReturned')!;
    expect(returned.data).toMatchObject({ incidentId: facts.incidentId, insufficientContactAdded: 1, returnKind: 'returned-mail' });
    const completed = events.find((e) => e.type === 'NoticeBatchCompleted')!;
    expect((completed.data as { recordsDigest: string }).recordsDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('drafts from a reported incident and its imported list; returned mail raises its insufficient-contact count', async () => {
    const responder = await t.principal('incident-responder', 'Responder');
    const inc = await t
      .http()
      .post('/v1/incidents')
      .set(as(responder))
      .send({
        title: 'Stolen laptop',
        discoveredOn: '2025-03-10',
        summary: 'An unencrypted billing laptop was stolen from a parked car.',
        reporter: { kind: 'covered-entity' },
        occurred: { from: '2025-03-01' },
        breachType: 'theft',
        locations: ['laptop'],
      });
    expect(inc.status).toBe(201);
    const incidentId = inc.body.incidentId ?? inc.body.id;
    const artifacts = t.app.get<ArtifactStore>(ARTIFACT_STORE);
    const list = people.slice(0, 12).map((p) => ({ ...p, emailConsent: false, insufficientContact: false }));
    const ref = await artifacts.write(`incident:${incidentId}`, asAsync(list.map((p) => `${JSON.stringify(p)}\n`)));
    const byState: Record<string, number> = {};
    for (const p of list) byState[p.address!.state] = (byState[p.address!.state] ?? 0) + 1;
    const { CommandBus } = await import('@nestjs/cqrs');
    const { RunIncidentCommand } = await import('../../../src/incidents/commands/incident-command');
    await t.app.get(CommandBus).execute(
      new RunIncidentCommand(
        incidentId,
        {
          kind: 'record-affected-list',
          list: {
            digest: ref.digest,
            size: ref.size,
            counts: {
              byState,
              insufficientContact: 0,
              rows: 12,
              accepted: 12,
              rejected: 0,
              duplicates: 0,
              deceased: 0,
              deceasedWithoutNextOfKinAddress: 0,
              emailConsent: 0,
            },
          },
        } as never,
        { actor: { id: responder.id, role: 'incident-responder' }, correlationId: 'test' },
      ),
    );
    const triage = await t.http().post(`/v1/incidents/${incidentId}/triage`).set(as(drafter)).send({});
    expect(triage.status).toBe(200);
    // Only what the incident does not say is given: steps, actions, PHI types.
    const { whatHappened: _w, discoveredOn: _d, breachStartedOn: _b, breachType: _t, locations: _l, incidentId: _i, ...rest } = facts;
    const draft = await t
      .http()
      .post('/v1/notices/batches')
      .set(as(drafter))
      .send({ incidentId, fromIncident: true, kind: 'individual', letterDate: '2025-04-01', organization: org, facts: rest });
    expect(draft.status).toBe(201);
    expect(draft.body.recipients.artifactDigest).toBe(ref.digest);
    const id = draft.body.batchId as string;
    await t.http().post(`/v1/notices/batches/${id}/preview`).set(as(drafter)).send().expect(200);
    const previewed = (await t.http().get(`/v1/notices/batches/${id}`).set(as(drafter))).body;
    expect(previewed.preview.counts.total).toBe(12);
    await t
      .http()
      .post(`/v1/notices/batches/${id}/approve`)
      .set(as(approver))
      .send({ contentDigest: draft.body.contentDigest })
      .expect(200);
    await t.http().post(`/v1/notices/batches/${id}/release`).set(as(drafter)).send().expect(200);
    await until(
      async () => (await t.http().get(`/v1/notices/batches/${id}`).set(as(drafter))).body.status === 'completed',
      120_000,
      'delivery',
    );
    const letterIds = list.slice(0, 2).map((p) => letterIdOf(id, p.id));
    const ret = await t
      .http()
      .post('/v1/notices/returns')
      .set(as(drafter))
      .send({ entries: letterIds.map((l) => ({ letterId: l, kind: 'returned-mail', reason: 'No such address' })) });
    expect(ret.status).toBe(200);
    expect(ret.body).toMatchObject({ recorded: 2, insufficientContactAdded: 2, incidentsUpdated: [incidentId] });
    const ledger = t.app.get<Ledger>(LEDGER);
    const revised = (await ledger.readStream(`incident-${incidentId}`)).filter((e) => e.type === 'AffectedCountsRevised').pop()!;
    expect(revised.data).toMatchObject({ reason: 'returned-mail', counts: { insufficientContact: 2 } });

    // Completing the individual-notice obligation links the batch's proof of notice.
    const obligations = (await t.http().get(`/v1/incidents/${incidentId}/obligations`).set(as(drafter))).body.obligations as Array<{
      obligationId: string;
      kind: string;
    }>;
    const individual = obligations.find((o) => o.kind === 'individual-notice')!;
    expect(individual).toBeDefined();
    const done = await t
      .http()
      .post(`/v1/notices/batches/${id}/complete-obligation`)
      .set(as(drafter))
      .send({ obligationId: individual.obligationId });
    expect(done.status).toBe(200);
    const completed = (await ledger.readStream(`incident-${incidentId}`)).find((e) => e.type === 'ObligationCompleted')!;
    expect(completed.data).toMatchObject({
      obligationId: individual.obligationId,
      evidence: { artifactDigest: done.body.evidenceArtifact },
    });
    const parts: Buffer[] = [];
    for await (const c of artifacts.read(done.body.evidenceArtifact)) parts.push(c);
    const csv = Buffer.concat(parts).toString('utf8').trim().split('\n');
    expect(csv).toHaveLength(13);
    expect(csv.slice(1).every((l) => /,(printed|sent|awaiting-substitute-notice|substitute-notice-posted),/.test(l))).toBe(true);
  });

  it('issues the HHS report (PDF for the file + JSON with the portal fields) once approved and released', async () => {
    const hhs = {
      reportType: 'initial',
      affected: 1234,
      individualNoticeStartDate: '2025-04-01',
      individualNoticeProjectedEndDate: '2025-04-15',
      substituteNoticeProvided: true,
      mediaNoticeProvided: true,
    };
    const missing = await t
      .http()
      .post('/v1/notices/batches')
      .set(as(drafter))
      .send({ incidentId: facts.incidentId, kind: 'hhs-report', letterDate: '2025-04-01', organization: org, facts });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('options.hhs');
    const draft = await t
      .http()
      .post('/v1/notices/batches')
      .set(as(drafter))
      .send({ incidentId: facts.incidentId, kind: 'hhs-report', letterDate: '2025-04-01', organization: org, facts, options: { hhs } });
    expect(draft.status).toBe(201);
    const id = draft.body.batchId as string;
    await t.http().post(`/v1/notices/batches/${id}/preview`).set(as(drafter)).send().expect(200);
    await t
      .http()
      .post(`/v1/notices/batches/${id}/approve`)
      .set(as(approver))
      .send({ contentDigest: draft.body.contentDigest })
      .expect(200);
    await t.http().post(`/v1/notices/batches/${id}/release`).set(as(drafter)).send().expect(200);
    const done = await until(
      async () => {
        const r = await t.http().get(`/v1/notices/batches/${id}`).set(as(approver));
        return r.body.status === 'completed' ? r.body : null;
      },
      60_000,
      'the report',
    );
    expect(done.documents).toHaveLength(1);
    const artifacts = t.app.get<ArtifactStore>(ARTIFACT_STORE);
    const parts: Buffer[] = [];
    for await (const c of artifacts.read(done.documents[0].jsonArtifact)) parts.push(c);
    const report = JSON.parse(Buffer.concat(parts).toString('utf8'));
    expect(report).toMatchObject({
      reportType: 'Initial Breach Report',
      breachAffecting: '500 or More Individuals',
      breach: { typeOfBreach: ['Theft'], approximateIndividualsAffected: 1234 },
    });
  });

  it('posts the substitute notice at a public URL with the toll-free number and takes it down after 90 days', async () => {
    const draft = await t
      .http()
      .post('/v1/notices/batches')
      .set(as(drafter))
      .send({ incidentId: facts.incidentId, kind: 'substitute-posting', letterDate: '2025-04-01', organization: org, facts });
    expect(draft.status).toBe(201);
    const id = draft.body.batchId as string;
    await t.http().post(`/v1/notices/batches/${id}/preview`).set(as(drafter)).send().expect(200);
    await t
      .http()
      .post(`/v1/notices/batches/${id}/approve`)
      .set(as(approver))
      .send({ contentDigest: draft.body.contentDigest })
      .expect(200);
    await t.http().post(`/v1/notices/batches/${id}/release`).set(as(drafter)).send().expect(200);
    const ledger = t.app.get<Ledger>(LEDGER);
    const posted = await until(
      async () => (await ledger.readStream(`notice-posting-${id}`)).find((e) => e.type === 'SubstituteNoticePosted'),
      60_000,
      'the posting',
    );
    const d = posted.data as { url: string; slug: string; takeDownAt: string; postedAt: string };
    expect(d.url).toBe(`https://notices.riverbend.example/p/notices/${d.slug}`);
    expect(Date.parse(d.takeDownAt) - Date.parse(d.postedAt)).toBe(90 * 86_400_000);
    // The page says the real take-down date, not 90 days after the letter date (read once the projection has it).
    await until(async () => (await t.http().get(`/p/notices/${d.slug}`)).status === 200, 10_000, 'the projection');
    const postedPage = await t.http().get(`/p/notices/${d.slug}`);
    const downOn = new Date(d.takeDownAt).toISOString().slice(0, 10);
    const [y, m, day] = downOn.split('-').map(Number);
    const months = [
      'January',
      'February',
      'March',
      'April',
      'May',
      'June',
      'July',
      'August',
      'September',
      'October',
      'November',
      'December',
    ];
    expect(postedPage.text).toContain(`stays posted until ${months[m! - 1]} ${day}, ${y}`);
    await until(async () => (await t.http().get(`/p/notices/${d.slug}`)).status === 200, 10_000, 'the projection');
    const page = await t.http().get(`/p/notices/${d.slug}`); // public: no API key
    expect(page.status).toBe(200);
    expect(page.text).toContain('1-888-555-0142');
    // The take-down timer is a delayed job due 90 days out.
    const q = new Queue(POSTING_QUEUE, { connection: { url: t.config.REDIS_URL } as never, prefix: t.config.REDIS_PREFIX });
    const job = await q.getJob(`takedown.${id}`);
    expect(job).toBeDefined();
    expect(job!.opts.delay).toBe(90 * 86_400_000);
    await q.close();
    // Early take-down is refused; after 90 days the timer takes it down and the URL answers 410.
    const coordinator = (t.app.get(NoticesModule) as unknown as { coordinator: { takeDown(id: string): Promise<{ takenDown: boolean }> } })
      .coordinator;
    expect((await coordinator.takeDown(id)).takenDown).toBe(false);
    (t.clock as FakeClock).advanceDays(90);
    expect((await coordinator.takeDown(id)).takenDown).toBe(true);
    await until(async () => (await t.http().get(`/p/notices/${d.slug}`)).status === 410, 10_000, 'the take-down');
    const taken = (await ledger.readStream(`notice-posting-${id}`)).find((e) => e.type === 'SubstituteNoticeTakenDown')!;
    expect(taken.data).toMatchObject({ reason: 'expired' });
  });
});
