/**
 * Timeline events and the pure fold that turns ledger events into the set of timelines the
 * engine must drive.
 *
 * A context declares a timeline by appending `TimelineScheduled` to ITS OWN stream, in the same
 * append as its own fact (e.g. `ObligationCreated` + `TimelineScheduled`), so the two can never
 * disagree. A later `TimelineScheduled` for the same (workflow, subject) moves the due date;
 * `TimelineCompleted` / `TimelineCancelled` close it. Contexts that prefer their own event types
 * register a translator (`TimelineTranslator`) instead. The engine records what it sends as
 * `ReminderSent` / `EscalationRaised` in the timeline's own stream (`timelineStream()`).
 */
import { isIsoDate } from '../../shared/calendar';
import { SUBJECT_ROLES, type WorkflowDefinition, type WorkflowRole } from './definition';
import { nextDueOn, SUBJECT_ID_RE, type SubjectRef, type TimerKind } from './timers';

export const TimelineEventTypes = {
  TimelineScheduled: 'TimelineScheduled',
  TimelineCompleted: 'TimelineCompleted',
  TimelineCancelled: 'TimelineCancelled',
  ReminderSent: 'ReminderSent',
  EscalationRaised: 'EscalationRaised',
  WorkflowDefinitionPublished: 'WorkflowDefinitionPublished',
} as const;

/** Every event type the workflows engine writes or reads as its own (register them with the EventRegistry). */
export const WORKFLOW_EVENT_TYPES: string[] = Object.values(TimelineEventTypes);

/** Principal ids (never names or addresses) for the subject roles a definition may address. */
export type Assignees = Partial<Record<'owner' | 'reviewer' | 'custodian', string[]>>;

export interface TimelineScheduledData {
  workflow: string;
  workflowVersion: number;
  subject: SubjectRef;
  dueOn: string;
  assignees?: Assignees;
}
export interface TimelineCompletedData {
  workflow: string;
  subject: SubjectRef;
  completedOn: string;
}
export interface TimelineCancelledData {
  workflow: string;
  subject: SubjectRef;
  reason: string;
}
export interface TimerFiredData {
  timerId: string;
  workflow: string;
  workflowVersion: number;
  subject: SubjectRef;
  dueOn: string;
  step: string;
  offset: string;
  /** Roles addressed. */
  to: WorkflowRole[];
  /** Principal ids addressed through subject roles (owner, reviewer, custodian). */
  principals: string[];
  /** When the timer was planned to fire (ISO instant) and when it was sent. */
  fireAt: string;
  sentAt: string;
  /** Days left until the due date at sending (negative when overdue). */
  daysLeft: number;
  /** Id of the message handed to the notifier (idempotency key = timerId). */
  messageId: string;
  /** The step's action and whether a registered handler ran it. */
  action?: { name: string; status: 'done' | 'no-handler' };
}

/** A new event ready for `EventStore.append` minus id and metadata, which the caller adds. */
export interface EventDraft<T extends object = Record<string, unknown>> {
  type: string;
  schemaVersion: number;
  data: T & Record<string, unknown>;
}

/** Any ledger event (RecordedEvent satisfies this). */
export interface LedgerEventLike {
  stream: string;
  type: string;
  data: Record<string, unknown>;
  position?: bigint;
}

export class TimelineError extends Error {
  readonly code = 'TIMELINE_INVALID';
  constructor(readonly field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'TimelineError';
  }
}

function checkSubject(def: WorkflowDefinition, subject: SubjectRef): void {
  if (!subject || typeof subject.kind !== 'string' || !def.subjectKinds.includes(subject.kind)) {
    throw new TimelineError(
      'subject.kind',
      `workflow ${def.workflow} applies to ${def.subjectKinds.join(', ')}, not ${JSON.stringify(subject?.kind)}`,
    );
  }
  if (typeof subject.id !== 'string' || !SUBJECT_ID_RE.test(subject.id)) {
    throw new TimelineError('subject.id', 'expected an opaque id of letters, digits, ".", "_" or "-" (max 128)');
  }
}

