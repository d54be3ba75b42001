import { assessmentDecider, readinessGaps, type AssessmentCommand, type AssessmentEvent, type AssessmentState } from '../../../src/risk/domain/assessment';
import { shippedCatalogs } from '../../../src/risk/domain/catalogs';
import { diffAssessments } from '../../../src/risk/domain/diff';
import { DEFAULT_MATRIX } from '../../../src/risk/domain/matrix';

const catalogs = shippedCatalogs();
const alice = { id: 'p-alice', role: 'compliance-officer' };
const bob = { id: 'p-bob', role: 'security-officer' };
const ivy = { id: 'p-ivy', role: 'incident-responder' };

function run(state: AssessmentState, ...cmds: AssessmentCommand[]): { state: AssessmentState; events: AssessmentEvent[] } {
  const events: AssessmentEvent[] = [];
  for (const c of cmds) {
    const out = assessmentDecider.decide(c, state);
    for (const e of out) state = assessmentDecider.evolve(state, e);
    events.push(...out);
  }
  return { state, events };
}

const start = (id: string, extra: Partial<Extract<AssessmentCommand, { kind: 'start' }>> = {}): AssessmentCommand => ({
  kind: 'start',
  data: { assessmentId: id, programId: 'default', title: `Risk analysis ${id}`, periodStart: '2025-01-01', periodEnd: '2025-12-31', matrix: DEFAULT_MATRIX },
  by: alice,
  catalogs,
  ...extra,
});

function populated(id = 'a2025'): AssessmentState {
  return run(
    assessmentDecider.initialState(),
    start(id),
    { kind: 'register-asset', asset: { assetId: 'ehr', kind: 'system', name: 'EHR database server', holdsEphi: true, ownerId: 'p-carol' }, by: alice },
    { kind: 'register-asset', asset: { assetId: 'lap', kind: 'device', name: 'Clinician laptops', holdsEphi: true }, by: alice },
    { kind: 'identify-risk', risk: { riskId: 'r1', title: 'Stolen laptop exposes ePHI', assetIds: ['lap'], threat: 'Theft', vulnerability: 'Disk not encrypted', controls: ['SH-CR-01'], source: { kind: 'assessment' } }, by: alice, catalogs },
    { kind: 'identify-risk', risk: { riskId: 'r2', title: 'SSH password login on EHR host', assetIds: ['ehr'], threat: 'Credential stuffing', vulnerability: 'Password authentication enabled', controls: ['SH-AC-06'], source: { kind: 'assessment' } }, by: alice, catalogs },
    { kind: 'rate-risk', riskId: 'r1', rating: 'inherent', likelihood: 4, impact: 5, rationale: 'laptops travel', by: alice },
    { kind: 'rate-risk', riskId: 'r1', rating: 'residual', likelihood: 2, impact: 5, rationale: 'full-disk encryption rollout', by: alice },
    { kind: 'plan-treatment', riskId: 'r1', option: 'mitigate', ownerId: 'p-carol', dueOn: '2025-09-30', plan: 'Encrypt all laptops', by: alice },
    { kind: 'rate-risk', riskId: 'r2', rating: 'inherent', likelihood: 3, impact: 4, rationale: 'internet facing', by: alice },
    { kind: 'rate-risk', riskId: 'r2', rating: 'residual', likelihood: 1, impact: 4, rationale: 'VPN only', by: alice },
    { kind: 'plan-treatment', riskId: 'r2', option: 'accept', ownerId: 'p-carol', dueOn: '2025-12-31', plan: 'Accept until host retired', by: alice },
  ).state;
}

