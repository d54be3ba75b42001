/**
 * Operators told, not surprised, in Chromium: while a role that reminders, escalations or alerts
 * address has no contact, admins and officers see a banner naming the roles (no addresses) with a
 * link to the Organization page; the admin fills the missing mailboxes there and the banner goes,
 * and the header's organization name follows the profile (ORG_NAME before). axe on each state.
 */
import { describeInBrowser, startConsole, type ConsoleHarness, type Person } from '../support/console-browser';
import { apiAs, expectAccessible, invite, signInBootstrapAdmin } from '../support/console-people';
import { testOrg } from '../unit/notices/fixtures';

describeInBrowser('console: missing role contacts banner', () => {
  let h: ConsoleHarness;
  let admin: Person;
  let officer: Person;

  beforeAll(async () => {
    h = await startConsole();
    admin = await signInBootstrapAdmin(h);
    officer = await invite(h, admin, 'Cora Officer', 'cora@example.org', 'compliance-officer');
  }, 300_000);
  afterAll(async () => h?.close());

  test('the banner names the roles without a contact, links to Organization, and goes once they are set', async () => {
    // A profile with the compliance officer only: three roles still reach nobody.
    const put = await apiAs(admin, 'PUT', '/v1/organization/profile', {
      profile: testOrg(),
      roleContacts: { 'compliance-officer': 'compliance@riverbend.example' },
    });
    expect(put.status).toBe(200);

    const page = admin.page;
    await page.goto(`${h.baseUrl}/`);
    const banner = page.getByTestId('role-contacts-banner');
    await banner.getByText('No contact for Privacy officer, Security officer, Executive').waitFor();
    expect(await banner.textContent()).not.toContain('@');
    // The header's organization name comes from the profile, not ORG_NAME.
    await page
      .getByRole('banner')
      .getByText(/^Riverbend Community Health · times in/)
      .waitFor();
    await expectAccessible(admin, 'role-contacts-banner-admin');

    // An officer sees it too, told to ask an administrator.
    await officer.page.goto(`${h.baseUrl}/`);
    await officer.page
      .getByTestId('role-contacts-banner')
      .getByText(/ask an administrator to set them/)
      .waitFor();
    await expectAccessible(officer, 'role-contacts-banner-officer');

    await banner.getByRole('link', { name: 'Set the role contacts on the Organization page' }).click();
    await page.waitForURL(/\/admin\/organization$/);
    await page.getByLabel('Privacy officer mailbox').fill('privacy@riverbend.example');
    await page.getByLabel('Security officer mailbox').fill('security@riverbend.example');
    await page.getByLabel('Executive mailbox').fill('ceo@riverbend.example');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByTestId('saved').getByText('Saved as version 2.').waitFor();
    await banner.waitFor({ state: 'detached' });
    await expectAccessible(admin, 'role-contacts-set');

    await officer.page.reload();
    await officer.page.getByRole('heading', { level: 1 }).waitFor();
    expect(await officer.page.getByTestId('role-contacts-banner').count()).toBe(0);
  });
});
