import { principalDecider, type PrincipalCommand } from '../../../src/auth/domain/principal';
import { deciderSpec } from '../../support/decider-spec';

const spec = deciderSpec(principalDecider);
const admin = { id: 'p-admin', role: 'admin' };
const at = '2025-04-01T10:00:00.000Z';
const ID = '01937a4e-0000-7000-8000-0000000000aa';
const create: PrincipalCommand = {
  kind: 'create',
  principalId: ID,
  name: 'Casey Officer',
  role: 'compliance-officer',
  keyId: 'aaaaaaaaaaaa',
  keyHash: 'f'.repeat(64),
  actor: admin,
  at,
};
const created = spec.history([create]);

describe('principal aggregate', () => {
  it('creating a principal issues its first API key (only the hash of the secret)', () => {
    const { state } = spec.when(create).then([
      { type: 'PrincipalCreated', data: { principalId: ID, name: 'Casey Officer', role: 'compliance-officer' } },
      { type: 'ApiKeyIssued', data: { principalId: ID, keyId: 'aaaaaaaaaaaa', keyHash: 'f'.repeat(64) } },
    ]);
    expect(state).toEqual({ exists: true, disabled: false, role: 'compliance-officer' });
    spec
      .given(created)
      .when(create)
      .thenThrows({ code: 'PRINCIPAL_RULE', message: /already exists/ });
  });

  it('issues more keys to an active principal only', () => {
    const issue: PrincipalCommand = {
      kind: 'issue-key',
      principalId: ID,
      keyId: 'bbbbbbbbbbbb',
      keyHash: 'e'.repeat(64),
      actor: admin,
      at,
    };
    spec
      .given(created)
      .when(issue)
      .then([{ type: 'ApiKeyIssued', data: { principalId: ID, keyId: 'bbbbbbbbbbbb', keyHash: 'e'.repeat(64) } }]);
    spec.when(issue).thenThrows({ code: 'PRINCIPAL_RULE', message: /not active/ });
    const disabled = spec.history([{ kind: 'disable', principalId: ID, reason: 'left the organization', actor: admin, at }], created);
    spec
      .given(disabled)
      .when(issue)
      .thenThrows({ code: 'PRINCIPAL_RULE', message: /not active/ });
  });

  it('disabling is recorded once; an unknown principal cannot be disabled', () => {
    const disable: PrincipalCommand = { kind: 'disable', principalId: ID, reason: 'left the organization', actor: admin, at };
    const { state, events } = spec
      .given(created)
      .when(disable)
      .then([{ type: 'PrincipalDisabled', data: { principalId: ID, reason: 'left the organization' } }]);
    expect(state.disabled).toBe(true);
    spec
      .given([...created, ...events])
      .when(disable)
      .thenNothing();
    spec.when(disable).thenThrows({ code: 'PRINCIPAL_RULE', message: /does not exist/ });
  });
});
