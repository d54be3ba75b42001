import { grantDecider, isActiveAt, type GrantCommand } from '../../../src/access/domain/grant';
import { deciderSpec } from '../../support/decider-spec';

const day = 86_400_000;
const at = (d: number) => new Date(Date.parse('2026-01-05T09:00:00.000Z') + d * day).toISOString();
const ann = { id: 'comp-ann', role: 'compliance-officer' };
const bob = { id: 'sec-bob', role: 'security-officer' };
const timer = { id: 'system:grant-expiry', role: 'system' };

const grants = deciderSpec(grantDecider);
const req = (over: Partial<Extract<GrantCommand, { kind: 'request' }>> = {}): GrantCommand => ({
  kind: 'request',
  grantId: 'g-1',
  principal: 'dr_lee',
  principalKind: 'user',
  datasetId: 'ds-1',
  permission: 'read',
  purpose: 'treatment follow-up',
  durationDays: 30,
  actor: ann,
  at: at(0),
  custodiansOfDatasetKey: [],
  ...over,
});
const approve = (actor = bob, custodiansOfDatasetKey: string[] = []): GrantCommand => ({
  kind: 'approve',
  actor,
  at: at(1),
  custodiansOfDatasetKey,
});
const requested = grants.history([req()]);
const active = grants.history([approve()], requested);

describe('access grants', () => {
  it('request → approval by a different officer → active until expiry', () => {
    grants.when(req()).then([
      {
        type: 'AccessGrantRequested',
        data: { grantId: 'g-1', principal: 'dr_lee', datasetId: 'ds-1', permission: 'read', durationDays: 30, by: 'comp-ann', at: at(0) },
      },
    ]);
    const { state } = grants
      .given(requested)
      .when(approve())
      .then([{ type: 'AccessGrantApproved', data: { grantId: 'g-1', by: 'sec-bob', activeFrom: at(1), expiresAt: at(31) } }]);
    expect(state.status).toBe('active');
    expect(isActiveAt(state, at(30.9))).toBe(true);
    expect(isActiveAt(state, at(31))).toBe(false);
  });

  it('expiry: only at or after the end; a late timer after a revocation is a no-op', () => {
    grants
      .given(active)
      .when({ kind: 'expire', actor: timer, at: at(30) })
      .thenThrows(/not reached/);
    grants
      .given(active)
      .when({ kind: 'expire', actor: timer, at: at(31) })
      .then([{ type: 'AccessGrantExpired', data: { grantId: 'g-1', at: at(31) } }]);
    const revoked = grants.history([{ kind: 'revoke', reason: 'left the team', actor: bob, at: at(2) }], active);
    expect(grants.given(revoked).state().status).toBe('revoked');
    grants
      .given(revoked)
      .when({ kind: 'expire', actor: timer, at: at(31) })
      .thenNothing();
  });

  it('revocation records who, why and the campaign that asked for it', () => {
    grants
      .given(active)
      .when({ kind: 'revoke', reason: 'recertification q1', campaignId: 'q1', actor: bob, at: at(2) })
      .then([{ type: 'AccessGrantRevoked', data: { by: 'sec-bob', reason: 'recertification q1', campaignId: 'q1' } }]);
    grants
      .given(active)
      .when({ kind: 'revoke', reason: '  ', actor: bob, at: at(2) })
      .thenThrows(/reason/);
    grants
      .given(grants.history([{ kind: 'revoke', reason: 'x', actor: bob, at: at(2) }], active))
      .when({ kind: 'revoke', reason: 'again', actor: bob, at: at(3) })
      .thenThrows(/revoked/);
  });

  it('two-person rule and approver roles', () => {
    grants
      .given(requested)
      .when(approve(ann))
      .thenThrows(/two-person/);
    grants
      .given(requested)
      .when(approve({ id: 'dr_lee', role: 'security-officer' }))
      .thenThrows(/own access/);
    grants
      .given(requested)
      .when(approve({ id: 'ir-joe', role: 'incident-responder' }))
      .thenThrows(/officer/);
    grants
      .given(requested)
      .when({ kind: 'reject', reason: 'no need', actor: { id: 'ir-joe', role: 'incident-responder' }, at: at(1) })
      .thenThrows(/officer/);
    grants
      .given(requested)
      .when({ kind: 'reject', reason: 'no need', actor: bob, at: at(1) })
      .then([{ type: 'AccessGrantRejected', data: { by: 'sec-bob', reason: 'no need' } }]);
  });

  it('least privilege: no wildcards, no admin or root, no custodians of the dataset key, bounded duration', () => {
    grants.when(req({ principal: '*' })).thenThrows(/principal/);
    grants.when(req({ principal: 'dr_*' })).thenThrows(/principal/);
    grants.when(req({ datasetId: '*' })).thenThrows(/datasetId/);
    grants.when(req({ principal: 'root' })).thenThrows(/admin and root/);
    grants.when(req({ principal: 'ops', principalKind: 'admin' })).thenThrows(/admin and root/);
    grants.when(req({ custodiansOfDatasetKey: ['dr_lee'] })).thenThrows(/custodian/);
    grants.when(req({ durationDays: 400 })).thenThrows(/durationDays/);
    grants
      .given(requested)
      .when(approve(bob, ['dr_lee']))
      .thenThrows(/custodian/);
  });
});
