import { join } from 'node:path';
import { candidateDecider, candidateIdFor, type CandidateCommand } from '../../../src/risk/domain/candidates';
import { programDecider, type ProgramCommand } from '../../../src/risk/domain/program';
import { TimelineIndex } from '../../../src/workflows/domain/timeline';
import { loadWorkflowDirOrThrow } from '../../../src/workflows/loader';
import { deciderSpec } from '../../support/decider-spec';

const defs = new Map(loadWorkflowDirOrThrow(join(__dirname, '../../../workflows')).map((d) => [d.definition.workflow, d.definition]));
const annual = defs.get('risk-review-annual')!;
const afterChange = defs.get('risk-review-after-change')!;
const alice = { id: 'p-alice', role: 'compliance-officer' };
const by = (today: string, actor = alice) => ({ actor, today });

describe('risk program: the annual review timeline', () => {
  const program = deciderSpec(programDecider);
  const establish: ProgramCommand = {
    kind: 'establish',
    programId: 'default',
    name: 'Acme risk program',
    ownerId: 'p-alice',
    firstReviewDueOn: '2025-12-31',
    review: annual,
    ...by('2025-01-10'),
  };
  const review = (assessmentId: string, today: string): ProgramCommand => ({
    kind: 'record-review',
    assessmentId,
    review: annual,
    ...by(today),
  });

  it('establishing opens the annual review timeline; recording a review completes it and schedules the next a year after completion', () => {
    const est = program.when(establish).then([
      {
        type: 'RiskProgramEstablished',
        data: { programId: 'default', name: 'Acme risk program', ownerId: 'p-alice', firstReviewDueOn: '2025-12-31' },
      },
      {
        type: 'TimelineScheduled',
        data: { workflow: 'risk-review-annual', subject: { kind: 'risk-program', id: 'default' }, dueOn: '2025-12-31' },
      },
    ]);
    expect(est.state.reviewDueOn).toBe('2025-12-31');
    program
      .given(est.events)
      .when(establish)
      .thenThrows(/already exists/);
    const rec = program
      .given(est.events)
      .when(review('a2025', '2026-01-20'))
      .then([
        { type: 'RiskProgramReviewCompleted', data: { assessmentId: 'a2025', completedOn: '2026-01-20', nextReviewDueOn: '2027-01-20' } },
        { type: 'TimelineCompleted', data: { workflow: 'risk-review-annual' } },
        { type: 'TimelineScheduled', data: { workflow: 'risk-review-annual', dueOn: '2027-01-20' } },
      ]);
    expect(rec.state.reviewDueOn).toBe('2027-01-20');
    // A retried completion changes nothing.
    program
      .given([...est.events, ...rec.events])
      .when(review('a2025', '2026-01-21'))
      .thenNothing();
    // The timeline fold sees one open review due 2027-01-20.
    const idx = new TimelineIndex();
    for (const e of [...est.events, ...rec.events])
      idx.apply({ stream: 'risk-program-default', type: e.type, data: e.data as Record<string, unknown> });
    expect(idx.open().map((t) => [t.workflow, t.dueOn, t.assignees.owner])).toEqual([['risk-review-annual', '2027-01-20', ['p-alice']]]);
  });

  it('refuses bad input naming the field, and a review before the program exists', () => {
    program
      .when({ ...establish, firstReviewDueOn: '2025-02-30' } as ProgramCommand)
      .thenThrows('firstReviewDueOn: expected a calendar date');
    program.when({ ...establish, name: ' ' } as ProgramCommand).thenThrows('name: required');
    program.when(review('a2025', '2026-01-20')).thenThrows(/not established/);
  });
});

describe('candidate risks', () => {
  const candidates = deciderSpec(candidateDecider);
  const finding = {
    origin: 'hardening-finding' as const,
    sourceRef: { kind: 'agent', id: 'agent-7' },
    code: 'ssh-password-auth',
    title: 'SSH password authentication enabled',
    severity: 'high' as const,
  };
  const propose = (input: typeof finding | Record<string, unknown>, today: string): CandidateCommand => ({
    kind: 'propose',
    input: input as typeof finding,
    review: afterChange,
    ...by(today),
  });

  it('a finding reported by every scan is one candidate with a deterministic id', () => {
    const one = candidates.when(propose(finding, '2025-03-01')).then([
      {
        type: 'RiskCandidateProposed',
        data: { ...finding, candidateId: candidateIdFor(finding), proposedOn: '2025-03-01', reviewDueOn: null },
      },
    ]);
    candidates.given(one.events).when(propose(finding, '2025-03-02')).thenNothing();
    expect(candidateIdFor(finding)).toBe(candidateIdFor({ ...finding }));
    expect(candidateIdFor(finding)).not.toBe(candidateIdFor({ ...finding, code: 'ssh-root-login' }));
    expect(candidateIdFor(finding)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('an incident opens a review after change, closed when the candidate is adopted or dismissed', () => {
    const inc = {
      origin: 'incident' as const,
      sourceRef: { kind: 'incident', id: 'inc-1' },
      code: 'incident',
      title: 'Lost unencrypted laptop',
      severity: 'high' as const,
    };
    const p = candidates.when(propose(inc, '2025-03-10')).then([
      { type: 'RiskCandidateProposed', data: { candidateId: candidateIdFor(inc), proposedOn: '2025-03-10', reviewDueOn: '2025-04-09' } },
      {
        type: 'TimelineScheduled',
        data: { workflow: 'risk-review-after-change', subject: { kind: 'risk-review', id: candidateIdFor(inc) }, dueOn: '2025-04-09' },
      },
    ]);
    candidates
      .given(p.events)
      .when({ kind: 'dismiss', reason: ' ', review: afterChange, ...by('2025-03-11') })
      .thenThrows('reason: required');
    const adopt: CandidateCommand = { kind: 'adopt', assessmentId: 'a1', riskId: 'r1', review: afterChange, ...by('2025-03-20') };
    const a = candidates
      .given(p.events)
      .when(adopt)
      .then([
        {
          type: 'RiskCandidateAdopted',
          data: { candidateId: candidateIdFor(inc), assessmentId: 'a1', riskId: 'r1', adoptedOn: '2025-03-20', by: alice.id },
        },
        { type: 'TimelineCompleted', data: { workflow: 'risk-review-after-change' } },
      ]);
    const adopted = [...p.events, ...a.events];
    candidates.given(adopted).when(adopt).thenNothing(); // a retried adoption
    candidates
      .given(adopted)
      .when({ kind: 'dismiss', reason: 'dup', review: afterChange, ...by('2025-03-21') })
      .thenThrows(/already adopted/);
    candidates
      .given(p.events)
      .when({ kind: 'dismiss', reason: 'covered by r7', review: afterChange, ...by('2025-03-21') })
      .then([
        { type: 'RiskCandidateDismissed', data: { reason: 'covered by r7', dismissedOn: '2025-03-21', by: alice.id } },
        { type: 'TimelineCompleted' },
      ]);
  });

  it('refuses bad input naming the field', () => {
    candidates.when(propose({ ...finding, severity: 'huge' }, '2025-03-01')).thenThrows('severity:');
    candidates.when(propose({ ...finding, sourceRef: { kind: 'agent', id: 'has space' } }, '2025-03-01')).thenThrows('sourceRef:');
    candidates.when(propose(finding, '2025-02-30')).thenThrows('today: expected a calendar date');
    candidates
      .when({ kind: 'adopt', assessmentId: 'a1', riskId: 'r1', review: afterChange, ...by('2025-03-20') })
      .thenThrows(/candidate not found/);
  });
});
