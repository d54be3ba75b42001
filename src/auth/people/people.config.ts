import { ROLES, type Role } from '../domain/roles';
import type { AppConfig } from '../../platform/config';
import { ValidationError } from '../../platform/errors';

/** The console's sign-in settings, derived from the environment and checked at start (a bad value names the variable). */
export interface ConsoleSettings {
  publicUrl: URL;
  /** WebAuthn relying party: the public URL's host name and origin. */
  rpId: string;
  origin: string;
  idleMs: number;
  maxMs: number;
  cookieSecure: 'auto' | boolean;
  invitationTtlMs: number;
  oidc: OidcSettings | null;
}

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  redirectUri: string;
  roleClaim: string;
  /** Claim value → role; when absent the claim must hold a role name. */
  roleMap: Record<string, Role> | null;
  scopes: string;
  label: string;
}

export function consoleSettings(c: AppConfig): ConsoleSettings {
  let publicUrl: URL;
  try {
    publicUrl = new URL(c.PUBLIC_URL ?? `http://localhost:${c.PORT}`);
  } catch {
    throw ValidationError.field('env.PUBLIC_URL', 'not a URL (e.g. https://safeharbor.example.org)');
  }
  if (!['http:', 'https:'].includes(publicUrl.protocol)) throw ValidationError.field('env.PUBLIC_URL', 'must be http or https');
  return {
    publicUrl,
    rpId: publicUrl.hostname,
    origin: publicUrl.origin,
    idleMs: c.SESSION_IDLE_MINUTES * 60_000,
    maxMs: c.SESSION_MAX_HOURS * 3_600_000,
    cookieSecure: c.SESSION_COOKIE_SECURE === 'auto' ? 'auto' : c.SESSION_COOKIE_SECURE === 'true',
    invitationTtlMs: c.INVITATION_TTL_HOURS * 3_600_000,
    oidc: oidcSettings(c, publicUrl),
  };
}

function oidcSettings(c: AppConfig, publicUrl: URL): OidcSettings | null {
  if (!c.OIDC_ISSUER) {
    if (c.OIDC_CLIENT_ID) throw ValidationError.field('env.OIDC_ISSUER', 'required when OIDC_CLIENT_ID is set');
    return null;
  }
  try {
    new URL(c.OIDC_ISSUER);
  } catch {
    throw ValidationError.field('env.OIDC_ISSUER', 'not a URL');
  }
  if (!c.OIDC_CLIENT_ID) throw ValidationError.field('env.OIDC_CLIENT_ID', 'required when OIDC_ISSUER is set');
  let roleMap: Record<string, Role> | null = null;
  if (c.OIDC_ROLE_MAP) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(c.OIDC_ROLE_MAP);
    } catch {
      throw ValidationError.field('env.OIDC_ROLE_MAP', 'not JSON (e.g. {"hipaa-privacy":"compliance-officer"})');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw ValidationError.field('env.OIDC_ROLE_MAP', 'must be a JSON object of claim value → role');
    for (const [k, v] of Object.entries(parsed)) {
      if (!(ROLES as readonly string[]).includes(v as string) || v === 'agent')
        throw ValidationError.field(`env.OIDC_ROLE_MAP.${k}`, `not a person's role (${ROLES.filter((r) => r !== 'agent').join(', ')})`);
    }
    roleMap = parsed as Record<string, Role>;
  }
  return {
    issuer: c.OIDC_ISSUER,
    clientId: c.OIDC_CLIENT_ID,
    clientSecret: c.OIDC_CLIENT_SECRET,
    redirectUri: new URL('/v1/auth/oidc/callback', publicUrl).toString(),
    roleClaim: c.OIDC_ROLE_CLAIM,
    roleMap,
    scopes: c.OIDC_SCOPES,
    label: c.OIDC_LABEL,
  };
}

/** The role an ID token's claim grants, or null. Agents never sign in through SSO. */
export function roleFromClaim(value: unknown, map: Record<string, Role> | null): Role | null {
  const values = Array.isArray(value) ? value : [value];
  for (const v of values) {
    if (typeof v !== 'string') continue;
    const role = map ? map[v] : v;
    if (role && role !== 'agent' && (ROLES as readonly string[]).includes(role)) return role as Role;
  }
  return null;
}
