/**
 * The one role-contacts resolver every sender uses (reminders, escalations, tamper alerts, the
 * console's header and warning, /health). It reads the organization profile from the ledger, not a
 * copy in memory, so a profile change reaches every process (api, worker, scheduler) at its next
 * send, without a restart. A read costs one stream-version query while the profile is unchanged.
 */
import type { Ledger } from '../ledger/ledger';
import {
  CONTACT_ROLES,
  ORGANIZATION_PROFILE_STREAM,
  ORGANIZATION_PROFILE_UPDATED,
  isPlaceholderAddress,
  parseRoleEmails,
  resolveContact,
  roleContactsWarning,
  rolesWithoutContact,
  type ResolvedContact,
} from '../shared/role-contacts';

export const ROLE_CONTACTS = Symbol('RoleContacts');

export interface RoleContactsStatus {
  /** Roles something sends to (registered by the senders), in a stable order. */
  required: string[];
  /** Of those, the roles whose messages reach only a placeholder. */
  missing: string[];
  /** Where each required role's contact comes from (no addresses). */
  sources: Record<string, ResolvedContact['source']>;
}

interface ProfileSnapshot {
  version: bigint | null;
  name: string | null;
  contacts: Partial<Record<string, string>>;
}

export class RoleContacts {
  private readonly env: Record<string, string[]>;
  private readonly requiredRoles = new Set<string>();
  private cached: ProfileSnapshot = { version: null, name: null, contacts: {} };

  constructor(
    private readonly ledger: Pick<Ledger, 'readStream' | 'streamVersion'>,
    config: { SAFEHARBOR_ROLE_EMAILS?: string; ORG_NAME: string },
    private readonly fallbackName = config.ORG_NAME,
  ) {
    this.env = parseRoleEmails(config.SAFEHARBOR_ROLE_EMAILS);
  }

  /** A sender declares the roles it addresses, so /health and the console name the ones without a contact. */
  require(...roles: string[]): void {
    for (const r of roles) this.requiredRoles.add(r);
  }

  /** In CONTACT_ROLES order (then any other role by name), whichever module registered first. */
  get required(): string[] {
    const rank = (r: string) => (CONTACT_ROLES.indexOf(r as never) + CONTACT_ROLES.length + 1) % (CONTACT_ROLES.length + 1);
    return [...this.requiredRoles].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }

  private async snapshot(): Promise<ProfileSnapshot> {
    const version = await this.ledger.streamVersion(ORGANIZATION_PROFILE_STREAM);
    if (version === this.cached.version) return this.cached;
    const [last] = await this.ledger.readStream(ORGANIZATION_PROFILE_STREAM, { direction: 'backwards', maxCount: 1 });
    const data = (last?.type === ORGANIZATION_PROFILE_UPDATED ? last.data : {}) as {
      profile?: { name?: unknown };
      roleContacts?: Record<string, unknown>;
    };
    const contacts = Object.fromEntries(Object.entries(data.roleContacts ?? {}).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
    const name = typeof data.profile?.name === 'string' && data.profile.name.trim() ? data.profile.name : null;
    this.cached = { version, name, contacts };
    return this.cached;
  }

  /** The addresses for a role (profile → SAFEHARBOR_ROLE_EMAILS → placeholder) and where they came from. */
  async resolve(role: string): Promise<ResolvedContact> {
    return resolveContact(role, (await this.snapshot()).contacts, this.env);
  }

  /** Real addresses only (a tamper alert is never sent to a placeholder). */
  async realAddresses(role: string): Promise<string[]> {
    const r = await this.resolve(role);
    return r.source === 'placeholder' ? [] : r.addresses;
  }

  /**
   * For alarms about the ledger itself: the environment's addresses (which no ledger write can change)
   * plus the profile's when the ledger reads; never a placeholder.
   */
  async alarmAddresses(role: string): Promise<string[]> {
    const env = this.env[role] ?? [];
    let fromProfile: string[] = [];
    try {
      const c = (await this.snapshot()).contacts[role];
      fromProfile = c ? [c] : [];
    } catch {
      /* the ledger may be what is broken: the environment's addresses still get the alert */
    }
    return [...new Set([...env, ...fromProfile])].filter((a) => !isPlaceholderAddress(a));
  }

  async status(): Promise<RoleContactsStatus> {
    const { contacts } = await this.snapshot();
    const required = this.required;
    const sources = Object.fromEntries(required.map((r) => [r, resolveContact(r, contacts, this.env).source]));
    return { required, missing: rolesWithoutContact(required, contacts, this.env), sources };
  }

  async warnings(): Promise<{ code: string; reason: string; roles: string[] }[]> {
    const w = roleContactsWarning((await this.status()).missing);
    return w ? [w] : [];
  }

  /** The organization's name: the profile's, else ORG_NAME. */
  async organizationName(): Promise<string> {
    return (await this.snapshot()).name ?? this.fallbackName;
  }
}
