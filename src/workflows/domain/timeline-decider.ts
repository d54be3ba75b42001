/**
 * The decider of a timeline's own stream (`timeline-<workflow>-<kind>-<id>`): what the engine
 * sent. A timer fires at least once (BullMQ retries, two workers, a reconcile after a crash), so
 * the stream records each timer id at most once; a second record of the same timer is a no-op.
 *
 * Whether a timer is due, superseded or stale is decided before sending, by planning the
 * timeline (timers.ts) from its declaring stream. This decider records the fact that a message
 * was handed to the notifier: it holds even if the timeline closed in the meantime.
 */
import type { Decider } from '../../ledger/decider';
import type { DomainEvent } from '../../ledger/ledger';
import { isSystemActor } from '../../shared/system-actor';
import { TimelineEventTypes, type TimerFiredData } from './timeline';
import { timerId, type SubjectRef, type TimerKind } from './timers';
import { WorkflowRuleError } from './workflow-rule-error';

export type TimerFiredEvent =
  | DomainEvent<typeof TimelineEventTypes.ReminderSent, TimerFiredData>
  | DomainEvent<typeof TimelineEventTypes.EscalationRaised, TimerFiredData>;

export interface TimelineTimersState {
  /** The timeline this stream belongs to (from its first event). */
  timeline: { workflow: string; subject: SubjectRef } | null;
  /** Timer ids recorded so far, across due dates. */
  sent: ReadonlyMap<string, TimerKind>;
}

export interface RecordTimerFired {
  kind: 'record-timer-fired';
  actor: { id: string; role: string };
  /** When the message was handed to the notifier (ISO instant): the event's `sentAt`. */
  at: string;
  timer: Omit<TimerFiredData, 'sentAt'>;
}

export type TimelineTimersCommand = RecordTimerFired;

function kindOfStep(step: string): TimerKind | null {
  return step.startsWith('reminder-') ? 'reminder' : step.startsWith('escalation-') ? 'escalation' : null;
}

function decide(c: TimelineTimersCommand, s: TimelineTimersState): TimerFiredEvent[] {
  if (!isSystemActor(c.actor)) throw new WorkflowRuleError('actor', 'timers are recorded by the workflows engine, a system actor');
  if (Number.isNaN(Date.parse(c.at))) throw new WorkflowRuleError('at', 'expected an ISO instant');
  const t = c.timer;
  const kind = kindOfStep(t.step);
  if (!kind) throw new WorkflowRuleError('timer.step', 'expected reminder-<offset> or escalation-<offset>');
  if (t.timerId !== timerId(t.workflow, t.subject.id, t.dueOn, t.step)) {
    throw new WorkflowRuleError('timer.timerId', 'does not match the workflow, subject, due date and step');
  }
  if (s.timeline && (s.timeline.workflow !== t.workflow || s.timeline.subject.kind !== t.subject.kind || s.timeline.subject.id !== t.subject.id)) {
    throw new WorkflowRuleError('timer.subject', "belongs to another timeline than this stream's");
  }
  if (s.sent.has(t.timerId)) return [];
  const type = kind === 'reminder' ? TimelineEventTypes.ReminderSent : TimelineEventTypes.EscalationRaised;
  return [{ type, data: { ...t, subject: { ...t.subject }, sentAt: c.at } }];
}

function evolve(s: TimelineTimersState, e: TimerFiredEvent): TimelineTimersState {
  if (e.type !== TimelineEventTypes.ReminderSent && e.type !== TimelineEventTypes.EscalationRaised) return s;
  const sent = new Map(s.sent);
  sent.set(e.data.timerId, e.type === TimelineEventTypes.ReminderSent ? 'reminder' : 'escalation');
  return { timeline: s.timeline ?? { workflow: e.data.workflow, subject: { ...e.data.subject } }, sent };
}

export const timelineTimersDecider: Decider<TimelineTimersState, TimelineTimersCommand, TimerFiredEvent> = {
  initialState: () => ({ timeline: null, sent: new Map() }),
  evolve,
  decide,
};
