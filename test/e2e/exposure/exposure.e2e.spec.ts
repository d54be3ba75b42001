/**
 * Dataset populations and exposure over HTTP and the CLI, on a real app (SQLite ledger, Redis):
 * declare with If-Match, staleness on the injected clock, recertify; "leaked today" figures with
 * the safe harbor taken from the ledger (a dataset the agent reported encrypted under an active
 * key owes nothing), ranked, with the cost model shown; a section in the posture.
 */
import { CommandBus } from '@nestjs/cqrs';
import { runCli } from '../../../src/cli/main';
import { RecordDatasetFactCommand } from '../../../src/datasets';
import { FakeClock } from '../../../src/platform/clock';
import { generateSealKeyPair, generateSigningKeyPair } from '../../../src/shared/agent-protocol';
import { startTestApp, type TestApp } from '../../support/test-app';

describe('dataset population and exposure', () => {
  let t: TestApp;
  const clock = new FakeClock('2026-12-04T15:00:00.000Z');
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };
  let comp: { id: string; apiKey: string };
  const saved = { ...process.env };
  const as = (who: { apiKey: string }) => ({
    get: (p: string) => t.http().get(p).set('Authorization', `Bearer ${who.apiKey}`),
    post: (p: string, body: object = {}) => t.http().post(p).set('Authorization', `Bearer ${who.apiKey}`).send(body),
    put: (p: string, body: object, ifMatch?: string) => {
      const r = t.http().put(p).set('Authorization', `Bearer ${who.apiKey}`);
      if (ifMatch) r.set('If-Match', ifMatch);
      return r.send(body);
    },
  });

  beforeAll(async () => {
    t = await startTestApp({ clock });
    [a, b, comp] = [await t.principal('security-officer'), await t.principal('security-officer'), await t.principal('compliance-officer')];
    const tok = await as(a).post('/v1/agents/tokens', { agentId: 'host-ex' });
    const enrolled = await as(a).post('/v1/agents/enrollments', {
      token: tok.body.token,
      agentId: 'host-ex',
      publicKey: generateSigningKeyPair().publicKey,
      sealPublicKey: generateSealKeyPair().publicKey,
      hostFacts: { hostname: 'ex' },
    });
    expect(enrolled.status).toBe(201);
    expect((await as(b).post('/v1/agents/host-ex/approve')).body.status).toBe('active');
    for (const d of ['ds-claims', 'ds-labs', 'ds-empty'])
      expect((await as(a).post('/v1/datasets', { datasetId: d, agentId: 'host-ex', path: `/srv/phi/${d}` })).status).toBe(201);
    Object.assign(process.env, {
      DATA_DIR: t.config.dataDir,
      MASTER_KEY_FILE: t.config.masterKeyPath,
      REDIS_URL: t.config.REDIS_URL,
      REDIS_PREFIX: t.config.REDIS_PREFIX,
      LOG_LEVEL: 'silent',
    });
  }, 60_000);
  afterAll(async () => {
    process.env = saved;
    await t?.close();
  });

  const TX600 = { byState: { TX: 600 }, dataElements: ['name', 'ssn', 'medical-record-number'] };

  it('declares a population with If-Match, refuses bad input naming the field', async () => {
    const before = await as(comp).get('/v1/datasets/ds-claims');
    expect(before.body.population).toBeNull();
    const stale = await as(comp).put('/v1/datasets/ds-claims/population', TX600, '"999"');
    expect(stale.status).toBe(409);
    const bad = await as(comp).put('/v1/datasets/ds-claims/population', { ...TX600, byState: { ZZ: 3 } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('byState');
    const bad2 = await as(comp).put('/v1/datasets/ds-claims/population', { ...TX600, dataElements: ['password'] });
    expect([bad2.status, JSON.stringify(bad2.body)]).toEqual([400, expect.stringContaining('dataElements')]);
    expect((await as(comp).get('/v1/datasets/ds-claims')).headers.etag).toBe(before.headers.etag);

    const ok = await as(comp).put('/v1/datasets/ds-claims/population', TX600, before.headers.etag);
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).not.toBe(before.headers.etag);
    expect(ok.body.population).toMatchObject({
      byState: { TX: 600 },
      dataElements: ['name', 'ssn', 'medical-record-number'],
      recordForms: ['electronic'],
      source: 'declared',
      declaredBy: comp.id,
      status: { total: 600, certifiedOn: '2026-12-04', stale: false, recertifyBy: '2027-06-02' },
    });
    expect((await as(a).put('/v1/datasets/ds-labs/population', TX600)).status).toBe(200);
  });

  it('exposure: the unencrypted dataset owes media, HHS now, the Texas AG in 30 days; the encrypted one owes nothing', async () => {
    // The agent's verified result (what the agent-results processor records) under an active key.
    expect((await as(a).post('/v1/keys', { keyId: 'key-ex', name: 'Labs' })).status).toBe(201);
    expect((await as(a).post('/v1/keys/key-ex/activate')).body.status).toBe('active');
    await t.app.get(CommandBus).execute(
      new RecordDatasetFactCommand(
        'ds-labs',
        {
          kind: 'record-encrypted',
          keyId: 'key-ex',
          keyVersion: 1,
          files: 4,
          manifestDigest: 'b'.repeat(64),
          keyApart: true,
          cleartextRemaining: 0,
          commandId: 'cmd-ex-1',
          at: clock.now().toISOString(),
        },
        { actor: { id: 'agent:host-ex', role: 'agent' }, correlationId: 'cmd-ex-1' },
      ),
    );
    clock.advance(60_000);

    const r = await as(comp).get('/v1/exposure');
    expect(r.status).toBe(200);
    expect(r.body.costModel).toMatchObject({ currency: 'USD', printPerLetter: 0.35, postagePerLetter: 0.78, callCenterPer1000: 2000 });
    expect(r.body.withoutPopulation).toEqual(['ds-empty']);
    expect(r.body.datasets.map((x: { datasetIds: string[] }) => x.datasetIds[0])).toEqual(['ds-claims', 'ds-labs']);
    const [claims, labs] = r.body.datasets;
    expect(claims).toMatchObject({ today: 'unsecured', individuals: 600, costToday: 11578, encryptionWouldSave: 11578 });
    expect(claims.unsecured).toMatchObject({
      mediaNotice: [{ jurisdiction: 'TX', residents: 600 }],
      hhsNotice: { timing: 'contemporaneous', dueOn: '2027-02-02' },
      stateRegulators: [{ jurisdiction: 'TX', dueOn: '2027-01-03' }],
      daysAvailable: 30,
      cost: { creditMonitoring: 7200, total: 11578 },
    });
    expect(labs).toMatchObject({ today: 'secured', costToday: 0, secured: { breach: false, obligations: [], stateObligations: [] } });
    expect(labs.safeHarborReasons.join(' ')).toContain('key-ex');
    expect(r.body.totals).toEqual({ individuals: 1200, costToday: 11578, costIfAllEncrypted: 0, encryptionWouldSave: 11578 });

    // A set leaked together: one unencrypted member takes the set out of safe harbor.
    const set = await as(comp).get('/v1/exposure?datasets=ds-claims,ds-labs&postagePerLetter=0.5');
    expect(set.body.costModel.postagePerLetter).toBe(0.5);
    expect(set.body.combined).toMatchObject({ datasetIds: ['ds-claims', 'ds-labs'], today: 'unsecured', individuals: 1200 });
    expect(set.body.combined.unsecured.cost.letters).toBe(1200 * 0.85);

    const unknown = await as(comp).get('/v1/exposure?datasets=ds-nope');
    expect([unknown.status, JSON.stringify(unknown.body)]).toEqual([400, expect.stringContaining('datasets')]);
    expect((await as(comp).get('/v1/exposure?postage=1')).status).toBe(400);
    expect((await as(comp).get('/v1/exposure?perEmail=-1')).status).toBe(400);
  });

  it('posture shows the exposure and the populations to recertify; recertifying clears the flag', async () => {
    const p = await as(comp).get('/v1/posture');
    const section = (k: string) => p.body.sections.find((s: { key: string }) => s.key === k);
    expect(section('exposure')).toMatchObject({ available: true, attention: 1 });
    expect(section('exposure').rows[0]).toMatchObject({ dataset: 'ds-claims', individuals: 600, safeHarbor: false, costToday: 11578 });
    expect(section('dataset-populations').rows).toEqual([expect.objectContaining({ datasetId: 'ds-empty', status: 'not declared' })]);

    clock.advance(181 * 86_400_000);
    const later = await as(comp).get('/v1/posture');
    const pops = later.body.sections.find((s: { key: string }) => s.key === 'dataset-populations').rows;
    expect(pops.map((r: { datasetId: string; status: string }) => [r.datasetId, r.status])).toEqual([
      ['ds-claims', 'stale'],
      ['ds-empty', 'not declared'],
      ['ds-labs', 'stale'],
    ]);
    const ds = await as(comp).get('/v1/datasets/ds-claims');
    expect(ds.body.population.status.stale).toBe(true);
    const re = await t
      .http()
      .post('/v1/datasets/ds-claims/population/recertify')
      .set('Authorization', `Bearer ${comp.apiKey}`)
      .set('If-Match', ds.headers.etag);
    expect(re.status).toBe(200);
    expect(re.body.population).toMatchObject({ status: { stale: false, ageDays: 0 }, certifiedBy: comp.id, declaredBy: comp.id });
    expect((await as(comp).get('/v1/exposure?datasets=ds-claims')).body.datasets[0].populationStale).toBe(false);
  });

  it('the CLI declares a population and prints the ranked table with the cost model', async () => {
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const [w, we] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
      process.stdout.write = ((s: string) => (out.push(String(s)), true)) as never;
      process.stderr.write = ((s: string) => (err.push(String(s)), true)) as never;
      try {
        return { code: await runCli(['--api-key', comp.apiKey, ...args]), out: out.join(''), err: err.join('') };
      } finally {
        process.stdout.write = w;
        process.stderr.write = we;
      }
    };
    const bad = await run('datasets', 'population', 'ds-empty', '--state', 'TX600', '--elements', 'name');
    expect([bad.code, bad.err]).toEqual([2, expect.stringContaining('--state')]);
    const decl = await run('datasets', 'population', 'ds-empty', '--state', 'OK=20', '--elements', 'name,medical', '--email-agreed', '5');
    expect(decl.code).toBe(0);
    expect(JSON.parse(decl.out).population).toMatchObject({ byState: { OK: 20 }, emailAgreed: 5 });
    const table = await run('exposure');
    expect(table.code).toBe(0);
    const lines = table.out.split('\n');
    expect(lines[0]).toMatch(/^Exposure if leaked today/);
    expect(lines.findIndex((l) => l.startsWith('ds-claims'))).toBeLessThan(lines.findIndex((l) => l.startsWith('ds-empty')));
    expect(table.out).toContain('Cost model: letter 0.35 print + 0.78 postage');
    const one = await run('exposure', '--dataset', 'ds-empty', '--json');
    expect(JSON.parse(one.out).datasets[0]).toMatchObject({
      datasetIds: ['ds-empty'],
      individuals: 20,
      unsecured: { emails: 5, letters: 15 },
    });
  });
});
