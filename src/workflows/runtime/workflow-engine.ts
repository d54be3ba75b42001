/**
 * The workflows runtime: BullMQ timers driven from the ledger.
 *
 * - One-off timers are delayed jobs whose job id derives from the timer id
 *   (`timer|<workflow>|<subjectId>|<dueOn>|<step>`); payloads carry ids only.
 * - Recurring work goes through `queue.upsertJobScheduler` with an explicit time zone: an hourly
 *   sweep (re-runs the reconciler) and each definition's calendar `schedule`.
 * - Redis is a cache: `reconcile()` re-derives every pending timer from the ledger (on start and
 *   on each sweep), so a flushed Redis loses nothing.
 * - Before sending, the worker re-reads the timeline and its sent markers from the ledger; a
 *   timer already recorded as `ReminderSent`/`EscalationRaised` is never sent again. The notifier
 *   is idempotent by timer id, which covers a crash between sending and recording.
 */
import { DelayedError, Queue, Worker, type ConnectionOptions, type Job, type Processor, type WorkerOptions } from 'bullmq';
import { WrongExpectedVersionError } from '../../ledger/errors';
import type { Actor, EventStore, RecordedEvent } from '../../ledger/port';
import type { Clock } from '../../platform/clock';
import { uuidv7 } from '../../platform/ids';
import { daysBetween, localDate } from '../domain/calendar';
import { SUBJECT_ROLES, type WorkflowDefinition, type WorkflowRole } from '../domain/definition';
import { renderTimerMessage } from '../domain/message';
import {
  genericTimelineTranslator,
  TimelineEventTypes,
  TimelineIndex,
  timelineStream,
  type TimelineIntent,
  type TimelineState,
  type TimelineTranslator,
  type TimerFiredData,
} from '../domain/timeline';
import { jobIdForTimer, planTimeline, SUBJECT_ID_RE, type PlannedTimer, type SubjectRef } from '../domain/timers';
import { publishDefinitions } from '../definitions-ledger';
import type { ActionHandler, Notifier, ScheduleHandler } from '../ports';
import type { WorkflowRegistry } from '../registry';

export const WORKFLOWS_QUEUE = 'safeharbor-workflows';
const RECONCILE_WINDOW = 200;
export const SYSTEM_ACTOR: Actor = { id: 'system:workflows', role: 'system' };

/** The payload of a timer job: ids and dates only. */
export interface TimerJobData {
  timerId: string;
  sourceStream: string;
  workflow: string;
  subjectKind: string;
  subjectId: string;
  dueOn: string;
  step: string;
}

export type FireOutcome =
  | { outcome: 'sent'; event: TimerFiredData }
  | { outcome: 'already-sent' | 'superseded' | 'closed' | 'stale' }
  | { outcome: 'early'; fireAt: Date };

export interface ReconcileReport {
  timelines: number;
  pending: number;
  added: number;
  promoted: number;
  kept: number;
  staleRemoved: number;
  errors: Array<{ timeline: string; reason: string }>;
}

/** Where queues and workers come from: the platform's QueueRegistry (prefix, connections, shutdown). */
export interface QueueFactory {
  queue(name: string): Queue;
  worker(name: string, processor: Processor, options?: Partial<WorkerOptions>): Worker;
}

export interface WorkflowEngineOptions {
  store: EventStore;
  registry: WorkflowRegistry;
  notifier: Notifier;
  clock: Clock;
  /** The organization's IANA time zone: due dates are local dates, timers fire at local times. */
  timeZone: string;
  /** Either a connection (the engine owns its queue and worker) or the platform's queue factory. */
  connection?: ConnectionOptions;
  queues?: QueueFactory;
  /** BullMQ key prefix (tests use a unique one). */
  prefix?: string;
  queueName?: string;
  translators?: TimelineTranslator[];
  scheduleHandlers?: Record<string, ScheduleHandler>;
  actor?: Actor;
  /** Cron pattern of the reconciling sweep, in `timeZone`. Default hourly. */
  sweepPattern?: string;
  concurrency?: number;
  /** Start a worker in this process (default true). */
  runWorker?: boolean;
  /** Definition files, to name them in errors (workflow → path). */
  files?: Record<string, string>;
  onError?: (err: unknown) => void;
}

