/**
 * Firing one timer (what the worker runs for a timer job): re-read the timeline from the ledger,
 * send the reminder or escalation if it is still due and not yet sent, run the step's action,
 * and record it in the timeline's own stream through its decider.
 *
 * At-least-once: the notifier and action handlers are idempotent by timer id, which covers a
 * crash between sending and recording; the decider records each timer id once, so a job that
 * runs twice (or two workers) never leaves two records.
 */
import { handleCommand } from '../../ledger/decider';
import type { Ledger } from '../../ledger/ledger';
import type { Actor } from '../../ledger/port';
import { daysBetween, localDate } from '../../shared/calendar';
import { SUBJECT_ROLES, type WorkflowRole } from '../domain/definition';
import { renderTimerMessage } from '../domain/message';
import { timelineStream, type TimelineState, type TimerFiredData } from '../domain/timeline';
import { timelineTimersDecider, type RecordTimerFired } from '../domain/timeline-decider';
import { planTimeline, SUBJECT_ID_RE, type PlannedTimer } from '../domain/timers';
import type { ActionHandler, Notifier } from '../ports';
import type { WorkflowRegistry } from '../registry';
import type { TimelineReader } from './timeline-reader';
import type { TimerJobData } from './timer-jobs';

export type FireOutcome =
  | { outcome: 'sent'; event: TimerFiredData }
  | { outcome: 'already-sent' | 'superseded' | 'closed' | 'stale' }
  | { outcome: 'early'; fireAt: Date };

export interface TimerFiringOptions {
  ledger: Ledger;
  reader: TimelineReader;
  registry: WorkflowRegistry;
  notifier: Notifier;
  timeZone: string;
  actor: Actor;
  onError?: (err: unknown) => void;
}

/** Organization roles and principal ids a timer addresses; nobody at all means the compliance officer. */
export function recipientsOf(timer: Pick<PlannedTimer, 'to'>, timeline: Pick<TimelineState, 'assignees'>): { roles: WorkflowRole[]; principals: string[] } {
  const roles = timer.to.filter((r) => !SUBJECT_ROLES.includes(r));
  const principals = [...new Set(timer.to.filter((r) => SUBJECT_ROLES.includes(r)).flatMap((r) => timeline.assignees[r as 'owner'] ?? []))];
  if (roles.length === 0 && principals.length === 0) roles.push('compliance-officer');
  return { roles, principals };
}

export class TimerFiring {
  private readonly actionHandlers: Record<string, ActionHandler> = {};

  constructor(private readonly o: TimerFiringOptions) {}

  /** Runs a step's `action` when its timer fires (idempotent on the timer id). */
  registerActionHandler(action: string, handler: ActionHandler): void {
    this.actionHandlers[action] = handler;
  }

  /** Send one timer if it is still due and not yet sent, and record it. */
  async fire(data: TimerJobData): Promise<FireOutcome> {
    if (!SUBJECT_ID_RE.test(data.subjectId) || typeof data.timerId !== 'string') return { outcome: 'stale' };
    const t = await this.o.reader.one(data);
    if (!t || t.status !== 'open') return { outcome: 'closed' };
    if (t.dueOn !== data.dueOn || !this.o.registry.has(t.workflow, t.workflowVersion)) return { outcome: 'stale' };
    const def = this.o.registry.get(t.workflow, t.workflowVersion);
    const now = this.o.ledger.now();
    const timer = planTimeline(def, t, { timeZone: this.o.timeZone, now }).find((x) => x.timerId === data.timerId);
    if (!timer) return { outcome: 'stale' };
    if (timer.state === 'sent') return { outcome: 'already-sent' };
    if (timer.state === 'superseded') return { outcome: 'superseded' };
    if (timer.fireAt.getTime() > now.getTime()) return { outcome: 'early', fireAt: timer.fireAt };

    const daysLeft = daysBetween(localDate(now, this.o.timeZone), t.dueOn);
    const { roles, principals } = recipientsOf(timer, t);
    const { subject, body } = renderTimerMessage(def, timer, daysLeft);
    const { messageId } = await this.o.notifier.send({
      idempotencyKey: timer.timerId,
      to: roles,
      principals,
      subject,
      body,
      context: { workflow: def.workflow, workflowVersion: t.workflowVersion, subjectKind: t.subject.kind, subjectId: t.subject.id, dueOn: t.dueOn, step: timer.step, kind: timer.kind, daysLeft },
    });
    const action = await this.runAction(timer, t);
    const command: RecordTimerFired = {
      kind: 'record-timer-fired',
      actor: this.o.actor,
      at: now.toISOString(),
      timer: {
        timerId: timer.timerId,
        workflow: def.workflow,
        workflowVersion: t.workflowVersion,
        subject: { ...t.subject },
        dueOn: t.dueOn,
        step: timer.step,
        offset: timer.offset,
        to: timer.to,
        principals,
        fireAt: timer.fireAt.toISOString(),
        daysLeft,
        messageId,
        ...(action ? { action } : {}),
      },
    };
    // A conflict (another timer of this timeline recorded meanwhile) is re-read and re-decided.
    const r = await handleCommand(this.o.ledger, timelineStream(def.workflow, t.subject), timelineTimersDecider, command, { actor: this.o.actor, correlationId: timer.timerId }, { retries: 5 });
    // Nothing new: another run recorded this timer first (the notifier dropped the duplicate).
    if (r.newEvents.length === 0) return { outcome: 'already-sent' };
    return { outcome: 'sent', event: r.newEvents[0].data };
  }

  private async runAction(timer: PlannedTimer, t: TimelineState): Promise<TimerFiredData['action']> {
    if (!timer.action) return undefined;
    const handler = this.actionHandlers[timer.action];
    if (!handler) {
      this.o.onError?.(new Error(`workflows: no handler registered for action "${timer.action}" (${timer.timerId})`));
      return { name: timer.action, status: 'no-handler' };
    }
    await handler({ action: timer.action, timerId: timer.timerId, workflow: t.workflow, workflowVersion: t.workflowVersion, subject: { ...t.subject }, dueOn: t.dueOn, step: timer.step, sourceStream: t.sourceStream });
    return { name: timer.action, status: 'done' };
  }
}
