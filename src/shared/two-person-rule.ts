import type { Principal, Role } from './roles';

export class TwoPersonRuleError extends Error {
  readonly code = 'TWO_PERSON_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'TwoPersonRuleError';
  }
}

/**
 * The two-person rule for destructive or privileged actions: the approver is a different
 * principal from the requester and holds one of the required roles. Pure; every context that
 * needs an approval calls it from its decider.
 */
export function assertSecondApprover(
  requestedBy: Pick<Principal, 'id'>,
  approver: Pick<Principal, 'id' | 'role'>,
  allowedRoles: readonly Role[],
  alreadyApprovedBy: readonly string[] = [],
): void {
  if (approver.id === requestedBy.id) throw new TwoPersonRuleError('the approver must be a different person from the requester');
  if (alreadyApprovedBy.includes(approver.id)) throw new TwoPersonRuleError('this principal has already approved');
  if (!allowedRoles.includes(approver.role)) {
    throw new TwoPersonRuleError(`approval needs the role ${allowedRoles.join(' or ')}`);
  }
}
