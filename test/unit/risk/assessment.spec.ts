import { assessmentDecider, readinessGaps, type AssessmentCommand, type AssessmentEvent } from '../../../src/risk/domain/assessment';
import { shippedCatalogs } from '../../../src/risk/domain/catalogs';
import { diffAssessments } from '../../../src/risk/domain/diff';
import { DEFAULT_MATRIX } from '../../../src/risk/domain/matrix';
import { deciderSpec } from '../../support/decider-spec';

const spec = deciderSpec(assessmentDecider);
const catalogs = shippedCatalogs();
const alice = { id: 'p-alice', role: 'compliance-officer' };
const bob = { id: 'p-bob', role: 'security-officer' };
const ivy = { id: 'p-ivy', role: 'incident-responder' };
const TODAY = '2025-06-01';
const by = (actor = alice, today = TODAY) => ({ actor, today });

const start = (id: string, extra: Partial<Extract<AssessmentCommand, { kind: 'start' }>> = {}): AssessmentCommand => ({
  kind: 'start',
  data: {
    assessmentId: id,
    programId: 'default',
    title: `Risk analysis ${id}`,
    periodStart: '2025-01-01',
    periodEnd: '2025-12-31',
    matrix: DEFAULT_MATRIX,
  },
  catalogs,
  ...by(),
  ...extra,
});
const rate = (riskId: string, rating: 'inherent' | 'residual', likelihood: number, impact: number, rationale = 'x'): AssessmentCommand => ({
  kind: 'rate-risk',
  riskId,
  rating,
  likelihood,
  impact,
  rationale,
  ...by(),
});
const accept = (
  acceptanceId: string,
  actor = bob,
  extra: { rationale?: string; expiresOn?: string; today?: string } = {},
): AssessmentCommand => ({
  kind: 'accept-risk',
  riskId: 'r2',
  acceptanceId,
  rationale: extra.rationale ?? 'ok',
  ...(extra.expiresOn ? { expiresOn: extra.expiresOn } : {}),
  ...by(actor, extra.today ?? TODAY),
});
const identified = (id: string): AssessmentEvent[] =>
  spec.history([
    start(id),
    {
      kind: 'register-asset',
      asset: { assetId: 'ehr', kind: 'system', name: 'EHR database server', holdsEphi: true, ownerId: 'p-carol' },
      ...by(),
    },
    { kind: 'register-asset', asset: { assetId: 'lap', kind: 'device', name: 'Clinician laptops', holdsEphi: true }, ...by() },
    {
      kind: 'identify-risk',
      risk: {
        riskId: 'r1',
        title: 'Stolen laptop exposes ePHI',
        assetIds: ['lap'],
        threat: 'Theft',
        vulnerability: 'Disk not encrypted',
        controls: ['SH-CR-01'],
        source: { kind: 'assessment' },
      },
      catalogs,
      ...by(),
    },
    {
      kind: 'identify-risk',
      risk: {
        riskId: 'r2',
        title: 'SSH password login on EHR host',
        assetIds: ['ehr'],
        threat: 'Credential stuffing',
        vulnerability: 'Password authentication enabled',
        controls: ['SH-AC-06'],
        source: { kind: 'assessment' },
      },
      catalogs,
      ...by(),
    },
  ]);
const populated = (id = 'a2025'): AssessmentEvent[] =>
  spec.history(
    [
      rate('r1', 'inherent', 4, 5, 'laptops travel'),
      rate('r1', 'residual', 2, 5, 'full-disk encryption rollout'),
      {
        kind: 'plan-treatment',
        riskId: 'r1',
        option: 'mitigate',
        ownerId: 'p-carol',
        dueOn: '2025-09-30',
        plan: 'Encrypt all laptops',
        ...by(),
      },
      rate('r2', 'inherent', 3, 4, 'internet facing'),
      rate('r2', 'residual', 1, 4, 'VPN only'),
      {
        kind: 'plan-treatment',
        riskId: 'r2',
        option: 'accept',
        ownerId: 'p-carol',
        dueOn: '2025-12-31',
        plan: 'Accept until host retired',
        ...by(),
      },
    ],
    identified(id),
  );
