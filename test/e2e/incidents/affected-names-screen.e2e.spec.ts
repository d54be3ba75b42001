/**
 * Issue 14, item 7: free text naming someone on the incident's affected list is refused (422
 * naming the field, never echoing the name) unless confirmed, and the confirmation is recorded.
 * Real SQLite, Redis and artifact store; the list is generated here.
 */
import { LEDGER, type Ledger } from '../../../src/ledger/ledger';
import { AffectedNamesService } from '../../../src/incidents';
import { startTestApp, type TestApp } from '../../support/test-app';

jest.setTimeout(120_000);

const LISTED = 'Jane Q Example';
const ACCENTED = 'Renée Ångström';

function listCsv(names: string[]): string {
  const rows = ['name,line1,city,state,zip'];
  names.forEach((n, i) => rows.push(`${n},${i + 1} Elm St,Columbus,OH,43004`));
  return rows.join('\n') + '\n';
}

const others = Array.from(
  { length: 40 },
  (_, i) => `Given${String.fromCharCode(65 + (i % 26))}x Family${String.fromCharCode(65 + ((i * 7) % 26))}y`,
);

describe('free text is screened against the incident’s affected people', () => {
  let t: TestApp;
  let responder: { id: string; apiKey: string };
  let officer: { id: string; apiKey: string };
  const as = (p: { apiKey: string }) => ({ Authorization: `Bearer ${p.apiKey}` });

  beforeAll(async () => {
    t = await startTestApp();
    responder = await t.principal('incident-responder');
    officer = await t.principal('compliance-officer');
  });
  afterAll(async () => {
    await t.close();
  });

  async function incident(): Promise<string> {
    const r = await t
      .http()
      .post('/v1/incidents')
      .set(as(responder))
      .send({
        title: 'Misdirected mailing',
        discoveredOn: '2025-03-10',
        summary: 'Statements went to old addresses.',
        reporter: { kind: 'covered-entity' },
      });
    expect(r.status).toBe(201);
    return r.body.id as string;
  }

  async function importList(id: string, names: string[]): Promise<void> {
    const r = await t.http().post(`/v1/incidents/${id}/affected`).set(as(responder)).set('Content-Type', 'text/csv').send(listCsv(names));
    expect(r.status).toBe(201);
  }

  it('refuses a listed name in a summary, accepts it confirmed (recorded), and accepts a name not on the list', async () => {
    const id = await incident();
    await importList(id, [...others, LISTED, ACCENTED]);
    const patch = (summary: string, confirmed = false) =>
      t
        .http()
        .patch(`/v1/incidents/${id}`)
        .set(as(responder))
        .send({ summary, ...(confirmed ? { phiConfirmed: true } : {}) });

    const refused = await patch('Called back jane   EXAMPLE about the envelope.');
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body.type).toBe('urn:safeharbor:problem:possible-phi');
    expect(refused.body.fields).toEqual([{ field: 'summary', kinds: ['name'] }]);
    expect(JSON.stringify(refused.body)).not.toMatch(/jane|example/i);

    // Nothing was stored by the refused write.
    expect((await t.http().get(`/v1/incidents/${id}`).set(as(officer))).body.summary).toBe('Statements went to old addresses.');

    const confirmed = await patch('Called back Jane Example about the envelope.', true);
    expect(confirmed.status).toBe(200);
    expect((await t.http().get(`/v1/incidents/${id}`).set(as(officer))).body.summary).toBe('Called back Jane Example about the envelope.');
    const recorded = await t.app.get<Ledger>(LEDGER).readStream(`phiconfirm-${responder.id}`);
    expect(recorded.map((e) => e.type)).toEqual(['FreeTextPhiConfirmed']);
    expect(recorded[0]!.data).toMatchObject({
      principalId: responder.id,
      method: 'PATCH',
      route: '/v1/incidents/:id',
      params: { id },
      fields: [{ field: 'summary', kinds: ['name'] }],
    });
    expect(JSON.stringify(recorded[0]!.data)).not.toMatch(/jane|example/i);

    // A name that is not on the list, and the listed surname alone, pass.
    expect((await patch('Called back John Other; the Example envelope was returned.')).status).toBe(200);
    expect(await t.app.get<Ledger>(LEDGER).readStream(`phiconfirm-${responder.id}`)).toHaveLength(1);
  });

  it('screens every write that names the incident: rationales, a notice draft, a risk candidate; accents and "Last, First" too', async () => {
    const id = await incident();
    await importList(id, [...others, LISTED, ACCENTED]);
    const exception = await t
      .http()
      .post(`/v1/incidents/${id}/exception-assessment`)
      .set(as(responder))
      .send({ exception: null, rationale: 'renee angstrom opened the envelope' });
    expect(exception.status).toBe(422);
    expect(exception.body.fields).toEqual([{ field: 'rationale', kinds: ['name'] }]);

    const factor = { risk: 'high', rationale: 'Mail reached a neighbour.' };
    const risk = await t
      .http()
      .post(`/v1/incidents/${id}/risk-assessment`)
      .set(as(responder))
      .send({
        factors: {
          natureAndExtent: factor,
          unauthorizedRecipient: factor,
          acquiredOrViewed: factor,
          mitigation: { risk: 'low', rationale: 'EXAMPLE, Jane returned it.' },
        },
        lowProbabilityOfCompromise: false,
      });
    expect(risk.status).toBe(422);
    expect(risk.body.fields).toEqual([{ field: 'factors.mitigation.rationale', kinds: ['name'] }]);

    const draft = await t
      .http()
      .post('/v1/notices/batches')
      .set(as(officer))
      .send({
        incidentId: id,
        fromIncident: true,
        kind: 'individual',
        letterDate: '2025-03-20',
        facts: { whatHappened: 'A letter for Jane Example went astray.' },
      });
    expect(draft.status).toBe(422);
    expect(draft.body.fields).toEqual([{ field: 'facts.whatHappened', kinds: ['name'] }]);

    const candidate = await t
      .http()
      .post('/v1/risk/candidates')
      .set(as(officer))
      .send({
        origin: 'incident',
        sourceRef: { kind: 'incident', id },
        code: 'misdirected-mail',
        title: 'Mail for Renée Ångström misdirected',
        severity: 'moderate',
      });
    expect(candidate.status).toBe(422);
    expect(candidate.body.fields).toEqual([{ field: 'title', kinds: ['name'] }]);
  });

  it('uses each incident’s own list, and a re-imported list replaces the names', async () => {
    const a = await incident();
    const b = await incident();
    await importList(a, [...others, LISTED]);
    const amend = (id: string) => t.http().patch(`/v1/incidents/${id}`).set(as(responder)).send({ summary: 'Jane Example phoned.' });
    expect((await amend(a)).status).toBe(422);
    expect((await amend(b)).status).toBe(200); // b has no list
    await importList(a, others); // version 2 without her
    expect((await amend(a)).status).toBe(200);
    await importList(b, [LISTED]);
    expect((await t.http().patch(`/v1/incidents/${b}`).set(as(responder)).send({ summary: 'Spoke to Jane Q. Example.' })).status).toBe(422);
    // Only keyed tables are cached, bounded by the LRU limits.
    const stats = t.app.get(AffectedNamesService).stats();
    expect(stats.incidents).toBeGreaterThanOrEqual(2);
    expect(stats.incidents).toBeLessThanOrEqual(16);
  });
});
