/**
 * Timelines the workflows engine drives (reminders, escalations) for what the incident owes:
 * declared in the incident's own stream, in the same append as the fact that causes them, so the
 * engine's timers never disagree with the obligations (docs/workflows.md). Pure.
 */
import type { WorkflowDefinition } from '../../../workflows';
import { cancelTimeline, completeTimeline, scheduleTimeline } from '../../../workflows';
import { addDays } from '../../../shared/calendar';
import type { IncidentEvent } from './events';
import { evolveIncident, type IncidentState } from './state';

/** Days before an oral law-enforcement hold reaches its 30-day cap when responders are reminded. */
export const ORAL_HOLD_REMINDER_DAYS_BEFORE = 5;

/** The timeline subject of an obligation: opaque ids only. */
export function obligationSubject(incidentId: string, obligationId: string): { kind: string; id: string } {
  return { kind: 'obligation', id: `${incidentId}.${obligationId}` };
}

/** The timeline subject of an oral hold's 30-day cap (164.412(b)): reminders before it lapses. */
export function holdCapSubject(incidentId: string, holdId: string): { kind: string; id: string } {
  return { kind: 'obligation', id: `${incidentId}.hold-cap.${holdId}` };
}

/**
 * Timeline events implied by one incident event, given the state before it. Pure. Obligations
 * with a date get (or move) a timeline; withdrawn, waived and dateless ones are cancelled;
 * completion completes it. An oral hold's cap is a timeline until the hold ends or is superseded.
 */
export function timelineEventsFor(def: WorkflowDefinition, before: IncidentState, event: IncidentEvent): IncidentEvent[] {
  const out: IncidentEvent[] = [];
  const incidentId = before.incidentId ?? (event.data as { incidentId?: string }).incidentId;
  if (!incidentId) return out;
  const push = (draft: { type: string; data: object }) => out.push({ type: draft.type, data: draft.data } as IncidentEvent);
  const timed = (o: { status: string; dueOn?: string } | undefined) =>
    !!o && o.dueOn !== undefined && (o.status === 'open' || o.status === 'in-progress');
  switch (event.type) {
    case 'TriageDecided':
      for (const c of event.data.changes) {
        const subject = obligationSubject(incidentId, c.obligationId);
        const prior = before.obligations[c.obligationId];
        if (c.change === 'withdrawn') {
          if (timed(prior)) push(cancelTimeline(def, subject, 'obligation withdrawn by a later triage decision'));
        } else if (c.dueOn !== undefined) {
          if (c.change === 'added' || prior?.dueOn !== c.dueOn || prior?.status === 'withdrawn')
            push(scheduleTimeline(def, { subject, dueOn: c.dueOn }));
        } else if (c.change === 'changed' && timed(prior)) {
          push(cancelTimeline(def, subject, 'obligation now due relative to another notice'));
        }
      }
      break;
    case 'ObligationCompleted': {
      const o = before.obligations[event.data.obligationId];
      if (timed(o))
        for (const d of completeTimeline(
          def,
          { subject: obligationSubject(incidentId, o.obligationId), dueOn: o.dueOn! },
          event.data.evidence.completedOn,
        ))
          push(d);
      break;
    }
    case 'ObligationWaived': {
      const o = before.obligations[event.data.obligationId];
      if (timed(o)) push(cancelTimeline(def, obligationSubject(incidentId, o.obligationId), 'obligation waived'));
      break;
    }
    case 'LawEnforcementHoldRecorded': {
      // A later statement supersedes the earlier hold's cap.
      for (const r of holdCapReminders(before))
        push(cancelTimeline(def, holdCapSubject(incidentId, r.holdId), 'superseded by a later statement'));
      const after = evolveIncident(before, event);
      for (const r of holdCapReminders(after))
        push(scheduleTimeline(def, { subject: holdCapSubject(incidentId, r.holdId), dueOn: r.capOn }));
      break;
    }
    case 'LawEnforcementHoldEnded':
      for (const r of holdCapReminders(before)) {
        if (r.holdId === event.data.holdId) push(cancelTimeline(def, holdCapSubject(incidentId, r.holdId), 'hold ended'));
      }
      break;
    default:
      break;
  }
  return out;
}

/** Reminder dates for oral holds nearing their 30-day cap (164.412(b)): for the timers engine. */
export function holdCapReminders(state: IncidentState): Array<{ holdId: string; capOn: string; remindOn: string }> {
  const out: Array<{ holdId: string; capOn: string; remindOn: string }> = [];
  const latest = state.holds[state.holds.length - 1];
  for (const h of state.holds) {
    if (h.statement !== 'oral' || h.endedOn !== undefined || h !== latest) continue;
    const capOn = addDays(h.madeOn, 30);
    if (h.until !== undefined && h.until < capOn) continue;
    out.push({ holdId: h.holdId, capOn, remindOn: addDays(capOn, -ORAL_HOLD_REMINDER_DAYS_BEFORE) });
  }
  return out;
}

/** The events with the timeline events each implies, right after it (each seen against the state before it). */
export function withTimelines(def: WorkflowDefinition | undefined, state: IncidentState, events: IncidentEvent[]): IncidentEvent[] {
  if (!def) return events;
  const out: IncidentEvent[] = [];
  let cur = state;
  for (const e of events) {
    out.push(e, ...timelineEventsFor(def, cur, e));
    cur = evolveIncident(cur, e);
  }
  return out;
}
