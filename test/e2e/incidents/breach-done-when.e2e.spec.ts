/**
 * Issue 13's "Done when", end to end over HTTP on a whole Safe Harbor (SQLite, real Redis and
 * the sandboxed chunk and email workers, emails to a real SMTP server): a four-state breach of
 * 638 people whose list has unresolved rows, ZIPs stripped of their zero (MA/CT/NJ), people
 * without an address, a deceased person, email consent and two languages. It proves: release
 * blocked until the unresolved rows are excluded with a reason; every count and flag derived
 * and equal on the incident, the media notice, the HHS report and the state regulator notices;
 * each obligation closed only by its own evidence; print files downloadable and reconciled with
 * the manifest; the substitute posting's URL and 90 days; the regulator notices with their due
 * dates; emails only to consenting people, in Spanish for the Spanish readers.
 */
import { createHash } from 'node:crypto';
import { LEDGER, type Ledger } from '../../../src/ledger/ledger';
import { NoticeContent } from '../../../src/notices/content/notice-content';
import type { ArtifactStore } from '../../../src/phi/artifact-store';
import { FakeClock } from '../../../src/platform/clock';
import { ARTIFACT_STORE } from '../../../src/platform/tokens';
import { SmtpSink } from '../../integration/notices/smtp-sink';
import { startTestApp, type TestApp } from '../../support/test-app';
import { testFacts, testOrg } from '../../unit/notices/fixtures';
import { pdfPages, pdfText } from '../../unit/notices/pdf-text';
import { breachList } from './breach-list';

jest.setTimeout(300_000);

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
const binary = (res: NodeJS.ReadableStream, cb: (e: Error | null, b: Buffer) => void) => {
  const b: Buffer[] = [];
  res.on('data', (c: Buffer) => b.push(c));
  res.on('end', () => cb(null, Buffer.concat(b)));
};
type Obligation = {
  obligationId: string;
  kind: string;
  jurisdiction: string | null;
  dueOn: string | null;
  dueRule: string | null;
  status: string;
};

