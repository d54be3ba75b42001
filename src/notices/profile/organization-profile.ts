/**
 * The organization profile as events: what letters, media notices and the HHS report say about
 * the covered entity (name, letterhead, toll-free number, addresses, signatory…) and who gets
 * each role's reminders. One stream; every change is an `OrganizationProfileUpdated` event with
 * the whole profile and the top-level fields that changed, by whom, when. Pure: no I/O.
 */
import { z } from 'zod';
import type { DomainEvent } from '../../ledger/ledger';
import { CONTACT_ROLES, ORGANIZATION_PROFILE_STREAM, ORGANIZATION_PROFILE_UPDATED } from '../../shared/role-contacts';
import { organizationProfileSchema, type OrganizationProfile } from '../domain/notice-input';

// The stream and the roles are shared: every sender resolves role contacts from this event (src/platform/role-contacts.ts).
export { CONTACT_ROLES, ORGANIZATION_PROFILE_STREAM };
export const ORGANIZATION_PROFILE_EVENT_TYPES = [ORGANIZATION_PROFILE_UPDATED] as const;

/** Roles whose reminders, escalations and alerts go to a shared mailbox (people roles, privacy officer, executive). */
export const roleContactsSchema = z
  .strictObject(
    Object.fromEntries(CONTACT_ROLES.map((r) => [r, z.email().optional()])) as Record<
      (typeof CONTACT_ROLES)[number],
      z.ZodOptional<z.ZodEmail>
    >,
  )
  .default({});
export type RoleContacts = z.infer<typeof roleContactsSchema>;

export const profileUpdateSchema = z.strictObject({ profile: organizationProfileSchema, roleContacts: roleContactsSchema });

export interface ProfileChange {
  version: number;
  by: string;
  at: string;
  changed: string[];
}

export interface ProfileState {
  profile: OrganizationProfile | null;
  roleContacts: RoleContacts;
  updatedBy: string | null;
  updatedAt: string | null;
  history: ProfileChange[];
}

export type ProfileEvent = DomainEvent<
  'OrganizationProfileUpdated',
  { profile: OrganizationProfile; roleContacts: RoleContacts; changed: string[]; by: string; at: string }
>;

export interface UpdateProfile {
  profile: OrganizationProfile;
  roleContacts: RoleContacts;
  by: string;
  at: string;
}

export function initialProfileState(): ProfileState {
  return { profile: null, roleContacts: {}, updatedBy: null, updatedAt: null, history: [] };
}

export function evolveProfile(s: ProfileState, e: ProfileEvent): ProfileState {
  return {
    profile: e.data.profile,
    roleContacts: e.data.roleContacts,
    updatedBy: e.data.by,
    updatedAt: e.data.at,
    history: [...s.history, { version: s.history.length + 1, by: e.data.by, at: e.data.at, changed: e.data.changed }],
  };
}

/** Key order does not matter (the ledger may store objects with their keys sorted). */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, canonical(x)]),
    );
  return v;
}
const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** The top-level fields (and `roleContacts`) that differ; an unchanged profile records nothing. */
export function decideProfile(c: UpdateProfile, s: ProfileState): ProfileEvent[] {
  const before = (s.profile ?? {}) as Record<string, unknown>;
  const after = c.profile as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changed = keys.filter((k) => !same(before[k], after[k]));
  if (!same(s.roleContacts, c.roleContacts)) changed.push('roleContacts');
  if (changed.length === 0) return [];
  return [{ type: 'OrganizationProfileUpdated', data: { profile: c.profile, roleContacts: c.roleContacts, changed, by: c.by, at: c.at } }];
}

export const profileDecider = { initialState: initialProfileState, evolve: evolveProfile, decide: decideProfile };
