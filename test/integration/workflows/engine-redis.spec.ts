/**
 * The workflows runtime against the real Redis: deterministic delayed jobs, sending and recording,
 * and the reconciler rebuilding everything after Redis is flushed, with nothing sent twice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { FakeClock } from '../../../src/platform/clock';
import { uuidv7 } from '../../../src/platform/ids';
import { scheduleTimeline, timelineStream } from '../../../src/workflows/domain/timeline';
import { jobIdForTimer, pendingTimers } from '../../../src/workflows/domain/timers';
import { WORKFLOWS_QUEUE, type WorkflowEngine } from '../../../src/workflows/runtime/workflow-engine';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import {
  appendDrafts, cleanup, deletePrefix, makeEngine, outboxFiles, redisConnection, shippedRegistry, tempDir, uniquePrefix, waitFor,
} from '../../support/workflows/harness';

const TZ = 'America/New_York';

describe('workflows engine on BullMQ + Redis', () => {
  let prefix: string;
  let dir: string;
  let engines: WorkflowEngine[];
  let queue: Queue;
  let stores: SqliteEventStore[];
  // The real ledger: a SQLite file in the test's temp dir.
  const openStore = (clock: FakeClock) => {
    const s = new SqliteEventStore({ path: join(dir, 'ledger.db'), clock });
    stores.push(s);
    return s;
  };

  beforeEach(() => {
    prefix = uniquePrefix();
    dir = tempDir();
    engines = [];
    stores = [];
    queue = new Queue(WORKFLOWS_QUEUE, { connection: redisConnection(), prefix });
  });
  afterEach(async () => {
    for (const e of engines) await e.stop();
    await queue.close();
    for (const s of stores) await s.close();
    await deletePrefix(prefix);
    cleanup(dir);
  });

  async function delayedTimerJobIds(): Promise<string[]> {
    const jobs = await queue.getJobs(['delayed', 'waiting', 'active', 'prioritized']);
    return jobs.map((j) => j.id!).filter((id) => id.startsWith('timer|')).sort();
  }

  it('schedules delayed jobs with deterministic ids, sends when due, and rebuilds everything after a Redis flush without sending twice', async () => {
    const clock = new FakeClock('2025-03-12T15:00:00Z');
    const store = openStore(clock);
    const registry = shippedRegistry();
    const outbox = join(dir, 'outbox');
    const def = registry.current('breach-notification');
    const subjects = ['0192f1a0-0000-7000-8000-00000000000a', '0192f1a0-0000-7000-8000-00000000000b'].map((id) => ({ kind: 'obligation', id }));
    // Two obligations of one incident, declared in the incident's stream (as the incident decider does).
    await appendDrafts(store, clock, 'incident-0192f1a0-0000-7000-8000-0000000000ff', [
      scheduleTimeline(def, { subject: subjects[0], dueOn: '2025-05-09' }),
      scheduleTimeline(def, { subject: subjects[1], dueOn: '2025-04-11' }),
    ]);

    // First without a worker, to look at what the reconciler put in Redis.
    const e0 = makeEngine({ store, registry, clock, timeZone: TZ, prefix, outbox, runWorker: false });
    const report = await e0.start();
    const expected = subjects
      .flatMap((s, i) => pendingTimers(def, { workflow: def.workflow, workflowVersion: def.version, subject: s, dueOn: ['2025-05-09', '2025-04-11'][i], sent: new Set() }, { timeZone: TZ, now: clock.now() }))
      .map((t) => jobIdForTimer(t.timerId))
      .sort();
    expect(report).toMatchObject({ timelines: 2, pending: expected.length, added: expected.length, errors: [] });
    expect(await delayedTimerJobIds()).toEqual(expected);

    // Payloads carry ids only.
    const job = await queue.getJob(jobIdForTimer(`breach-notification:${subjects[1].id}:2025-04-11:reminder-30d`));
    expect(Object.keys(job!.data).sort()).toEqual(['dueOn', 'sourceStream', 'step', 'subjectId', 'subjectKind', 'timerId', 'workflow']);
    expect(job!.delay).toBe(0); // 2025-03-12 09:00 EDT had passed at start
    const later = await queue.getJob(jobIdForTimer(`breach-notification:${subjects[0].id}:2025-05-09:reminder-30d`));
    expect(later!.delay).toBe(new Date('2025-04-09T13:00:00Z').getTime() - clock.now().getTime());
    expect(await later!.getState()).toBe('delayed');

    // The recurring work is installed with an explicit time zone.
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.tz])).toEqual(expect.arrayContaining([['sweep', TZ], ['schedule|access-recertification', TZ]]));

    // Now with a worker: the 30-day reminder of the second obligation is sent.
    await e0.stop();
    const e1 = makeEngine({ store, registry, clock, timeZone: TZ, prefix, outbox });
    engines.push(e1);
    await e1.start();
    const stream1 = timelineStream('breach-notification', subjects[1]);
    const sent = await waitFor(async () => (await store.readStream(stream1)).find((e) => e.type === 'ReminderSent'), 'ReminderSent');
    expect(sent.data).toMatchObject({ timerId: `breach-notification:${subjects[1].id}:2025-04-11:reminder-30d`, daysLeft: 30, workflowVersion: 1 });
    const files = outboxFiles(outbox);
    expect(files).toHaveLength(1);
    const eml = readFileSync(join(outbox, files[0]), 'utf8');
    expect(eml).toMatch(/^To: compliance-officer@safeharbor\.invalid$/m);
    expect(eml).toMatch(/^Subject: \[Safe Harbor\] Reminder: Breach notification obligation .* due in 30 days \(2025-04-11\)$/m);

    // Redis loses everything; the service restarts.
    await e1.stop();
    engines = [];
    expect(await deletePrefix(prefix)).toBeGreaterThan(0);
    expect(await delayedTimerJobIds()).toEqual([]);
    await store.close();
    const reopened = openStore(clock);
    const e2 = makeEngine({ store: reopened, registry: shippedRegistry(), clock, timeZone: TZ, prefix, outbox });
    engines.push(e2);
    const again = await e2.start();
    // Every pending timer is back, except the one already recorded as sent.
    const sentJob = jobIdForTimer(String(sent.data.timerId));
    expect(await delayedTimerJobIds()).toEqual(expected.filter((id) => id !== sentJob));
    expect(again!.pending).toBe(expected.length - 1);
    // Nothing was sent twice, even when the job is forced to run again.
    const payload = job!.data;
    expect(await e2.fire(payload)).toEqual({ outcome: 'already-sent' });
    await new Promise((r) => setTimeout(r, 300));
    expect(outboxFiles(outbox)).toHaveLength(1);
    expect((await reopened.readStream(stream1)).filter((e) => e.type === 'ReminderSent')).toHaveLength(1);
    // Definitions were published once, not again on restart.
    expect((await reopened.readStream('workflow-definition-breach-notification')).map((e) => e.data.version)).toEqual([1]);
  });

  it('moves time forward: reminders go out at their dates, escalation climbs the chain, completion stops it', async () => {
    const clock = new FakeClock('2025-03-12T15:00:00Z');
    const store = openStore(clock);
    const registry = shippedRegistry();
    const outbox = join(dir, 'outbox');
    const def = registry.current('breach-notification');
    const subject = { kind: 'obligation', id: 'ob-1' };
    const source = 'incident-i1';
    await appendDrafts(store, clock, source, [scheduleTimeline(def, { subject, dueOn: '2025-05-09' })]);
    const e = makeEngine({ store, registry, clock, timeZone: TZ, prefix, outbox });
    engines.push(e);
    await e.start();
    const own = timelineStream('breach-notification', subject);
    const fired = async () => (await store.readStream(own)).map((x) => `${x.type}:${String(x.data.step)}`);

    const steps: Array<[string, string]> = [
      ['2025-04-09T13:00:00Z', 'ReminderSent:reminder-30d'],
      ['2025-04-25T13:00:00Z', 'ReminderSent:reminder-14d'],
      ['2025-05-02T13:00:00Z', 'ReminderSent:reminder-7d'],
      ['2025-05-06T13:00:00Z', 'ReminderSent:reminder-3d'],
      ['2025-05-08T13:00:00Z', 'ReminderSent:reminder-1d'],
      ['2025-05-09T13:00:00Z', 'EscalationRaised:escalation-0d'],
      ['2025-05-10T13:00:00Z', 'EscalationRaised:escalation-1d'],
    ];
    for (const [at, expected] of steps) {
      clock.set(at);
      await e.reconcile();
      await waitFor(async () => (await fired()).includes(expected), expected);
    }
    expect(await fired()).toEqual(steps.map((s) => s[1]));
    const esc = (await store.readStream(own)).find((x) => x.data.step === 'escalation-1d')!;
    expect(esc.data).toMatchObject({ daysLeft: -1, to: ['compliance-officer', 'privacy-officer', 'security-officer', 'executive'] });

    // The obligation is done: remaining escalations are dropped from Redis and never sent.
    await appendDrafts(store, clock, source, [{ type: 'TimelineCompleted', schemaVersion: 1, data: { workflow: 'breach-notification', subject, completedOn: '2025-05-10' } }]);
    const r = await e.reconcile();
    expect(r.staleRemoved).toBe(2);
    expect(await delayedTimerJobIds()).toEqual([]);
    clock.set('2025-06-01T13:00:00Z');
    await e.reconcile();
    expect(await e.fire({ timerId: 'breach-notification:ob-1:2025-05-09:escalation-3d', sourceStream: source, workflow: 'breach-notification', subjectKind: 'obligation', subjectId: 'ob-1', dueOn: '2025-05-09', step: 'escalation-3d' })).toEqual({ outcome: 'closed' });
    expect(outboxFiles(outbox)).toHaveLength(7);
  });

  it('keeps the version a timeline was scheduled under after the definition changes', async () => {
    const clock = new FakeClock('2025-01-02T15:00:00Z');
    const store = openStore(clock);
    const outbox = join(dir, 'outbox');
    const v1 = shippedRegistry();
    const subject = { kind: 'key', id: 'kek-1' };
    await appendDrafts(store, clock, 'key-kek-1', [scheduleTimeline(v1.current('key-rotation'), { subject, dueOn: '2025-12-31' })]);
    const e1 = makeEngine({ store, registry: v1, clock, timeZone: TZ, prefix, outbox, runWorker: false });
    await e1.start();
    await e1.stop();
    // Version 2 drops the 30-day reminder and adds a 60-day one.
    const v2 = shippedRegistry();
    const kr = v2.current('key-rotation');
    v2.add({ ...kr, version: 2, reminders: [{ before: '60d', to: ['security-officer'] }, ...kr.reminders.slice(1)] }, { current: true });
    const e2 = makeEngine({ store, registry: v2, clock, timeZone: TZ, prefix, outbox, runWorker: false });
    engines.push(e2);
    await e2.start();
    const planned = (await e2.plan()).find((p) => p.timeline.subject.id === 'kek-1')!;
    expect(planned.timeline.workflowVersion).toBe(1);
    expect(planned.timers.map((t) => t.step)).toContain('reminder-30d');
    expect(planned.timers.map((t) => t.step)).not.toContain('reminder-60d');
    expect((await store.readStream('workflow-definition-key-rotation')).map((e) => e.data.version)).toEqual([1, 2]);
    // A new timeline gets version 2.
    expect(scheduleTimeline(v2.current('key-rotation'), { subject: { kind: 'key', id: 'kek-2' }, dueOn: '2026-01-01' }).data.workflowVersion).toBe(2);
    // Reusing a version number with different content is refused, naming file, path and reason.
    const v2b = shippedRegistry();
    v2b.add({ ...kr, version: 2, reminders: [{ before: '90d', to: ['security-officer'] }] }, { current: true });
    const e3 = makeEngine({ store, registry: v2b, clock, timeZone: TZ, prefix, outbox, runWorker: false });
    engines.push(e3);
    await expect(e3.start()).rejects.toThrow('workflows/key-rotation.yaml: version: version 2 was already published with different content; raise the version (next: 3)');
  });
});

describe('a context that declares timelines through its own events (translator)', () => {
  it('key activation opens a key-rotation timeline; the worker reads it through the translator; rotation closes it', async () => {
    const prefix = uniquePrefix();
    const dir = tempDir();
    const clock = new FakeClock('2025-01-02T15:00:00Z');
    const store = new SqliteEventStore({ path: join(dir, 'ledger.db'), clock });
    const registry = shippedRegistry();
    const version = registry.current('key-rotation').version;
    const translator = (e: { type: string; data: Record<string, unknown> }) =>
      e.type === 'KeyActivated'
        ? [{ kind: 'schedule' as const, workflow: 'key-rotation', workflowVersion: Number(e.data.rotationWorkflowVersion), subject: { kind: 'key', id: String(e.data.keyId) }, dueOn: String(e.data.rotateBy), assignees: { custodian: ['p-cust'] } }]
        : e.type === 'KeyRotated'
          ? [{ kind: 'complete' as const, workflow: 'key-rotation', subject: { kind: 'key', id: String(e.data.keyId) }, completedOn: String(e.data.on) }]
          : [];
    const append = (type: string, data: Record<string, unknown>) =>
      store.append('key-k1', [{ id: uuidv7(), type, schemaVersion: 1, data, metadata: { actor: { id: 't', role: 'security-officer' }, correlationId: uuidv7(), occurredAt: clock.now().toISOString() } }], 'any');
    await append('KeyActivated', { keyId: 'k1', rotateBy: '2025-12-31', rotationWorkflowVersion: version });
    const engine = makeEngine({ store, registry, clock, timeZone: TZ, prefix, outbox: join(dir, 'outbox') });
    engine.registerTranslator(['KeyActivated', 'KeyRotated'], translator);
    try {
      const r = await engine.start();
      expect(r).toMatchObject({ timelines: 1, pending: 7, errors: [] });
      clock.set('2025-12-01T14:00:00Z'); // 30 days before, 09:00 EST
      await engine.reconcile();
      const own = timelineStream('key-rotation', { kind: 'key', id: 'k1' });
      const ev = await waitFor(async () => (await store.readStream(own)).find((e) => e.type === 'ReminderSent'), 'key reminder');
      expect(ev.data).toMatchObject({ step: 'reminder-30d', principals: ['p-cust'], to: ['custodian', 'security-officer'] });
      await append('KeyRotated', { keyId: 'k1', on: '2025-12-05' });
      clock.set('2026-01-01T14:00:00Z');
      const after = await engine.reconcile();
      expect(after.timelines).toBe(0);
      expect(await engine.fire({ timerId: 'key-rotation:k1:2025-12-31:escalation-0d', sourceStream: 'key-k1', workflow: 'key-rotation', subjectKind: 'key', subjectId: 'k1', dueOn: '2025-12-31', step: 'escalation-0d' })).toEqual({ outcome: 'closed' });
    } finally {
      await engine.stop();
      await store.close();
      await deletePrefix(prefix);
      cleanup(dir);
    }
  });
});

describe('steps with an action (grant expiry)', () => {
  it('runs the registered action once when the timer fires, records it, and never runs it again', async () => {
    const prefix = uniquePrefix();
    const dir = tempDir();
    const clock = new FakeClock('2025-05-20T12:00:00Z');
    const store = new SqliteEventStore({ path: join(dir, 'ledger.db'), clock });
    const registry = shippedRegistry();
    const def = registry.current('access-grant-expiry');
    const grant = { kind: 'access-grant', id: 'g-1' };
    const other = { kind: 'access-grant', id: 'g-2' };
    await appendDrafts(store, clock, 'grant-g-1', [scheduleTimeline(def, { subject: grant, dueOn: '2025-06-01', assignees: { owner: ['p-dana'], reviewer: ['p-rev'] } })]);
    const engine = makeEngine({ store, registry, clock, timeZone: TZ, prefix, outbox: join(dir, 'outbox') });
    const calls: string[] = [];
    engine.registerActionHandler('expire-access-grant', async (c) => {
      calls.push(`${c.subject.id}:${c.timerId}:${c.sourceStream}`);
    });
    try {
      await engine.start();
      clock.set('2025-06-01T04:00:00Z'); // 00:00 EDT on the expiry date
      await engine.reconcile();
      const own = timelineStream('access-grant-expiry', grant);
      const esc = await waitFor(async () => (await store.readStream(own)).find((e) => e.type === 'EscalationRaised'), 'grant expiry');
      expect(esc.data).toMatchObject({ step: 'escalation-0d', action: { name: 'expire-access-grant', status: 'done' }, principals: ['p-dana', 'p-rev'] });
      expect(calls).toEqual(['g-1:access-grant-expiry:g-1:2025-06-01:escalation-0d:grant-g-1']);
      expect(await engine.fire({ timerId: 'access-grant-expiry:g-1:2025-06-01:escalation-0d', sourceStream: 'grant-g-1', workflow: 'access-grant-expiry', subjectKind: 'access-grant', subjectId: 'g-1', dueOn: '2025-06-01', step: 'escalation-0d' })).toEqual({ outcome: 'already-sent' });
      expect(calls).toHaveLength(1);

      // Without a handler the step is still recorded, saying so (and reported through onError).
      const bare = makeEngine({ store, registry, clock, timeZone: TZ, prefix: `${prefix}b`, outbox: join(dir, 'outbox'), runWorker: false });
      await appendDrafts(store, clock, 'grant-g-2', [scheduleTimeline(def, { subject: other, dueOn: '2025-06-01' })]);
      const r = await bare.fire({ timerId: 'access-grant-expiry:g-2:2025-06-01:escalation-0d', sourceStream: 'grant-g-2', workflow: 'access-grant-expiry', subjectKind: 'access-grant', subjectId: 'g-2', dueOn: '2025-06-01', step: 'escalation-0d' });
      expect(r).toMatchObject({ outcome: 'sent', event: { action: { name: 'expire-access-grant', status: 'no-handler' } } });
      await bare.stop();
      await deletePrefix(`${prefix}b`);
    } finally {
      await engine.stop();
      await store.close();
      await deletePrefix(prefix);
      cleanup(dir);
    }
  });
});

describe('calendar schedules', () => {
  it('installs the quarterly recertification scheduler with the pattern and time zone, and a tick calls the registered handler with the local date', async () => {
    const prefix = uniquePrefix();
    const dir = tempDir();
    const clock = new FakeClock('2025-04-01T12:00:00Z'); // 08:00 in New York
    const store = new SqliteEventStore({ path: join(dir, 'ledger.db'), clock });
    const engine = makeEngine({ store, registry: shippedRegistry(), clock, timeZone: TZ, prefix, outbox: join(dir, 'outbox') });
    const ticks: string[] = [];
    engine.registerScheduleHandler('access-recertification', async (t) => {
      ticks.push(`${t.workflow}@${t.occurrenceOn}`);
    });
    const q = new Queue(WORKFLOWS_QUEUE, { connection: redisConnection(), prefix });
    try {
      await engine.start();
      const s = (await q.getJobSchedulers()).find((x) => x.key === 'schedule|access-recertification')!;
      expect(s).toMatchObject({ pattern: '0 8 1 1,4,7,10 *', tz: TZ });
      // What the scheduler enqueues at each tick, run now.
      await q.add('schedule', { workflow: 'access-recertification' });
      await waitFor(async () => ticks.length > 0 && ticks, 'schedule tick');
      expect(ticks).toEqual(['access-recertification@2025-04-01']);
    } finally {
      await q.close();
      await engine.stop();
      await store.close();
      await deletePrefix(prefix);
      cleanup(dir);
    }
  });
});