export class WorkflowEngine {
  private _queue?: Queue;
  private worker?: Worker;
  private readonly translators: TimelineTranslator[];
  private readonly translatedTypes = new Set<string>(Object.values(TimelineEventTypes));
  private readonly scheduleHandlers: Record<string, ScheduleHandler>;
  private readonly actionHandlers: Record<string, ActionHandler> = {};
  private readonly actor: Actor;
  private readonly queueName: string;

  constructor(private readonly o: WorkflowEngineOptions) {
    if (!o.connection && !o.queues) throw new Error('WorkflowEngine needs a Redis connection or a queue factory');
    this.translators = [genericTimelineTranslator, ...(o.translators ?? [])];
    this.scheduleHandlers = { ...(o.scheduleHandlers ?? {}) };
    this.actor = o.actor ?? SYSTEM_ACTOR;
    this.queueName = o.queueName ?? WORKFLOWS_QUEUE;
  }

  get queue(): Queue {
    if (!this._queue) {
      this._queue = this.o.queues
        ? this.o.queues.queue(this.queueName)
        : new Queue(this.queueName, { connection: this.o.connection!, prefix: this.o.prefix });
    }
    return this._queue;
  }

  get registry(): WorkflowRegistry {
    return this.o.registry;
  }

  /**
   * A context maps its own event types to timeline intents (call before start, e.g. in onModuleInit).
   * `types` lists the event types the translator looks at, so the timeline processor can react to them.
   */
  registerTranslator(types: readonly string[], translator: TimelineTranslator): void {
    this.translators.push(translator);
    for (const t of types) this.translatedTypes.add(t);
  }

  /** Event types that can open, move or close a timeline. */
  timelineEventTypes(): string[] {
    return [...this.translatedTypes];
  }

  /** Runs a step's `action` when its timer fires (idempotent on the timer id). */
  registerActionHandler(action: string, handler: ActionHandler): void {
    this.actionHandlers[action] = handler;
  }

  /** Called on each tick of a definition's calendar `schedule`. */
  registerScheduleHandler(workflow: string, handler: ScheduleHandler): void {
    this.scheduleHandlers[workflow] = handler;
  }

  /**
   * Publish definitions, reconcile timers from the ledger and install the schedulers (scheduler
   * role), and start the worker (worker role). Both by default.
   */
  async start(roles: { scheduler?: boolean; worker?: boolean } = {}): Promise<ReconcileReport | null> {
    const scheduler = roles.scheduler ?? true;
    const worker = roles.worker ?? this.o.runWorker !== false;
    let report: ReconcileReport | null = null;
    if (scheduler) {
      try {
        await publishDefinitions(this.o.store, this.o.registry, this.o.clock, this.actor, this.o.files);
      } catch (e) {
        // Another scheduler published at the same moment: read what it wrote and check again.
        if (!(e instanceof WrongExpectedVersionError)) throw e;
        await publishDefinitions(this.o.store, this.o.registry, this.o.clock, this.actor, this.o.files);
      }
      report = await this.reconcile();
      await this.installSchedulers();
    } else {
      await this.loadPublishedVersions();
    }
    if (worker) {
      const processor: Processor = (job, token) => this.process(job, token);
      const opts = { concurrency: this.o.concurrency ?? 4 };
      this.worker = this.o.queues
        ? this.o.queues.worker(this.queueName, processor, opts)
        : new Worker(this.queueName, processor, { connection: this.o.connection!, prefix: this.o.prefix, ...opts });
      this.worker.on('error', (e) => this.o.onError?.(e));
      await this.worker.waitUntilReady();
    }
    return report;
  }

  /** Older definition versions from the ledger, for a process that does not publish (workers, CLI). */
  async loadPublishedVersions(): Promise<void> {
    for (const def of this.o.registry.currentDefinitions()) {
      for (const e of await this.o.store.readStream(`workflow-definition-${def.workflow}`)) {
        const d = e.data as { version: number; definition: WorkflowDefinition };
        if (e.type === TimelineEventTypes.WorkflowDefinitionPublished && d.version !== def.version) {
          this.o.registry.add(d.definition, { current: false });
        }
      }
    }
  }