describe('risk assessment register', () => {
  it('freezes the matrix and catalog versions at start and rates on it', () => {
    const s = populated();
    expect(s.matrix).toEqual(DEFAULT_MATRIX);
    expect(s.catalogVersions).toEqual(catalogs.versions);
    expect(s.risks.r1.inherent).toMatchObject({ score: 20, level: 'critical' });
    expect(s.risks.r1.residual).toMatchObject({ score: 10, level: 'high' });
  });

  it('refuses bad input naming the field', () => {
    const s = populated();
    expect(() => run(s, { kind: 'identify-risk', risk: { riskId: 'r3', title: 't', assetIds: ['nope'], threat: 't', vulnerability: 'v', controls: [], source: { kind: 'assessment' } }, by: alice, catalogs })).toThrow('assetIds[0]: unknown asset nope');
    expect(() => run(s, { kind: 'identify-risk', risk: { riskId: 'r3', title: 't', assetIds: ['ehr'], threat: 't', vulnerability: 'v', controls: ['SH-ZZ-99'], source: { kind: 'assessment' } }, by: alice, catalogs })).toThrow('controls[0]: unknown control SH-ZZ-99');
    expect(() => run(s, { kind: 'rate-risk', riskId: 'r1', rating: 'residual', likelihood: 5, impact: 5, rationale: 'x', by: alice })).toThrow(/residual: score 25 is above the inherent score 20/);
    expect(() => run(s, { kind: 'plan-treatment', riskId: 'r1', option: 'ignore' as never, ownerId: 'p', dueOn: '2025-01-01', plan: 'x', by: alice })).toThrow('option: expected one of mitigate, accept, transfer, avoid');
    expect(() => run(s, { kind: 'plan-treatment', riskId: 'r1', option: 'mitigate', ownerId: 'p', dueOn: '2025-02-30', plan: 'x', by: alice })).toThrow('dueOn: expected a calendar date');
  });

  it('acceptances need an approver other than the proposer, with an approving role, and are append-only', () => {
    const s = populated();
    expect(() => run(s, { kind: 'accept-risk', riskId: 'r2', acceptanceId: 'acc1', rationale: 'ok', acceptedOn: '2025-06-01', by: alice })).toThrow(/different person/);
    expect(() => run(s, { kind: 'accept-risk', riskId: 'r2', acceptanceId: 'acc1', rationale: 'ok', acceptedOn: '2025-06-01', by: ivy })).toThrow(/needs the role/);
    expect(() => run(s, { kind: 'accept-risk', riskId: 'r1', acceptanceId: 'acc1', rationale: 'ok', acceptedOn: '2025-06-01', by: bob })).toThrow(/only a risk whose treatment is "accept"/);
    const one = run(s, { kind: 'accept-risk', riskId: 'r2', acceptanceId: 'acc1', rationale: 'retiring host', acceptedOn: '2025-06-01', expiresOn: '2026-06-01', by: bob });
    const two = run(one.state, { kind: 'accept-risk', riskId: 'r2', acceptanceId: 'acc1', rationale: 'retry', acceptedOn: '2025-06-01', by: bob }, { kind: 'accept-risk', riskId: 'r2', acceptanceId: 'acc2', rationale: 'renewed', acceptedOn: '2025-07-01', by: bob });
    expect(two.state.risks.r2.acceptances.map((a) => [a.acceptanceId, a.approverId, a.rationale])).toEqual([
      ['acc1', 'p-bob', 'retiring host'],
      ['acc2', 'p-bob', 'renewed'],
    ]);
  });

  it('lifecycle: submit only when complete, approve by a different person, complete after approval', () => {
    let s = populated();
    expect(readinessGaps(s)).toEqual(['risks.r2: acceptance by an approver missing']);
    expect(() => run(s, { kind: 'submit', by: alice })).toThrow('not ready to submit: risks.r2: acceptance by an approver missing');
    s = run(s, { kind: 'accept-risk', riskId: 'r2', acceptanceId: 'acc1', rationale: 'ok', acceptedOn: '2025-06-01', by: bob }).state;
    expect(() => run(s, { kind: 'approve', by: bob })).toThrow(/only a submitted assessment/);
    expect(() => run(s, { kind: 'complete', completedOn: '2025-12-01', nextReviewDueOn: null, by: alice })).toThrow(/must be approved/);
    const sub = run(s, { kind: 'submit', by: alice });
    expect(sub.events[0]).toMatchObject({ type: 'RiskAssessmentSubmitted', data: { summary: { assets: 2, risks: 2, byResidualLevel: { high: 1, low: 1 }, accepted: 1 } } });
    expect(() => run(sub.state, { kind: 'rate-risk', riskId: 'r1', rating: 'inherent', likelihood: 1, impact: 1, rationale: 'x', by: alice })).toThrow(/only change while it is in progress/);
    expect(() => run(sub.state, { kind: 'approve', by: alice })).toThrow(/different person from who submitted/);
    const done = run(sub.state, { kind: 'approve', by: bob }, { kind: 'complete', completedOn: '2025-12-01', nextReviewDueOn: '2026-12-01', by: alice });
    expect(done.state).toMatchObject({ status: 'completed', approvedBy: 'p-bob', completedOn: '2025-12-01', nextReviewDueOn: '2026-12-01' });
  });

  it('starts from last year: carries assets and risks (not avoided ones), keeps ratings on the same matrix, and shows the differences', () => {
    let prev = populated('a2024');
    prev = run(
      prev,
      { kind: 'accept-risk', riskId: 'r2', acceptanceId: 'acc1', rationale: 'ok', acceptedOn: '2025-06-01', by: bob },
      { kind: 'submit', by: alice },
      { kind: 'approve', by: bob },
      { kind: 'complete', completedOn: '2025-12-01', nextReviewDueOn: '2026-12-01', by: alice },
    ).state;
    const carryIds = { ehr: 'ehr2', lap: 'lap2', r1: 'r1b', r2: 'r2b' };
    const next = run(assessmentDecider.initialState(), start('a2025', { previous: prev, carryIds }), {
      kind: 'rate-risk', riskId: 'r1b', rating: 'residual', likelihood: 1, impact: 5, rationale: 'all laptops encrypted', by: alice,
    }, {
      kind: 'register-asset', asset: { assetId: 'portal', kind: 'application', name: 'Patient portal', holdsEphi: true }, by: alice,
    }, {
      kind: 'identify-risk', risk: { riskId: 'r9', title: 'Portal account takeover', assetIds: ['portal'], threat: 'Phishing', vulnerability: 'No MFA', controls: ['SH-AC-06'], source: { kind: 'candidate', candidateId: 'c1', origin: 'incident' } }, by: alice, catalogs,
    });
    expect(next.state.previousAssessmentId).toBe('a2024');
    expect(next.state.risks.r1b).toMatchObject({ source: { kind: 'carried-over', fromRiskId: 'r1' }, assetIds: ['lap2'], inherent: { score: 20 } });
    expect(next.state.risks.r1b.treatment).toBeUndefined(); // treatment is decided again each year
    const d = diffAssessments(prev, next.state);
    expect(d.matrixChanged).toBe(false);
    expect(d.assets).toEqual({ added: ['portal'], removed: [] });
    expect(d.risks.added).toEqual([{ riskId: 'r9', title: 'Portal account takeover', source: 'candidate' }]);
    const r1 = d.risks.changed.find((c) => c.fromRiskId === 'r1')!;
    expect(r1.residual).toEqual({ from: { likelihood: 2, impact: 5, score: 10, level: 'high' }, to: { likelihood: 1, impact: 5, score: 5, level: 'moderate' } });
    expect(r1.treatment).toEqual({ from: 'mitigate', to: null });
    // Only a completed assessment of the same program can be the starting point.
    expect(() => run(assessmentDecider.initialState(), start('x', { previous: populated('open'), carryIds }))).toThrow(/previous assessment is not completed/);
  });

  it('drops carried ratings when the new assessment uses another matrix', () => {
    let prev = populated('a2024');
    prev = run(prev, { kind: 'accept-risk', riskId: 'r2', acceptanceId: 'a', rationale: 'ok', acceptedOn: '2025-06-01', by: bob }, { kind: 'submit', by: alice }, { kind: 'approve', by: bob }, { kind: 'complete', completedOn: '2025-12-01', nextReviewDueOn: null, by: alice }).state;
    const m4 = { id: '4x4', likelihood: ['1', '2', '3', '4'], impact: ['1', '2', '3', '4'], bands: [{ level: 'low' as const, minScore: 1 }, { level: 'high' as const, minScore: 9 }] };
    const c = start('a2025', { previous: prev, carryIds: { ehr: 'e', lap: 'l', r1: 'x1', r2: 'x2' } }) as Extract<AssessmentCommand, { kind: 'start' }>;
    const next = run(assessmentDecider.initialState(), { ...c, data: { ...c.data, matrix: m4 } }).state;
    expect(next.risks.x1.inherent).toBeUndefined();
    expect(diffAssessments(prev, next).matrixChanged).toBe(true);
  });
});
