import { assertSecondApprover, TwoPersonRuleError } from '../../../src/auth/domain/two-person-rule';

describe('two-person rule', () => {
  const requester = { id: 'p-1' };
  it('accepts a different principal holding an allowed role', () => {
    expect(() => assertSecondApprover(requester, { id: 'p-2', role: 'security-officer' }, ['security-officer'])).not.toThrow();
  });
  it('refuses the requester approving their own request', () => {
    expect(() => assertSecondApprover(requester, { id: 'p-1', role: 'security-officer' }, ['security-officer'])).toThrow(
      TwoPersonRuleError,
    );
  });
  it('refuses a principal without the required role', () => {
    expect(() => assertSecondApprover(requester, { id: 'p-2', role: 'admin' }, ['security-officer', 'compliance-officer'])).toThrow(
      /security-officer or compliance-officer/,
    );
  });
  it('refuses the same approver twice (k distinct approvers)', () => {
    expect(() => assertSecondApprover(requester, { id: 'p-2', role: 'security-officer' }, ['security-officer'], ['p-2'])).toThrow(
      /already approved/,
    );
  });
});