  async stop(): Promise<void> {
    if (this.o.queues) return; // the platform's queue registry closes its queues and workers
    await this.worker?.close();
    if (this._queue) {
      // Closing a queue whose connection is still being set up leaves a socket open: wait for it.
      await this._queue.waitUntilReady().catch(() => undefined);
      await this._queue.close();
    }
  }

  /** Plan and enqueue the timers of one timeline now (the timeline processor calls this on new events). */
  async reconcileTimeline(sourceStream: string, workflow: string, subject: SubjectRef): Promise<number> {
    const { timeline: t } = await this.loadTimeline({ sourceStream, workflow, subjectKind: subject.kind, subjectId: subject.id });
    if (!t || t.status !== 'open' || !this.o.registry.has(t.workflow, t.workflowVersion)) return 0;
    const now = this.o.clock.now();
    let n = 0;
    for (const timer of planTimeline(this.o.registry.get(t.workflow, t.workflowVersion), t, { timeZone: this.o.timeZone, now })) {
      if (timer.state !== 'pending') continue;
      await this.ensureJob(timer, t.sourceStream, now);
      n++;
    }
    return n;
  }

  /** The timeline intents of one event (for the timeline processor). */
  intentsOf(event: RecordedEvent): TimelineIntent[] {
    return this.translators.flatMap((t) => t(event));
  }

  /** Fold the whole ledger into timelines. */
  async loadTimelines(): Promise<TimelineIndex> {
    const index = new TimelineIndex(this.translators);
    let after = 0n;
    for (;;) {
      const page = await this.o.store.readAll({ after, maxCount: 1000 });
      for (const e of page.events) index.apply(e);
      after = page.lastPosition;
      if (page.isEnd || page.events.length === 0) break;
    }
    return index;
  }

  /** Every timer of every open timeline, planned at the clock's now. */
  async plan(): Promise<Array<{ timeline: TimelineState; timers: PlannedTimer[] }>> {
    const index = await this.loadTimelines();
    const now = this.o.clock.now();
    const out: Array<{ timeline: TimelineState; timers: PlannedTimer[] }> = [];
    for (const t of index.open()) {
      if (!this.o.registry.has(t.workflow, t.workflowVersion)) continue;
      const def = this.o.registry.get(t.workflow, t.workflowVersion);
      out.push({ timeline: t, timers: planTimeline(def, t, { timeZone: this.o.timeZone, now }) });
    }
    return out;
  }

  /** Re-derive every pending timer from the ledger and make Redis hold exactly those jobs. */
  async reconcile(): Promise<ReconcileReport> {
    const index = await this.loadTimelines();
    const now = this.o.clock.now();
    const report: ReconcileReport = { timelines: 0, pending: 0, added: 0, promoted: 0, kept: 0, staleRemoved: 0, errors: [] };
    const wanted = new Set<string>();
    const work: Array<{ timer: PlannedTimer; sourceStream: string }> = [];
    for (const c of index.conflicts()) {
      report.errors.push({ timeline: c.key, reason: `timeline events were appended to several streams (${c.streams.join(', ')}); keep them in one` });
      this.o.onError?.(new Error(`workflows: timeline ${c.key} is declared in several streams`));
    }
    for (const t of index.open()) {
      report.timelines++;
      if (!this.o.registry.has(t.workflow, t.workflowVersion)) {
        report.errors.push({ timeline: t.key, reason: `unknown workflow version ${t.workflow}@${t.workflowVersion}` });
        continue;
      }
      const def = this.o.registry.get(t.workflow, t.workflowVersion);
      for (const timer of planTimeline(def, t, { timeZone: this.o.timeZone, now })) {
        if (timer.state !== 'pending') continue;
        report.pending++;
        wanted.add(jobIdForTimer(timer.timerId));
        work.push({ timer, sourceStream: t.sourceStream });
      }
    }
    // Redis round trips overlap when issued together (ioredis pipelines them): a window of jobs at a time.
    for (let i = 0; i < work.length; i += RECONCILE_WINDOW) {
      const results = await Promise.all(work.slice(i, i + RECONCILE_WINDOW).map((w) => this.ensureJob(w.timer, w.sourceStream, now)));
      for (const r of results) report[r]++;
    }
    // Delayed timer jobs of timelines this fold saw closed or moved are removed. A job of a timeline
    // the fold does not know yet (declared while we were reading) is left alone.
    const known = new Map<string, TimelineState>();
    for (const t of index.all()) known.set(`${t.workflow}|${t.subject.id}`, t);
    const stale: Job[] = [];
    for (let start = 0; ; start += 500) {
      const jobs = await this.queue.getDelayed(start, start + 499);
      for (const j of jobs) {
        if (!j?.id?.startsWith('timer|') || wanted.has(j.id)) continue;
        const data = j.data as Partial<TimerJobData>;
        const t = known.get(`${data.workflow}|${data.subjectId}`);
        if (t && (t.status !== 'open' || t.dueOn !== data.dueOn || t.sent.has(String(data.timerId)))) stale.push(j);
      }
      if (jobs.length < 500) break;
    }
    for (const j of stale) {
      await j.remove().catch(() => undefined);
      report.staleRemoved++;
    }
    return report;
  }

