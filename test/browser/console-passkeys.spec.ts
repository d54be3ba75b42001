/**
 * The console in Chromium: the bootstrap admin signs in from the one-time link with a passkey
 * (virtual authenticator), invites a compliance officer by email (read from the outbox), the
 * officer registers a passkey and signs in; role-based navigation; CSRF refusal; idle log-off on
 * the injected clock (server) and on Playwright's clock (browser); axe on every page; screenshots.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  axeViolations,
  describeInBrowser,
  invitationLinkFromOutbox,
  ledgerEvents,
  screenshot,
  startConsole,
  waitFor,
  type ConsoleHarness,
  type Person,
} from '../support/console-browser';

describeInBrowser('console: passkeys, invitations, navigation, CSRF, idle log-off', () => {
  let h: ConsoleHarness;
  let admin: Person;
  let officer: Person;

  beforeAll(async () => {
    h = await startConsole();
  }, 240_000);
  afterAll(async () => {
    await h?.close();
  });

  async function expectAccessible(p: Person, name: string): Promise<void> {
    await screenshot(p.page, name);
    expect(await axeViolations(p.page)).toEqual([]);
    expect(p.problems).toEqual([]);
  }

  test('the bootstrap admin signs in from the one-time link with a passkey; the link then no longer works', async () => {
    admin = await h.person();
    await admin.addAuthenticator();
    const link = readFileSync(join(h.t.dataDir, 'bootstrap-admin.sign-in'), 'utf8').trim();
    await admin.page.goto(link);
    await admin.page.getByRole('button', { name: 'Register a passkey and sign in' }).waitFor();
    await expectAccessible(admin, 'accept-invitation');
    await admin.page.getByRole('button', { name: 'Register a passkey and sign in' }).click();
    await admin.page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    expect(await admin.page.getByTestId('principal-role').textContent()).toBe('Administrator');
    await admin.page.getByRole('heading', { name: 'Invitations', level: 2 }).waitFor();
    await expectAccessible(admin, 'today-admin');

    const again = await h.person();
    await again.page.goto(link);
    await again.page.getByTestId('link-problem').waitFor();
    expect(await again.page.getByTestId('link-problem').textContent()).toMatch(/already used/);

    const events = await ledgerEvents(h.t, 'InvitationAccepted', 'PasskeyRegistered', 'SignedIn');
    expect(events.map((e) => e.type)).toEqual(['InvitationAccepted', 'PasskeyRegistered', 'SignedIn']);
    expect(events[2]!.data).toMatchObject({ method: 'passkey', role: 'admin' });
  });

  test('admin navigation: People, Invitations, Organization and Roles; each page passes axe', async () => {
    const nav = admin.page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Today', 'People', 'Invitations', 'Organization', 'Roles']);
    await nav.getByRole('link', { name: 'People' }).click();
    await admin.page.getByRole('table', { name: 'People and machines' }).waitFor();
    await expectAccessible(admin, 'people');
    await nav.getByRole('link', { name: 'Roles' }).click();
    await admin.page.getByRole('heading', { name: 'Compliance / privacy officer' }).waitFor();
    await expectAccessible(admin, 'roles');
    await nav.getByRole('link', { name: 'Invitations' }).click();
    await admin.page.getByTestId('empty-state').waitFor();
    await expectAccessible(admin, 'invitations-empty');
  });

  test('an API error is shown beside the field it names, then the invitation goes out by email', async () => {
    const page = admin.page;
    await page.getByLabel('Name').fill('Olivia Officer');
    await page.getByLabel('Email').fill('olivia@example');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    // The browser's own check would stop "olivia@example"? It is a valid type=email value; the API refuses it.
    const emailError = page.locator('.mantine-TextInput-error').filter({ hasText: 'not an email address' });
    await emailError.waitFor();
    await screenshot(page, 'invitations-field-error');
    await page.getByLabel('Email').fill('olivia@example.org');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByRole('table', { name: 'Invitations' }).getByText('Olivia Officer').waitFor();
    await waitFor(() => invitationLinkFromOutbox(h.t.dataDir, 'olivia@example.org'));
    await page.reload();
    await page.getByRole('table', { name: 'Invitations' }).getByText('pending').waitFor();
    await expectAccessible(admin, 'invitations');
  });

  /** A breach with open obligations, made through the API with machine keys (the pages for it come later). */
  async function seedBreach(): Promise<void> {
    const responder = await h.t.principal('incident-responder');
    const triager = await h.t.principal('compliance-officer');
    const r = await h.t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${responder.apiKey}`)
      .send({
        title: 'Laptop stolen from clinic car',
        discoveredOn: '2025-01-12',
        summary: 'Unencrypted laptop with scheduling exports.',
        reporter: { kind: 'covered-entity' },
        discovery: { basis: 'actual-knowledge' },
        occurred: { from: '2025-01-05' },
        breachType: 'theft',
        locations: ['laptop'],
      });
    const header =
      'name,line1,line2,city,state,zip,email,emailConsent,deceased,nextOfKinName,nextOfKinLine1,nextOfKinLine2,nextOfKinCity,nextOfKinState,nextOfKinZip';
    const rows = [header, ...Array.from({ length: 8 }, (_, i) => `Person ${i},${i} Main St,,Columbus,OH,43004,,,,,,,,,`)];
    await h.t
      .http()
      .post(`/v1/incidents/${r.body.id}/affected`)
      .set('Authorization', `Bearer ${responder.apiKey}`)
      .set('Content-Type', 'text/csv')
      .send(rows.join('\n') + '\n')
      .expect(201);
    await h.t.http().post(`/v1/incidents/${r.body.id}/triage`).set('Authorization', `Bearer ${triager.apiKey}`).send({}).expect(200);
    await h.t
      .http()
      .post(`/v1/incidents/${r.body.id}/obligations/hhs-notice/waiver`)
      .set('Authorization', `Bearer ${triager.apiKey}`)
      .send({ reason: 'Shown on Today for the other officer.' })
      .expect(200);
  }

  test('the invitee registers a passkey from the emailed link and lands on Today with the officer navigation', async () => {
    await seedBreach();
    officer = await h.person();
    await officer.addAuthenticator();
    await officer.page.goto(invitationLinkFromOutbox(h.t.dataDir, 'olivia@example.org'));
    await officer.page.getByText('as Compliance officer').waitFor();
    await officer.page.getByRole('button', { name: 'Register a passkey and sign in' }).click();
    await officer.page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    expect(await officer.page.getByTestId('principal-name').textContent()).toBe('Olivia Officer');
    const nav = officer.page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Today',
      'Incidents',
      'Look up a notice',
      'Posture',
      'Risk register',
      'Access reviews',
      'Ledger',
      'People',
      'Organization',
      'Roles',
    ]);
    await officer.page.getByRole('heading', { name: 'Obligations by due date' }).waitFor();
    // Discovered Jan 12: on Mar 10 the individual notice (60 days) is due in ≤ 7 days; the HHS report next year.
    const rows = officer.page.getByRole('table', { name: 'Obligations by due date' }).locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().getAttribute('data-status')).toBe('due-soon');
    expect(await rows.first().textContent()).toMatch(
      /^Laptop stolen from clinic car: individual-notice.*Mar 13, 2025.*Due ≤ 7 days.*3 days left$/,
    );
    await officer.page.getByText('requested by another officer').waitFor();
    await expectAccessible(officer, 'today-compliance-officer');
    // A page outside the role's navigation says so rather than failing.
    await officer.page.goto('/admin/invitations');
    await officer.page.getByRole('heading', { name: 'Not available to your role' }).waitFor();
  });

  test('sign out, then sign in again with the passkey; every sign-in and sign-out is an event', async () => {
    const page = officer.page;
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Safe Harbor' }).waitFor();
    await expectAccessible(officer, 'sign-in');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    const events = (await ledgerEvents(h.t, 'SignedIn', 'SignedOut')).filter((e) => e.data.principalId !== undefined);
    expect(events.slice(-3).map((e) => `${e.type}:${String(e.data.reason ?? e.data.method)}`)).toEqual([
      'SignedIn:passkey',
      'SignedOut:user',
      'SignedIn:passkey',
    ]);
  });

  test('a state-changing request without the CSRF token is refused; with it, it passes', async () => {
    const result = await admin.page.evaluate(async () => {
      const body = JSON.stringify({ name: 'Sam Security', email: 'sam@example.org', role: 'security-officer' });
      const bare = await fetch('/v1/invitations', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      const session = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      const withToken = await fetch('/v1/invitations', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken },
        body,
      });
      return { bare: bare.status, bareBody: await bare.json(), withToken: withToken.status };
    });
    expect(result.bare).toBe(403);
    expect(result.bareBody).toMatchObject({ reason: 'csrf' });
    expect(result.withToken).toBe(201);
  });

  test('idle log-off, enforced by the server on its injected clock', async () => {
    await admin.page.goto('/');
    await admin.page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    h.clock.advance(16 * 60_000);
    await admin.page.reload();
    await admin.page.getByTestId('ended-notice').waitFor();
    expect(admin.page.url()).toContain('/sign-in?ended=idle');
    const outs = await ledgerEvents(h.t, 'SignedOut');
    expect(outs.at(-1)!.data).toMatchObject({ reason: 'idle' });
  });

  test('idle log-off in the browser: the visible timer runs down on the page clock and signs out', async () => {
    // The server signed everyone out in the previous test (its clock moved 16 minutes): sign in again
    // on a page whose clock the test drives (the authenticator lives in this page).
    const page = officer.page;
    await page.clock.install();
    await page.goto('/sign-in');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    expect(await page.getByTestId('idle-timer').textContent()).toMatch(/1[45]:\d\d/);
    await page.clock.fastForward('10:00');
    expect(await page.getByTestId('idle-timer').textContent()).toMatch(/ [45]:\d\d/);
    await page.clock.fastForward('05:30');
    await page.getByTestId('ended-notice').waitFor();
    expect(page.url()).toContain('/sign-in?ended=idle');
    const outs = await ledgerEvents(h.t, 'SignedOut');
    expect(outs.at(-1)!.data).toMatchObject({ reason: 'user' }); // the page signed itself out
  });
});