const completed = (id: string): AssessmentEvent[] =>
  spec.history(
    [
      accept('acc1'),
      { kind: 'submit', ...by() },
      { kind: 'approve', ...by(bob) },
      { kind: 'complete', nextReviewDueOn: '2026-12-01', ...by(alice, '2025-12-01') },
    ],
    populated(id),
  );

describe('risk assessment register', () => {
  it('freezes the matrix and catalog versions at start and rates on it', () => {
    spec.when(start('a2025')).then([
      {
        type: 'RiskAssessmentStarted',
        data: {
          assessmentId: 'a2025',
          programId: 'default',
          matrix: DEFAULT_MATRIX,
          catalogVersions: catalogs.versions,
          startedBy: alice.id,
        },
      },
    ]);
    const { state } = spec
      .given(identified('a2025'))
      .when([rate('r1', 'inherent', 4, 5), rate('r1', 'residual', 2, 5)])
      .then([
        { type: 'RiskRated', data: { riskId: 'r1', kind: 'inherent', likelihood: 4, impact: 5, score: 20, level: 'critical' } },
        { type: 'RiskRated', data: { riskId: 'r1', kind: 'residual', likelihood: 2, impact: 5, score: 10, level: 'high' } },
      ]);
    expect(state.matrix).toEqual(DEFAULT_MATRIX);
    expect(state.catalogVersions).toEqual(catalogs.versions);
    expect(state.risks.r1.inherent).toMatchObject({ score: 20, level: 'critical' });
    expect(state.risks.r1.residual).toMatchObject({ score: 10, level: 'high' });
  });

  it('refuses bad input naming the field', () => {
    const given = spec.given(populated());
    given
      .when({
        kind: 'identify-risk',
        risk: {
          riskId: 'r3',
          title: 't',
          assetIds: ['nope'],
          threat: 't',
          vulnerability: 'v',
          controls: [],
          source: { kind: 'assessment' },
        },
        catalogs,
        ...by(),
      })
      .thenThrows('assetIds[0]: unknown asset nope');
    given
      .when({
        kind: 'identify-risk',
        risk: {
          riskId: 'r3',
          title: 't',
          assetIds: ['ehr'],
          threat: 't',
          vulnerability: 'v',
          controls: ['SH-ZZ-99'],
          source: { kind: 'assessment' },
        },
        catalogs,
        ...by(),
      })
      .thenThrows('controls[0]: unknown control SH-ZZ-99');
    given
      .when(rate('r1', 'residual', 5, 5))
      .thenThrows({ code: 'RISK_RULE', message: /residual: score 25 is above the inherent score 20/ });
    given
      .when({ kind: 'plan-treatment', riskId: 'r1', option: 'ignore' as never, ownerId: 'p', dueOn: '2025-01-01', plan: 'x', ...by() })
      .thenThrows('option: expected one of mitigate, accept, transfer, avoid');
    given
      .when({ kind: 'plan-treatment', riskId: 'r1', option: 'mitigate', ownerId: 'p', dueOn: '2025-02-30', plan: 'x', ...by() })
      .thenThrows('dueOn: expected a calendar date');
  });

  it('acceptances need an approver other than the proposer, with an approving role, and are append-only', () => {
    const given = spec.given(populated());
    given.when(accept('acc1', alice)).thenThrows(/different person/);
    given.when(accept('acc1', ivy)).thenThrows(/needs the role/);
    given.when({ ...(accept('acc1') as object), riskId: 'r1' } as AssessmentCommand).thenThrows(/only a risk whose treatment is "accept"/);
    given.when(accept('acc1', bob, { expiresOn: TODAY })).thenThrows('expiresOn: must be after acceptedOn');
    const one = given.when(accept('acc1', bob, { rationale: 'retiring host', expiresOn: '2026-06-01' })).then([
      {
        type: 'RiskAccepted',
        data: {
          riskId: 'r2',
          acceptanceId: 'acc1',
          approverId: bob.id,
          approverRole: 'security-officer',
          rationale: 'retiring host',
          acceptedOn: TODAY,
          expiresOn: '2026-06-01',
        },
      },
    ]);
    // A retried acceptance changes nothing; a newer one is appended, none is edited.
    const two = spec
      .given([...populated(), ...one.events])
      .when([accept('acc1', bob, { rationale: 'retry' }), accept('acc2', bob, { rationale: 'renewed', today: '2025-07-01' })])
      .then([{ type: 'RiskAccepted', data: { acceptanceId: 'acc2', rationale: 'renewed', acceptedOn: '2025-07-01' } }]);
    expect(two.state.risks.r2.acceptances.map((a) => [a.acceptanceId, a.approverId, a.rationale])).toEqual([
      ['acc1', 'p-bob', 'retiring host'],
      ['acc2', 'p-bob', 'renewed'],
    ]);
  });

  it('lifecycle: submit only when complete, approve by a different person, complete after approval', () => {
    expect(readinessGaps(spec.given(populated()).state())).toEqual(['risks.r2: acceptance by an approver missing']);
    spec
      .given(populated())
      .when({ kind: 'submit', ...by() })
      .thenThrows('not ready to submit: risks.r2: acceptance by an approver missing');
    const accepted = spec.history([accept('acc1')], populated());
    spec
      .given(accepted)
      .when({ kind: 'approve', ...by(bob) })
      .thenThrows(/only a submitted assessment/);
    spec
      .given(accepted)
      .when({ kind: 'complete', nextReviewDueOn: null, ...by() })
      .thenThrows(/must be approved/);
    const sub = spec
      .given(accepted)
      .when({ kind: 'submit', ...by() })
      .then([
        {
          type: 'RiskAssessmentSubmitted',
          data: { submittedBy: alice.id, summary: { assets: 2, risks: 2, byResidualLevel: { high: 1, low: 1 }, accepted: 1 } },
        },
      ]);
    const submitted = [...accepted, ...sub.events];
    spec
      .given(submitted)
      .when(rate('r1', 'inherent', 1, 1))
      .thenThrows(/only change while it is in progress/);
    spec
      .given(submitted)
      .when({ kind: 'approve', ...by() })
      .thenThrows(/different person from who submitted/);
    spec
      .given(submitted)
      .when({ kind: 'approve', ...by(ivy) })
      .thenThrows(/approval needs the role/);
    const done = spec
      .given(submitted)
      .when([
        { kind: 'approve', ...by(bob) },
        { kind: 'complete', nextReviewDueOn: '2026-12-01', ...by(alice, '2025-12-01') },
      ])
      .then([
        { type: 'RiskAssessmentApproved', data: { approvedBy: bob.id, approverRole: 'security-officer' } },
        { type: 'RiskAssessmentCompleted', data: { completedOn: '2025-12-01', completedBy: alice.id, nextReviewDueOn: '2026-12-01' } },
      ]);
    expect(done.state).toMatchObject({
      status: 'completed',
      approvedBy: 'p-bob',
      completedOn: '2025-12-01',
      nextReviewDueOn: '2026-12-01',
    });
    // Completing again (a retry) changes nothing.
    spec
      .given([...submitted, ...done.events])
      .when({ kind: 'complete', nextReviewDueOn: null, ...by(alice, '2025-12-02') })
      .thenNothing();
  });

  it('starts from last year: carries assets and risks (not avoided ones), keeps ratings on the same matrix, and shows the differences', () => {
    const prev = spec.given(completed('a2024')).state();
    const carryIds = { ehr: 'ehr2', lap: 'lap2', r1: 'r1b', r2: 'r2b' };
    const carried = spec.when(start('a2025', { previous: prev, carryIds })).then([
      { type: 'RiskAssessmentStarted', data: { assessmentId: 'a2025', previousAssessmentId: 'a2024' } },
      { type: 'RiskAssetRegistered', data: { assetId: 'ehr2', name: 'EHR database server' } },
      { type: 'RiskAssetRegistered', data: { assetId: 'lap2', name: 'Clinician laptops' } },
      {
        type: 'RiskIdentified',
        data: { riskId: 'r1b', assetIds: ['lap2'], source: { kind: 'carried-over', fromAssessmentId: 'a2024', fromRiskId: 'r1' } },
      },
      { type: 'RiskRated', data: { riskId: 'r1b', kind: 'inherent', score: 20, carried: true, rationale: 'carried over: laptops travel' } },
      { type: 'RiskIdentified', data: { riskId: 'r2b', assetIds: ['ehr2'], source: { kind: 'carried-over', fromRiskId: 'r2' } } },
      { type: 'RiskRated', data: { riskId: 'r2b', kind: 'inherent', carried: true } },
    ]);
    const next = spec
      .given(carried.events)
      .when([
        rate('r1b', 'residual', 1, 5, 'all laptops encrypted'),
        { kind: 'register-asset', asset: { assetId: 'portal', kind: 'application', name: 'Patient portal', holdsEphi: true }, ...by() },
        {
          kind: 'identify-risk',
          risk: {
            riskId: 'r9',
            title: 'Portal account takeover',
            assetIds: ['portal'],
            threat: 'Phishing',
            vulnerability: 'No MFA',
            controls: ['SH-AC-06'],
            source: { kind: 'candidate', candidateId: 'c1', origin: 'incident' },
          },
          catalogs,
          ...by(),
        },
      ])
      .run().state;
    expect(next.previousAssessmentId).toBe('a2024');
    expect(next.risks.r1b).toMatchObject({
      source: { kind: 'carried-over', fromRiskId: 'r1' },
      assetIds: ['lap2'],
      inherent: { score: 20 },
    });
    expect(next.risks.r1b.treatment).toBeUndefined(); // treatment is decided again each year
    const d = diffAssessments(prev, next);
    expect(d.matrixChanged).toBe(false);
    expect(d.assets).toEqual({ added: ['portal'], removed: [] });
    expect(d.risks.added).toEqual([{ riskId: 'r9', title: 'Portal account takeover', source: 'candidate' }]);
    const r1 = d.risks.changed.find((c) => c.fromRiskId === 'r1')!;
    expect(r1.residual).toEqual({
      from: { likelihood: 2, impact: 5, score: 10, level: 'high' },
      to: { likelihood: 1, impact: 5, score: 5, level: 'moderate' },
    });
    expect(r1.treatment).toEqual({ from: 'mitigate', to: null });
    // Only a completed assessment of the same program can be the starting point.
    spec.when(start('x', { previous: spec.given(populated('open')).state(), carryIds })).thenThrows(/previous assessment is not completed/);
  });

  it('drops carried ratings when the new assessment uses another matrix', () => {
    const prev = spec.given(completed('a2024')).state();
    const m4 = {
      id: '4x4',
      likelihood: ['1', '2', '3', '4'],
      impact: ['1', '2', '3', '4'],
      bands: [
        { level: 'low' as const, minScore: 1 },
        { level: 'high' as const, minScore: 9 },
      ],
    };
    const c = start('a2025', { previous: prev, carryIds: { ehr: 'e', lap: 'l', r1: 'x1', r2: 'x2' } }) as Extract<
      AssessmentCommand,
      { kind: 'start' }
    >;
    const { state } = spec
      .when({ ...c, data: { ...c.data, matrix: m4 } })
      .then([
        { type: 'RiskAssessmentStarted', data: { matrix: m4 } },
        { type: 'RiskAssetRegistered' },
        { type: 'RiskAssetRegistered' },
        { type: 'RiskIdentified', data: { riskId: 'x1' } },
        { type: 'RiskIdentified', data: { riskId: 'x2' } },
      ]);
    expect(state.risks.x1.inherent).toBeUndefined();
    expect(diffAssessments(prev, state).matrixChanged).toBe(true);
  });
});
