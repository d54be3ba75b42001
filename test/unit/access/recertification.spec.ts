import { campaignDecider, grantsToRevoke, type CampaignCommand } from '../../../src/access/domain/recertification';
import { deciderSpec } from '../../support/decider-spec';

const day = 86_400_000;
const at = (d: number) => new Date(Date.parse('2026-01-05T09:00:00.000Z') + d * day).toISOString();
const ann = { id: 'comp-ann', role: 'compliance-officer' };

const campaigns = deciderSpec(campaignDecider);
const population = [
  { grantId: 'g-1', principal: 'dr_lee', datasetId: 'ds-1', reviewer: 'mgr-kim' },
  { grantId: 'g-2', principal: 'nurse_ray', datasetId: 'ds-1', reviewer: 'mgr-kim' },
  { grantId: 'g-3', principal: 'billing_svc', datasetId: 'ds-2', reviewer: 'mgr-sam' },
];
const kim = { id: 'mgr-kim', role: 'compliance-officer' };
const sam = { id: 'mgr-sam', role: 'compliance-officer' };
const sweep = { id: 'system:recertification', role: 'system' };
const start: CampaignCommand = {
  kind: 'start',
  campaignId: 'q1-2026',
  dueAt: at(14),
  revokeUnreviewed: true,
  population,
  actor: ann,
  at: at(0),
};
const started = campaigns.history([start]);

describe('recertification campaigns', () => {
  it('freezes the population at the start', () => {
    campaigns.when(start).then([
      {
        type: 'RecertificationStarted',
        data: { campaignId: 'q1-2026', dueAt: at(14), revokeUnreviewed: true, population, by: 'comp-ann' },
      },
    ]);
    campaigns
      .given(started)
      .when(start)
      .thenThrows(/already started/);
    campaigns.when({ ...start, dueAt: at(0) }).thenThrows(/dueAt/);
    campaigns.when({ ...start, population: [population[0]!, population[0]!] }).thenThrows(/listed twice/);
  });

  it('lets only the assigned reviewer decide, once; escalates and revokes the unreviewed at the due date', () => {
    campaigns
      .given(started)
      .when({ kind: 'decide', grantId: 'g-9', decision: 'keep', actor: kim, at: at(1) })
      .thenThrows(/frozen/);
    campaigns
      .given(started)
      .when({ kind: 'decide', grantId: 'g-1', decision: 'keep', actor: sam, at: at(1) })
      .thenThrows(/assigned reviewer/);
    campaigns
      .given(started)
      .when({ kind: 'decide', grantId: 'g-2', decision: 'revoke', actor: kim, at: at(1) })
      .thenThrows(/reason/);
    const decisions: CampaignCommand[] = [
      { kind: 'decide', grantId: 'g-1', decision: 'keep', actor: kim, at: at(1) },
      { kind: 'decide', grantId: 'g-2', decision: 'revoke', reason: 'changed role', actor: kim, at: at(2) },
    ];
    const decided = campaigns
      .given(started)
      .when(decisions)
      .then([
        { type: 'RecertificationDecided', data: { grantId: 'g-1', decision: 'keep', by: 'mgr-kim', reason: null } },
        { type: 'RecertificationDecided', data: { grantId: 'g-2', decision: 'revoke', by: 'mgr-kim', reason: 'changed role' } },
      ]);
    const history = campaigns.history(decisions, started);
    campaigns
      .given(history)
      .when(decisions[0]!)
      .thenThrows(/already decided/);
    campaigns
      .given(history)
      .when({ kind: 'close', actor: kim, at: at(3) })
      .thenThrows(/unreviewed/);
    campaigns
      .given(history)
      .when({ kind: 'due', actor: sweep, at: at(13) })
      .thenThrows(/not due/);
    const due = campaigns
      .given(history)
      .when({ kind: 'due', actor: sweep, at: at(14) })
      .then([
        { type: 'RecertificationEscalated', data: { unreviewed: ['g-3'], revoke: true } },
        { type: 'RecertificationClosed', data: { kept: 1, revoked: 1, unreviewed: 1 } },
      ]);
    expect(grantsToRevoke([...decided.events, ...due.events]).map((g) => g.grantId)).toEqual(['g-2', 'g-3']);
    expect(due.state.status).toBe('closed');
    campaigns
      .given(campaigns.history([{ kind: 'due', actor: sweep, at: at(14) }], history))
      .when({ kind: 'due', actor: sweep, at: at(15) })
      .thenThrows(/closed/);
  });

  it('a grantee never reviews their own grant; without revokeUnreviewed the unreviewed are escalated only', () => {
    campaigns
      .when({ ...start, population: [{ grantId: 'g-1', principal: 'mgr-kim', datasetId: 'ds-1', reviewer: 'mgr-kim' }] })
      .thenThrows(/own access/);
    const { events } = campaigns
      .given(campaigns.history([{ ...start, revokeUnreviewed: false }]))
      .when({ kind: 'due', actor: sweep, at: at(15) })
      .then([
        { type: 'RecertificationEscalated', data: { unreviewed: ['g-1', 'g-2', 'g-3'], revoke: false } },
        { type: 'RecertificationClosed' },
      ]);
    expect(grantsToRevoke(events)).toEqual([]);
  });

  it('closes early once every grant is reviewed', () => {
    const all = campaigns.history(
      population.map((p) => ({
        kind: 'decide' as const,
        grantId: p.grantId,
        decision: 'keep' as const,
        actor: { id: p.reviewer, role: 'compliance-officer' },
        at: at(1),
      })),
      started,
    );
    campaigns
      .given(all)
      .when({ kind: 'close', actor: kim, at: at(2) })
      .then([{ type: 'RecertificationClosed', data: { kept: 3, revoked: 0, unreviewed: 0 } }]);
  });
});
