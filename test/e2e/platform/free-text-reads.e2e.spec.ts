/**
 * Issue 14, items 7 and 10: opening sealed free text in a response is a read of PHI, recorded once
 * per response after the data was found (a 404 records nothing, a reader who cannot open it records
 * nothing); names of keys, assets and programs are sealed like other free text; an event written in
 * clear before sealing (appended here the old way, by a ledger without the sealer) is hidden from
 * the auditor and counted by `safeharbor phi legacy-text`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { FakeClock } from '../../../src/platform/clock';
import { LEDGER, Ledger } from '../../../src/ledger/ledger';
import type { EventRegistry } from '../../../src/ledger/registry';
import type { EventStore } from '../../../src/ledger/port';
import { EVENT_REGISTRY, EVENT_STORE } from '../../../src/platform/tokens';
import { runCliProcess } from '../../support/cli';
import { startTestApp, type TestApp } from '../../support/test-app';

jest.setTimeout(120_000);

const SEALED = '[sealed free text]';
const LEGACY = '[unsealed legacy text]';

describe('free text opened in a response is a recorded read of PHI', () => {
  const clock = new FakeClock('2025-03-10T14:00:00.000Z');
  let t: TestApp;
  let responder: { id: string; apiKey: string };
  let auditor: { id: string; apiKey: string };
  let officer: { id: string; apiKey: string };
  let security: { id: string; apiKey: string };
  const as = (p: { apiKey: string }) => ({ Authorization: `Bearer ${p.apiKey}` });
  const reads = async (p: { id: string }) =>
    (await t.app.get<Ledger>(LEDGER).readStream(`phiaccess-${p.id}`)).filter((e) => e.type === 'PhiAccessed');
  // Synthetic words made up by the test: found in the ledger only if sealing failed.
  const suffix = Math.random().toString(36).slice(2, 8);
  const TITLE = `Tablet misplaced in ward ${suffix}`;
  const SUMMARY = `Device left on a cart overnight ${suffix}`;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    responder = await t.principal('incident-responder');
    auditor = await t.principal('auditor');
    officer = await t.principal('compliance-officer');
    security = await t.principal('security-officer');
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
  });

  let incidentId = '';

  it('a PHI reader GET of an incident writes exactly one read record naming the scope and fields, never the text', async () => {
    const created = await t
      .http()
      .post('/v1/incidents')
      .set(as(responder))
      .send({ title: TITLE, summary: SUMMARY, discoveredOn: '2025-03-09', reporter: { kind: 'covered-entity' } });
    expect(created.status).toBe(201);
    incidentId = created.body.id as string;
    const before = (await reads(responder)).length;

    const got = await t.http().get(`/v1/incidents/${incidentId}`).set(as(responder));
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ title: TITLE, summary: SUMMARY });

    const after = await reads(responder);
    expect(after).toHaveLength(before + 1);
    const rec = after[after.length - 1]!;
    expect(rec.data).toMatchObject({
      principalId: responder.id,
      method: 'GET',
      route: '/v1/incidents/:id',
      params: { id: incidentId },
      freeText: { scopes: [`incident:${incidentId}`] },
    });
    const fields = (rec.data as { freeText: { fields: string[] } }).freeText.fields;
    expect(fields).toEqual(expect.arrayContaining(['title', 'summary']));
    expect(JSON.stringify(rec.data)).not.toContain(suffix);
  });

  it('a 404 writes no read record', async () => {
    const before = (await reads(responder)).length;
    const missing = await t.http().get('/v1/incidents/01936f1e-0000-7000-8000-00000000dead').set(as(responder));
    expect(missing.status).toBe(404);
    expect(await reads(responder)).toHaveLength(before);
  });

  it('a list response writes one record listing the scopes, not one per row', async () => {
    const second = await t
      .http()
      .post('/v1/incidents')
      .set(as(responder))
      .send({ title: `Second ${TITLE}`, summary: SUMMARY, discoveredOn: '2025-03-09', reporter: { kind: 'covered-entity' } });
    expect([second.status, second.body]).toEqual([201, expect.anything()]);
    const before = (await reads(responder)).length;
    const list = await t.http().get('/v1/incidents').set(as(responder));
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThanOrEqual(2);
    const after = await reads(responder);
    expect(after).toHaveLength(before + 1);
    const scopes = (after[after.length - 1]!.data as { freeText: { scopes: string[] } }).freeText.scopes;
    expect(scopes).toEqual(expect.arrayContaining([`incident:${incidentId}`, `incident:${second.body.id}`]));
  });

  it("an auditor's GET writes no read record and shows the sealed marker", async () => {
    const got = await t.http().get(`/v1/incidents/${incidentId}`).set(as(auditor));
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ title: SEALED, summary: SEALED });
    expect(JSON.stringify(got.body)).not.toContain(suffix);
    expect(await reads(auditor)).toHaveLength(0);
  });

  const KEY_NAME = `Keystone-${suffix}-ledger-key`;
  const ASSET_NAME = `Asset-${suffix}-imaging-server`;
  const PROGRAM_NAME = `Program-${suffix}-annual`;
  let keyId = '';

  it('names of keys, assets and programs are sealed in the ledger file and opened only for PHI readers', async () => {
    const key = await t.http().post('/v1/keys').set(as(security)).send({ name: KEY_NAME });
    expect(key.status).toBe(201);
    keyId = (key.body.keyId ?? key.body.key?.keyId) as string;
    await t
      .http()
      .post('/v1/risk/programs')
      .set(as(officer))
      .send({ name: PROGRAM_NAME, ownerId: officer.id, firstReviewDueOn: '2025-12-31' })
      .expect(201);
    const started = await t
      .http()
      .post('/v1/risk/assessments')
      .set(as(officer))
      .send({ title: 'Risk analysis 2025', periodStart: '2025-01-01', periodEnd: '2025-12-31' });
    expect(started.status).toBe(201);
    const assessmentId = started.body.assessment.assessmentId as string;
    const asset = await t
      .http()
      .post(`/v1/risk/assessments/${assessmentId}/assets`)
      .set(as(officer))
      .send({ kind: 'system', name: ASSET_NAME, holdsEphi: true });
    expect([asset.status, asset.body]).toEqual([201, expect.anything()]);

    // The ledger's bytes (main file and WAL): none of the three names in clear.
    const ledgerBytes = ['', '-wal']
      .map((s) => `${t.config.ledgerPath}${s}`)
      .filter(existsSync)
      .map((p) => readFileSync(p));
    expect(ledgerBytes.length).toBeGreaterThan(0);
    for (const name of [KEY_NAME, ASSET_NAME, PROGRAM_NAME, TITLE])
      for (const b of ledgerBytes) expect(b.includes(Buffer.from(name))).toBe(false);

    // The console's sources: the key list and view, the program and the assessment.
    const keysForOfficer = await t.http().get('/v1/keys').set(as(security));
    expect(JSON.stringify(keysForOfficer.body)).toContain(KEY_NAME);
    const keysForAuditor = await t.http().get('/v1/keys').set(as(auditor));
    expect(keysForAuditor.status).toBe(200);
    expect(JSON.stringify(keysForAuditor.body)).not.toContain(KEY_NAME);
    expect(JSON.stringify(keysForAuditor.body)).toContain(SEALED);
    const oneKey = await t.http().get(`/v1/keys/${keyId}`).set(as(auditor));
    expect(oneKey.status).toBe(200);
    expect(JSON.stringify(oneKey.body)).not.toContain(KEY_NAME);
    const program = await t.http().get('/v1/risk/programs/default').set(as(auditor));
    expect(program.body.name).toBe(SEALED);
    expect((await t.http().get('/v1/risk/programs/default').set(as(officer))).body.name).toBe(PROGRAM_NAME);
    const assessment = await t.http().get(`/v1/risk/assessments/${assessmentId}`).set(as(officer));
    expect(JSON.stringify(assessment.body)).toContain(ASSET_NAME);
    expect(JSON.stringify((await t.http().get(`/v1/risk/assessments/${assessmentId}`).set(as(auditor))).body)).not.toContain(ASSET_NAME);
  });

  const LEGACY_NAME = `Legacy-${suffix}-backup-key`;
  const legacyKeyId = `legacy-${suffix}`;

  it('an event written in clear before sealing is hidden from the auditor, opened for PHI readers, and counted by the CLI', async () => {
    // Written the old way: a ledger without the free-text sealer.
    const oldLedger = new Ledger(t.app.get<EventStore>(EVENT_STORE), t.app.get<EventRegistry>(EVENT_REGISTRY), clock);
    await oldLedger.append(
      `key-${legacyKeyId}`,
      [
        {
          type: 'KeyGenerated',
          data: {
            keyId: legacyKeyId,
            name: LEGACY_NAME,
            algorithm: 'AES-256-GCM',
            version: 1,
            fingerprint: 'sha256:00',
            cryptoperiodDays: 365,
            maxCustodians: 2,
            by: security.id,
            at: clock.now().toISOString(),
          },
        },
        {
          type: 'KeyRevocationRequested',
          data: { keyId: legacyKeyId, by: security.id, reason: `Legacy reason ${suffix}`, at: clock.now().toISOString() },
        },
      ],
      'no-stream',
      { actor: { id: security.id, role: 'security-officer' }, correlationId: 'legacy-test' },
    );
    const ledgerBytes = readFileSync(`${t.config.ledgerPath}-wal`);
    expect(ledgerBytes.includes(Buffer.from(LEGACY_NAME))).toBe(true); // the control: it is in clear in the ledger

    const forAuditor = await t.http().get('/v1/keys').set(as(auditor));
    expect(JSON.stringify(forAuditor.body)).not.toContain(LEGACY_NAME);
    expect(forAuditor.body.items ?? forAuditor.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ keyId: legacyKeyId, name: LEGACY })]),
    );
    const one = await t.http().get(`/v1/keys/${legacyKeyId}`).set(as(auditor));
    expect(one.status).toBe(200);
    expect(one.body.name ?? one.body.key?.name).toBe(LEGACY);

    const before = (await reads(security)).length;
    const forOfficer = await t.http().get(`/v1/keys/${legacyKeyId}`).set(as(security));
    expect(JSON.stringify(forOfficer.body)).toContain(LEGACY_NAME);
    const after = await reads(security);
    expect(after).toHaveLength(before + 1);
    expect(after[after.length - 1]!.data).toMatchObject({ freeText: { scopes: [`text:key-${legacyKeyId}`] } });

    const cli = await runCliProcess(['phi', 'legacy-text'], {
      DATA_DIR: t.config.dataDir,
      MASTER_KEY_FILE: t.config.masterKeyPath,
      REDIS_URL: t.config.REDIS_URL,
      REDIS_PREFIX: t.config.REDIS_PREFIX,
    });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).not.toContain(suffix);
    const out = JSON.parse(cli.stdout) as {
      scanned: number;
      withClearText: number;
      fields: { type: string; field: string; events: number }[];
    };
    expect(out.withClearText).toBe(2);
    expect(out.fields).toEqual([
      { type: 'KeyGenerated', field: 'name', events: 1 },
      { type: 'KeyRevocationRequested', field: 'reason', events: 1 },
    ]);
    expect(out.scanned).toBeGreaterThan(10);
  });
});
