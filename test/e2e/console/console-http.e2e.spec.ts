/**
 * The console over HTTP, without a browser: the static server (CSP with a fresh nonce, caching
 * of hashed assets, client-route fallback, API untouched), and sessions through the same guard
 * as API keys (CSRF, roles, disabled principals, idle log-off on the injected clock), invitations
 * and failed sign-ins as events.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SessionsService } from '../../../src/auth/people/sessions.service';
import { FakeClock } from '../../../src/platform/clock';
import { EVENT_STORE } from '../../../src/platform/tokens';
import type { EventStore } from '../../../src/ledger/port';
import { makeTempDir } from '../../support/temp-dir';
import { startTestApp, type TestApp } from '../../support/test-app';

describe('console over HTTP', () => {
  let t: TestApp;
  const clock = new FakeClock('2025-03-10T14:00:00.000Z');
  const web = makeTempDir('safeharbor-web-');

  beforeAll(async () => {
    mkdirSync(join(web.path, 'assets'), { recursive: true });
    writeFileSync(
      join(web.path, 'index.html'),
      '<html><head><meta property="csp-nonce" nonce="__CSP_NONCE__"><script type="module" src="/assets/app-abc123.js" nonce="__CSP_NONCE__"></script></head></html>',
    );
    writeFileSync(join(web.path, 'assets', 'app-abc123.js'), 'console.log(1)');
    writeFileSync(join(web.path, 'favicon.svg'), '<svg/>');
    t = await startTestApp({ clock, env: { CONSOLE_DIR: web.path } });
  });
  afterAll(async () => {
    await t.close();
    web.cleanup();
  });

  async function events(type: string) {
    const page = await t.app.get<EventStore>(EVENT_STORE).readAll({ after: 0n, maxCount: 10_000 });
    return page.events.filter((e) => e.type === type).map((e) => e.data as Record<string, unknown>);
  }

  describe('static console', () => {
    it('serves client routes as index.html with a strict CSP and a fresh nonce each time', async () => {
      const a = await t.http().get('/admin/people').expect(200);
      const b = await t.http().get('/').expect(200);
      const nonce = /nonce="([^"]+)"/.exec(a.text)![1]!;
      expect(nonce).not.toBe('__CSP_NONCE__');
      expect(/nonce="([^"]+)"/.exec(b.text)![1]).not.toBe(nonce);
      const csp = a.headers['content-security-policy'] as string;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain(`style-src 'self' 'nonce-${nonce}'`);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
      expect(a.headers['cache-control']).toBe('no-store');
      expect(a.headers['x-content-type-options']).toBe('nosniff');
    });

    it('caches hashed assets for a year, revalidates other files, 404s missing assets', async () => {
      const js = await t.http().get('/assets/app-abc123.js').expect(200);
      expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(js.headers['content-type']).toMatch(/text\/javascript/);
      expect((await t.http().get('/favicon.svg').expect(200)).headers['cache-control']).toBe('no-cache');
      await t.http().get('/assets/gone-000.js').expect(404);
      await t.http().get('/.vite/manifest.json').expect(404);
      await t
        .http()
        .get('/..%2f..%2fetc/passwd')
        .expect((r) => expect(r.text).not.toContain('root:'));
    });

    it('leaves the API, OpenAPI and probes alone', async () => {
      const api = await t.http().get('/v1/nothing-here');
      expect(api.status).toBe(404);
      expect(api.headers['content-type']).toMatch(/problem\+json/);
      await t.http().get('/docs/openapi.json').expect(200);
      expect((await t.http().get('/health')).headers['content-security-policy']).toBeUndefined();
    });
  });

  describe('sessions through the API guard', () => {
    async function sessionFor(role: 'compliance-officer' | 'admin') {
      const p =
        role === 'admin'
          ? { id: (await t.http().get('/v1/people').set('Authorization', `Bearer ${t.adminKey}`)).body.items[0].id }
          : await t.principal(role);
      const s = await t.app.get(SessionsService).start({ id: p.id, name: 'Test Person', role }, 'passkey', 'test');
      return { id: p.id, cookie: `sh_session=${s.secret}`, csrf: s.csrfToken };
    }

    it('a session reads what its role may read and writes only with the CSRF token', async () => {
      const admin = await sessionFor('admin');
      const me = await t.http().get('/v1/session').set('Cookie', admin.cookie).expect(200);
      expect(me.body).toMatchObject({
        signedIn: true,
        principal: { role: 'admin' },
        csrfToken: admin.csrf,
        idleTimeoutSeconds: 900,
        organization: { timeZone: 'America/New_York' },
      });
      await t.http().get('/v1/invitations').set('Cookie', admin.cookie).expect(200);
      const body = { name: 'Ray Responder', email: 'ray@example.org', role: 'incident-responder' };
      const refused = await t.http().post('/v1/invitations').set('Cookie', admin.cookie).send(body);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ reason: 'csrf' });
      await t.http().post('/v1/invitations').set('Cookie', admin.cookie).set('X-CSRF-Token', 'forged').send(body).expect(403);
      const ok = await t.http().post('/v1/invitations').set('Cookie', admin.cookie).set('X-CSRF-Token', admin.csrf).send(body).expect(201);
      expect(ok.body).toMatchObject({ status: 'pending', role: 'incident-responder', expiresAt: '2025-03-13T14:00:00.000Z' });
      // The same role rules as API keys: an officer's session may not invite.
      const officer = await sessionFor('compliance-officer');
      await t
        .http()
        .post('/v1/invitations')
        .set('Cookie', officer.cookie)
        .set('X-CSRF-Token', officer.csrf)
        .send({ ...body, email: 'x@example.org' })
        .expect(403);
    });

    it('invalid input names the field; a duplicate pending invitation is refused', async () => {
      const admin = await sessionFor('admin');
      const bad = await t
        .http()
        .post('/v1/invitations')
        .set('Cookie', admin.cookie)
        .set('X-CSRF-Token', admin.csrf)
        .send({ name: '', email: 'nope', role: 'agent' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'name', 'role']);
      const dup = await t
        .http()
        .post('/v1/invitations')
        .set('Cookie', admin.cookie)
        .set('X-CSRF-Token', admin.csrf)
        .send({ name: 'Ray', email: 'RAY@example.org', role: 'auditor' });
      expect(dup.status).toBe(400);
      expect(dup.body.errors[0].field).toBe('email');
    });

    it('a role change takes effect at the next request; nobody changes their own role', async () => {
      const admin = await sessionFor('admin');
      const officer = await sessionFor('compliance-officer');
      const self = await t
        .http()
        .post(`/v1/people/${admin.id}/role`)
        .set('Cookie', admin.cookie)
        .set('X-CSRF-Token', admin.csrf)
        .send({ role: 'auditor', reason: 'x' });
      expect(self.status).toBe(403);
      await t
        .http()
        .post(`/v1/people/${officer.id}/role`)
        .set('Cookie', admin.cookie)
        .set('X-CSRF-Token', admin.csrf)
        .send({ role: 'auditor', reason: 'moved to internal audit' })
        .expect(200);
      expect((await t.http().get('/v1/session').set('Cookie', officer.cookie)).body.principal.role).toBe('auditor');
      expect((await events('PrincipalRoleChanged')).at(-1)).toMatchObject({
        principalId: officer.id,
        from: 'compliance-officer',
        to: 'auditor',
      });
    });

    it('a disabled person is signed out at the next request', async () => {
      const admin = await sessionFor('admin');
      const officer = await sessionFor('compliance-officer');
      await t
        .http()
        .post(`/v1/principals/${officer.id}/disable`)
        .set('Cookie', admin.cookie)
        .set('X-CSRF-Token', admin.csrf)
        .send({ reason: 'left' })
        .expect(200);
      const r = await t.http().get('/v1/today').set('Cookie', officer.cookie);
      expect(r.status).toBe(401);
      expect((await events('SignedOut')).at(-1)).toMatchObject({ principalId: officer.id, reason: 'disabled' });
    });

    it('idle for 15 minutes on the injected clock: 401 and SignedOut(idle); background refreshes do not keep it alive', async () => {
      const officer = await sessionFor('compliance-officer');
      clock.advance(10 * 60_000);
      await t.http().get('/v1/today').set('Cookie', officer.cookie).set('X-Safeharbor-Passive', '1').expect(200);
      clock.advance(5 * 60_000);
      const r = await t.http().get('/v1/today').set('Cookie', officer.cookie);
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ sessionEnded: 'idle' });
      expect((await events('SignedOut')).at(-1)).toMatchObject({ principalId: officer.id, reason: 'idle' });
      const again = await sessionFor('compliance-officer');
      clock.advance(14 * 60_000);
      await t.http().post('/v1/session/activity').set('Cookie', again.cookie).set('X-CSRF-Token', again.csrf).expect(200);
      clock.advance(14 * 60_000);
      await t.http().get('/v1/today').set('Cookie', again.cookie).expect(200);
    });

    it('a passkey that is not registered here is refused and recorded as a failed sign-in', async () => {
      await t.http().post('/v1/session/passkey/options').expect(200);
      const r = await t
        .http()
        .post('/v1/session/passkey')
        .send({ response: { id: 'bm90LWEta2V5', rawId: 'bm90LWEta2V5', type: 'public-key', response: {} } });
      expect(r.status).toBe(401);
      expect((await events('SignInFailed')).at(-1)).toEqual({ method: 'passkey', reason: 'unknown-passkey' });
    });

    it('a forged or unknown invitation link names the token', async () => {
      const r = await t
        .http()
        .post('/v1/enrollment/lookup')
        .send({ token: '0195805a-f700-7723-b99e-cf0d1098eb69.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual([{ field: 'token', reason: 'this invitation link is not valid' }]);
    });
  });
});
