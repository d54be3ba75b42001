/**
 * Pure timeline planning: from a definition, a timeline (subject + due date) and the timers
 * already sent, compute every timer with its deterministic id, instant and state.
 *
 * Timer id: `${workflow}:${subjectId}:${dueOn}:${step}`, step = `reminder-30d` | `escalation-0d`.
 * The due date is part of the id, so moving a due date makes new timers and the old ones go stale.
 *
 * Catch-up rule (after an outage, or a timeline scheduled late): when several timers have passed
 * unsent, only the latest one fires; earlier ones are `superseded` (never sent late, because the
 * newer message says more). Timers at the same instant fire together. Steps that carry an
 * `action` are never superseded.
 */
import { zonedInstant } from '../../shared/calendar';
import { addDuration, parseDuration, subtractDuration } from './duration';
import type { WorkflowDefinition, WorkflowRole } from './definition';

export interface SubjectRef {
  /** What the timeline is about, e.g. "obligation", "risk-assessment", "key", "access-campaign". */
  kind: string;
  /** An opaque id (UUID or similar). Never PHI. */
  id: string;
}

export const SUBJECT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export type TimerKind = 'reminder' | 'escalation';
export type TimerState = 'pending' | 'sent' | 'superseded';

export interface PlannedTimer {
  timerId: string;
  workflow: string;
  workflowVersion: number;
  subject: SubjectRef;
  dueOn: string;
  /** `reminder-30d` or `escalation-0d`. */
  step: string;
  kind: TimerKind;
  /** The definition's offset: "30d" before the due date, or "0d" after it. */
  offset: string;
  /** Local date the timer fires on, in the organization's time zone. */
  fireOn: string;
  /** The instant it fires (fireOn at the definition's fireAt, local time). */
  fireAt: Date;
  to: WorkflowRole[];
  /** An effect to run when the timer fires (registered by a context), if the step declares one. */
  action?: string;
  state: TimerState;
}

export interface TimelineForPlanning {
  workflow: string;
  workflowVersion: number;
  subject: SubjectRef;
  dueOn: string;
  /** Timer ids already recorded as ReminderSent / EscalationRaised. */
  sent: ReadonlySet<string> | ReadonlyMap<string, unknown>;
}

export function timerId(workflow: string, subjectId: string, dueOn: string, step: string): string {
  return `${workflow}:${subjectId}:${dueOn}:${step}`;
}

export interface ParsedTimerId {
  workflow: string;
  subjectId: string;
  dueOn: string;
  step: string;
}

export function parseTimerId(id: string): ParsedTimerId | null {
  const m = /^([a-z][a-z0-9-]*):([A-Za-z0-9][A-Za-z0-9._-]*):(\d{4}-\d{2}-\d{2}):((?:reminder|escalation)-[0-9]+(?:d|w|mo|y))$/.exec(id);
  return m ? { workflow: m[1], subjectId: m[2], dueOn: m[3], step: m[4] } : null;
}

/** BullMQ refuses ':' in custom job ids; the job id is the timer id with ':' → '|'. */
export function jobIdForTimer(id: string): string {
  return `timer|${id.replace(/:/g, '|')}`;
}

export function planTimeline(
  def: WorkflowDefinition,
  timeline: TimelineForPlanning,
  opts: { timeZone: string; now: Date },
): PlannedTimer[] {
  if (def.workflow !== timeline.workflow) {
    throw new Error(`definition ${def.workflow} does not match timeline workflow ${timeline.workflow}`);
  }
  const base = (kind: TimerKind, offset: string, fireOn: string, to: WorkflowRole[], action?: string): PlannedTimer => {
    const step = `${kind}-${offset}`;
    const id = timerId(def.workflow, timeline.subject.id, timeline.dueOn, step);
    return {
      timerId: id,
      workflow: def.workflow,
      workflowVersion: timeline.workflowVersion,
      subject: timeline.subject,
      dueOn: timeline.dueOn,
      step,
      kind,
      offset,
      fireOn,
      fireAt: zonedInstant(fireOn, def.fireAt, opts.timeZone),
      to: [...to],
      ...(action ? { action } : {}),
      state: timeline.sent.has(id) ? 'sent' : 'pending',
    };
  };
  const timers: PlannedTimer[] = [
    ...def.reminders.map((r) => base('reminder', r.before, subtractDuration(timeline.dueOn, r.before), r.to, r.action)),
    ...def.escalation.map((e) => base('escalation', e.after, addDuration(timeline.dueOn, e.after), e.to, e.action)),
  ];
  // Order by instant; at the same instant reminders come before escalations.
  timers.sort(
    (a, b) =>
      a.fireAt.getTime() - b.fireAt.getTime() ||
      (a.kind === b.kind ? 0 : a.kind === 'reminder' ? -1 : 1) ||
      a.step.localeCompare(b.step),
  );
  const now = opts.now.getTime();
  let latestPast = -Infinity;
  for (const t of timers) if (t.fireAt.getTime() <= now) latestPast = Math.max(latestPast, t.fireAt.getTime());
  for (const t of timers) {
    // A step with an action (e.g. expire a grant) is never superseded: its effect must happen, late or not.
    if (t.state === 'pending' && !t.action && t.fireAt.getTime() < latestPast) t.state = 'superseded';
  }
  return timers;
}

/** Timers still to send (due now or later), in firing order. */
export function pendingTimers(
  def: WorkflowDefinition,
  timeline: TimelineForPlanning,
  opts: { timeZone: string; now: Date },
): PlannedTimer[] {
  return planTimeline(def, timeline, opts).filter((t) => t.state === 'pending');
}

/** The next due date after a completion, for definitions with a recurrence; null otherwise. */
export function nextDueOn(def: WorkflowDefinition, completedOn: string, dueOn: string): string | null {
  if (!def.recurrence) return null;
  const from = def.recurrence.from === 'completion' ? completedOn : dueOn;
  return addDuration(from, parseDuration(def.recurrence.every));
}
