export const ROLES = ['compliance-officer', 'security-officer', 'incident-responder', 'auditor', 'agent', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** Roles that may see PHI in clear. Admin manages principals and never reads PHI; agents get only what their commands carry. */
export const PHI_READER_ROLES: readonly Role[] = ['compliance-officer', 'security-officer', 'incident-responder'];

export interface Principal {
  id: string;
  name: string;
  role: Role;
}
