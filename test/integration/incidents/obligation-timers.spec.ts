/**
 * Obligation deadlines through the real service: an incident decided over HTTP declares its
 * obligations' timelines; the workflows engine keeps BullMQ delayed jobs (real Redis) and sends
 * reminders on the fake clock. Redis is then flushed and the service restarted: every pending
 * timer is back, and no reminder is sent twice.
 */
import { Queue } from 'bullmq';
import { CommandBus } from '@nestjs/cqrs';
import { RunIncidentCommand } from '../../../src/incidents/commands/incident-command';
import { join } from 'node:path';
import { FakeClock } from '../../../src/platform/clock';
import { EVENT_STORE } from '../../../src/platform/tokens';
import type { EventStore } from '../../../src/ledger/port';
import { jobIdForTimer, pendingTimers } from '../../../src/workflows/domain/timers';
import { timelineStream } from '../../../src/workflows/domain/timeline';
import { WORKFLOW_ENGINE, WORKFLOW_REGISTRY } from '../../../src/workflows/workflows.module';
import type { WorkflowEngine } from '../../../src/workflows/runtime/workflow-engine';
import type { WorkflowRegistry } from '../../../src/workflows/registry';
import { WORKFLOWS_QUEUE } from '../../../src/workflows/runtime/workflow-engine';
import { startTestApp, testRedisPrefix, type TestApp } from '../../support/test-app';
import { makeTempDir } from '../../support/temp-dir';
import { deletePrefix, outboxFiles } from '../../support/workflows/harness';

