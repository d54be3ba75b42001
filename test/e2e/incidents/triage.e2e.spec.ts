import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../support/test-app';

const REPO = join(__dirname, '../../..');

/** Runs the real CLI in a child process (so stdout bytes and the exit code are the real ones). */
function cli(args: string[], stdin?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-r', join(REPO, 'scripts/swc-register.js'), join(REPO, 'src/cli/main.ts'), ...args], {
    input: stdin,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const EXAMPLE_1 = {
  reporter: 'covered-entity',
  discoveredOn: '2025-03-10',
  occurredOn: '2025-03-01',
  affectedByState: { OH: 120, unknown: 3 },
  exception: null,
  safeguards: { encryption: null, keyCompromised: false, destruction: null },
  riskAssessment: { complete: true, lowProbabilityOfCompromise: false },
  insufficientContact: 6,
  imminentMisuse: false,
  lawEnforcementDelay: null,
  lawEnforcementPolicy: 'toll',
  businessAssociateIsAgent: false,
};

const INPUTS: Array<[string, unknown]> = [
  ['worked example 1', EXAMPLE_1],
  ['worked example 2', { ...EXAMPLE_1, safeguards: { encryption: 'nist-800-111', keyCompromised: false } }],
  ['worked example 3', { reporter: 'business-associate', discoveredOn: '2025-04-01', affectedByState: { TX: 3000 } }],
  [
    'multi-state with hold and overlays',
    {
      reporter: 'covered-entity',
      discoveredOn: '2026-02-27',
      affectedByState: { CA: 700, NY: 12, TX: 260, VT: 3, unknown: 40 },
      insufficientContact: 25,
      imminentMisuse: true,
      lawEnforcementDelay: { statement: 'oral', madeOn: '2026-03-02' },
      lawEnforcementPolicy: 'strict',
    },
  ],
];

describe('triage contract: CLI and HTTP give the same bytes', () => {
  let t: TestApp;
  let key: string;
  let dir: string;
  beforeAll(async () => {
    t = await startTestApp();
    key = (await t.principal('compliance-officer')).apiKey;
    dir = mkdtempSync(join(tmpdir(), 'triage-cli-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(INPUTS)('%s', async (name, input) => {
    const res = await t
      .http()
      .post('/v1/triage/evaluate')
      .set('Authorization', `Bearer ${key}`)
      .send(input as object);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const file = join(dir, `${name.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(input, null, 2));
    const fromFile = cli(['triage', '--input', file]);
    expect(fromFile.stderr).toBe('');
    expect(fromFile.status).toBe(0);
    expect(fromFile.stdout).toBe(res.text);
    if (name === 'multi-state with hold and overlays') {
      const fromStdin = cli(['triage', '--input', '-'], JSON.stringify(input));
      expect(fromStdin.status).toBe(0);
      expect(fromStdin.stdout).toBe(res.text);
    }
  });

  it('--explain and ?explain=true give the same bytes: every jurisdiction explained with rule version, citation and sources', async () => {
    const input = {
      reporter: 'covered-entity',
      discoveredOn: '2026-03-10',
      affectedByState: { MA: 700, OH: 120, AS: 2, unknown: 5 },
      dataElements: ['name', 'ssn'],
      recordForms: ['electronic'],
    };
    const res = await t.http().post('/v1/triage/evaluate?explain=true').set('Authorization', `Bearer ${key}`).send(input);
    expect(res.status).toBe(200);
    const r = cli(['triage', '--input', '-', '--explain'], JSON.stringify(input));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(res.text);
    const body = JSON.parse(res.text);
    expect(Object.keys(body).pop()).toBe('explain');
    expect(body.explain.unknownState).toBe(5);
    const byCode = Object.fromEntries(body.explain.jurisdictions.map((j: { jurisdiction: string }) => [j.jurisdiction, j]));
    expect(Object.keys(byCode)).toEqual(['AS', 'MA', 'OH']);
    expect(byCode.AS.rules[0].why).toContain('no overlay for AS');
    expect(byCode.OH.rules[0]).toMatchObject({ ruleVersion: 'OH-1349.19@2007-03-30', applies: false });
    expect(byCode.MA.rules[0]).toMatchObject({
      ruleVersion: 'MA-93H@2019-04-11',
      statute: 'M.G.L. c. 93H §§ 1–6 (as amended by St. 2018, c. 444)',
      applies: true,
    });
    expect(byCode.MA.rules[0].sources[0]).toMatchObject({ consulted: '2026-12-04' });
    expect(byCode.MA.rules[0].duties.find((d: { duty: string }) => d.duty === 'ma-93h.ag-ocabr')).toMatchObject({
      owed: true,
      citation: 'M.G.L. c. 93H §§ 3(b), 5',
    });
    // Without the flag the same input answers without the section.
    const plain = await t.http().post('/v1/triage/evaluate').set('Authorization', `Bearer ${key}`).send(input);
    expect('explain' in plain.body).toBe(false);
  });

  it('?explain with a value other than true/false is a 400 naming the parameter', async () => {
    const res = await t.http().post('/v1/triage/evaluate?explain=maybe').set('Authorization', `Bearer ${key}`).send(EXAMPLE_1);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('explain');
  });

  it('HTTP: a body that is not JSON is a 400 problem', async () => {
    const res = await t
      .http()
      .post('/v1/triage/evaluate')
      .set('Authorization', `Bearer ${key}`)
      .set('Content-Type', 'application/json')
      .send('{"reporter":');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('worked example 1 is the contract output, exactly', async () => {
    const res = await t.http().post('/v1/triage/evaluate').set('Authorization', `Bearer ${key}`).send(EXAMPLE_1);
    expect(res.text).toBe(
      '{"breach":true,"basis":"presumed","ruleSet":"hitech-2013","ruleVersion":"1","totalAffected":123,"hold":null,"obligations":[' +
        '{"kind":"individual-notice","dueOn":"2025-05-09","citation":"45 CFR 164.404"},' +
        '{"kind":"substitute-notice","form":"alternative","people":6,"dueOn":"2025-05-09","citation":"45 CFR 164.404(d)(2)"},' +
        '{"kind":"hhs-notice","timing":"annual","dueOn":"2026-03-01","citation":"45 CFR 164.408(c)"}],"stateObligations":[]}\n',
    );
  });

  it.each([
    ['unknown state code', { ...EXAMPLE_1, affectedByState: { QQ: 3 } }, 'affectedByState.QQ'],
    ['unknown field', { ...EXAMPLE_1, notes: 'x' }, 'notes'],
    ['impossible date', { ...EXAMPLE_1, discoveredOn: '2025-02-30' }, 'discoveredOn'],
    ['negative count', { ...EXAMPLE_1, insufficientContact: -1 }, 'insufficientContact'],
  ])('invalid input (%s): HTTP 400 problem+json and CLI exit 2 both name the field', async (_n, input, field) => {
    const res = await t.http().post('/v1/triage/evaluate').set('Authorization', `Bearer ${key}`).send(input);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(res.body)).toContain(field);
    const r = cli(['triage', '--input', '-'], JSON.stringify(input));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(field);
  });

  it('CLI: malformed JSON and a missing file exit 2', () => {
    expect(cli(['triage', '--input', '-'], '{"reporter":').status).toBe(2);
    expect(cli(['triage', '--input', join(dir, 'missing.json')]).status).toBe(2);
  });

  it("overlays validate: a lawyer's edit with a bad field exits 2 naming the file, the field and the line", () => {
    const bad = join(dir, 'overlays');
    mkdirSync(bad);
    const ma = readFileSync(join(REPO, 'workflows/state-overlays/MA.yaml'), 'utf8')
      .replace('threshold:', 'treshold:')
      .replace('effect: deemed', 'effect: deemd');
    writeFileSync(join(bad, 'MA.yaml'), ma);
    const r = cli(['overlays', 'validate', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/state overlay MA\.yaml: rules\.0\.versions\.0\.hipaa\.effect: .*\(line \d+\)/);
  });

  it('HTTP needs an API key', async () => {
    const res = await t.http().post('/v1/triage/evaluate').send(EXAMPLE_1);
    expect(res.status).toBe(401);
  });
});