describe('the Done-when breach, end to end', () => {
  let t: TestApp;
  const sink = new SmtpSink();
  const clock = new FakeClock('2025-03-12T15:00:00.000Z');
  let responder: { apiKey: string };
  let officer: { apiKey: string };
  let officer2: { apiKey: string };
  const as = (p: { apiKey: string }) => ({ Authorization: `Bearer ${p.apiKey}` });
  const org = testOrg();
  // Only what the incident cannot know is given (and translated); the rest, PHI types and steps included, is drafted from its events.
  const {
    whatHappened: _w,
    discoveredOn: _d,
    breachStartedOn: _b,
    breachType: _t,
    locations: _l,
    incidentId: _i,
    phiInvolved: _p,
    phiCategories: _c,
    stepsForIndividuals: _s,
    mitigation: _m,
    ...given
  } = testFacts();
  const facts = {
    ...given,
    translations: {
      es: {
        investigation: 'Denunciamos el robo a la policía y contratamos a una empresa forense.',
        prevention: 'Ahora ciframos todas las computadoras portátiles y revisamos cada trimestre el acceso de los contratistas.',
      },
    },
  };
  const list = breachList();

  beforeAll(async () => {
    await sink.start();
    // Notices settings come from the process environment.
    process.env.NOTICES_CHUNK_SIZE = '200';
    process.env.NOTICES_EMAIL_RATE = '0';
    try {
      t = await startTestApp({ clock, env: { MAIL_TRANSPORT: 'smtp', SMTP_URL: `smtp://127.0.0.1:${sink.port}?ignoreTLS=true` } });
    } finally {
      delete process.env.NOTICES_CHUNK_SIZE;
      delete process.env.NOTICES_EMAIL_RATE;
    }
    responder = await t.principal('incident-responder');
    officer = await t.principal('compliance-officer', 'Drafter');
    officer2 = await t.principal('compliance-officer', 'Approver');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await sink.stop();
  });

  const draft = (incidentId: string, kind: string, options?: Record<string, unknown>) =>
    t
      .http()
      .post('/v1/notices/batches')
      .set(as(officer))
      .send({ incidentId, fromIncident: true, kind, letterDate: '2025-03-20', organization: org, facts, ...(options ? { options } : {}) });
  const preview = async (batchId: string) =>
    (await t.http().post(`/v1/notices/batches/${batchId}/preview`).set(as(officer)).send().expect(200)).body;
  const approve = (batchId: string, contentDigest: string) =>
    t.http().post(`/v1/notices/batches/${batchId}/approve`).set(as(officer2)).send({ contentDigest }).expect(200);
  const release = (batchId: string) => t.http().post(`/v1/notices/batches/${batchId}/release`).set(as(officer)).send();
  const completed = (batchId: string) =>
    until(
      async () => {
        const r = await t.http().get(`/v1/notices/batches/${batchId}`).set(as(officer));
        return r.body.status === 'completed' ? r.body : null;
      },
      200_000,
      `batch ${batchId}`,
    );
  const completeWith = (batchId: string, obligationId: string) =>
    t.http().post(`/v1/notices/batches/${batchId}/complete-obligation`).set(as(officer)).send({ obligationId });
  const artifactText = async (digest: string) => {
    const parts: Buffer[] = [];
    for await (const c of t.app.get<ArtifactStore>(ARTIFACT_STORE).read(digest)) parts.push(c);
    return Buffer.concat(parts);
  };
  /** Drafts, previews, approves by a second officer and releases a one-document batch; returns its PDF text. */
  const issue = async (incidentId: string, kind: string, options: Record<string, unknown>) => {
    const d = await draft(incidentId, kind, options);
    expect(d.status).toBe(201);
    await preview(d.body.batchId);
    await approve(d.body.batchId, d.body.contentDigest);
    expect((await release(d.body.batchId)).status).toBe(200);
    const done = await completed(d.body.batchId);
    return {
      id: d.body.batchId as string,
      digest: d.body.contentDigest as string,
      done,
      pdf: (await pdfText(await artifactText(done.documents[0].pdfArtifact))).flat,
    };
  };

  it('runs a four-state breach from a faulty list to every notice, each obligation closed by its own evidence', async () => {
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
        dataElements: ['name', 'ssn'],
      });
    expect(reported.status).toBe(201);
    const id = reported.body.id as string;
    const ledger = t.app.get<Ledger>(LEDGER);
    // Item 9: with no role contacts anywhere, /health says so (degraded, with the reason) rather than escalating to placeholders silently.
    const health = await t.http().get('/health');
    expect(health.body.status).toBe('degraded');
    expect(health.body.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'role-contacts-missing', roles: expect.arrayContaining(['compliance-officer']) }),
      ]),
    );
    expect(JSON.stringify(health.body.warnings)).not.toMatch(/@/);
    const content = t.app.get(NoticeContent);
    const obligations = async () =>
      (await t.http().get(`/v1/incidents/${id}/obligations`).set(as(officer))).body.obligations as Obligation[];

    // Item 1: nobody dropped. Stripped ZIPs get their zero back, "New Jersey" becomes NJ, two rows stay unresolved and counted.
    const imported = await t.http().post(`/v1/incidents/${id}/affected`).set(as(responder)).set('Content-Type', 'text/csv').send(list.csv);
    expect(imported.status).toBe(201);
    expect(imported.body.summary).toMatchObject({
      rows: list.rows,
      accepted: list.rows - 2,
      unresolved: 2,
      byState: list.byState,
      insufficientContact: list.withoutAddress,
      deceased: 1,
      deceasedWithoutNextOfKinAddress: 0,
      languages: {
        en: list.rows - 2 - list.lettersEs - [...list.consenting.values()].filter((l) => l === 'es').length,
        es: list.lettersEs + [...list.consenting.values()].filter((l) => l === 'es').length,
      },
    });
    const report = await t.http().get(`/v1/incidents/${id}/affected/report`).set(as(officer));
    const issues = report.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; line: number; column: string; change: string });
    expect(issues.filter((i) => i.change === 'zip-leading-zero-restored').map((i) => i.line)).toEqual([2, 3, 4, 614, 622]);
    expect(report.text).not.toMatch(/Person|Beacon|Atlantis|ABCDE/);

    await t.http().post(`/v1/incidents/${id}/triage`).set(as(officer)).send({}).expect(200);
    const total = list.rows;
    expect((await t.http().get(`/v1/incidents/${id}`).set(as(officer))).body).toMatchObject({ totalAffected: total, unresolvedRows: 2 });
    const before = await obligations();
    const due = (os: Obligation[]) =>
      Object.fromEntries(os.filter((o) => o.kind === 'state-regulator-notice').map((o) => [o.obligationId, o.dueOn]));
    // Item 8: each overlay state's regulator notices are listed with a due date; those due "with the residents' notice" aim at the federal date for now.
    expect(due(before)).toEqual({
      'state.CT.ct-36a-701b.ag': '2025-05-09',
      'state.MA.ma-93h.ag-ocabr': '2025-05-09',
      'state.NJ.nj-56-8-163.state-police': '2025-05-08',
      'state.NY.ny-gbl-899-aa.ag-dos-police': '2025-05-09',
      'state.NY.ny-gbl-899-aa.ag-hhs-copy': '2025-05-16',
      'state.NY.ny-gbl-899-aa.dfs': '2025-05-09',
    });
    // 638 people: HHS is told within 60 days of discovery (not the annual log), like the individuals.
    expect(before.find((o) => o.obligationId === 'hhs-notice')!.dueOn).toBe('2025-05-09');
    expect(before.map((o) => o.obligationId)).toEqual(
      expect.arrayContaining(['individual-notice', 'substitute-notice', 'media-notice.MA', 'hhs-notice']),
    );
    expect(before.some((o) => o.obligationId.startsWith('media-notice.') && o.jurisdiction !== 'MA')).toBe(false);

    // Individual letters: the preview counts channels and languages; release waits for the unresolved rows.
    const letters = await draft(id, 'individual');
    expect(letters.status).toBe(201);
    const lettersId = letters.body.batchId as string;
    const pv = await preview(lettersId);
    expect(pv.counts.byChannel).toMatchObject({
      mail: list.letters - 1,
      'mail-next-of-kin': 1,
      email: list.consenting.size,
      substitute: list.withoutAddress,
    });
    expect(pv.counts.byLanguage.es).toBe(list.lettersEs + [...list.consenting.values()].filter((l) => l === 'es').length);
    expect(pv.counts.stateSectionFallbacks).toEqual({});
    expect(pv.untranslated).toEqual({ es: [] });
    await approve(lettersId, letters.body.contentDigest);
    const blocked = await release(lettersId);
    expect(blocked.status).toBe(422);
    expect(blocked.body.detail).toMatch(/2 row\(s\) of the affected list are unresolved/);
    const noReason = await t.http().post(`/v1/incidents/${id}/affected/unresolved/exclude`).set(as(officer)).send({ listVersion: 1 });
    expect(noReason.status).toBe(400);
    await t
      .http()
      .post(`/v1/incidents/${id}/affected/unresolved/exclude`)
      .set(as(officer))
      .send({ listVersion: 1, reason: 'Checked with the source system: neither row holds a reachable person.' })
      .expect(200);
    expect((await release(lettersId)).status).toBe(200);

    // Item 2: the media notice for MA states the incident's MA count (people without an address and the excluded row included).
    const typedMedia = await draft(id, 'media', { jurisdiction: 'MA', affected: 600 });
    expect(typedMedia.status).toBe(422);
    const media = await issue(id, 'media', { jurisdiction: 'MA' });
    expect((await content.read(media.id, media.digest)).options.affected).toBe(list.byState.MA);
    expect(media.pdf).toContain('613');

    // Item 8: the regulator notices of the states that have one addressee state the same counts.
    const regulators: Record<string, { id: string; pdf: string }> = {};
    for (const code of ['MA', 'CT', 'NJ']) {
      const r = await issue(id, 'state-regulator', { jurisdiction: code });
      expect((await content.read(r.id, r.digest)).options).toMatchObject({ affected: list.byState[code], total });
      expect(r.pdf).toContain(`${list.byState[code]} `);
      expect(r.pdf).toContain(`(${total} individuals in all)`);
      regulators[code] = r;
    }
    expect(regulators.MA!.pdf).toContain('613 Massachusetts residents');

    // Items 6 and 10: letters printed, files downloadable and reconciled; emails only to consenting people, Spanish to Spanish readers.
    await completed(lettersId);
    const files = (await t.http().get(`/v1/notices/batches/${lettersId}/print-files`).set(as(officer))).body.items as Array<{
      chunk: number;
      file: string;
      download: string;
      letters: number;
      pages: number;
      sheets: number;
      sha256: string;
      status: string;
    }>;
    const manifest = await t.http().get(`/v1/notices/batches/${lettersId}/print-files/manifest.csv`).set(as(officer));
    expect(manifest.status).toBe(200);
    const rows = manifest.text
      .trim()
      .split('\n')
      .slice(1)
      .map((r) => r.split(','));
    expect(rows).toHaveLength(list.letters);
    expect(files.reduce((n, f) => n + f.letters, 0)).toBe(list.letters);
    const printed: string[] = [];
    const pages: string[] = [];
    for (const f of files) {
      expect(f.status).toBe('printed');
      const pdf = await t
        .http()
        .get(f.download)
        .set(as(officer))
        .buffer(true)
        .parse(binary as never);
      expect(pdf.status).toBe(200);
      const body = pdf.body as Buffer;
      expect(createHash('sha256').update(body).digest('hex')).toBe(f.sha256);
      const mine = rows.filter((r) => r[0] === f.file);
      expect(mine).toHaveLength(f.letters);
      expect(mine.reduce((n, r) => n + Number(r[3]), 0)).toBe(f.pages);
      expect(mine.reduce((n, r) => n + Number(r[4]), 0)).toBe(f.sheets);
      const text = await pdfText(body);
      expect(text.pages).toBe(f.pages);
      printed.push(text.flat);
      pages.push(...(await pdfPages(body)));
    }
    const all = printed.join(' ');
    // Item 4: the types of PHI and the steps are drafted from the facts (SSN → security freeze), in both languages.
    expect((await content.read(lettersId, letters.body.contentDigest)).facts.phiInvolved).toContain('Your Social Security number');
    expect(all).toContain('Your Social Security number');
    expect(all).toContain('security freeze');
    // Item 5: no date span from a day to itself, no letter whose closing is parted from its signatory.
    expect(all).not.toMatch(/between (\w+ \d+, \d{4}) and \1/);
    for (const page of pages) if (/Sincerely,|Atentamente,/.test(page)) expect(page).toContain(org.signatory.name);
    // The deceased person's notice goes to the next of kin (45 CFR 164.404(d)(1)(ii)), naming the deceased.
    expect(all).toContain(`Dear ${list.deceased.nextOfKin},`);
    expect(all).toContain(`next of kin or personal representative of ${list.deceased.name}`);
    expect(all).not.toContain(`Dear ${list.deceased.name}`);
    expect(all.split('Aviso de violación de datos').length - 1).toBe(list.lettersEs);
    expect(all.split('Información para residentes de Massachusetts').length - 1).toBe(list.lettersEs - 2);
    expect(all.split('Información para residentes de Nueva York').length - 1).toBe(2);
    expect(all).not.toMatch(/Person Noaddr|Person Badzip|Person Nowhere|@example\.org/);

    const emails = await until(async () => (sink.received.length >= list.consenting.size ? sink.received : null), 60_000, 'emails');
    expect(emails).toHaveLength(list.consenting.size);
    for (const m of emails) {
      const to = m.envelopeTo[0]!;
      expect(list.consenting.has(to)).toBe(true);
      expect(m.parsed.subject).toBe(
        list.consenting.get(to) === 'es' ? `Aviso de violación de datos de ${org.name}` : `Notice of Data Breach from ${org.name}`,
      );
      if (list.consenting.get(to) === 'es') expect(m.parsed.text).toContain('Qué puede hacer usted');
    }
    expect(new Set(emails.map((m) => m.envelopeTo[0])).size).toBe(list.consenting.size);
    expect(emails.some((m) => m.envelopeTo.some((a) => list.notConsenting.has(a)))).toBe(false);

    // Item 7: the substitute posting, public, with its URL and 90 days.
    const sub = await draft(id, 'substitute-posting');
    expect(sub.status).toBe(201);
    const subId = sub.body.batchId as string;
    await preview(subId);
    await approve(subId, sub.body.contentDigest);
    expect((await release(subId)).status).toBe(200);
    const posting = await until(
      async () => {
        const r = await t.http().get(`/v1/notices/batches/${subId}/posting`).set(as(officer));
        return r.status === 200 ? (r.body as { url: string; slug: string; postedAt: string; takeDownAt: string }) : null;
      },
      60_000,
      'the posting',
    );
    expect(posting.url).toBe(`https://notices.riverbend.example/p/notices/${posting.slug}`);
    expect(Date.parse(posting.takeDownAt) - Date.parse(posting.postedAt)).toBe(90 * 86_400_000);
    expect(posting.postedAt.slice(0, 10)).toBe('2025-03-12');
    expect(posting.takeDownAt.slice(0, 10)).toBe('2025-06-10');
    const page = await until(
      async () => {
        const r = await t.http().get(`/p/notices/${posting.slug}`);
        return r.status === 200 ? r : null;
      },
      10_000,
      'the public page',
    );
    expect(page.text).toContain('stays posted until June 10, 2025');
    expect(page.text).toContain('1-888-555-0142');

    // Item 3: each obligation closes only with its own evidence; one wrong attempt each is 422 naming the mismatch.
    const regOf = async (code: string) =>
      (await obligations()).find((o) => o.kind === 'state-regulator-notice' && o.jurisdiction === code)!;
    const wrong: Array<[string, string, RegExp]> = [
      [media.id, 'individual-notice', /individual/],
      [lettersId, 'media-notice.MA', /is a individual batch/],
      [regulators.NJ!.id, (await regOf('CT')).obligationId, /CT/],
      [regulators.CT!.id, (await regOf('MA')).obligationId, /MA/],
      [media.id, (await regOf('NJ')).obligationId, /state-regulator/],
      [subId, 'substitute-notice', /has not yet been live for 90 days/],
    ];
    for (const [batch, obligation, why] of wrong) {
      const r = await completeWith(batch, obligation);
      expect([obligation, r.status]).toEqual([obligation, 422]);
      expect(r.body.detail).toMatch(why);
    }
    expect((await completeWith(lettersId, 'individual-notice')).status).toBe(200);
    expect((await completeWith(media.id, 'media-notice.MA')).status).toBe(200);
    for (const code of ['MA', 'CT', 'NJ'])
      expect((await completeWith(regulators[code]!.id, (await regOf(code)).obligationId)).status).toBe(200);

    // Item 2 and 7: the HHS report takes the total and the flags from the incident; closed only by the portal's confirmation.
    const hhsBase = { reportType: 'initial', individualNoticeStartDate: '2025-03-20', individualNoticeProjectedEndDate: '2025-03-31' };
    const typedHhs = await draft(id, 'hhs-report', { hhs: { ...hhsBase, affected: total - 2 } });
    expect(typedHhs.status).toBe(422);
    const hhs = await issue(id, 'hhs-report', { hhs: hhsBase });
    expect((await content.read(hhs.id, hhs.digest)).options.hhs).toMatchObject({
      affected: total,
      mediaNoticeProvided: true,
      substituteNoticeProvided: false,
    });
    const hhsJson = JSON.parse((await artifactText(hhs.done.documents[0].jsonArtifact)).toString('utf8'));
    expect(hhsJson.breach.approximateIndividualsAffected).toBe(total);
    expect(hhs.pdf).toContain(String(total));
    expect(hhs.pdf).not.toMatch(/individuals individuals/i);
    expect((await completeWith(hhs.id, 'hhs-notice')).body.detail).toMatch(/is not an HHS portal submission/);
    await t
      .http()
      .post(`/v1/notices/batches/${hhs.id}/hhs-submission`)
      .set(as(officer))
      .send({ confirmationNumber: 'HHS-BR-2025-0638', submittedOn: '2025-03-12' })
      .expect(200);
    expect((await completeWith(hhs.id, 'hhs-notice')).status).toBe(200);

    // Item 8: every state regulator notice is listed with its due date; New York's HHS-copy date follows the HHS notice.
    // Once the residents' and HHS notices are done, the relative due dates follow them: New York's HHS copy 5 business days after HHS.
    const after = await obligations();
    expect(due(after)).toEqual({
      'state.CT.ct-36a-701b.ag': '2025-03-12',
      'state.MA.ma-93h.ag-ocabr': '2025-03-12',
      'state.NJ.nj-56-8-163.state-police': '2025-03-11',
      'state.NY.ny-gbl-899-aa.ag-dos-police': '2025-03-12',
      'state.NY.ny-gbl-899-aa.ag-hhs-copy': '2025-03-19',
      'state.NY.ny-gbl-899-aa.dfs': '2025-03-12',
    });
    expect(after.filter((o) => o.kind === 'state-regulator-notice' && o.status === 'done').map((o) => o.jurisdiction)).toEqual([
      'CT',
      'MA',
      'NJ',
    ]);
    expect(after.every((o) => o.kind !== 'state-regulator-notice' || o.dueRule)).toBe(true);

    // The substitute notice closes once the posting has been live 90 days (the take-down timer runs on the clock).
    clock.advanceDays(90);
    const closedSub = await completeWith(subId, 'substitute-notice');
    expect(closedSub.status).toBe(200);

    const closedBy = (await ledger.readStream(`incident-${id}`))
      .filter((e) => e.type === 'ObligationCompleted')
      .map((e) => (e.data as { obligationId: string }).obligationId);
    expect(closedBy).toEqual(expect.arrayContaining(['individual-notice', 'media-notice.MA', 'hhs-notice', 'substitute-notice']));
  });
});
