/**
 * Posture and risk in Chromium: a security officer reads encryption coverage (a dataset no agent
 * reported encrypted is "Not secured", with the reason), keys due for rotation and compromised,
 * and the agents' last report; the risk register's heat map filters its risks; a recertification
 * campaign is started (a bad id refused beside its field) and reviewed — one grant kept, one
 * revoked, the revocation sent to the dataset's agent. axe on every page; screenshots written.
 */
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import {
  generateSealKeyPair,
  generateSigningKeyPair,
  keyIdOf,
  privateKeyFromPem,
  RESULTS_QUEUE,
  signMessage,
} from '../../src/shared/agent-protocol';
import { ANOMALY_BUDGET } from '../../src/agents/domain/anomaly-budget';
import { describeInBrowser, ledgerEvents, startConsole, type ConsoleHarness, type Person } from '../support/console-browser';
import { apiAs, expectAccessible, invite, signInBootstrapAdmin } from '../support/console-people';

describeInBrowser('console: posture, risk register and access recertification', () => {
  let h: ConsoleHarness;
  let officer: Person;
  let auditor: Person;

  beforeAll(async () => {
    h = await startConsole();
    const admin = await signInBootstrapAdmin(h);
    officer = await invite(h, admin, 'Sam Security', 'sam@example.org', 'security-officer');
    auditor = await invite(h, admin, 'Ada Auditor', 'ada@example.org', 'auditor');
    // Seed through the API with machine keys: an agent, keys, datasets, grants, a risk analysis.
    const sec1 = await h.t.principal('security-officer');
    const sec2 = await h.t.principal('security-officer');
    const comp = await h.t.principal('compliance-officer');
    const as = (p: { apiKey: string }) => ({
      post: async (path: string, body: object = {}) => {
        const r = await h.t.http().post(path).set('Authorization', `Bearer ${p.apiKey}`).send(body);
        if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body;
      },
    });
    const agentKeys = generateSigningKeyPair();
    const tok = await as(sec1).post('/v1/agents/tokens', { agentId: 'host-emr' });
    await h.t
      .http()
      .post('/v1/agents/enrollments')
      .send({
        token: tok.token,
        agentId: 'host-emr',
        publicKey: agentKeys.publicKey,
        sealPublicKey: generateSealKeyPair().publicKey,
        hostFacts: { hostname: 'emr-01' },
      })
      .expect(201);
    await as(sec2).post('/v1/agents/host-emr/approve');
    // The agent reports refusals of junk jobs, three more than the hourly anomaly budget records.
    const conn = new IORedis(h.t.config.REDIS_URL, { maxRetriesPerRequest: null });
    const results = new Queue(RESULTS_QUEUE, { connection: conn, prefix: h.t.config.REDIS_PREFIX });
    const signing = privateKeyFromPem(agentKeys.privateKeyPem, 'ed25519');
    const refusal = (i: number) => {
      const at = new Date().toISOString();
      const body = {
        v: 1,
        commandId: null,
        commandDigest: null,
        agentId: 'host-emr',
        seq: null,
        status: 'refused',
        reason: 'malformed-envelope',
      };
      return signMessage(
        'result',
        { ...body, startedAt: at, finishedAt: at, evidence: {}, gap: null, jobId: `junk-${i}` },
        signing,
        keyIdOf(agentKeys.publicKey),
      );
    };
    const junk = ANOMALY_BUDGET.perWindow + 3;
    await results.addBulk(Array.from({ length: junk }, (_, i) => ({ name: 'result', data: refusal(i) })));
    for (let i = 0; i < 200; i++) {
      const list = (await h.t.http().get('/v1/agents').set('Authorization', `Bearer ${sec1.apiKey}`)).body as {
        suppressedAnomalies: number;
      }[];
      if (list[0]?.suppressedAnomalies === 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await results.close();
    conn.disconnect();
    await as(sec1).post('/v1/keys', { keyId: 'key-emr', name: 'EMR exports', cryptoperiodDays: 20 });
    await as(sec1).post('/v1/keys/key-emr/activate');
    await as(sec1).post('/v1/keys', { keyId: 'key-old', name: 'Old backups', cryptoperiodDays: 365 });
    await as(sec1).post('/v1/keys/key-old/activate');
    await as(sec1).post('/v1/keys/key-old/compromise', { reason: 'backup tape lost in transit' });
    await as(sec1).post('/v1/datasets', { datasetId: 'ds-emr', agentId: 'host-emr', path: '/srv/phi/emr' });
    await as(sec1).post('/v1/datasets', { datasetId: 'ds-billing', agentId: 'host-emr', path: '/srv/phi/billing' });
    for (const [grantId, principal] of [
      ['g-lee', 'dr_lee'],
      ['g-ray', 'nurse_ray'],
    ])
      await as(comp).post('/v1/access/grants', {
        grantId,
        principal,
        datasetId: 'ds-emr',
        permission: 'read',
        purpose: 'care',
        durationDays: 90,
      });
    // The signed-in officer approves both grants, so the campaign puts them before her.
    for (const g of ['g-lee', 'g-ray']) expect((await apiAs(officer, 'POST', `/v1/access/grants/${g}/approve`)).status).toBe(200);

    await as(comp).post('/v1/risk/programs', { name: 'Security program', ownerId: comp.id, firstReviewDueOn: '2025-12-31' });
    const a = await as(comp).post('/v1/risk/assessments', {
      title: 'Risk analysis 2025',
      periodStart: '2025-01-01',
      periodEnd: '2025-12-31',
    });
    const aid = a.assessment.assessmentId as string;
    const asset = await as(comp).post(`/v1/risk/assessments/${aid}/assets`, { kind: 'system', name: 'EHR server', holdsEphi: true });
    const risks: Array<[string, number, number, number, number]> = [
      ['Stolen unencrypted laptop', 4, 5, 2, 5],
      ['Phishing of clinic staff', 5, 4, 4, 3],
      ['Backup tape lost', 3, 4, 3, 4],
      ['Former employee keeps access', 3, 3, 1, 3],
    ];
    for (const [title, il, ii, rl, ri] of risks) {
      const r = await as(comp).post(`/v1/risk/assessments/${aid}/risks`, {
        title,
        assetIds: [asset.assetId],
        threat: `${title}: threat`,
        vulnerability: `${title}: weakness`,
      });
      await as(comp).post(`/v1/risk/assessments/${aid}/risks/${r.riskId}/ratings`, {
        rating: 'inherent',
        likelihood: il,
        impact: ii,
        rationale: 'before controls',
      });
      await as(comp).post(`/v1/risk/assessments/${aid}/risks/${r.riskId}/ratings`, {
        rating: 'residual',
        likelihood: rl,
        impact: ri,
        rationale: 'after controls',
      });
    }
  }, 300_000);
  afterAll(async () => h?.close());

  test('posture: encryption coverage with reasons, keys due or compromised, agents and their last report', async () => {
    const page = officer.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Posture' }).click();
    await page.getByRole('heading', { name: 'Posture', level: 1 }).waitFor();
    const emr = page.getByTestId('dataset-ds-emr');
    await emr.getByText('Not secured').waitFor();
    await emr.getByText('no agent had reported the dataset encrypted by that time').waitFor();
    expect(await page.getByTestId('stat-unsecured').textContent()).toBe('2');
    await page.getByTestId('key-key-old').getByText('compromised', { exact: true }).waitFor();
    // Key names are sealed free text, opened for the officer (a reader of PHI).
    await page.getByTestId('key-key-emr').getByText('EMR exports', { exact: true }).waitFor();
    // key-emr: 20-day cryptoperiod from 2025-03-10 → rotate by 2025-03-30, 20 days left.
    await page.getByTestId('key-key-emr').getByText('20 days left').waitFor();
    expect(await page.getByTestId('stat-keys').textContent()).toBe('2');
    await page.getByTestId('agent-host-emr').getByText('no heartbeat yet').waitFor();
    await page
      .getByTestId('agent-host-emr')
      .getByText(`${ANOMALY_BUDGET.perWindow + 1}, last`)
      .waitFor();
    await page.getByTestId('agent-host-emr').getByText('3 more over the hourly limit (counted, not recorded one by one)').waitFor();
    expect(await page.getByTestId('stat-agents').textContent()).toBe('1');
    await expectAccessible(officer, 'posture');
  });

  test('risk register: the heat map places each risk and filters the list by cell', async () => {
    // Free text is sealed: the auditor sees the register's shape and ratings, not the typed titles.
    await auditor.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Risk register' }).click();
    await auditor.page.getByTestId('heatmap').waitFor();
    const auditorRows = await auditor.page.getByRole('table', { name: 'Risks' }).locator('tbody tr').allTextContents();
    expect(auditorRows).toHaveLength(4);
    for (const row of auditorRows) expect(row).toContain('[sealed free text]');
    expect(auditorRows.join('\n')).not.toContain('Phishing of clinic staff');
    await expectAccessible(auditor, 'risk-register-auditor');
    const page = officer.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Risk register' }).click();
    await page.getByTestId('heatmap').waitFor();
    expect(await page.getByRole('table', { name: 'Risks' }).locator('tbody tr').count()).toBe(4);
    await expectAccessible(officer, 'risk-register');
    // Residual: "Phishing" sits at likelihood High (4), impact Moderate (3): score 12, high.
    const cell = page.getByRole('button', { name: /^1\s*high\W+risk at likelihood High, impact Moderate$/ });
    await cell.click();
    expect(await cell.getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByRole('table', { name: 'Risks' }).locator('tbody tr').allTextContents()).toEqual([
      expect.stringContaining('Phishing of clinic staff'),
    ]);
    // Inherent: the stolen laptop is likelihood High, impact Very high: score 20, critical.
    await page.getByRole('radiogroup', { name: 'Rating shown' }).getByText('Inherent').click();
    await page.getByRole('button', { name: /^1\s*critical\W+risk at likelihood High, impact Very high$/ }).click();
    await page.getByRole('table', { name: 'Risks' }).getByText('Stolen unencrypted laptop', { exact: true }).waitFor();
    expect(await page.getByRole('table', { name: 'Risks' }).locator('tbody tr').count()).toBe(1);
    await expectAccessible(officer, 'risk-register-filtered');
  });

  test('recertification: start a campaign, keep one grant, revoke the other through its agent', async () => {
    const page = officer.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access reviews' }).click();
    await page.getByTestId('empty-state').getByText('No recertification campaign yet').waitFor();
    await expectAccessible(officer, 'recertifications-empty');
    await page.getByLabel('Campaign id').fill('2025 q1!');
    await page.getByLabel('Reviews due on').fill('2025-03-31');
    await page.getByRole('button', { name: 'Start campaign' }).click();
    await page.locator('.mantine-TextInput-error').filter({ hasText: 'lower-case id' }).waitFor();
    await page.getByLabel('Campaign id').fill('2025-q1');
    await page.getByRole('button', { name: 'Start campaign' }).click();
    await page.getByRole('heading', { name: 'Recertification 2025-q1', level: 1 }).waitFor();
    await page.getByText('2 waiting for your review').waitFor();
    await expectAccessible(officer, 'recertification-review');

    await page.getByTestId('review-g-lee').getByRole('button', { name: 'Keep' }).click();
    await page.getByTestId('review-g-lee').getByTestId('decision').getByText(/^Kept/).waitFor();
    const ray = page.getByTestId('review-g-ray');
    await ray.getByLabel('Reason for g-ray').fill('moved to another clinic');
    await ray.getByRole('button', { name: 'Revoke' }).click();
    await ray
      .getByTestId('decision')
      .getByText(/^Revoked/)
      .waitFor();
    await ray.getByTestId('grant-status').getByText('revoked').waitFor();
    await page.getByText('nothing left for you to review').waitFor();
    await expectAccessible(officer, 'recertification-reviewed');

    // The revocation is the grant's, by the reviewer, and the agent got the grants in force (without g-ray).
    const revoked = await ledgerEvents(h.t, 'AccessGrantRevoked');
    expect(revoked).toEqual([expect.objectContaining({ data: expect.objectContaining({ grantId: 'g-ray', campaignId: '2025-q1' }) })]);
    const issued = (await ledgerEvents(h.t, 'AgentCommandIssued')).filter((e) => e.data.action === 'access.apply');
    const pushed = JSON.parse(Buffer.from((issued.at(-1)!.data.message as { payload: string }).payload, 'base64').toString('utf8')) as {
      params: { datasetId: string; grants: Array<{ grantId: string }> };
    };
    expect(pushed.params.datasetId).toBe('ds-emr');
    expect(pushed.params.grants.map((g) => g.grantId)).toEqual(['g-lee']);

    // The list shows how far the campaign has come; the auditor reads it, without review buttons.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access reviews' }).click();
    const row = page.getByRole('table', { name: 'Campaigns' }).getByRole('row', { name: /2025-q1/ });
    expect(await row.textContent()).toMatch(/open.*2.*1.*1.*0/);
    await expectAccessible(officer, 'recertifications');
    await auditor.page.goto('/access/recertifications/2025-q1');
    await auditor.page.getByText('No grant for you to review here').waitFor();
    await auditor.page.getByText('All grants', { exact: true }).click();
    await auditor.page
      .getByTestId('review-g-ray')
      .getByText(/^Revoked/)
      .waitFor();
    expect(await auditor.page.getByRole('button', { name: 'Keep' }).count()).toBe(0);
    await expectAccessible(auditor, 'recertification-auditor');
  });
});
