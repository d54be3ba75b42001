import { systemActor } from '../../../src/shared/system-actor';
import type { TimerFiredData } from '../../../src/workflows/domain/timeline';
import { timelineTimersDecider, type RecordTimerFired } from '../../../src/workflows/domain/timeline-decider';
import { deciderSpec } from '../../support/decider-spec';

const spec = deciderSpec(timelineTimersDecider);
const actor = systemActor('workflows');
const subject = { kind: 'obligation', id: 'ob-1' };

function timer(step: string, over: Partial<RecordTimerFired['timer']> = {}): RecordTimerFired['timer'] {
  return {
    timerId: `breach-notification:ob-1:2025-05-09:${step}`,
    workflow: 'breach-notification',
    workflowVersion: 1,
    subject,
    dueOn: '2025-05-09',
    step,
    offset: step.split('-')[1],
    to: ['compliance-officer'],
    principals: [],
    fireAt: '2025-04-09T13:00:00.000Z',
    daysLeft: 30,
    messageId: '<m@safeharbor.local>',
    ...over,
  };
}
const record = (step: string, at = '2025-04-09T13:00:05.000Z', over: Partial<RecordTimerFired> = {}): RecordTimerFired => ({
  kind: 'record-timer-fired',
  actor,
  at,
  timer: timer(step),
  ...over,
});
const sent = (step: string, type: 'ReminderSent' | 'EscalationRaised' = 'ReminderSent') => ({
  type,
  data: { ...timer(step), sentAt: '2025-04-09T13:00:05.000Z' } as TimerFiredData,
});

describe('timeline timers decider (timeline-<workflow>-<kind>-<id>)', () => {
  it('records a reminder as ReminderSent, sent at the command time', () => {
    spec.when(record('reminder-30d')).then([{ type: 'ReminderSent', data: { ...timer('reminder-30d'), sentAt: '2025-04-09T13:00:05.000Z' } }]);
  });

  it('records an escalation step as EscalationRaised, with its action', () => {
    const c = record('escalation-0d', '2025-05-09T13:00:00.000Z', { timer: timer('escalation-0d', { daysLeft: 0, action: { name: 'expire-access-grant', status: 'done' } }) });
    spec.given([sent('reminder-30d')]).when(c).then([{ type: 'EscalationRaised', data: { step: 'escalation-0d', action: { name: 'expire-access-grant', status: 'done' }, sentAt: '2025-05-09T13:00:00.000Z' } }]);
  });

  it('records a timer once: a second run of the same timer is a no-op', () => {
    spec.given([sent('reminder-30d')]).when(record('reminder-30d', '2025-04-09T13:07:00.000Z')).thenNothing();
    spec.when([record('reminder-14d'), record('reminder-14d')]).then([{ type: 'ReminderSent', data: { step: 'reminder-14d' } }]);
  });

  it('keeps what was sent across due dates (a moved due date makes new timer ids)', () => {
    const moved = timer('reminder-30d', { timerId: 'breach-notification:ob-1:2025-05-20:reminder-30d', dueOn: '2025-05-20' });
    const { state } = spec.given([sent('reminder-30d')]).when(record('reminder-30d', '2025-04-20T13:00:00.000Z', { timer: moved })).then([{ type: 'ReminderSent' }]);
    expect([...state.sent.keys()]).toEqual(['breach-notification:ob-1:2025-05-09:reminder-30d', 'breach-notification:ob-1:2025-05-20:reminder-30d']);
    expect(state.timeline).toEqual({ workflow: 'breach-notification', subject });
  });

  it('is recorded by a system actor only', () => {
    spec.when(record('reminder-30d', undefined, { actor: { id: 'p-1', role: 'compliance-officer' } })).thenThrows({ code: 'WORKFLOW_RULE', message: /^actor: / });
  });

  it('refuses a timer whose id does not match its parts, an unknown step kind, or a bad instant', () => {
    spec.when(record('reminder-30d', undefined, { timer: timer('reminder-30d', { dueOn: '2025-05-10' }) })).thenThrows(/timer\.timerId: does not match/);
    spec.when(record('nudge-1d')).thenThrows(/timer\.step: expected reminder-<offset> or escalation-<offset>/);
    spec.when(record('reminder-30d', 'yesterday')).thenThrows(/at: expected an ISO instant/);
  });

  it("refuses a timer of another timeline on this timeline's stream", () => {
    const other = timer('reminder-30d', { timerId: 'breach-notification:ob-2:2025-05-09:reminder-30d', subject: { kind: 'obligation', id: 'ob-2' } });
    spec.given([sent('reminder-30d')]).when(record('reminder-30d', undefined, { timer: other })).thenThrows(/timer\.subject: belongs to another timeline/);
  });
});
