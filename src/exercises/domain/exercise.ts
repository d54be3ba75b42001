/**
 * A breach exercise: the real incident workflow (the incident decider, with its triage, state
 * overlays and obligation timelines) run inside an exercise stream, on a clock the exercise
 * controls. The incident's own events are kept *inside* `ExerciseStepRecorded`, never appended
 * as incident events: no incident projection, processor, timeline, notice delivery, public page,
 * agent command, metric, Today item or HHS log ever sees them. Every event type is `Exercise*`
 * and carries `exercise: true`. Pure: the incident decider is passed in.
 */
import type { Decider } from '../../ledger/decider';
import type { Actor } from '../../ledger/port';
import type { IncidentCommand, IncidentEvent, IncidentState } from '../../incidents';
import { addDays, isIsoDate } from '../../shared/calendar';

export type IncidentDeciderLike = Decider<IncidentState, IncidentCommand, IncidentEvent>;

type Mark = { exerciseId: string; exercise: true };
type E<T extends string, D> = { type: T; data: Mark & D };
export type ExerciseEvent =
  | E<
      'ExerciseOpened',
      { title: string; scenario: string | null; seed: string; asOf: string; syntheticIndividuals: number; by: string; at: string }
    >
  | E<'ExerciseStepRecorded', { step: number; action: string; by: string; on: string; at: string; incidentEvents: IncidentEvent[] }>
  | E<'ExerciseClockAdvanced', { from: string; to: string; by: string; at: string }>
  | E<
      'ExerciseNoticeDrafted',
      { noticeId: string; obligationId: string; letters: number; emails: number; by: string; on: string; at: string }
    >
  | E<'ExerciseNoticeApproved', { noticeId: string; by: string; on: string; at: string }>
  | E<'ExerciseClosed', { by: string; on: string; at: string }>;

export const EXERCISE_EVENT_TYPES = [
  'ExerciseOpened',
  'ExerciseStepRecorded',
  'ExerciseClockAdvanced',
  'ExerciseNoticeDrafted',
  'ExerciseNoticeApproved',
  'ExerciseClosed',
] as const satisfies readonly ExerciseEvent['type'][];

export interface ExerciseNotice {
  noticeId: string;
  obligationId: string;
  letters: number;
  emails: number;
  draftedBy: string;
  draftedOn: string;
  draftedAt: string;
  approvedBy: string | null;
  approvedOn: string | null;
  approvedAt: string | null;
}

export interface ExerciseStep {
  step: number;
  action: string;
  by: string;
  on: string;
  at: string;
  events: string[];
}

export interface ExerciseState {
  exists: boolean;
  exerciseId: string | null;
  title: string | null;
  scenario: string | null;
  seed: string | null;
  syntheticIndividuals: number;
  openedOn: string | null;
  openedAt: string | null;
  /** The exercise's own "today": set when opened, moved only by fast-forward. */
  asOf: string | null;
  incident: IncidentState;
  steps: ExerciseStep[];
  clockMoves: Array<{ from: string; to: string; at: string }>;
  notices: Record<string, ExerciseNotice>;
  closedOn: string | null;
  closedAt: string | null;
}

interface Base {
  actor: Actor;
  /** Real instant (ledger clock): how long each step took in wall time. */
  at: string;
}
export type ExerciseCommand =
  | (Base & {
      kind: 'open';
      exerciseId: string;
      title: string;
      scenario: string | null;
      seed: string;
      asOf: string;
      syntheticIndividuals: number;
      /** The incident as reported, and the first commands (counts, facts) a scenario pre-fills. */
      report: Omit<Extract<IncidentCommand, { kind: 'report' }>['data'], 'incidentId'>;
      prefill: ReadonlyArray<DistributiveOmit<IncidentCommand, 'actor' | 'today'>>;
    })
  /** Any incident command, decided by the real incident decider on the exercise's date. */
  | (Base & { kind: 'incident'; command: DistributiveOmit<IncidentCommand, 'actor' | 'today'> })
  | (Base & { kind: 'advance-clock'; days: number })
  | (Base & { kind: 'draft-notice'; noticeId: string; obligationId: string })
  | (Base & { kind: 'approve-notice'; noticeId: string })
  | (Base & { kind: 'close' });

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class ExerciseRuleError extends Error {
  readonly code = 'EXERCISE_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'ExerciseRuleError';
  }
}

