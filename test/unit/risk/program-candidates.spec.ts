import { candidateDecider, candidateIdFor, type CandidateCommand, type CandidateState } from '../../../src/risk/domain/candidates';
import { programDecider, type ProgramCommand, type ProgramState } from '../../../src/risk/domain/program';
import { loadWorkflowDirOrThrow } from '../../../src/workflows/loader';
import { TimelineIndex } from '../../../src/workflows/domain/timeline';
import { join } from 'node:path';

const defs = new Map(loadWorkflowDirOrThrow(join(__dirname, '../../../workflows')).map((d) => [d.definition.workflow, d.definition]));
const annual = defs.get('risk-review-annual')!;
const afterChange = defs.get('risk-review-after-change')!;

function runP(s: ProgramState, ...cmds: ProgramCommand[]) {
  const events = [];
  for (const c of cmds) for (const e of programDecider.decide(c, s)) (s = programDecider.evolve(s, e)), events.push(e);
  return { s, events };
}
function runC(s: CandidateState, ...cmds: CandidateCommand[]) {
  const events = [];
  for (const c of cmds) for (const e of candidateDecider.decide(c, s)) (s = candidateDecider.evolve(s, e)), events.push(e);
  return { s, events };
}

describe('risk program: the annual review timeline', () => {
  it('establishing opens the annual review timeline; recording a review completes it and schedules the next a year after completion', () => {
    const est = runP(programDecider.initialState(), { kind: 'establish', programId: 'default', name: 'Acme risk program', ownerId: 'p-alice', firstReviewDueOn: '2025-12-31', review: annual });
    expect(est.events.map((e) => e.type)).toEqual(['RiskProgramEstablished', 'TimelineScheduled']);
    expect(est.s.reviewDueOn).toBe('2025-12-31');
    const rec = runP(est.s, { kind: 'record-review', assessmentId: 'a2025', completedOn: '2026-01-20', review: annual });
    expect(rec.events.map((e) => e.type)).toEqual(['RiskProgramReviewCompleted', 'TimelineCompleted', 'TimelineScheduled']);
    expect(rec.s.reviewDueOn).toBe('2027-01-20');
    expect(rec.events[0].data).toMatchObject({ nextReviewDueOn: '2027-01-20' });
    // A retried completion changes nothing.
    expect(runP(rec.s, { kind: 'record-review', assessmentId: 'a2025', completedOn: '2026-01-21', review: annual }).events).toEqual([]);
    // The timeline fold sees one open review due 2027-01-20.
    const idx = new TimelineIndex();
    for (const e of [...est.events, ...rec.events]) idx.apply({ stream: 'risk-program-default', type: e.type, data: e.data as Record<string, unknown> });
    expect(idx.open().map((t) => [t.workflow, t.dueOn, t.assignees.owner])).toEqual([['risk-review-annual', '2027-01-20', ['p-alice']]]);
  });
});

describe('candidate risks', () => {
  const finding = { origin: 'hardening-finding' as const, sourceRef: { kind: 'agent', id: 'agent-7' }, code: 'ssh-password-auth', title: 'SSH password authentication enabled', severity: 'high' as const };

  it('a finding reported by every scan is one candidate with a deterministic id', () => {
    const one = runC(candidateDecider.initialState(), { kind: 'propose', input: finding, proposedOn: '2025-03-01', review: afterChange });
    expect(one.events.map((e) => e.type)).toEqual(['RiskCandidateProposed']);
    expect(runC(one.s, { kind: 'propose', input: finding, proposedOn: '2025-03-02', review: afterChange }).events).toEqual([]);
    expect(candidateIdFor(finding)).toBe(candidateIdFor({ ...finding }));
    expect(candidateIdFor(finding)).not.toBe(candidateIdFor({ ...finding, code: 'ssh-root-login' }));
    expect(candidateIdFor(finding)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('an incident opens a review after change, closed when the candidate is adopted or dismissed', () => {
    const inc = { origin: 'incident' as const, sourceRef: { kind: 'incident', id: 'inc-1' }, code: 'incident', title: 'Lost unencrypted laptop', severity: 'high' as const };
    const p = runC(candidateDecider.initialState(), { kind: 'propose', input: inc, proposedOn: '2025-03-10', review: afterChange });
    expect(p.events.map((e) => e.type)).toEqual(['RiskCandidateProposed', 'TimelineScheduled']);
    expect(p.events[1].data).toMatchObject({ workflow: 'risk-review-after-change', subject: { kind: 'risk-review', id: candidateIdFor(inc) }, dueOn: '2025-04-09' });
    expect(() => runC(p.s, { kind: 'dismiss', reason: ' ', on: '2025-03-11', by: 'p-a', review: afterChange })).toThrow('reason: required');
    const a = runC(p.s, { kind: 'adopt', assessmentId: 'a1', riskId: 'r1', on: '2025-03-20', by: 'p-a', review: afterChange });
    expect(a.events.map((e) => e.type)).toEqual(['RiskCandidateAdopted', 'TimelineCompleted']);
    expect(() => runC(a.s, { kind: 'dismiss', reason: 'dup', on: '2025-03-21', by: 'p-a', review: afterChange })).toThrow(/already adopted/);
  });

  it('refuses bad input naming the field', () => {
    expect(() => runC(candidateDecider.initialState(), { kind: 'propose', input: { ...finding, severity: 'huge' as never }, proposedOn: '2025-03-01', review: afterChange })).toThrow('severity:');
    expect(() => runC(candidateDecider.initialState(), { kind: 'propose', input: { ...finding, sourceRef: { kind: 'agent', id: 'has space' } }, proposedOn: '2025-03-01', review: afterChange })).toThrow('sourceRef:');
  });
});
