/**
 * Who receives a role's reminders, escalations and alerts, resolved the same way for every sender:
 * the organization profile (an event, editable in the console) → SAFEHARBOR_ROLE_EMAILS → a placeholder
 * (`<role>@safeharbor.invalid`) that reaches nobody. Pure: the caller reads the profile and the environment.
 */

/** Roles with a shared mailbox in the organization profile (people roles plus privacy officer and executive). */
export const CONTACT_ROLES = [
  'compliance-officer',
  'privacy-officer',
  'security-officer',
  'incident-responder',
  'auditor',
  'admin',
  'executive',
] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

export function isContactRole(v: unknown): v is ContactRole {
  return typeof v === 'string' && (CONTACT_ROLES as readonly string[]).includes(v);
}

/** The stream of the organization profile, and the event that carries `{ profile: { name }, roleContacts }`. */
export const ORGANIZATION_PROFILE_STREAM = 'organization-profile';
export const ORGANIZATION_PROFILE_UPDATED = 'OrganizationProfileUpdated';

export const PLACEHOLDER_DOMAIN = 'safeharbor.invalid';
export const placeholderAddress = (role: string): string => `${role}@${PLACEHOLDER_DOMAIN}`;
export const isPlaceholderAddress = (a: string): boolean => a.toLowerCase().endsWith(`@${PLACEHOLDER_DOMAIN}`);

export type ContactSource = 'profile' | 'environment' | 'placeholder';

export interface ResolvedContact {
  /** Where to send; for a placeholder, the one `<role>@safeharbor.invalid` address (delivers nowhere). */
  addresses: string[];
  source: ContactSource;
}

/** Role → mailboxes from SAFEHARBOR_ROLE_EMAILS (JSON `{"compliance-officer": ["co@example.org"]}`; a string is one address). */
export function parseRoleEmails(raw: string | undefined): Record<string, string[]> {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('env.SAFEHARBOR_ROLE_EMAILS: expected JSON like {"compliance-officer": ["co@example.org"]}');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('env.SAFEHARBOR_ROLE_EMAILS: expected JSON like {"compliance-officer": ["co@example.org"]}');
  const out: Record<string, string[]> = {};
  for (const [role, v] of Object.entries(parsed as Record<string, unknown>)) {
    const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
    if (list.length) out[role] = list;
  }
  return out;
}

/** One role: the profile's address wins, then the environment's list, then the placeholder. */
export function resolveContact(role: string, profile: Partial<Record<string, string>>, env: Record<string, string[]>): ResolvedContact {
  const fromProfile = profile[role]?.trim();
  if (fromProfile && !isPlaceholderAddress(fromProfile)) return { addresses: [fromProfile], source: 'profile' };
  const fromEnv = (env[role] ?? []).filter((a) => !isPlaceholderAddress(a));
  if (fromEnv.length) return { addresses: fromEnv, source: 'environment' };
  return { addresses: [placeholderAddress(role)], source: 'placeholder' };
}

/** Of the roles something sends to, those that would reach only a placeholder, in the given order. */
export function rolesWithoutContact(
  roles: readonly string[],
  profile: Partial<Record<string, string>>,
  env: Record<string, string[]>,
): string[] {
  return [...new Set(roles)].filter((r) => resolveContact(r, profile, env).source === 'placeholder');
}

/** The operator warning (start log, /health, console): names roles, never addresses. */
export function roleContactsWarning(missing: readonly string[]): { code: 'role-contacts-missing'; reason: string; roles: string[] } | null {
  if (missing.length === 0) return null;
  return {
    code: 'role-contacts-missing',
    reason:
      `No contact for ${missing.join(', ')}: reminders, escalations and alerts to ${missing.length === 1 ? 'this role' : 'these roles'} ` +
      `go to placeholder addresses at ${PLACEHOLDER_DOMAIN} that reach nobody. Set them in the organization profile ` +
      '(console: Organization; PUT /v1/organization/profile) or in SAFEHARBOR_ROLE_EMAILS.',
    roles: [...missing],
  };
}
