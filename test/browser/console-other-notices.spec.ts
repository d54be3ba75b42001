/**
 * The notices beside the letter, in Chromium: the substitute notice's page gives its public link
 * once released (and the public page answers), the HHS report's page lists the breach portal's
 * fields to copy, and the draft form asks what a media notice and the HHS report need beyond the
 * facts. The organization comes from the profile kept as events. axe on every page; screenshots.
 */
import { describeInBrowser, startConsole, type ConsoleHarness, type Person } from '../support/console-browser';
import { apiAs, expectAccessible, invite, signInBootstrapAdmin } from '../support/console-people';
import { testFacts, testOrg } from '../unit/notices/fixtures';

describeInBrowser('console: substitute notice link, HHS portal fields, media and HHS drafts', () => {
  let h: ConsoleHarness;
  let officer: Person;
  let substituteId: string;
  let hhsId: string;
  let incidentId: string;

  beforeAll(async () => {
    h = await startConsole({ NOTICES_EMAIL_RATE: '0' });
    const admin = await signInBootstrapAdmin(h);
    expect((await apiAs(admin, 'PUT', '/v1/organization/profile', { profile: testOrg(), roleContacts: {} })).status).toBe(200);
    officer = await invite(h, admin, 'Olivia Officer', 'olivia@example.org', 'compliance-officer');
    const drafter = await h.t.principal('compliance-officer');
    const approver = await h.t.principal('compliance-officer');
    const responder = await h.t.principal('incident-responder');
    const post = async (who: { apiKey: string }, path: string, body: object = {}) => {
      const r = await h.t.http().post(path).set('Authorization', `Bearer ${who.apiKey}`).send(body);
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const facts = testFacts();
    const hhs = {
      reportType: 'initial',
      affected: 1234,
      individualNoticeStartDate: '2025-04-01',
      individualNoticeProjectedEndDate: '2025-04-15',
      substituteNoticeProvided: true,
      mediaNoticeProvided: false,
    };
    // No organization in the requests: the profile recorded above is used.
    const sub = await post(drafter, '/v1/notices/batches', {
      incidentId: facts.incidentId,
      kind: 'substitute-posting',
      letterDate: '2025-04-01',
      facts,
    });
    substituteId = sub.batchId;
    await post(drafter, `/v1/notices/batches/${substituteId}/preview`);
    await post(approver, `/v1/notices/batches/${substituteId}/approve`, { contentDigest: sub.contentDigest });
    await post(drafter, `/v1/notices/batches/${substituteId}/release`);
    const report = await post(drafter, '/v1/notices/batches', {
      incidentId: facts.incidentId,
      kind: 'hhs-report',
      letterDate: '2025-04-01',
      facts,
      options: { hhs },
    });
    hhsId = report.batchId;
    const incident = await post(responder, '/v1/incidents', {
      title: 'Laptop stolen from clinic car',
      discoveredOn: '2025-03-03',
      summary: 'Unencrypted laptop with scheduling exports taken from a parked car.',
      reporter: { kind: 'covered-entity' },
    });
    incidentId = incident.id;
  }, 300_000);
  afterAll(async () => h?.close());

  test('the substitute notice gives its public link once released, and the public page answers', async () => {
    const page = officer.page;
    await page.goto(`/notices/${substituteId}`);
    await page.getByRole('heading', { name: 'Substitute notice (web posting)', level: 1 }).waitFor();
    const link = page.getByTestId('posting-url');
    await link.waitFor({ timeout: 60_000 });
    const url = (await link.textContent())!;
    expect(url).toMatch(new RegExp(`^${testOrg().publicBaseUrl}/p/notices/[0-9a-f]{20}$`));
    await page.getByText(/stays up until/).waitFor();
    const slug = url.split('/').pop()!;
    // Public (no session needed), served from the posting the worker wrote.
    let pub = await page.request.get(`/p/notices/${slug}`);
    for (let i = 0; i < 50 && pub.status() !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      pub = await page.request.get(`/p/notices/${slug}`);
    }
    expect(pub.status()).toBe(200);
    expect(await pub.text()).toContain(testOrg().contact.tollFreeNumber);
    await expectAccessible(officer, 'substitute-notice');
  });

  test('the HHS report lists the breach portal fields to copy', async () => {
    const page = officer.page;
    await page.goto(`/notices/${hhsId}`);
    await page.getByRole('heading', { name: 'Report to HHS', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'HHS breach portal fields' });
    await table.waitFor();
    const row = (label: string) => table.getByRole('row', { name: new RegExp(`^${label}`) });
    expect(await row('Approximate number of individuals affected').textContent()).toContain('1,234');
    expect(await row('Breach affecting').textContent()).toContain('500 or More Individuals');
    expect(await row('Covered entity name').textContent()).toContain(testOrg().name);
    expect(await row('Type of breach').textContent()).toContain('Theft');
    expect(await table.getByRole('button', { name: /^Copy / }).count()).toBeGreaterThan(20);
    await expectAccessible(officer, 'hhs-report-fields');
  });

  test('the draft form asks a media notice for its state and the HHS report for its own fields', async () => {
    const page = officer.page;
    await page.goto(`/notices/new?incident=${incidentId}&kind=media`);
    await page.getByRole('heading', { name: 'Draft a media notice', level: 1 }).waitFor();
    await page.getByLabel('State of the media notice').waitFor();
    await expectAccessible(officer, 'media-notice-draft');
    await page.goto(`/notices/new?incident=${incidentId}&kind=hhs-report`);
    await page.getByRole('heading', { name: 'Draft the report to HHS', level: 1 }).waitFor();
    await page.getByLabel('Individual notice start date').waitFor();
    await page.getByLabel('Individual notice projected end date').waitFor();
    await expectAccessible(officer, 'hhs-report-draft');
  });
});