const TZ = 'America/New_York';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('obligation reminders: fake clock, Redis flush and restart', () => {
  const dir = makeTempDir('sh-incident-timers-');
  const prefix = testRedisPrefix();
  const env = {
    DATA_DIR: join(dir.path, 'data'),
    MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key'),
    REDIS_PREFIX: prefix,
    ORG_TIMEZONE: TZ,
  };
  const clock = new FakeClock('2025-03-12T15:00:00.000Z');
  let app: TestApp | null = null;
  let queue: Queue;

  beforeAll(() => {
    queue = new Queue(WORKFLOWS_QUEUE, { connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }, prefix });
  });
  afterAll(async () => {
    if (app) await app.close();
    await queue.close();
    await deletePrefix(prefix);
    dir.cleanup();
  });

  /** Reminder mail about the breach obligations (the incident's risk review mails too). */
  const breachMail = (dir: string) => outboxFiles(dir).filter((f: string) => f.startsWith('breach-notification_'));

  async function timerJobIds(): Promise<string[]> {
    const jobs = await queue.getJobs(['delayed', 'waiting', 'active', 'prioritized']);
    // Only the breach obligations' timers: the incident also opens a risk review after change.
    return jobs
      .map((j) => j.id!)
      .filter((id) => id.startsWith('timer|breach-notification|'))
      .sort();
  }

  async function sentEvents(store: EventStore, subjects: Array<{ kind: string; id: string }>) {
    const all = [];
    for (const s of subjects) all.push(...(await store.readStream(timelineStream('breach-notification', s))));
    return all
      .filter((e) => e.type === 'ReminderSent' || e.type === 'EscalationRaised')
      .map((e) => String(e.data.timerId))
      .sort();
  }

  it('reminders fire on the clock, timers survive a Redis flush and a restart, nothing is sent twice', async () => {
    app = await startTestApp({ clock, env });
    const responder = (await app.principal('incident-responder')).apiKey;
    const officer = (await app.principal('compliance-officer')).apiKey;
    const auth = (k: string) => ({ Authorization: `Bearer ${k}` });
    const created = await app
      .http()
      .post('/v1/incidents')
      .set(auth(responder))
      .send({
        title: 'Backup tape lost in transit',
        discoveredOn: '2025-03-10',
        summary: 'Unencrypted backup tape lost by courier.',
        reporter: { kind: 'covered-entity' },
      });
    const id = created.body.id as string;
    await app
      .http()
      .post(`/v1/incidents/${id}/affected-counts`)
      .set(auth(responder))
      .send({ byState: { OH: 800 }, insufficientContact: 0, reason: 'estimate' })
      .expect(200);
    await app.http().post(`/v1/incidents/${id}/triage`).set(auth(officer)).send({}).expect(200);

    const registry = app.app.get<WorkflowRegistry>(WORKFLOW_REGISTRY);
    const def = registry.current('breach-notification');
    const subjects = ['individual-notice', 'media-notice.OH', 'hhs-notice'].map((o) => ({ kind: 'obligation', id: `${id}.${o}` }));
    const expectedAt = (now: Date, sent: Set<string>) =>
      subjects
        .flatMap((s) =>
          pendingTimers(
            def,
            { workflow: def.workflow, workflowVersion: def.version, subject: s, dueOn: '2025-05-09', sent },
            { timeZone: TZ, now },
          ),
        )
        .map((t) => jobIdForTimer(t.timerId))
        .sort();

    // Every obligation's reminders and escalations are delayed jobs with deterministic ids.
    const initial = expectedAt(clock.now(), new Set());
    expect(initial.length).toBe(subjects.length * (def.reminders.length + def.escalation.length));
    await waitFor('timers in Redis', async () => JSON.stringify(await timerJobIds()) === JSON.stringify(initial));

    // Fake clock to the 30-days-before reminder (2025-04-09 09:00 New York): one reminder per obligation.
    clock.set('2025-04-09T13:00:05.000Z');
    const engine1 = app.app.get<WorkflowEngine>(WORKFLOW_ENGINE);
    await engine1.reconcile();
    const store1 = app.app.get<EventStore>(EVENT_STORE);
    const first = await waitFor('30-day reminders', async () => {
      const s = await sentEvents(store1, subjects);
      return s.length === 3 ? s : undefined;
    });
    expect(first.every((t) => t.endsWith(':2025-05-09:reminder-30d'))).toBe(true);
    expect(breachMail(app.config.outboxDir)).toHaveLength(3);

    // Flush this service's Redis keys and restart on the same data directory.
    await app.app.close();
    app = null;
    await deletePrefix(prefix);
    expect(await timerJobIds()).toEqual([]);
    app = await startTestApp({ clock, env });
    const store2 = app.app.get<EventStore>(EVENT_STORE);
    const remaining = expectedAt(clock.now(), new Set(first));
    expect(remaining.length).toBe(initial.length - 3);
    await waitFor('timers rebuilt from the ledger', async () => JSON.stringify(await timerJobIds()) === JSON.stringify(remaining));

    // Reconciling again (or the hourly sweep) sends nothing twice.
    const engine2 = app.app.get<WorkflowEngine>(WORKFLOW_ENGINE);
    await engine2.reconcile();
    await new Promise((r) => setTimeout(r, 500));
    expect(await sentEvents(store2, subjects)).toEqual(first);
    expect(breachMail(app.config.outboxDir)).toHaveLength(3);

    // The next step still fires, once: 14 days before.
    clock.set('2025-04-25T13:00:05.000Z');
    await engine2.reconcile();
    const second = await waitFor('14-day reminders', async () => {
      const s = await sentEvents(store2, subjects);
      return s.length === 6 ? s : undefined;
    });
    expect(new Set(second).size).toBe(6);
    expect(second.filter((t) => t.endsWith('reminder-14d'))).toHaveLength(3);

    // Completing an obligation stops its timers.
    // The media batch's proof (built by the notices context from its ledger; here the timers are under test).
    await app.app.get(CommandBus).execute(
      new RunIncidentCommand(
        id,
        {
          kind: 'complete-obligation',
          obligationId: 'media-notice.OH',
          evidence: {
            description: 'Press release to major Ohio outlets',
            completedOn: '2025-04-25',
            proof: {
              kind: 'notice-batch',
              batchId: 'b-media',
              incidentId: id,
              noticeKind: 'media',
              jurisdiction: 'OH',
              status: 'completed',
            },
          },
        },
        { actor: { id: 'p-officer', role: 'compliance-officer' }, correlationId: 'test' },
      ),
    );
    clock.set('2025-05-02T13:00:05.000Z');
    await engine2.reconcile();
    const third = await waitFor('7-day reminders', async () => {
      const s = await sentEvents(store2, subjects);
      return s.length === 8 ? s : undefined;
    });
    expect(third.filter((t) => t.includes('media-notice.OH') && t.endsWith('reminder-7d'))).toEqual([]);

    // The incident's timeline, read from the ledger, shows the reminders that went out.
    const tl = await app.http().get(`/v1/incidents/${id}/timeline`).set(auth(officer));
    const reminders = tl.body.entries.filter((e: { type: string }) => e.type === 'ReminderSent');
    expect(reminders).toHaveLength(8);
    expect(reminders.map((e: { data: { timerId: string } }) => e.data.timerId).sort()).toEqual(third);
  });
});

