/**
 * Single sign-on in Chromium against a real OpenID provider (oidc-provider, in its own process):
 * the role comes from the configured claim; an account without a role is refused with a message
 * and a SignInFailed event; a changed claim changes the role at the next sign-in.
 */
import {
  axeViolations,
  describeInBrowser,
  ledgerEvents,
  screenshot,
  startConsole,
  startOidcProvider,
  type ConsoleHarness,
} from '../support/console-browser';

describeInBrowser('console: single sign-on through OpenID Connect', () => {
  let h: ConsoleHarness;
  let idp: Awaited<ReturnType<typeof startOidcProvider>>;

  beforeAll(async () => {
    h = await startConsole(async (baseUrl) => {
      idp = await startOidcProvider(`${baseUrl}/v1/auth/oidc/callback`, {
        sam: { name: 'Sam Security', email: 'sam@example.org', safeharbor_role: 'sec' },
        nora: { name: 'Nora Norole', email: 'nora@example.org' },
      });
      return {
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: idp.clientId,
        OIDC_CLIENT_SECRET: idp.clientSecret,
        OIDC_ROLE_CLAIM: 'safeharbor_role',
        OIDC_ROLE_MAP: JSON.stringify({ sec: 'security-officer', privacy: 'compliance-officer' }),
        OIDC_LABEL: 'Sign in with Riverside SSO',
      };
    });
  }, 240_000);
  afterAll(async () => {
    await h?.close();
    await idp?.stop();
  });

  async function signInAt(login: string) {
    const p = await h.person();
    await p.page.goto('/sign-in');
    await p.page.getByRole('link', { name: 'Sign in with Riverside SSO' }).click();
    await p.page.locator('input[name="login"]').fill(login);
    await p.page.locator('input[name="password"]').fill('any password');
    await p.page.getByRole('button', { name: 'Sign-in' }).click();
    await p.page.getByRole('button', { name: 'Continue' }).click();
    return p;
  }

  test('the sign-in page offers SSO when configured, and passes axe', async () => {
    const p = await h.person();
    await p.page.goto('/sign-in');
    await p.page.getByRole('link', { name: 'Sign in with Riverside SSO' }).waitFor();
    await screenshot(p.page, 'sign-in-sso');
    expect(await axeViolations(p.page)).toEqual([]);
    expect(p.problems).toEqual([]);
  });

  test('a person signs in through the provider; the role comes from the mapped claim', async () => {
    const p = await signInAt('sam');
    await p.page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    expect(await p.page.getByTestId('principal-name').textContent()).toBe('Sam Security');
    expect(await p.page.getByTestId('principal-role').textContent()).toBe('Security officer');
    await p.page.getByRole('heading', { name: 'Agents not heard from' }).waitFor();
    await screenshot(p.page, 'today-security-officer');
    expect(await axeViolations(p.page)).toEqual([]);
    const events = await ledgerEvents(h.t, 'PrincipalCreated', 'OidcIdentityLinked', 'SignedIn');
    const signedIn = events.filter((e) => e.type === 'SignedIn').at(-1)!;
    expect(signedIn.data).toMatchObject({ method: 'oidc', role: 'security-officer' });
    const linked = events.find((e) => e.type === 'OidcIdentityLinked')!;
    expect(linked.data.issuer).toBe(idp.issuer);
    expect(JSON.stringify(linked.data)).not.toContain('sam'); // the subject is hashed
  });

  test('an account whose claim maps to no role is refused, with a message and a SignInFailed event', async () => {
    const p = await signInAt('nora');
    await p.page.getByRole('alert').filter({ hasText: 'Your account has no Safe Harbor role' }).waitFor();
    expect(p.page.url()).toContain('/sign-in?error=sso-no-role');
    const failed = await ledgerEvents(h.t, 'SignInFailed');
    expect(failed.at(-1)!.data).toMatchObject({ method: 'oidc', reason: 'no-role-in-claim' });
  });
});
