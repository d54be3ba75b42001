import { roleFromClaim, consoleSettings } from '../../../src/auth/people/people.config';
import { idleSecondsLeft, needsCsrfToken, sessionEnd } from '../../../src/auth/people/domain/session-rules';
import { isSecureRequest, readCookie, serializeCookie } from '../../../src/auth/people/cookies';
import { loadConfig } from '../../../src/platform/config';
import { ValidationError } from '../../../src/platform/errors';

const MIN = 60_000;

describe('session rules (automatic logoff, 45 CFR 164.312(a)(2)(iii))', () => {
  const s = { createdAt: 0, lastSeenAt: 10 * MIN };
  it('ends a session 15 minutes after the last activity, or at its maximum length', () => {
    expect(sessionEnd(s, 24 * MIN + 59_999, 15 * MIN, 12 * 60 * MIN)).toBeNull();
    expect(sessionEnd(s, 25 * MIN, 15 * MIN, 12 * 60 * MIN)).toBe('idle');
    expect(sessionEnd({ createdAt: 0, lastSeenAt: 12 * 60 * MIN - 1 }, 12 * 60 * MIN, 15 * MIN, 12 * 60 * MIN)).toBe('expired');
  });
  it('counts the idle time left down to the nearer end', () => {
    expect(idleSecondsLeft(s, 10 * MIN, 15 * MIN, 12 * 60 * MIN)).toBe(900);
    expect(idleSecondsLeft({ createdAt: 0, lastSeenAt: 12 * 60 * MIN - MIN }, 12 * 60 * MIN - MIN, 15 * MIN, 12 * 60 * MIN)).toBe(60);
  });
  it('asks a CSRF token of every method but GET, HEAD and OPTIONS', () => {
    expect(['GET', 'head', 'OPTIONS'].map(needsCsrfToken)).toEqual([false, false, false]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(needsCsrfToken)).toEqual([true, true, true, true]);
  });
});

describe('cookies', () => {
  it('are httpOnly and SameSite; Secure behind TLS (directly or through a proxy)', () => {
    expect(serializeCookie('sh_session', 'a b', { secure: true, sameSite: 'Strict' })).toBe(
      'sh_session=a%20b; Path=/; HttpOnly; SameSite=Strict; Secure',
    );
    expect(isSecureRequest('auto', { secure: false, headers: { 'x-forwarded-proto': 'https' } })).toBe(true);
    expect(isSecureRequest('auto', { secure: false, headers: {} })).toBe(false);
    expect(isSecureRequest(true, { headers: {} })).toBe(true);
    expect(readCookie('a=1; sh_session=xyz%3D; b=2', 'sh_session')).toBe('xyz=');
    expect(readCookie(undefined, 'sh_session')).toBeNull();
  });
});

describe('single sign-on configuration', () => {
  const settings = (env: Record<string, string>) => consoleSettings(loadConfig({ DATA_DIR: '/tmp/x', ...env }));
  it('takes the role from the claim, through the map when one is given; never agent', () => {
    expect(roleFromClaim('auditor', null)).toBe('auditor');
    expect(roleFromClaim('agent', null)).toBeNull();
    expect(roleFromClaim(['staff', 'hipaa-privacy'], { 'hipaa-privacy': 'compliance-officer' })).toBe('compliance-officer');
    expect(roleFromClaim('auditor', { 'hipaa-privacy': 'compliance-officer' })).toBeNull();
    expect(roleFromClaim(undefined, null)).toBeNull();
  });
  it('is off without OIDC_ISSUER, and a bad value names its variable', () => {
    expect(settings({}).oidc).toBeNull();
    const fieldOf = (env: Record<string, string>) => {
      try {
        settings(env);
      } catch (e) {
        return (e as ValidationError).issues[0]!.field;
      }
      return 'accepted';
    };
    expect(fieldOf({ OIDC_CLIENT_ID: 'x' })).toBe('env.OIDC_ISSUER');
    expect(fieldOf({ OIDC_ISSUER: 'https://idp.example.org' })).toBe('env.OIDC_CLIENT_ID');
    expect(fieldOf({ OIDC_ISSUER: 'not a url', OIDC_CLIENT_ID: 'x' })).toBe('env.OIDC_ISSUER');
    expect(fieldOf({ OIDC_ISSUER: 'https://idp.example.org', OIDC_CLIENT_ID: 'x', OIDC_ROLE_MAP: '{"a":"agent"}' })).toBe(
      'env.OIDC_ROLE_MAP.a',
    );
    expect(fieldOf({ PUBLIC_URL: 'ftp://x' })).toBe('env.PUBLIC_URL');
    expect(
      settings({ OIDC_ISSUER: 'https://idp.example.org', OIDC_CLIENT_ID: 'x', PUBLIC_URL: 'https://sh.example.org' }).oidc!.redirectUri,
    ).toBe('https://sh.example.org/v1/auth/oidc/callback');
  });
});