export const exerciseStream = (exerciseId: string) => `exercise-${exerciseId}`;
/** Fast-forward at most this far in one move (a year and a bit covers the annual HHS log). */
export const MAX_ADVANCE_DAYS = 400;

function need(cond: unknown, message: string): asserts cond {
  if (!cond) throw new ExerciseRuleError(message);
}

export function createExerciseDecider(incident: IncidentDeciderLike): Decider<ExerciseState, ExerciseCommand, ExerciseEvent> {
  const initial = (): ExerciseState => ({
    exists: false,
    exerciseId: null,
    title: null,
    scenario: null,
    seed: null,
    syntheticIndividuals: 0,
    openedOn: null,
    openedAt: null,
    asOf: null,
    incident: incident.initialState(),
    steps: [],
    clockMoves: [],
    notices: {},
    closedOn: null,
    closedAt: null,
  });

  /** Runs incident commands in order on the exercise date; each becomes one recorded step. */
  function steps(
    s: ExerciseState,
    exerciseId: string,
    on: string,
    c: Base,
    commands: ReadonlyArray<DistributiveOmit<IncidentCommand, 'actor' | 'today'>>,
  ): ExerciseEvent[] {
    let inc = s.incident;
    let n = s.steps.length;
    const out: ExerciseEvent[] = [];
    for (const cmd of commands) {
      const withProof =
        cmd.kind === 'complete-obligation' && !cmd.evidence.proof
          ? { ...cmd, evidence: { ...cmd.evidence, proof: { kind: 'exercise-attestation' as const, exerciseId, incidentId: exerciseId } } }
          : cmd;
      const full = { ...withProof, actor: c.actor, today: on } as IncidentCommand;
      const events = incident.decide(full, inc);
      for (const e of events) inc = incident.evolve(inc, e);
      out.push({
        type: 'ExerciseStepRecorded',
        data: { exerciseId, exercise: true, step: ++n, action: cmd.kind, by: c.actor.id, on, at: c.at, incidentEvents: events },
      });
    }
    return out;
  }

  function decide(c: ExerciseCommand, s: ExerciseState): ExerciseEvent[] {
    if (c.kind === 'open') {
      need(!s.exists, 'exercise already opened');
      need(isIsoDate(c.asOf), 'asOf: must be a calendar date YYYY-MM-DD');
      need(c.title.trim().length > 0 && c.title.length <= 200, 'title: 1–200 characters');
      const opened: ExerciseEvent = {
        type: 'ExerciseOpened',
        data: {
          exerciseId: c.exerciseId,
          exercise: true,
          title: c.title,
          scenario: c.scenario,
          seed: c.seed,
          asOf: c.asOf,
          syntheticIndividuals: c.syntheticIndividuals,
          by: c.actor.id,
          at: c.at,
        },
      };
      const s1 = evolve(s, opened);
      return [
        opened,
        ...steps(s1, c.exerciseId, c.asOf, c, [{ kind: 'report', data: { ...c.report, incidentId: c.exerciseId } }, ...c.prefill]),
      ];
    }
    need(s.exists && s.exerciseId && s.asOf, 'no such exercise');
    need(!s.closedAt, 'the exercise is closed');
    const mark = { exerciseId: s.exerciseId, exercise: true as const };
    const on = s.asOf;
    switch (c.kind) {
      case 'incident':
        need(c.command.kind !== 'report', 'the exercise reported its incident when it opened');
        return steps(s, s.exerciseId, on, c, [c.command]);
      case 'advance-clock':
        need(Number.isInteger(c.days) && c.days >= 1 && c.days <= MAX_ADVANCE_DAYS, `days: a whole number 1–${MAX_ADVANCE_DAYS}`);
        return [{ type: 'ExerciseClockAdvanced', data: { ...mark, from: on, to: addDays(on, c.days), by: c.actor.id, at: c.at } }];
      case 'draft-notice': {
        const o = s.incident.obligations[c.obligationId];
        need(o && o.status !== 'withdrawn', 'no such obligation on the exercise incident');
        need(!s.notices[c.noticeId], 'notice already drafted');
        const a = s.incident.affected;
        const total = a ? Object.values(a.byState).reduce((x, y) => x + y, 0) : 0;
        const letters = o.kind === 'individual-notice' || o.kind === 'state-individual-notice' ? total - (a?.insufficientContact ?? 0) : 1;
        return [
          {
            type: 'ExerciseNoticeDrafted',
            data: { ...mark, noticeId: c.noticeId, obligationId: c.obligationId, letters, emails: 0, by: c.actor.id, on, at: c.at },
          },
        ];
      }
      case 'approve-notice': {
        const n = s.notices[c.noticeId];
        need(n, 'no such notice');
        need(!n.approvedBy, 'notice already approved');
        // Two people, as for real notices: the drafter does not approve their own draft.
        need(n.draftedBy !== c.actor.id, 'a second person approves the notice (two-person rule)');
        return [{ type: 'ExerciseNoticeApproved', data: { ...mark, noticeId: c.noticeId, by: c.actor.id, on, at: c.at } }];
      }
      case 'close':
        return [{ type: 'ExerciseClosed', data: { ...mark, by: c.actor.id, on, at: c.at } }];
      default:
        throw new ExerciseRuleError('unknown command');
    }
  }

  function evolve(s: ExerciseState, e: ExerciseEvent): ExerciseState {
    switch (e.type) {
      case 'ExerciseOpened':
        return {
          ...initial(),
          exists: true,
          exerciseId: e.data.exerciseId,
          title: e.data.title,
          scenario: e.data.scenario,
          seed: e.data.seed,
          syntheticIndividuals: e.data.syntheticIndividuals,
          openedOn: e.data.asOf,
          openedAt: e.data.at,
          asOf: e.data.asOf,
        };
      case 'ExerciseStepRecorded': {
        let inc = s.incident;
        for (const ie of e.data.incidentEvents) inc = incident.evolve(inc, ie);
        const step = {
          step: e.data.step,
          action: e.data.action,
          by: e.data.by,
          on: e.data.on,
          at: e.data.at,
          events: e.data.incidentEvents.map((x) => x.type),
        };
        return { ...s, incident: inc, steps: [...s.steps, step] };
      }
      case 'ExerciseClockAdvanced':
        return { ...s, asOf: e.data.to, clockMoves: [...s.clockMoves, { from: e.data.from, to: e.data.to, at: e.data.at }] };
      case 'ExerciseNoticeDrafted':
        return {
          ...s,
          notices: {
            ...s.notices,
            [e.data.noticeId]: {
              noticeId: e.data.noticeId,
              obligationId: e.data.obligationId,
              letters: e.data.letters,
              emails: e.data.emails,
              draftedBy: e.data.by,
              draftedOn: e.data.on,
              draftedAt: e.data.at,
              approvedBy: null,
              approvedOn: null,
              approvedAt: null,
            },
          },
        };
      case 'ExerciseNoticeApproved': {
        const n = s.notices[e.data.noticeId];
        return n
          ? { ...s, notices: { ...s.notices, [n.noticeId]: { ...n, approvedBy: e.data.by, approvedOn: e.data.on, approvedAt: e.data.at } } }
          : s;
      }
      case 'ExerciseClosed':
        return { ...s, closedOn: e.data.on, closedAt: e.data.at };
      default:
        return s;
    }
  }

  return { initialState: initial, evolve, decide };
}
