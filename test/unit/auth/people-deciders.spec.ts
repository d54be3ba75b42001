import { invitationDecider, invitationUsable, type InvitationEvent } from '../../../src/auth/people/domain/invitation';
import { counterAcceptable, passkeysDecider } from '../../../src/auth/people/domain/passkeys';
import { personDecider } from '../../../src/auth/people/domain/person';
import { deciderSpec } from '../../support/decider-spec';

const issued: InvitationEvent = {
  type: 'InvitationIssued',
  data: {
    invitationId: 'i1',
    principalId: 'p1',
    name: 'Olivia',
    email: 'o@example.org',
    role: 'compliance-officer',
    purpose: 'invite',
    expiresAt: '2025-03-13T14:00:00.000Z',
  },
};

describe('invitation decider', () => {
  const spec = deciderSpec(invitationDecider);

  it('is accepted once, before it expires', () => {
    spec
      .given([issued])
      .when({ kind: 'accept', invitationId: 'i1', credentialId: 'c1', now: '2025-03-13T13:59:59.999Z' })
      .then([{ type: 'InvitationAccepted', data: { invitationId: 'i1', principalId: 'p1', credentialId: 'c1' } }]);
    spec
      .given([issued])
      .when([
        { kind: 'accept', invitationId: 'i1', credentialId: 'c1', now: '2025-03-10T15:00:00.000Z' },
        { kind: 'accept', invitationId: 'i1', credentialId: 'c2', now: '2025-03-10T15:00:01.000Z' },
      ])
      .thenThrows(/already used/);
  });

  it('refuses an expired, revoked or unknown link', () => {
    spec
      .given([issued])
      .when({ kind: 'accept', invitationId: 'i1', credentialId: 'c1', now: '2025-03-13T14:00:00.000Z' })
      .thenThrows(/expired/);
    spec
      .given([issued, { type: 'InvitationRevoked', data: { invitationId: 'i1', reason: 'typo' } }])
      .when({ kind: 'accept', invitationId: 'i1', credentialId: 'c1', now: '2025-03-10T15:00:00.000Z' })
      .thenThrows(/revoked/);
    spec
      .when({ kind: 'accept', invitationId: 'i1', credentialId: 'c1', now: '2025-03-10T15:00:00.000Z' })
      .thenThrows({ code: 'INVITATION_RULE' });
  });

  it('records the mail once and cannot revoke what was accepted', () => {
    spec
      .given([issued])
      .when([
        { kind: 'record-sent', invitationId: 'i1', messageId: '<m@x>' },
        { kind: 'record-sent', invitationId: 'i1', messageId: '<m@x>' },
      ])
      .then([{ type: 'InvitationSent', data: { invitationId: 'i1', messageId: '<m@x>' } }]);
    const accepted = spec.history([{ kind: 'accept', invitationId: 'i1', credentialId: 'c1', now: '2025-03-10T15:00:00.000Z' }], [issued]);
    spec
      .given(accepted)
      .when({ kind: 'revoke', invitationId: 'i1', reason: 'late' })
      .thenThrows(/disable the person/);
  });

  it('usable() says why a link does not work', () => {
    const state = spec.given([issued]).state();
    expect(invitationUsable(state, '2025-03-11T00:00:00.000Z')).toEqual({ ok: true });
    expect(invitationUsable(state, '2025-03-14T00:00:00.000Z')).toEqual({ ok: false, reason: 'expired' });
    expect(invitationUsable(invitationDecider.initialState(), '2025-03-11T00:00:00.000Z')).toEqual({ ok: false, reason: 'unknown' });
  });
});

describe('passkeys', () => {
  const spec = deciderSpec(passkeysDecider);
  const reg = {
    kind: 'register' as const,
    principalId: 'p1',
    credentialId: 'c1',
    publicKey: 'pk',
    counter: 0,
    transports: ['internal'],
    backedUp: false,
  };

  it('registers a credential once and removes it once', () => {
    spec.when([reg]).then([{ type: 'PasskeyRegistered', data: { credentialId: 'c1', principalId: 'p1' } }]);
    spec.when([reg, reg]).thenThrows(/already registered/);
    spec
      .when([
        reg,
        { kind: 'remove', principalId: 'p1', credentialId: 'c1', reason: 'lost' },
        { kind: 'remove', principalId: 'p1', credentialId: 'c1', reason: 'lost' },
      ])
      .then([{ type: 'PasskeyRegistered' }, { type: 'PasskeyRemoved', data: { reason: 'lost' } }]);
  });

  it('a signature counter must grow, unless the authenticator keeps none (both zero)', () => {
    expect(counterAcceptable(0, 0)).toBe(true);
    expect(counterAcceptable(0, 1)).toBe(true);
    expect(counterAcceptable(5, 6)).toBe(true);
    expect(counterAcceptable(5, 5)).toBe(false); // replayed or cloned
    expect(counterAcceptable(5, 0)).toBe(false);
  });
});

describe('person decider', () => {
  const spec = deciderSpec(personDecider);
  const create = { kind: 'create' as const, principalId: 'p1', name: 'Olivia', role: 'auditor' as const };

  it('creates a principal idempotently (an invitation retried after a crash)', () => {
    spec.when([create, create]).then([{ type: 'PrincipalCreated', data: { principalId: 'p1', name: 'Olivia', role: 'auditor' } }]);
  });

  it('changes a role with the old and new role recorded; never to or from agent, never for a disabled principal', () => {
    spec
      .when([create, { kind: 'change-role', principalId: 'p1', role: 'compliance-officer', reason: 'promoted' }])
      .then([
        { type: 'PrincipalCreated' },
        { type: 'PrincipalRoleChanged', data: { from: 'auditor', to: 'compliance-officer', reason: 'promoted' } },
      ]);
    spec.when([create, { kind: 'change-role', principalId: 'p1', role: 'auditor', reason: 'same' }]).then([{ type: 'PrincipalCreated' }]);
    spec.when([create, { kind: 'change-role', principalId: 'p1', role: 'agent', reason: 'x' }]).thenThrows(/agents/);
    spec
      .given([
        { type: 'PrincipalCreated', data: { principalId: 'p1', name: 'O', role: 'auditor' } },
        { type: 'PrincipalDisabled', data: { principalId: 'p1', reason: 'left' } },
      ])
      .when({ kind: 'change-role', principalId: 'p1', role: 'admin', reason: 'x' })
      .thenThrows(/disabled/);
    spec.when({ kind: 'change-role', principalId: 'p1', role: 'admin', reason: 'x' }).thenThrows({ code: 'PERSON_RULE' });
  });
});
