/**
 * Exercises run the real incident decider (state overlays included) on the exercise's own clock,
 * keep the incident's events inside Exercise* events, and produce an after-action report.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIncidentDecider } from '../../../src/incidents/domain/incident';
import { loadStateOverlays } from '../../../src/incidents';
import { addDays } from '../../../src/shared/calendar';
import { afterAction } from '../../../src/exercises/domain/after-action';
import {
  createExerciseDecider,
  EXERCISE_EVENT_TYPES,
  type ExerciseCommand,
  type ExerciseEvent,
  type ExerciseState,
} from '../../../src/exercises/domain/exercise';
import { scenarioById, scenarioOpening, SCENARIOS, syntheticCounts, syntheticPeople } from '../../../src/exercises/domain/scenarios';
import { renderAfterActionPdf } from '../../../src/exercises/rendering/exercise-pdf';
import { makeTempDir } from '../../support/temp-dir';

const decider = createExerciseDecider(createIncidentDecider({ overlays: loadStateOverlays() }));
const alice = { id: 'comp-alice', role: 'compliance-officer' };
const bob = { id: 'comp-bob', role: 'compliance-officer' };
let clockMs = Date.parse('2026-12-04T14:00:00.000Z');
const at = () => new Date((clockMs += 7 * 60_000)).toISOString();

function run(commands: ExerciseCommand[]): { state: ExerciseState; events: ExerciseEvent[] } {
  let state = decider.initialState();
  const events: ExerciseEvent[] = [];
  for (const c of commands) {
    for (const e of decider.decide(c, state)) {
      events.push(e);
      state = decider.evolve(state, e);
    }
  }
  return { state, events };
}

const laptop = scenarioById('stolen-laptop')!;
const opening = scenarioOpening(laptop, 'seed-1', '2026-12-04', addDays);
const open: ExerciseCommand = {
  kind: 'open',
  exerciseId: '0193aa00-0000-7000-8000-000000000001',
  title: laptop.title,
  scenario: laptop.id,
  seed: 'seed-1',
  asOf: '2026-12-04',
  syntheticIndividuals: laptop.individuals,
  report: opening.report,
  prefill: opening.prefill,
  actor: alice,
  at: at(),
};
const triage: ExerciseCommand = { kind: 'incident', command: { kind: 'decide-triage', decisionId: 'd1' }, actor: alice, at: at() };

describe('exercise', () => {
  it('scenarios generate synthetic individuals on the fly, the same for the same seed', () => {
    expect(SCENARIOS.map((s) => s.id)).toEqual(['stolen-laptop', 'ransomware-file-server', 'misdirected-mailing', 'ba-reported-late']);
    const c = syntheticCounts(laptop, 'seed-1');
    expect(Object.values(c.byState).reduce((a, b) => a + b, 0)).toBe(1250);
    expect([c.byState.TX, c.byState.OK, c.insufficientContact]).toEqual([1000, 187, 25]);
    expect(syntheticCounts(laptop, 'seed-1')).toEqual(c);
    const people = syntheticPeople(laptop, 'seed-1', 3);
    expect(people[0]).toMatchObject({ name: 'Alex Exercise-Person 0001', street: '100 Exercise Street', state: 'TX', hasContact: false });
  });

  it('opens with the real incident workflow inside exercise events only, every one marked', () => {
    const { state, events } = run([open, triage]);
    expect(events.map((e) => e.type)).toEqual(['ExerciseOpened', 'ExerciseStepRecorded', 'ExerciseStepRecorded', 'ExerciseStepRecorded']);
    for (const e of events) {
      expect((EXERCISE_EVENT_TYPES as readonly string[]).includes(e.type)).toBe(true);
      expect(e.data.exercise).toBe(true);
    }
    const inner = events.flatMap((e) => (e.type === 'ExerciseStepRecorded' ? e.data.incidentEvents.map((x) => x.type) : []));
    expect(inner).toEqual(expect.arrayContaining(['IncidentReported', 'AffectedCountsRevised', 'TriageDecided']));
    expect(state.incident.status).toBe('breach');
    const ob = state.incident.obligations;
    expect(ob['individual-notice']).toMatchObject({ dueOn: '2027-02-02', status: 'open' });
    expect(ob['media-notice.TX']).toBeDefined();
    expect(ob['hhs-notice']).toMatchObject({ timing: 'contemporaneous' });
    expect(Object.values(ob).find((o) => o.jurisdiction === 'TX' && o.kind === 'state-regulator-notice')).toMatchObject({
      dueOn: '2027-01-03',
    });
  });

  it('the exercise clock moves only forward by fast-forward; commands are decided on the exercise date', () => {
    const { state } = run([
      open,
      triage,
      { kind: 'advance-clock', days: 20, actor: alice, at: at() },
      {
        kind: 'incident',
        command: {
          kind: 'complete-obligation',
          obligationId: 'individual-notice',
          evidence: { description: 'letters mailed', completedOn: '2026-12-24' },
        },
        actor: alice,
        at: at(),
      },
    ]);
    expect(state.asOf).toBe('2026-12-24');
    expect(state.incident.obligations['individual-notice'].status).toBe('done');
    // Completion in the exercise's future is refused by the real decider (its today is the exercise date).
    expect(() =>
      decider.decide(
        {
          kind: 'incident',
          command: { kind: 'complete-obligation', obligationId: 'hhs-notice', evidence: { description: 'x', completedOn: '2027-01-10' } },
          actor: alice,
          at: at(),
        },
        state,
      ),
    ).toThrow(/completedOn/);
    expect(() => decider.decide({ kind: 'advance-clock', days: 0, actor: alice, at: at() }, state)).toThrow(/days/);
  });

  it('notices are drafted and approved by two people; a closed exercise takes nothing more', () => {
    const { state } = run([
      open,
      triage,
      { kind: 'draft-notice', noticeId: 'n1', obligationId: 'individual-notice', actor: alice, at: at() },
    ]);
    expect(state.notices.n1).toMatchObject({ letters: 1225, approvedBy: null });
    expect(() => decider.decide({ kind: 'approve-notice', noticeId: 'n1', actor: alice, at: at() }, state)).toThrow(/two-person/);
    const after = run([
      open,
      triage,
      { kind: 'draft-notice', noticeId: 'n1', obligationId: 'individual-notice', actor: alice, at: at() },
      { kind: 'approve-notice', noticeId: 'n1', actor: bob, at: at() },
      { kind: 'close', actor: alice, at: at() },
    ]);
    expect(after.state.notices.n1.approvedBy).toBe('comp-bob');
    expect(() => decider.decide({ kind: 'advance-clock', days: 1, actor: alice, at: at() }, after.state)).toThrow(/closed/);
  });

  it('the after-action report measures each obligation against its legal clock and lists the gaps; the PDF renders', async () => {
    const { state, events } = run([
      open,
      triage,
      { kind: 'draft-notice', noticeId: 'n1', obligationId: 'individual-notice', actor: alice, at: at() },
      { kind: 'approve-notice', noticeId: 'n1', actor: bob, at: at() },
      { kind: 'advance-clock', days: 35, actor: alice, at: at() },
      {
        kind: 'incident',
        command: {
          kind: 'complete-obligation',
          obligationId: 'individual-notice',
          evidence: { description: 'letters mailed', completedOn: '2027-01-08' },
        },
        actor: alice,
        at: at(),
      },
      { kind: 'close', actor: alice, at: at() },
    ]);
    const steps = events.flatMap((e) => (e.type === 'ExerciseStepRecorded' ? [e.data] : []));
    const r = afterAction(state, steps);
    expect(r.obligations.find((o) => o.obligationId === 'individual-notice')).toMatchObject({
      daysAllowed: 60,
      daysUsed: 35,
      verdict: 'on time',
    });
    const tx = r.obligations.find((o) => o.kind === 'state-regulator-notice' && o.jurisdiction === 'TX')!;
    expect(tx).toMatchObject({ dueOn: '2027-01-03', daysAllowed: 30, verdict: 'overdue' });
    expect(r.gaps).toEqual(
      expect.arrayContaining([expect.stringContaining(`${tx.obligationId}: not done, due 2027-01-03, overdue on 2027-01-08`)]),
    );
    // The decision, then the real re-dating after the residents' notice was given (state clocks counted from it).
    expect(r.decisions).toEqual([
      expect.objectContaining({ on: '2026-12-04', trigger: 'decision', breach: true, basis: 'presumed', totalAffected: 1250 }),
      expect.objectContaining({ on: '2027-01-08', trigger: 'facts-changed' }),
    ]);
    expect(r.timeline[0].what).toContain('exercise opened');
    expect(r.timeline.some((t) => t.what.includes('fast-forwarded 35 days'))).toBe(true);

    const pdf = await renderAfterActionPdf(r, { generatedAt: new Date('2026-12-04T15:00:00Z'), compress: false });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('EXERCISE');
    const dir = makeTempDir('sh-aar-');
    try {
      writeFileSync(join(dir.path, 'aar.pdf'), pdf);
      if (process.env.AAR_OUT) writeFileSync(process.env.AAR_OUT, pdf);
      execFileSync('pdftoppm', ['-png', '-r', '40', join(dir.path, 'aar.pdf'), join(dir.path, 'p')]);
      expect(existsSync(join(dir.path, 'p-1.png'))).toBe(true);
    } finally {
      dir.cleanup();
    }
  });
});
