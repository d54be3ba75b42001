/**
 * Letters and emails in the recipient's language (issue 13, item 10), over HTTP on a whole Safe
 * Harbor with real Redis and the sandboxed chunk workers: an import with a `language` column
 * (English, Spanish spelled three ways, Vietnamese without templates), a batch drafted from the
 * incident whose preview counts recipients per language, a Spanish sample letter carrying all
 * five 164.404(c) elements in Spanish, and after release a Spanish email and Spanish and English
 * letters in the print file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { startTestApp, type TestApp } from '../../support/test-app';
import { testOrg } from '../../unit/notices/fixtures';
import { pdfText } from '../../unit/notices/pdf-text';

jest.setTimeout(240_000);

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('multilingual notices', () => {
  let t: TestApp;
  let responder: { id: string; apiKey: string };
  let drafter: { id: string; apiKey: string };
  let approver: { id: string; apiKey: string };
  const auth = (who: { apiKey: string }) => ({ Authorization: `Bearer ${who.apiKey}` });
  const binary = (res: NodeJS.ReadableStream, cb: (e: Error | null, b: Buffer) => void) => {
    const b: Buffer[] = [];
    res.on('data', (c: Buffer) => b.push(c));
    res.on('end', () => cb(null, Buffer.concat(b)));
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { NOTICES_EMAIL_RATE: '0' } as Record<string, string> });
    responder = await t.principal('incident-responder');
    drafter = await t.principal('compliance-officer', 'Drafter');
    approver = await t.principal('compliance-officer', 'Approver');
  }, 60_000);
  afterAll(async () => t?.close());

  it('writes to each recipient in their language, counts them per language and falls back to English', async () => {
    const inc = await t
      .http()
      .post('/v1/incidents')
      .set(auth(responder))
      .send({
        title: 'Stolen laptop',
        discoveredOn: '2025-03-10',
        summary: 'Internal: laptop stolen from a car.',
        reporter: { kind: 'covered-entity' },
        occurred: { from: '2025-03-01', to: '2025-03-02' },
        breachType: 'theft',
        locations: ['laptop'],
        dataElements: ['name', 'date-of-birth'],
      });
    expect(inc.status).toBe(201);
    const incidentId = (inc.body.incidentId ?? inc.body.id) as string;
    const csv = [
      'name,line1,city,state,zip,email,emailConsent,language,MRN',
      'Avery Okafor,1 Elm Street,Columbus,OH,43004,,,,M-1',
      'Lucía Fernández Núñez,2 Elm Street,Columbus,OH,43004,,,Español,M-2',
      'Mateo Ibáñez,3 Elm Street,Columbus,OH,43004,mateo@mail.test,yes,es-MX,M-3',
      'Thu Nguyen,4 Elm Street,Columbus,OH,43004,,,vi,M-4',
    ].join('\n');
    const up = await t.http().post(`/v1/incidents/${incidentId}/affected`).set(auth(responder)).set('Content-Type', 'text/csv').send(csv);
    expect(up.status).toBe(201);
    expect(up.body.summary.languages).toEqual({ en: 1, es: 2, vi: 1 });
    expect((await t.http().post(`/v1/incidents/${incidentId}/triage`).set(auth(drafter)).send({})).status).toBe(200);

    // Drafted from the incident in both languages; the officer translates what only they wrote.
    const draft = await t
      .http()
      .post('/v1/notices/batches')
      .set(auth(drafter))
      .send({
        incidentId,
        fromIncident: true,
        kind: 'individual',
        letterDate: '2025-04-01',
        organization: testOrg(),
        facts: {
          investigation: 'We reported the theft to the police and hired a forensic firm.',
          prevention: 'We now encrypt every laptop.',
          safeguardsBefore: ['firewalls'],
          actionsTaken: ['Encrypted all portable devices'],
          translations: {
            es: {
              investigation: 'Denunciamos el robo a la policía y contratamos a una empresa forense.',
              prevention: 'Ahora ciframos todas las computadoras portátiles.',
            },
          },
        },
      });
    expect(draft.status).toBe(201);
    const id = draft.body.batchId as string;
    const preview = await t.http().post(`/v1/notices/batches/${id}/preview`).set(auth(drafter)).send();
    expect(preview.status).toBe(200);
    expect(preview.body.counts.byLanguage).toEqual({ en: 2, es: 2 });
    expect(preview.body.counts.languageFallbacks).toEqual({ vi: 1 });
    expect(preview.body.untranslated).toEqual({ es: [] });
    type Sample = { channel: string; language?: string; href: string };
    const samples = preview.body.samples as Sample[];
    expect([...new Set(samples.map((s) => `${s.channel}.${s.language}`))].sort()).toEqual(['email.es', 'mail.en', 'mail.es']);

    // The Spanish sample letter: Spanish text and all five elements of 164.404(c).
    const sample = async (s: Sample) =>
      (
        await t
          .http()
          .get(s.href)
          .set(auth(approver))
          .buffer(true)
          .parse(binary as never)
      ).body as Buffer;
    const es = (await pdfText(await sample(samples.find((s) => s.channel === 'mail' && s.language === 'es')!))).flat;
    expect(es).toContain('Aviso de violación de datos');
    expect(es).toContain('Estimado/a Lucía Fernández Núñez:');
    expect(es).toContain('1 de abril de 2025');
    // (A)
    expect(es).toContain('Robaron una computadora portátil con información de salud de nuestros pacientes.');
    expect(es).toContain('El incidente ocurrió entre el 1 de marzo de 2025 y el 2 de marzo de 2025');
    expect(es).toContain('Lo descubrimos el 10 de marzo de 2025');
    // (B)
    expect(es).toContain('Su fecha de nacimiento');
    expect(es).toContain('Su número de expediente médico');
    // (C)
    expect(es).toContain('explicaciones de beneficios');
    // (D)
    expect(es).toContain('Investigación: Denunciamos el robo a la policía');
    expect(es).toContain('Para limitar el daño: Estamos revisando lo sucedido');
    expect(es).toContain('Para evitar que vuelva a ocurrir: Ahora ciframos');
    // (E)
    expect(es).toContain('Llame gratis al: 1-888-555-0142');
    expect(es).toContain('privacy@riverbend.example');
    expect(es).not.toContain('What happened');
    const en = (await pdfText(await sample(samples.find((s) => s.channel === 'mail' && s.language === 'en')!))).flat;
    expect(en).toContain('Notice of Data Breach');
    expect(en).toContain("A laptop computer holding our patients' health information was stolen.");

    await t
      .http()
      .post(`/v1/notices/batches/${id}/approve`)
      .set(auth(approver))
      .send({ contentDigest: draft.body.contentDigest })
      .expect(200);
    await t.http().post(`/v1/notices/batches/${id}/release`).set(auth(drafter)).send().expect(200);
    await until(
      async () => (await t.http().get(`/v1/notices/batches/${id}`).set(auth(drafter))).body.status === 'completed',
      180_000,
      'delivery',
    );

    // The Spanish speaker who agreed to email got it in Spanish.
    const emails = readdirSync(t.config.outboxDir).filter((f) => f.endsWith('.eml'));
    expect(emails).toHaveLength(1);
    const mail = await simpleParser(readFileSync(join(t.config.outboxDir, emails[0]!)));
    expect(mail.subject).toBe('Aviso de violación de datos de Riverbend Community Health');
    expect(mail.text).toContain('Qué puede hacer usted');
    expect(mail.html).toContain('lang="es"');

    // The print file holds the three letters: one Spanish, two English (one a fallback from Vietnamese).
    const files = await t.http().get(`/v1/notices/batches/${id}/print-files`).set(auth(drafter));
    const texts: string[] = [];
    for (const f of files.body.items as Array<{ download: string }>) {
      const pdf = await t
        .http()
        .get(f.download)
        .set(auth(drafter))
        .buffer(true)
        .parse(binary as never);
      expect(pdf.status).toBe(200);
      texts.push((await pdfText(pdf.body as Buffer)).flat);
    }
    const all = texts.join(' ');
    expect(all.split('Aviso de violación de datos').length - 1).toBe(1);
    expect(all.split('Notice of Data Breach').length - 1).toBe(2);
    expect(all).toContain('Dear Thu Nguyen');
  });
});
