import { containmentDecider, planContainment, type ContainmentCommand } from '../../../src/agents/domain/containment';
import { deciderSpec } from '../../support/decider-spec';

const t = (m: number) => new Date(Date.parse('2026-04-01T12:00:00.000Z') + m * 60_000).toISOString();
const secB = { id: 'sec-b', role: 'security-officer' };
const containment = deciderSpec(containmentDecider);
const joe = { id: 'ir-joe', role: 'incident-responder' };

describe('containment playbook', () => {
  const actions = planContainment({ principals: ['mallory'], keyIds: ['key-1'], compromisedAt: t(0) }, [
    { grantId: 'g-1', principal: 'mallory', datasetId: 'ds-1' },
    { grantId: 'g-2', principal: 'dr_lee', datasetId: 'ds-1' },
  ]);
  const propose: ContainmentCommand = {
    kind: 'propose',
    containmentId: 'c-1',
    incidentId: 'inc-1',
    reason: 'stolen credentials',
    actions,
    actor: joe,
    at: t(1),
  };
  const proposed = containment.history([propose]);

  it('plans revocations for the named principals and rotate + compromise for the named keys', () => {
    expect(actions).toEqual([
      { kind: 'revoke-grant', grantId: 'g-1', principal: 'mallory', datasetId: 'ds-1' },
      { kind: 'rotate-key', keyId: 'key-1' },
      { kind: 'mark-key-compromised', keyId: 'key-1', compromisedAt: t(0) },
    ]);
    containment
      .when(propose)
      .then([{ type: 'ContainmentProposed', data: { containmentId: 'c-1', incidentId: 'inc-1', actions, by: 'ir-joe' } }]);
    containment.when({ ...propose, actions: [] }).thenThrows(/nothing to contain/);
  });

  it('one other officer approves, then the execution is recorded', () => {
    containment
      .given(proposed)
      .when({ kind: 'approve', actor: { ...joe, role: 'security-officer' }, at: t(2) })
      .thenThrows(/two-person/);
    containment
      .given(proposed)
      .when({ kind: 'approve', actor: { id: 'ir-kim', role: 'incident-responder' }, at: t(2) })
      .thenThrows(/only an officer/);
    containment
      .given(proposed)
      .when({ kind: 'record-execution', outcomes: [], actor: secB, at: t(2) })
      .thenThrows(/approved first/);
    const outcomes = actions.map((action) => ({ action, ok: true, detail: 'issued' }));
    containment
      .given(proposed)
      .when([
        { kind: 'approve', actor: secB, at: t(2) },
        { kind: 'record-execution', outcomes, actor: secB, at: t(3) },
      ])
      .then([
        { type: 'ContainmentApproved', data: { by: 'sec-b' } },
        { type: 'ContainmentExecuted', data: { outcomes } },
      ]);
    containment
      .given(proposed)
      .when({ kind: 'reject', reason: 'false alarm', actor: secB, at: t(2) })
      .then([{ type: 'ContainmentRejected', data: { reason: 'false alarm' } }]);
  });
});