/** The stream where the engine records what it sent for one timeline. */
export function timelineStream(workflow: string, subject: SubjectRef): string {
  return `timeline-${workflow}-${subject.kind}-${subject.id}`;
}

export function timelineKey(workflow: string, subject: SubjectRef): string {
  return `${workflow}|${subject.kind}|${subject.id}`;
}

/** Build the event a context appends to declare (or move) a timeline; stamps the definition's version. */
export function scheduleTimeline(
  def: WorkflowDefinition,
  input: { subject: SubjectRef; dueOn: string; assignees?: Assignees },
): EventDraft<TimelineScheduledData> {
  checkSubject(def, input.subject);
  if (!isIsoDate(input.dueOn)) throw new TimelineError('dueOn', 'expected a calendar date YYYY-MM-DD');
  const data: TimelineScheduledData = {
    workflow: def.workflow,
    workflowVersion: def.version,
    subject: { kind: input.subject.kind, id: input.subject.id },
    dueOn: input.dueOn,
  };
  if (input.assignees) {
    const a: Assignees = {};
    for (const [role, ids] of Object.entries(input.assignees)) {
      if (!(SUBJECT_ROLES as readonly string[]).includes(role)) {
        throw new TimelineError(`assignees.${role}`, `not a subject role (${SUBJECT_ROLES.join(', ')})`);
      }
      if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string' || !SUBJECT_ID_RE.test(x))) {
        throw new TimelineError(`assignees.${role}`, 'expected a list of principal ids');
      }
      a[role as keyof Assignees] = [...ids];
    }
    data.assignees = a;
  }
  return { type: TimelineEventTypes.TimelineScheduled, schemaVersion: 1, data: data as TimelineScheduledData & Record<string, unknown> };
}

/**
 * Events that complete a timeline: `TimelineCompleted`, then — when the definition recurs — the
 * `TimelineScheduled` of the next occurrence (same subject, next due date, current definition).
 */
export function completeTimeline(
  def: WorkflowDefinition,
  timeline: { subject: SubjectRef; dueOn: string; assignees?: Assignees },
  completedOn: string,
  nextDef: WorkflowDefinition = def,
): EventDraft<object>[] {
  checkSubject(def, timeline.subject);
  if (!isIsoDate(completedOn)) throw new TimelineError('completedOn', 'expected a calendar date YYYY-MM-DD');
  const out: EventDraft<object>[] = [
    {
      type: TimelineEventTypes.TimelineCompleted,
      schemaVersion: 1,
      data: { workflow: def.workflow, subject: { ...timeline.subject }, completedOn },
    },
  ];
  const next = nextDueOn(def, completedOn, timeline.dueOn);
  if (next) out.push(scheduleTimeline(nextDef, { subject: timeline.subject, dueOn: next, assignees: timeline.assignees }));
  return out;
}

export function cancelTimeline(def: WorkflowDefinition, subject: SubjectRef, reason: string): EventDraft<TimelineCancelledData> {
  checkSubject(def, subject);
  if (typeof reason !== 'string' || reason.length === 0) throw new TimelineError('reason', 'required');
  return {
    type: TimelineEventTypes.TimelineCancelled,
    schemaVersion: 1,
    data: { workflow: def.workflow, subject: { ...subject }, reason } as TimelineCancelledData & Record<string, unknown>,
  };
}

/** What a translator reports for one of a context's own events. */
export type TimelineIntent =
  | ({ kind: 'schedule' } & TimelineScheduledData)
  | ({ kind: 'complete' } & TimelineCompletedData)
  | ({ kind: 'cancel' } & TimelineCancelledData);

/** Maps a context's own event to timeline intents ([] when it is not about a timeline). Pure. */
export type TimelineTranslator = (event: LedgerEventLike) => TimelineIntent[];

