import { FakeClock } from '../../../src/platform/clock';
import { validateDefinition, type WorkflowDefinition } from '../../../src/workflows/domain/definition';
import { jobIdForTimer, nextDueOn, parseTimerId, pendingTimers, planTimeline, timerId } from '../../../src/workflows/domain/timers';

function def(over: Record<string, unknown> = {}): WorkflowDefinition {
  const r = validateDefinition({
    workflow: 'breach-notification',
    version: 3,
    title: 'Breach',
    subjectKinds: ['obligation'],
    reminders: [30, 14, 7, 3, 1].map((d) => ({ before: `${d}d`, to: ['compliance-officer'] })),
    escalation: [
      { after: '0d', to: ['compliance-officer', 'privacy-officer'] },
      { after: '3d', to: ['compliance-officer', 'privacy-officer', 'executive'] },
    ],
    ...over,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.definition;
}

const subject = { kind: 'obligation', id: '0192f1a0-0000-7000-8000-000000000001' };
const tz = 'America/New_York';
const timeline = (sent: string[] = [], dueOn = '2025-05-09') => ({ workflow: 'breach-notification', workflowVersion: 3, subject, dueOn, sent: new Set(sent) });

describe('timeline planning', () => {
  it('gives every step a deterministic id, local fire date and instant in the organization time zone', () => {
    const clock = new FakeClock('2025-03-10T15:00:00Z');
    const plan = planTimeline(def(), timeline(), { timeZone: tz, now: clock.now() });
    expect(plan.map((t) => t.step)).toEqual([
      'reminder-30d', 'reminder-14d', 'reminder-7d', 'reminder-3d', 'reminder-1d', 'escalation-0d', 'escalation-3d',
    ]);
    expect(plan.map((t) => t.fireOn)).toEqual(['2025-04-09', '2025-04-25', '2025-05-02', '2025-05-06', '2025-05-08', '2025-05-09', '2025-05-12']);
    expect(plan[0].timerId).toBe(`breach-notification:${subject.id}:2025-05-09:reminder-30d`);
    expect(plan[0].fireAt.toISOString()).toBe('2025-04-09T13:00:00.000Z'); // 09:00 EDT
    expect(plan.every((t) => t.state === 'pending' && t.workflowVersion === 3)).toBe(true);
    // Same inputs, same plan.
    expect(planTimeline(def(), timeline(), { timeZone: tz, now: clock.now() })).toEqual(plan);
  });

  it('skips the timers already sent', () => {
    const clock = new FakeClock('2025-04-20T12:00:00Z');
    const sent = timerId('breach-notification', subject.id, '2025-05-09', 'reminder-30d');
    const pending = pendingTimers(def(), timeline([sent]), { timeZone: tz, now: clock.now() });
    expect(pending.map((t) => t.step)).toEqual(['reminder-14d', 'reminder-7d', 'reminder-3d', 'reminder-1d', 'escalation-0d', 'escalation-3d']);
  });

  it('after an outage only the latest passed timer fires; earlier unsent ones are superseded', () => {
    const clock = new FakeClock('2025-04-09T13:00:00Z');
    expect(pendingTimers(def(), timeline(), { timeZone: tz, now: clock.now() })[0].step).toBe('reminder-30d');
    clock.set('2025-05-07T12:00:00Z'); // 30d, 14d, 7d and 3d have passed unsent
    const plan = planTimeline(def(), timeline(), { timeZone: tz, now: clock.now() });
    const byStep = Object.fromEntries(plan.map((t) => [t.step, t.state]));
    expect(byStep).toMatchObject({ 'reminder-30d': 'superseded', 'reminder-14d': 'superseded', 'reminder-7d': 'superseded', 'reminder-3d': 'pending', 'reminder-1d': 'pending' });
    // Once the latest passed one is sent, nothing older is ever sent late.
    const sent3 = timerId('breach-notification', subject.id, '2025-05-09', 'reminder-3d');
    const after = pendingTimers(def(), timeline([sent3]), { timeZone: tz, now: clock.now() });
    expect(after.map((t) => t.step)).toEqual(['reminder-1d', 'escalation-0d', 'escalation-3d']);
  });

  it('a moved due date makes new timer ids and the old sent markers no longer count', () => {
    const clock = new FakeClock('2025-03-10T15:00:00Z');
    const oldSent = timerId('breach-notification', subject.id, '2025-05-09', 'reminder-30d');
    const moved = planTimeline(def(), timeline([oldSent], '2025-06-09'), { timeZone: tz, now: clock.now() });
    expect(moved[0].timerId).toBe(`breach-notification:${subject.id}:2025-06-09:reminder-30d`);
    expect(moved[0].state).toBe('pending');
  });

  it('fires reminders and escalations on the same instant together', () => {
    const d = def({ reminders: [{ before: '0d', to: ['owner'] }], escalation: [{ after: '0d', to: ['executive'] }] });
    const clock = new FakeClock('2025-05-09T20:00:00Z');
    const p = pendingTimers(d, timeline(), { timeZone: tz, now: clock.now() });
    expect(p.map((t) => t.step)).toEqual(['reminder-0d', 'escalation-0d']);
  });

  it('timer ids round-trip and map to BullMQ-safe job ids', () => {
    const id = timerId('key-rotation', 'key-7', '2026-01-31', 'escalation-30d');
    expect(parseTimerId(id)).toEqual({ workflow: 'key-rotation', subjectId: 'key-7', dueOn: '2026-01-31', step: 'escalation-30d' });
    expect(jobIdForTimer(id)).toBe('timer|key-rotation|key-7|2026-01-31|escalation-30d');
    expect(jobIdForTimer(id)).not.toContain(':');
    expect(parseTimerId('nope')).toBeNull();
  });

  it('computes the next due date from the completion or from the due date', () => {
    expect(nextDueOn(def({ recurrence: { every: '1y', from: 'completion' } }), '2025-06-20', '2025-06-01')).toBe('2026-06-20');
    expect(nextDueOn(def({ recurrence: { every: '3mo', from: 'due' } }), '2025-06-20', '2025-05-31')).toBe('2025-08-31');
    expect(nextDueOn(def(), '2025-06-20', '2025-06-01')).toBeNull();
  });

  it('refuses a definition of another workflow', () => {
    expect(() => planTimeline(def({ workflow: 'key-rotation' }), timeline(), { timeZone: tz, now: new Date(0) })).toThrow(/does not match/);
  });
});

describe('steps with an action', () => {
  it('are never superseded: the effect happens even late', () => {
    const d = def({ escalation: [{ after: '0d', to: ['security-officer'], action: 'expire-access-grant' }, { after: '3d', to: ['executive'] }] });
    const clock = new FakeClock('2025-05-20T12:00:00Z'); // everything has passed
    const plan = planTimeline(d, timeline(), { timeZone: tz, now: clock.now() });
    const byStep = Object.fromEntries(plan.map((t) => [t.step, t.state]));
    expect(byStep['escalation-0d']).toBe('pending');
    expect(plan.find((t) => t.step === 'escalation-0d')!.action).toBe('expire-access-grant');
    expect(byStep['escalation-3d']).toBe('pending');
    expect(byStep['reminder-1d']).toBe('superseded');
  });
  it('must be valid names', () => {
    const r = validateDefinition({ workflow: 'x', version: 1, title: 'X', subjectKinds: ['a'], escalation: [{ after: '0d', to: ['owner'], action: 'Revoke Now' }] }, 'x.yaml');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues[0]).toMatchObject({ path: 'escalation[0].action', reason: expect.stringMatching(/^expected an action name/) });
  });
});
