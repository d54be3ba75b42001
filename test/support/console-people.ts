/**
 * People for browser tests: the bootstrap admin signs in from the one-time link, invites others
 * through the API from the admin's page (session cookie and CSRF token, as the console does), and
 * each invitee registers a passkey from the emailed link in their own browser context.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { axeViolations, invitationLinkFromOutbox, screenshot, waitFor, type ConsoleHarness, type Person } from './console-browser';

export async function signInBootstrapAdmin(h: ConsoleHarness): Promise<Person> {
  const admin = await h.person();
  await admin.addAuthenticator();
  await admin.page.goto(readFileSync(join(h.t.dataDir, 'bootstrap-admin.sign-in'), 'utf8').trim());
  await admin.page.getByRole('button', { name: 'Register a passkey and sign in' }).click();
  await admin.page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
  return admin;
}

export async function invite(h: ConsoleHarness, admin: Person, name: string, email: string, role: string): Promise<Person> {
  const status = await admin.page.evaluate(
    async (b) => {
      const s = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      const r = await fetch('/v1/invitations', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken },
        body: JSON.stringify(b),
      });
      return r.status;
    },
    { name, email, role },
  );
  if (status !== 201) throw new Error(`invitation refused: ${status}`);
  const link = await waitFor(() => invitationLinkFromOutbox(h.t.dataDir, email), 30_000);
  const p = await h.person();
  await p.addAuthenticator();
  await p.page.goto(link);
  await p.page.getByRole('button', { name: 'Register a passkey and sign in' }).click();
  await p.page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
  return p;
}

/** Screenshot, then no serious/critical axe violation and no CSP violation or page error. */
export async function expectAccessible(p: Person, name: string): Promise<void> {
  await screenshot(p.page, name);
  expect(await axeViolations(p.page)).toEqual([]);
  expect(p.problems).toEqual([]);
}

/** A request from the person's page, as the console makes it (session cookie, CSRF token). */
export async function apiAs(p: Person, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return p.page.evaluate(
    async ({ method, path, body }) => {
      const s = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      const r = await fetch(path, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: r.status, body: (await r.json().catch(() => null)) as unknown };
    },
    { method, path, body },
  );
}
