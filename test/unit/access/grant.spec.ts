import { decideGrant, evolveGrant, initialGrantState, isActiveAt, type GrantCommand, type GrantState } from '../../../src/access/domain/grant';
import { decideCampaign, evolveCampaign, grantsToRevoke, initialCampaignState, type CampaignCommand, type CampaignEvent, type CampaignState } from '../../../src/access/domain/recertification';

const day = 86_400_000;
const at = (d: number) => new Date(Date.parse('2026-01-05T09:00:00.000Z') + d * day).toISOString();

function run(cmds: GrantCommand[], s: GrantState = initialGrantState()) {
  for (const c of cmds) for (const e of decideGrant(c, s)) s = evolveGrant(s, e);
  return s;
}
const req = (over: Partial<Extract<GrantCommand, { kind: 'request' }>> = {}): GrantCommand => ({
  kind: 'request', grantId: 'g-1', principal: 'dr_lee', principalKind: 'user', datasetId: 'ds-1', permission: 'read', purpose: 'treatment follow-up', durationDays: 30, by: 'comp-ann', at: at(0), custodiansOfDatasetKey: [], ...over,
});

describe('access grants', () => {
  it('request → approval by a different officer → active until expiry', () => {
    const s = run([req(), { kind: 'approve', by: 'sec-bob', byRole: 'security-officer', at: at(1), custodiansOfDatasetKey: [] }]);
    expect(s.status).toBe('active');
    expect(s.expiresAt).toBe(at(31));
    expect(isActiveAt(s, at(30.9))).toBe(true);
    expect(isActiveAt(s, at(31))).toBe(false);
    expect(() => run([{ kind: 'expire', at: at(30) }], s)).toThrow(/not reached/);
    expect(run([{ kind: 'expire', at: at(31) }], s).status).toBe('expired');
    const revoked = run([{ kind: 'revoke', by: 'sec-bob', reason: 'left the team', at: at(2) }], s);
    expect(revoked.status).toBe('revoked');
    expect(decideGrant({ kind: 'expire', at: at(31) }, revoked)).toEqual([]); // a late timer is harmless
  });

  it('two-person rule and approver roles', () => {
    const s = run([req()]);
    expect(() => run([{ kind: 'approve', by: 'comp-ann', byRole: 'compliance-officer', at: at(1), custodiansOfDatasetKey: [] }], s)).toThrow(/two-person/);
    expect(() => run([{ kind: 'approve', by: 'dr_lee', byRole: 'security-officer', at: at(1), custodiansOfDatasetKey: [] }], s)).toThrow(/own access/);
    expect(() => run([{ kind: 'approve', by: 'ir-joe', byRole: 'incident-responder', at: at(1), custodiansOfDatasetKey: [] }], s)).toThrow(/officer/);
  });

  it('least privilege: no wildcards, no admin or root, no custodians of the dataset key, bounded duration', () => {
    expect(() => run([req({ principal: '*' })])).toThrow(/principal/);
    expect(() => run([req({ principal: 'dr_*' })])).toThrow(/principal/);
    expect(() => run([req({ datasetId: '*' })])).toThrow(/datasetId/);
    expect(() => run([req({ principal: 'root' })])).toThrow(/admin and root/);
    expect(() => run([req({ principal: 'ops', principalKind: 'admin' })])).toThrow(/admin and root/);
    expect(() => run([req({ custodiansOfDatasetKey: ['dr_lee'] })])).toThrow(/custodian/);
    expect(() => run([req({ durationDays: 400 })])).toThrow(/durationDays/);
    const s = run([req()]);
    expect(() => run([{ kind: 'approve', by: 'sec-bob', byRole: 'security-officer', at: at(1), custodiansOfDatasetKey: ['dr_lee'] }], s)).toThrow(/custodian/);
  });
});

function camp(cmds: CampaignCommand[], s: CampaignState = initialCampaignState()) {
  const events: CampaignEvent[] = [];
  for (const c of cmds) for (const e of decideCampaign(c, s)) {
    events.push(e);
    s = evolveCampaign(s, e);
  }
  return { s, events };
}

describe('recertification campaigns', () => {
  const population = [
    { grantId: 'g-1', principal: 'dr_lee', datasetId: 'ds-1', reviewer: 'mgr-kim' },
    { grantId: 'g-2', principal: 'nurse_ray', datasetId: 'ds-1', reviewer: 'mgr-kim' },
    { grantId: 'g-3', principal: 'billing_svc', datasetId: 'ds-2', reviewer: 'mgr-sam' },
  ];
  const start: CampaignCommand = { kind: 'start', campaignId: 'q1-2026', dueAt: at(14), revokeUnreviewed: true, population, by: 'comp-ann', at: at(0) };

  it('freezes the population, lets only the assigned reviewer decide, escalates and revokes the unreviewed at the due date', () => {
    const { s } = camp([start]);
    expect(() => camp([{ kind: 'decide', grantId: 'g-9', decision: 'keep', by: 'mgr-kim', at: at(1) }], s)).toThrow(/frozen/);
    expect(() => camp([{ kind: 'decide', grantId: 'g-1', decision: 'keep', by: 'mgr-sam', at: at(1) }], s)).toThrow(/assigned reviewer/);
    expect(() => camp([{ kind: 'decide', grantId: 'g-2', decision: 'revoke', by: 'mgr-kim', at: at(1) }], s)).toThrow(/reason/);
    const r = camp(
      [
        { kind: 'decide', grantId: 'g-1', decision: 'keep', by: 'mgr-kim', at: at(1) },
        { kind: 'decide', grantId: 'g-2', decision: 'revoke', reason: 'changed role', by: 'mgr-kim', at: at(2) },
      ],
      s,
    );
    expect(() => camp([{ kind: 'close', at: at(3) }], r.s)).toThrow(/unreviewed/);
    expect(() => camp([{ kind: 'due', at: at(13) }], r.s)).toThrow(/not due/);
    const due = camp([{ kind: 'due', at: at(14) }], r.s);
    expect(due.events.map((e) => e.type)).toEqual(['RecertificationEscalated', 'RecertificationClosed']);
    expect(grantsToRevoke([...r.events, ...due.events]).map((g) => g.grantId)).toEqual(['g-2', 'g-3']);
    expect(due.s.status).toBe('closed');
  });

  it('a grantee never reviews their own grant; without revokeUnreviewed the unreviewed are escalated only', () => {
    expect(() => camp([{ ...start, population: [{ grantId: 'g-1', principal: 'mgr-kim', datasetId: 'ds-1', reviewer: 'mgr-kim' }] } as CampaignCommand])).toThrow(/own access/);
    const { s } = camp([{ ...start, revokeUnreviewed: false } as CampaignCommand]);
    const due = camp([{ kind: 'due', at: at(15) }], s);
    expect(due.events[0]).toMatchObject({ type: 'RecertificationEscalated', data: { unreviewed: ['g-1', 'g-2', 'g-3'], revoke: false } });
    expect(grantsToRevoke(due.events)).toEqual([]);
  });
});