describe('oral law-enforcement hold: a reminder before the 30-day cap', () => {
  const dir = makeTempDir('sh-incident-hold-');
  const prefix = testRedisPrefix();
  const env = {
    DATA_DIR: join(dir.path, 'data'),
    MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key'),
    REDIS_PREFIX: prefix,
    ORG_TIMEZONE: TZ,
  };
  const clock = new FakeClock('2025-03-20T15:00:00.000Z');
  let app: TestApp;
  afterAll(async () => {
    await app.close();
    await deletePrefix(prefix);
    dir.cleanup();
  });

  it('schedules the cap as a timeline, reminds before it, and stops when a written statement supersedes it', async () => {
    app = await startTestApp({ clock, env });
    const responder = (await app.principal('incident-responder')).apiKey;
    const officer = (await app.principal('compliance-officer')).apiKey;
    const auth = (k: string) => ({ Authorization: `Bearer ${k}` });
    const id = (
      await app
        .http()
        .post('/v1/incidents')
        .set(auth(responder))
        .send({
          title: 'Ransomware on file server',
          discoveredOn: '2025-03-10',
          summary: 'Encrypted by ransomware; exfiltration suspected.',
          reporter: { kind: 'covered-entity' },
        })
    ).body.id as string;
    await app
      .http()
      .post(`/v1/incidents/${id}/affected-counts`)
      .set(auth(responder))
      .send({ byState: { OH: 50 }, insufficientContact: 0, reason: 'estimate' })
      .expect(200);
    await app.http().post(`/v1/incidents/${id}/triage`).set(auth(officer)).send({}).expect(200);
    const hold = await app
      .http()
      .post(`/v1/incidents/${id}/holds`)
      .set(auth(responder))
      .send({ statement: 'oral', madeOn: '2025-03-20', official: { name: 'Special Agent Example', agency: 'FBI Cleveland' } });
    expect(hold.status).toBe(201);
    const subject = { kind: 'obligation', id: `${id}.hold-cap.${hold.body.holdId}` };
    const store = app.app.get<EventStore>(EVENT_STORE);
    const engine = app.app.get<WorkflowEngine>(WORKFLOW_ENGINE);

    const reminders = async () =>
      (await store.readStream(timelineStream('breach-notification', subject)))
        .filter((e) => e.type === 'ReminderSent')
        .map((e) => String(e.data.timerId));
    // The 30-days-before step is already due on the day of the statement (the cap is 2025-04-19).
    await engine.reconcile();
    await waitFor('30-day hold-cap reminder', async () => ((await reminders()).length === 1 ? true : undefined));
    // 3 days before the cap: the 3-day reminder goes out, once (the 14- and 7-day ones passed unsent while
    // the clock jumped and are never sent late).
    clock.set('2025-04-16T13:00:05.000Z');
    await engine.reconcile();
    const sent = await waitFor('3-day hold-cap reminder', async () => {
      const r = await reminders();
      return r.length === 2 ? r : undefined;
    });
    expect(sent.sort()).toEqual([
      `breach-notification:${subject.id}:2025-04-19:reminder-30d`,
      `breach-notification:${subject.id}:2025-04-19:reminder-3d`,
    ]);

    // A written statement arrives: the oral cap's timeline is cancelled, nothing more is sent for it.
    await app
      .http()
      .post(`/v1/incidents/${id}/holds`)
      .set(auth(responder))
      .send({
        statement: 'written',
        madeOn: '2025-04-16',
        until: '2025-06-30',
        official: { name: 'Special Agent Example', agency: 'FBI Cleveland' },
      })
      .expect(201);
    clock.set('2025-04-18T13:00:05.000Z');
    await engine.reconcile();
    await new Promise((r) => setTimeout(r, 500));
    expect(await reminders()).toHaveLength(2);
  });
});
