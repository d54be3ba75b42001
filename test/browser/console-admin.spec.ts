/**
 * Administration in Chromium: the admin describes the organization (a wrong toll-free number is
 * refused beside its field), saves it as an event and sees its history; an auditor reads it
 * without a way to change it, and verifies the ledger from the Ledger page, which then shows
 * when it last verified clean. axe on every page; screenshots written.
 */
import { describeInBrowser, ledgerEvents, startConsole, type ConsoleHarness, type Person } from '../support/console-browser';
import { expectAccessible, invite, signInBootstrapAdmin } from '../support/console-people';

describeInBrowser('console: organization profile and ledger verification', () => {
  let h: ConsoleHarness;
  let admin: Person;
  let auditor: Person;

  beforeAll(async () => {
    h = await startConsole();
    admin = await signInBootstrapAdmin(h);
    auditor = await invite(h, admin, 'Ada Auditor', 'ada@example.org', 'auditor');
  }, 300_000);
  afterAll(async () => h?.close());

  test('the admin records the organization profile as an event; a bad field is named beside it', async () => {
    const page = admin.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organization' }).click();
    await page.getByTestId('profile-source').getByText('No profile yet').waitFor();
    await page.getByTestId('empty-state').getByText('No change recorded yet').waitFor();
    await expectAccessible(admin, 'organization-empty');

    const group = (name: RegExp) => page.getByRole('group', { name });
    await page.getByLabel('Name', { exact: true }).fill('Riverside Community Health');
    await page.getByLabel('Letterhead lines').fill('Privacy Office\n450 Harbor Avenue, Columbus OH 43004');
    const reach = group(/How people reach you/);
    await reach.getByLabel('Toll-free number').fill('614-555-0142');
    await reach.getByLabel('Email').fill('privacy@riverside.example');
    await reach.getByLabel('Web site').fill('https://riverside.example/notice');
    for (const g of [reach, group(/Return address/)]) {
      await g.getByLabel('Address line 1').fill('450 Harbor Avenue');
      await g.getByLabel('City').fill('Columbus');
      await g.getByLabel('State').fill('OH');
      await g.getByLabel('ZIP code').fill('43004');
    }
    const sign = group(/Signatory and HHS contact/);
    await sign.getByLabel('Signatory name').fill('Dana Whitfield');
    await sign.getByLabel('Signatory title').fill('Privacy Officer');
    await sign.getByLabel('HHS contact name').fill('Dana Whitfield');
    await sign.getByLabel('HHS contact title').fill('Privacy Officer');
    await sign.getByLabel('HHS contact phone').fill('614-555-0199');
    await sign.getByLabel('HHS contact email').fill('dana@riverside.example');
    await page.getByLabel('Email notices from').fill('notices@riverside.example');
    await page.getByLabel('Public address of substitute notices').fill('https://notices.riverside.example');
    await page.getByLabel('Compliance officer mailbox').fill('compliance@riverside.example');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await reach.locator('.mantine-TextInput-error').filter({ hasText: 'expected a toll-free number' }).waitFor();
    expect(await ledgerEvents(h.t, 'OrganizationProfileUpdated')).toEqual([]);

    await reach.getByLabel('Toll-free number').fill('1-888-555-0142');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByTestId('saved').getByText('Saved as version 1.').waitFor();
    const history = page.getByRole('table', { name: 'Profile history' });
    await history.getByText('you').waitFor();
    await expectAccessible(admin, 'organization');

    const events = await ledgerEvents(h.t, 'OrganizationProfileUpdated');
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({
      profile: {
        name: 'Riverside Community Health',
        letterhead: { lines: ['Privacy Office', '450 Harbor Avenue, Columbus OH 43004'] },
        contact: { tollFreeNumber: '1-888-555-0142' },
        signatory: { name: 'Dana Whitfield', title: 'Privacy Officer' },
      },
      roleContacts: { 'compliance-officer': 'compliance@riverside.example' },
    });
    // The admin's own principal made the change.
    const self = await page.evaluate(
      async () => ((await (await fetch('/v1/session')).json()) as { principal: { id: string } }).principal.id,
    );
    expect(events[0]!.actor).toBe(self);

    // A second save changes only what changed.
    await page.getByLabel('Hours').fill('Monday through Saturday, 8 a.m. to 6 p.m.');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByTestId('saved').getByText('Saved as version 2.').waitFor();
    await history.getByRole('row', { name: /^2 .*contact$/ }).waitFor();
  });

  test('an auditor reads the profile without changing it, and verifies the ledger', async () => {
    const page = auditor.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organization' }).click();
    await page.getByRole('table', { name: 'Profile history' }).getByRole('row').nth(2).waitFor();
    expect(await page.getByLabel('Toll-free number').inputValue()).toBe('1-888-555-0142');
    expect(await page.getByLabel('Toll-free number').getAttribute('readonly')).not.toBeNull();
    expect(await page.getByRole('button', { name: 'Save profile' }).count()).toBe(0);
    await expectAccessible(auditor, 'organization-auditor');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ledger' }).click();
    await page.getByTestId('last-verified').getByText('Not verified yet on this service.').waitFor();
    await page.getByRole('button', { name: 'Verify now' }).click();
    await page
      .getByTestId('verify-result')
      .getByText(/^Verified: /)
      .waitFor();
    await page
      .getByTestId('last-verified')
      .getByText(/^Last verified clean Mar 10, 2025, 10:00 AM EDT, \d+ events\.$/)
      .waitFor();
    await expectAccessible(auditor, 'ledger-verified');
  });
});
