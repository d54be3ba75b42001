import type { Role } from '../session/session';

/**
 * The navigation, per role. A role sees an entry only when the API lets it use that page (the
 * API checks again; this only keeps people from doors that will not open).
 */
export interface NavEntry {
  to:
    | '/'
    | '/incidents'
    | '/lookup'
    | '/ledger'
    | '/posture'
    | '/risk'
    | '/access/recertifications'
    | '/admin/organization'
    | '/admin/people'
    | '/admin/invitations'
    | '/admin/roles';
  label: string;
  roles: readonly Role[];
  group: 'work' | 'admin';
}

const PEOPLE: Role[] = ['compliance-officer', 'security-officer', 'incident-responder', 'auditor', 'admin'];

export const NAV: readonly NavEntry[] = [
  { to: '/', label: 'Today', roles: PEOPLE, group: 'work' },
  {
    to: '/incidents',
    label: 'Incidents',
    roles: ['incident-responder', 'compliance-officer', 'security-officer', 'auditor'],
    group: 'work',
  },
  { to: '/lookup', label: 'Look up a notice', roles: ['incident-responder', 'compliance-officer', 'security-officer'], group: 'work' },
  { to: '/posture', label: 'Posture', roles: ['security-officer', 'compliance-officer', 'auditor'], group: 'work' },
  {
    to: '/risk',
    label: 'Risk register',
    roles: ['compliance-officer', 'security-officer', 'incident-responder', 'auditor'],
    group: 'work',
  },
  {
    to: '/access/recertifications',
    label: 'Access reviews',
    roles: ['compliance-officer', 'security-officer', 'auditor'],
    group: 'work',
  },
  { to: '/ledger', label: 'Ledger', roles: ['auditor', 'security-officer', 'compliance-officer'], group: 'work' },
  { to: '/admin/people', label: 'People', roles: ['admin', 'auditor', 'compliance-officer', 'security-officer'], group: 'admin' },
  { to: '/admin/invitations', label: 'Invitations', roles: ['admin'], group: 'admin' },
  {
    to: '/admin/organization',
    label: 'Organization',
    roles: ['admin', 'compliance-officer', 'security-officer', 'auditor'],
    group: 'admin',
  },
  { to: '/admin/roles', label: 'Roles', roles: PEOPLE, group: 'admin' },
];

export function navFor(role: Role): NavEntry[] {
  return NAV.filter((n) => n.roles.includes(role));
}

export const ROLE_LABELS: Record<Role, string> = {
  'compliance-officer': 'Compliance officer',
  'security-officer': 'Security officer',
  'incident-responder': 'Incident responder',
  auditor: 'Auditor',
  agent: 'Agent',
  admin: 'Administrator',
};

/** Labels of the roles that have a mailbox in the organization profile (people roles plus two mailbox-only roles). */
export const CONTACT_ROLE_LABELS: Record<string, string> = {
  'compliance-officer': 'Compliance officer',
  'privacy-officer': 'Privacy officer',
  'security-officer': 'Security officer',
  'incident-responder': 'Incident responder',
  auditor: 'Auditor',
  admin: 'Administrator',
  executive: 'Executive',
};