  private async ensureJob(timer: PlannedTimer, sourceStream: string, now: Date): Promise<'added' | 'promoted' | 'kept'> {
    const jobId = jobIdForTimer(timer.timerId);
    const delay = Math.max(0, timer.fireAt.getTime() - now.getTime());
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'delayed') {
        if (delay === 0) {
          await existing.promote();
          return 'promoted';
        }
        // Already due at the right moment (timestamp + delay is when BullMQ runs it): nothing to do.
        if (Math.abs(existing.timestamp + existing.delay - (Date.now() + delay)) > 1000) await existing.changeDelay(delay);
        return 'kept';
      }
      if (state === 'waiting' || state === 'active' || state === 'prioritized' || state === 'waiting-children') return 'kept';
      // completed / failed: the ledger says it is still pending, so run it again.
      await existing.remove().catch(() => undefined);
    }
    const data: TimerJobData = {
      timerId: timer.timerId,
      sourceStream,
      workflow: timer.workflow,
      subjectKind: timer.subject.kind,
      subjectId: timer.subject.id,
      dueOn: timer.dueOn,
      step: timer.step,
    };
    await this.queue.add('timer', data, {
      jobId,
      delay,
      attempts: 8,
      backoff: { type: 'exponential', delay: 15_000 },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
    return 'added';
  }

  private async installSchedulers(): Promise<void> {
    const tz = this.o.timeZone;
    await this.queue.upsertJobScheduler(
      'sweep',
      { pattern: this.o.sweepPattern ?? '7 * * * *', tz },
      { name: 'sweep', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
    const wanted = new Set<string>(['sweep']);
    for (const def of this.o.registry.currentDefinitions()) {
      if (!def.schedule) continue;
      const id = `schedule|${def.workflow}`;
      wanted.add(id);
      await this.queue.upsertJobScheduler(
        id,
        { pattern: def.schedule.cron, tz },
        { name: 'schedule', data: { workflow: def.workflow }, opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
    }
    for (const s of await this.queue.getJobSchedulers()) {
      if (s.key && !wanted.has(s.key)) await this.queue.removeJobScheduler(s.key);
    }
  }

  private async process(job: Job, token?: string): Promise<unknown> {
    switch (job.name) {
      case 'timer': {
        const r = await this.fire(job.data as TimerJobData);
        if (r.outcome === 'early' && token) {
          // Not due yet by the injected clock: put it back until then.
          await job.moveToDelayed(Date.now() + Math.max(1000, r.fireAt.getTime() - this.o.clock.now().getTime()), token);
          throw new DelayedError();
        }
        return { outcome: r.outcome };
      }
      case 'sweep':
        return this.reconcile();
      case 'schedule': {
        const workflow = (job.data as { workflow: string }).workflow;
        const handler = this.scheduleHandlers[workflow];
        if (handler) await handler({ workflow, occurrenceOn: localDate(this.o.clock.now(), this.o.timeZone) });
        return { workflow, handled: !!handler };
      }
      default:
        throw new Error(`unknown workflows job "${job.name}"`);
    }
  }

  /** Read one timeline (its declaring stream and its own stream) from the ledger. */
  private async loadTimeline(data: Pick<TimerJobData, 'sourceStream' | 'workflow' | 'subjectKind' | 'subjectId'>): Promise<{ timeline?: TimelineState; ownVersion: bigint | null }> {
    const subject = { kind: data.subjectKind, id: data.subjectId };
    const own = timelineStream(data.workflow, subject);
    const [source, mine] = await Promise.all([this.o.store.readStream(data.sourceStream), this.o.store.readStream(own)]);
    const events: RecordedEvent[] = [...source, ...mine].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    const index = new TimelineIndex(this.translators);
    for (const e of events) index.apply(e);
    return { timeline: index.get(data.workflow, subject), ownVersion: mine.length ? mine[mine.length - 1].version : null };
  }

  /** Send one timer if it is still due and not yet sent, and record it. What the worker runs. */
  async fire(data: TimerJobData): Promise<FireOutcome> {
    if (!SUBJECT_ID_RE.test(data.subjectId) || typeof data.timerId !== 'string') return { outcome: 'stale' };
    for (let attempt = 0; ; attempt++) {
      const { timeline: t, ownVersion } = await this.loadTimeline(data);
      if (!t || t.status !== 'open') return { outcome: 'closed' };
      if (t.dueOn !== data.dueOn || !this.o.registry.has(t.workflow, t.workflowVersion)) return { outcome: 'stale' };
      const def = this.o.registry.get(t.workflow, t.workflowVersion);
      const now = this.o.clock.now();
      const timer = planTimeline(def, t, { timeZone: this.o.timeZone, now }).find((x) => x.timerId === data.timerId);
      if (!timer) return { outcome: 'stale' };
      if (timer.state === 'sent') return { outcome: 'already-sent' };
      if (timer.state === 'superseded') return { outcome: 'superseded' };
      if (timer.fireAt.getTime() > now.getTime()) return { outcome: 'early', fireAt: timer.fireAt };

      const daysLeft = daysBetween(localDate(now, this.o.timeZone), t.dueOn);
      const orgRoles = timer.to.filter((r) => !SUBJECT_ROLES.includes(r)) as WorkflowRole[];
      const principals = [
        ...new Set(timer.to.filter((r) => SUBJECT_ROLES.includes(r)).flatMap((r) => t.assignees[r as 'owner'] ?? [])),
      ];
      // Nobody to tell (only subject roles, none assigned): the compliance officer gets it.
      if (orgRoles.length === 0 && principals.length === 0) orgRoles.push('compliance-officer');
      const { subject, body } = renderTimerMessage(def, timer, daysLeft);
      const { messageId } = await this.o.notifier.send({
        idempotencyKey: timer.timerId,
        to: orgRoles,
        principals,
        subject,
        body,
        context: {
          workflow: def.workflow,
          workflowVersion: t.workflowVersion,
          subjectKind: t.subject.kind,
          subjectId: t.subject.id,
          dueOn: t.dueOn,
          step: timer.step,
          kind: timer.kind,
          daysLeft,
        },
      });
      let action: TimerFiredData['action'];
      if (timer.action) {
        const handler = this.actionHandlers[timer.action];
        if (handler) {
          await handler({ action: timer.action, timerId: timer.timerId, workflow: def.workflow, workflowVersion: t.workflowVersion, subject: { ...t.subject }, dueOn: t.dueOn, step: timer.step, sourceStream: t.sourceStream });
          action = { name: timer.action, status: 'done' };
        } else {
          this.o.onError?.(new Error(`workflows: no handler registered for action "${timer.action}" (${timer.timerId})`));
          action = { name: timer.action, status: 'no-handler' };
        }
      }
      const event: TimerFiredData = {
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
        sentAt: now.toISOString(),
        daysLeft,
        messageId,
        ...(action ? { action } : {}),
      };
      try {
        await this.o.store.append(
          timelineStream(def.workflow, t.subject),
          [
            {
              id: uuidv7(),
              type: timer.kind === 'reminder' ? TimelineEventTypes.ReminderSent : TimelineEventTypes.EscalationRaised,
              schemaVersion: 1,
              data: event as unknown as Record<string, unknown>,
              metadata: { actor: this.actor, correlationId: timer.timerId, occurredAt: now.toISOString() },
            },
          ],
          ownVersion === null ? 'no-stream' : ownVersion,
        );
        return { outcome: 'sent', event };
      } catch (e) {
        // Another timer of the same timeline was recorded meanwhile: re-read and decide again
        // (the notifier is idempotent by timer id, so re-sending the same key is a no-op).
        if (e instanceof WrongExpectedVersionError && attempt < 5) continue;
        throw e;
      }
    }
  }
}