/** The built-in translator for the generic timeline events. */
export const genericTimelineTranslator: TimelineTranslator = (e) => {
  switch (e.type) {
    case TimelineEventTypes.TimelineScheduled:
      return [{ kind: 'schedule', ...(e.data as unknown as TimelineScheduledData) }];
    case TimelineEventTypes.TimelineCompleted:
      return [{ kind: 'complete', ...(e.data as unknown as TimelineCompletedData) }];
    case TimelineEventTypes.TimelineCancelled:
      return [{ kind: 'cancel', ...(e.data as unknown as TimelineCancelledData) }];
    default:
      return [];
  }
};

export interface SentMarker {
  kind: TimerKind;
  sentAt: string;
}

export interface TimelineState {
  key: string;
  workflow: string;
  workflowVersion: number;
  subject: SubjectRef;
  dueOn: string;
  status: 'open' | 'completed' | 'cancelled';
  /** The stream whose events declared the timeline (read it to re-check before sending). */
  sourceStream: string;
  assignees: Assignees;
  completedOn?: string;
  /** Every timer id recorded as sent for this (workflow, subject), across due dates. */
  sent: Map<string, SentMarker>;
}

/** Folds ledger events (in position order) into timelines. Pure apart from its own map. */
export class TimelineIndex {
  private readonly timelines = new Map<string, TimelineState>();
  private readonly orphanSent = new Map<string, Map<string, SentMarker>>();
  private readonly crossStream = new Map<string, Set<string>>();
  constructor(private readonly translators: TimelineTranslator[] = [genericTimelineTranslator]) {}

  apply(event: LedgerEventLike): void {
    if (event.type === TimelineEventTypes.ReminderSent || event.type === TimelineEventTypes.EscalationRaised) {
      const d = event.data as unknown as TimerFiredData;
      const key = timelineKey(d.workflow, d.subject);
      const marker: SentMarker = {
        kind: event.type === TimelineEventTypes.ReminderSent ? 'reminder' : 'escalation',
        sentAt: d.sentAt,
      };
      const t = this.timelines.get(key);
      if (t) t.sent.set(d.timerId, marker);
      else {
        const m = this.orphanSent.get(key) ?? new Map<string, SentMarker>();
        m.set(d.timerId, marker);
        this.orphanSent.set(key, m);
      }
      return;
    }
    for (const tr of this.translators) {
      for (const intent of tr(event)) this.applyIntent(event.stream, intent);
    }
  }

  private applyIntent(stream: string, intent: TimelineIntent): void {
    const key = timelineKey(intent.workflow, intent.subject);
    const existing = this.timelines.get(key);
    if (existing && existing.sourceStream !== stream) {
      // A timeline's events must all live in one stream (the worker re-reads only that one).
      const set = this.crossStream.get(key) ?? new Set([existing.sourceStream]);
      set.add(stream);
      this.crossStream.set(key, set);
    }
    if (intent.kind === 'schedule') {
      const sent = existing?.sent ?? this.orphanSent.get(key) ?? new Map<string, SentMarker>();
      this.orphanSent.delete(key);
      this.timelines.set(key, {
        key,
        workflow: intent.workflow,
        workflowVersion: intent.workflowVersion,
        subject: { kind: intent.subject.kind, id: intent.subject.id },
        dueOn: intent.dueOn,
        status: 'open',
        sourceStream: stream,
        assignees: intent.assignees ?? existing?.assignees ?? {},
        sent,
      });
    } else if (existing && existing.status === 'open') {
      existing.status = intent.kind === 'complete' ? 'completed' : 'cancelled';
      if (intent.kind === 'complete') existing.completedOn = intent.completedOn;
    }
  }

  get(workflow: string, subject: SubjectRef): TimelineState | undefined {
    return this.timelines.get(timelineKey(workflow, subject));
  }

  all(): TimelineState[] {
    return [...this.timelines.values()];
  }

  open(): TimelineState[] {
    return this.all().filter((t) => t.status === 'open');
  }

  /** Timelines whose events were appended to more than one stream (a contract violation to fix). */
  conflicts(): Array<{ key: string; streams: string[] }> {
    return [...this.crossStream.entries()].map(([key, s]) => ({ key, streams: [...s].sort() }));
  }
}
