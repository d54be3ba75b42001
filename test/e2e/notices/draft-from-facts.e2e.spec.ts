/**
 * Notice content drafted from the facts (issue 13, item 4), over HTTP on a whole Safe Harbor:
 * the types of PHI come from the imported list's columns (SSN, MRN), the incident's own data
 * elements and its dataset's declared population (card numbers); the steps from those types
 * (templates/content/en.yaml); the mitigation from the containment actually carried out; "what
 * happened" from the breach type and place, never the internal summary. The officer edits
 * before approval, and the letter says what was drafted and edited.
 */
import { generateSealKeyPair, generateSigningKeyPair } from '../../../src/shared/agent-protocol';
import { startTestApp, type TestApp } from '../../support/test-app';
import { pdfText } from '../../unit/notices/pdf-text';
import { testOrg } from '../../unit/notices/fixtures';

jest.setTimeout(120_000);

describe('notice content drafted from the facts', () => {
  let t: TestApp;
  let sec1: { id: string; apiKey: string };
  let sec2: { id: string; apiKey: string };
  let responder: { id: string; apiKey: string };
  let officer: { id: string; apiKey: string };
  const as = (who: { apiKey: string }) => ({
    get: (p: string) => t.http().get(p).set('Authorization', `Bearer ${who.apiKey}`),
    post: (p: string, body: object = {}) => t.http().post(p).set('Authorization', `Bearer ${who.apiKey}`).send(body),
    put: (p: string, body: object) => t.http().put(p).set('Authorization', `Bearer ${who.apiKey}`).send(body),
  });
  const SUMMARY = 'INTERNAL: billing laptop left in an unlocked car by a contractor; ticket SEC-4411.';

  beforeAll(async () => {
    t = await startTestApp();
    [sec1, sec2, responder, officer] = [
      await t.principal('security-officer'),
      await t.principal('security-officer'),
      await t.principal('incident-responder'),
      await t.principal('compliance-officer'),
    ];
    const tok = await as(sec1).post('/v1/agents/tokens', { agentId: 'host-draft' });
    const enrolled = await as(sec1).post('/v1/agents/enrollments', {
      token: tok.body.token,
      agentId: 'host-draft',
      publicKey: generateSigningKeyPair().publicKey,
      sealPublicKey: generateSealKeyPair().publicKey,
      hostFacts: { hostname: 'billing' },
    });
    expect(enrolled.status).toBe(201);
    expect((await as(sec2).post('/v1/agents/host-draft/approve')).status).toBe(200);
    expect((await as(sec1).post('/v1/datasets', { datasetId: 'ds-cards', agentId: 'host-draft', path: '/srv/phi/cards' })).status).toBe(
      201,
    );
    // The dataset holds card numbers: the list does not say so, the dataset does.
    const pop = await as(officer).put('/v1/datasets/ds-cards/population', {
      byState: { OH: 3 },
      dataElements: ['name', 'financial-account'],
    });
    expect(pop.status).toBe(200);
    expect((await as(sec1).post('/v1/keys', { keyId: 'key-cards', name: 'Cards', cryptoperiodDays: 90 })).status).toBe(201);
    await as(sec1).post('/v1/keys/key-cards/activate');
  }, 90_000);
  afterAll(async () => t?.close());

  it('prefills types of PHI, steps and mitigation from the list columns, the datasets and the containment; the officer edits; the letter says it', async () => {
    const inc = await as(responder).post('/v1/incidents', {
      title: 'Stolen billing laptop',
      discoveredOn: '2025-03-10',
      summary: SUMMARY,
      reporter: { kind: 'covered-entity' },
      occurred: { from: '2025-03-01', to: '2025-03-02' },
      breachType: 'theft',
      locations: ['laptop'],
      datasetIds: ['ds-cards'],
      dataElements: ['name'],
    });
    expect(inc.status).toBe(201);
    const incidentId = (inc.body.incidentId ?? inc.body.id) as string;

    // The list's own columns: SSN and MRN hold values (synthetic); "notes" is not a kind of information.
    const csv = [
      'name,line1,city,state,zip,SSN,MRN,notes',
      'Avery Okafor,1 Elm Street,Columbus,OH,43004,900-00-0001,M-1001,',
      'Jordan Lindqvist,2 Elm Street,Columbus,OH,43004,900-00-0002,M-1002,called twice',
      'Morgan Delgado,3 Elm Street,Columbus,OH,43004,,M-1003,',
    ].join('\n');
    const up = await t
      .http()
      .post(`/v1/incidents/${incidentId}/affected`)
      .set('Authorization', `Bearer ${responder.apiKey}`)
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(up.status).toBe(201);
    expect(up.body.summary.dataElements).toEqual(['ssn', 'medical-record-number']);

    // Before any containment ran, the draft says so and asks the officer to write it.
    const early = await as(officer).get(`/v1/notices/draft-facts/${incidentId}`);
    expect(early.status).toBe(200);
    expect(early.body.review).toEqual(expect.arrayContaining([expect.stringMatching(/^mitigation: no containment action/)]));

    const p = await as(sec1).post('/v1/access/containment/proposals', {
      incidentId,
      reason: 'stolen laptop held the card key',
      keyIds: ['key-cards'],
    });
    expect(p.status).toBe(201);
    const ran = await as(sec2).post(`/v1/access/containment/proposals/${p.body.containmentId}/approve`);
    expect(ran.body.outcomes.every((o: { ok: boolean }) => o.ok)).toBe(true);

    const d = await as(officer).get(`/v1/notices/draft-facts/${incidentId}`);
    expect(d.status).toBe(200);
    expect(d.body.dataElements).toEqual(['name', 'ssn', 'financial-account', 'medical-record-number']);
    expect(d.body.facts.phiInvolved).toEqual([
      'Your name',
      'Your Social Security number',
      'Your payment card or bank account number',
      'Your medical record number',
    ]);
    expect(d.body.facts.phiCategories).toEqual(['demographic', 'financial', 'clinical']);
    const steps = (d.body.facts.stepsForIndividuals as string[]).join('\n');
    expect(steps).toMatch(/security freeze/);
    expect(steps).toMatch(/fraud alert/);
    expect(steps).toMatch(/explanation of benefits/);
    expect(steps).toMatch(/Call your bank or card issuer/);
    expect(d.body.facts.mitigation).toBe(
      'We replaced the encryption keys involved. We withdrew the old keys so they can no longer unlock any data.',
    );
    expect(d.body.facts.whatHappened).toBe("A laptop computer holding our patients' health information was stolen.");
    expect(JSON.stringify(d.body)).not.toContain('SEC-4411');
    expect(d.body.review).toEqual([expect.stringMatching(/^creditMonitoring: Social Security/)]);
    expect(d.body.wording).toMatchObject({ version: 1, templatesDigest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await as(officer).get('/v1/notices/draft-facts/not-a-uuid')).status).toBe(400);

    // The officer drafts with only what the facts cannot say; everything else is drafted.
    const org = testOrg();
    const draft = await as(officer).post('/v1/notices/batches', {
      incidentId,
      fromIncident: true,
      kind: 'individual',
      letterDate: '2025-04-01',
      organization: org,
      facts: {
        investigation: 'We reported the theft to the police and hired a forensic firm.',
        prevention: 'We now encrypt every laptop.',
        safeguardsBefore: ['firewalls'],
        actionsTaken: ['Encrypted all portable devices'],
      },
    });
    expect(draft.status).toBe(201);
    const id = draft.body.batchId as string;
    const letter = async () => {
      const pv = await as(officer).post(`/v1/notices/batches/${id}/preview`);
      expect(pv.status).toBe(200);
      const href = pv.body.samples.find((s: { channel: string }) => s.channel === 'mail').href as string;
      const pdf = await t
        .http()
        .get(href)
        .set('Authorization', `Bearer ${officer.apiKey}`)
        .buffer(true)
        .parse((res, cb) => {
          const b: Buffer[] = [];
          res.on('data', (c: Buffer) => b.push(c));
          res.on('end', () => cb(null, Buffer.concat(b)));
        });
      expect(pdf.status).toBe(200);
      return (await pdfText(pdf.body as Buffer)).flat;
    };
    const text = await letter();
    expect(text).toContain('stolen');
    expect(text).toContain('Your Social Security number');
    expect(text).toContain('Your medical record number');
    expect(text).toContain('security freeze');
    expect(text).toContain('explanation of benefits');
    expect(text).toContain('We replaced the encryption keys involved.');
    expect(text).not.toContain('SEC-4411');

    // The officer reviews and edits before approval: the edit is what the letter says.
    const batch = await as(officer).get(`/v1/notices/batches/${id}`);
    const edited = d.body.facts.stepsForIndividuals.filter((s: string) => !/fraud alert/.test(s));
    const rev = await t
      .http()
      .put(`/v1/notices/batches/${id}/content`)
      .set('Authorization', `Bearer ${officer.apiKey}`)
      .set('If-Match', batch.headers.etag)
      .send({
        letterDate: '2025-04-01',
        organization: org,
        facts: {
          ...d.body.facts,
          whatHappened: `${d.body.facts.whatHappened} The laptop was password-protected but not encrypted.`,
          stepsForIndividuals: edited,
          creditMonitoring: { provider: 'Example Credit Watch', months: 24, enrollBy: '2025-07-01', code: 'RB-2025' },
          investigation: 'We reported the theft to the police and hired a forensic firm.',
          prevention: 'We now encrypt every laptop.',
          safeguardsBefore: ['firewalls'],
          actionsTaken: ['Encrypted all portable devices'],
        },
      });
    expect(rev.status).toBe(200);
    expect(rev.body.contentDigest).not.toBe(draft.body.contentDigest);
    const after = await letter();
    expect(after).toContain('but not encrypted.');
    expect(after).not.toContain('fraud alert');
    expect(after).toContain('24 months of free credit monitoring');
  });
});
