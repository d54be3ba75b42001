import { validateDefinition, type WorkflowDefinition } from '../../../src/workflows/domain/definition';
import {
  cancelTimeline,
  completeTimeline,
  scheduleTimeline,
  TimelineError,
  TimelineIndex,
  timelineStream,
  type LedgerEventLike,
  type TimelineIntent,
} from '../../../src/workflows/domain/timeline';

function def(over: Record<string, unknown> = {}): WorkflowDefinition {
  const r = validateDefinition({
    workflow: 'risk-review-annual',
    version: 2,
    title: 'Annual review',
    subjectKinds: ['risk-program'],
    reminders: [{ before: '30d', to: ['owner'] }],
    escalation: [{ after: '0d', to: ['owner', 'compliance-officer'] }],
    recurrence: { every: '1y', from: 'completion' },
    ...over,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.definition;
}
const subject = { kind: 'risk-program', id: 'org-1' };
const ev = (stream: string, d: { type: string; data: object }): LedgerEventLike => ({ stream, type: d.type, data: d.data as Record<string, unknown> });

describe('timeline events and fold', () => {
  it('schedules under the current definition version and refuses bad input naming the field', () => {
    const e = scheduleTimeline(def(), { subject, dueOn: '2026-01-15', assignees: { owner: ['p-1'] } });
    expect(e).toEqual({
      type: 'TimelineScheduled',
      schemaVersion: 1,
      data: { workflow: 'risk-review-annual', workflowVersion: 2, subject, dueOn: '2026-01-15', assignees: { owner: ['p-1'] } },
    });
    expect(() => scheduleTimeline(def(), { subject: { kind: 'key', id: 'k' }, dueOn: '2026-01-15' })).toThrow(/subject.kind/);
    expect(() => scheduleTimeline(def(), { subject: { kind: 'risk-program', id: 'has space' }, dueOn: '2026-01-15' })).toThrow(/subject.id/);
    expect(() => scheduleTimeline(def(), { subject, dueOn: '2026-02-30' })).toThrow(TimelineError);
    expect(() => scheduleTimeline(def(), { subject, dueOn: '2026-01-15', assignees: { boss: ['x'] } as never })).toThrow(/assignees.boss/);
  });

  it('completing a recurring timeline schedules the next one a year after completion', () => {
    const events = completeTimeline(def(), { subject, dueOn: '2026-01-15', assignees: { owner: ['p-1'] } }, '2026-01-20');
    expect(events.map((e) => e.type)).toEqual(['TimelineCompleted', 'TimelineScheduled']);
    expect((events[1].data as { dueOn: string }).dueOn).toBe('2027-01-20');
    const once = completeTimeline(def({ recurrence: undefined }), { subject, dueOn: '2026-01-15' }, '2026-01-20');
    expect(once.map((e) => e.type)).toEqual(['TimelineCompleted']);
  });

  it('folds scheduling, moves, sent markers and closing', () => {
    const idx = new TimelineIndex();
    idx.apply(ev('risk-org-1', scheduleTimeline(def(), { subject, dueOn: '2026-01-15' })));
    expect(idx.open()).toHaveLength(1);
    idx.apply({
      stream: timelineStream('risk-review-annual', subject),
      type: 'ReminderSent',
      data: { timerId: 'risk-review-annual:org-1:2026-01-15:reminder-30d', workflow: 'risk-review-annual', subject, sentAt: '2025-12-16T14:00:00Z' },
    });
    idx.apply(ev('risk-org-1', scheduleTimeline(def(), { subject, dueOn: '2026-02-01' })));
    const t = idx.get('risk-review-annual', subject)!;
    expect(t).toMatchObject({ dueOn: '2026-02-01', status: 'open', sourceStream: 'risk-org-1', workflowVersion: 2 });
    expect([...t.sent.keys()]).toEqual(['risk-review-annual:org-1:2026-01-15:reminder-30d']);
    idx.apply(ev('risk-org-1', cancelTimeline(def(), subject, 'program retired')));
    expect(idx.open()).toHaveLength(0);
    expect(idx.get('risk-review-annual', subject)!.status).toBe('cancelled');
  });

  it('reports a timeline whose events were appended to several streams', () => {
    const idx = new TimelineIndex();
    idx.apply(ev('risk-program-a', scheduleTimeline(def(), { subject, dueOn: '2026-01-15' })));
    expect(idx.conflicts()).toEqual([]);
    idx.apply(ev('risk-assessment-x', cancelTimeline(def(), subject, 'moved')));
    expect(idx.conflicts()).toEqual([{ key: 'risk-review-annual|risk-program|org-1', streams: ['risk-assessment-x', 'risk-program-a'] }]);
  });

  it('uses a context translator for its own event types', () => {
    const translator = (e: LedgerEventLike): TimelineIntent[] =>
      e.type === 'KeyActivated'
        ? [{ kind: 'schedule', workflow: 'key-rotation', workflowVersion: 1, subject: { kind: 'key', id: String(e.data.keyId) }, dueOn: String(e.data.rotateBy) }]
        : e.type === 'KeyRotated'
          ? [{ kind: 'complete', workflow: 'key-rotation', subject: { kind: 'key', id: String(e.data.keyId) }, completedOn: String(e.data.on) }]
          : [];
    const idx = new TimelineIndex([translator]);
    idx.apply({ stream: 'key-k1', type: 'KeyActivated', data: { keyId: 'k1', rotateBy: '2026-03-01' } });
    expect(idx.open().map((t) => [t.workflow, t.subject.id, t.dueOn])).toEqual([['key-rotation', 'k1', '2026-03-01']]);
    idx.apply({ stream: 'key-k1', type: 'KeyRotated', data: { keyId: 'k1', on: '2026-02-10' } });
    expect(idx.open()).toEqual([]);
    expect(idx.get('key-rotation', { kind: 'key', id: 'k1' })!.completedOn).toBe('2026-02-10');
  });
});
