import { PHI_READER_ROLES, ROLES, type Role } from '../domain/roles';

/** What each role may do, as the API enforces it; shown on the console's Roles page. */
export interface RoleDescription {
  role: Role;
  title: string;
  summary: string;
  readsPhi: boolean;
  mayApprove: string[];
  person: boolean;
}

const DESCRIPTIONS: Record<Role, Omit<RoleDescription, 'role' | 'readsPhi'>> = {
  'compliance-officer': {
    title: 'Compliance / privacy officer',
    summary:
      'Runs breach triage and notification: incidents, risk assessments, notices, the HHS report. Reads PHI (every read is recorded).',
    mayApprove: ['notice batches (not their own)', 'risk acceptances', 'access grants'],
    person: true,
  },
  'security-officer': {
    title: 'Security officer',
    summary: 'Keys, datasets, agents and access grants; containment; reads PHI when an incident needs it (recorded).',
    mayApprove: ['key destruction and compromise', 'access changes', 'notice batches (not their own)'],
    person: true,
  },
  'incident-responder': {
    title: 'Incident responder',
    summary: 'Reports incidents, records facts and affected individuals, follows obligations. Reads PHI (recorded).',
    mayApprove: [],
    person: true,
  },
  auditor: {
    title: 'Auditor',
    summary: 'Read-only: the ledger, its verification and proofs, posture and evidence exports. Never reads PHI.',
    mayApprove: [],
    person: true,
  },
  admin: {
    title: 'Administrator',
    summary: 'Manages people, invitations, roles and API keys. Never reads PHI.',
    mayApprove: [],
    person: true,
  },
  agent: {
    title: 'Host agent (machine)',
    summary: "A PHI server's agent: enrolled by a security officer, never a person, never signs in to the console.",
    mayApprove: [],
    person: false,
  },
};

export function roleCatalogue(): RoleDescription[] {
  return ROLES.map((role) => ({ role, readsPhi: PHI_READER_ROLES.includes(role), ...DESCRIPTIONS[role] }));
}

/** Roles a person can be given (invitation, role change, SSO claim). */
export const PERSON_ROLES = ROLES.filter((r) => r !== 'agent') as Exclude<Role, 'agent'>[];
