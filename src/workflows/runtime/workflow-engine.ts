/**
 * The workflows runtime: BullMQ timers driven from the ledger. This class wires the parts and
 * owns the queue, the worker and the recurring schedulers:
 *
 * - timeline-reader.ts: ledger events (through `Ledger`, upcast) → timelines, via translators;
 * - timer-reconciler.ts: every pending timer re-derived from the ledger into Redis (on start, on
 *   each sweep, per timeline on new events), so a flushed Redis loses nothing;
 * - timer-firing.ts: a due timer sent, its action run, and recorded through the timeline decider;
 * - definitions-ledger.ts: definitions published through the definition decider.
 *
 * Recurring work goes through `queue.upsertJobScheduler` with an explicit time zone: the hourly
 * sweep (re-runs the reconciler) and each definition's calendar `schedule`.
 */
import { DelayedError, Queue, Worker, type ConnectionOptions, type Job, type Processor } from 'bullmq';
import type { Ledger } from '../../ledger/ledger';
import type { Actor, RecordedEvent } from '../../ledger/port';
import { localDate } from '../../shared/calendar';
import { systemActor } from '../../shared/system-actor';
import { loadPublishedVersions, publishDefinitions } from '../definitions-ledger';
import type { TimelineIndex, TimelineIntent, TimelineState, TimelineTranslator } from '../domain/timeline';
import type { PlannedTimer, SubjectRef } from '../domain/timers';
import type { ActionHandler, Notifier, ScheduleHandler } from '../ports';
import type { WorkflowRegistry } from '../registry';
import { TimelineReader } from './timeline-reader';
import { TimerFiring, type FireOutcome } from './timer-firing';
import { WORKFLOWS_QUEUE, type QueueFactory, type TimerJobData } from './timer-jobs';
import { TimerReconciler, type ReconcileReport } from './timer-reconciler';

export type { FireOutcome } from './timer-firing';
export { WORKFLOWS_QUEUE, type QueueFactory, type TimerJobData } from './timer-jobs';
export type { ReconcileReport } from './timer-reconciler';

export const WORKFLOWS_ACTOR: Actor = systemActor('workflows');

export interface WorkflowEngineOptions {
  /** Reads (upcast) and appends (decided, with expected versions) go through the Ledger; its clock is the engine's. */
  ledger: Ledger;
  registry: WorkflowRegistry;
  notifier: Notifier;
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
  /** A system actor (systemActor(name)); default system:workflows. */
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
  private readonly reader: TimelineReader;
  private readonly reconciler: TimerReconciler;
  private readonly firing: TimerFiring;
  private readonly scheduleHandlers: Record<string, ScheduleHandler>;
  private readonly actor: Actor;
  private readonly queueName: string;

  constructor(private readonly o: WorkflowEngineOptions) {
    if (!o.connection && !o.queues) throw new Error('WorkflowEngine needs a Redis connection or a queue factory');
    this.actor = o.actor ?? WORKFLOWS_ACTOR;
    this.queueName = o.queueName ?? WORKFLOWS_QUEUE;
    this.scheduleHandlers = { ...(o.scheduleHandlers ?? {}) };
    this.reader = new TimelineReader(o.ledger, o.translators);
    const now = () => o.ledger.now();
    this.reconciler = new TimerReconciler({ reader: this.reader, registry: o.registry, timeZone: o.timeZone, now, queue: () => this.queue, onError: o.onError });
    this.firing = new TimerFiring({ ledger: o.ledger, reader: this.reader, registry: o.registry, notifier: o.notifier, timeZone: o.timeZone, actor: this.actor, onError: o.onError });
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
    this.reader.register(types, translator);
  }

  /** Event types that can open, move or close a timeline. */
  timelineEventTypes(): string[] {
    return this.reader.eventTypes();
  }

  /** The timeline intents of one event (for the timeline processor). */
  intentsOf(event: RecordedEvent): TimelineIntent[] {
    return this.reader.intentsOf(event);
  }

  /** Runs a step's `action` when its timer fires (idempotent on the timer id). */
  registerActionHandler(action: string, handler: ActionHandler): void {
    this.firing.registerActionHandler(action, handler);
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
      await publishDefinitions(this.o.ledger, this.o.registry, this.actor, this.o.files);
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
    await loadPublishedVersions(this.o.ledger, this.o.registry);
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

  /** Fold the whole ledger into timelines. */
  loadTimelines(): Promise<TimelineIndex> {
    return this.reader.all();
  }

  /** Every timer of every open timeline, planned at the clock's now. */
  plan(): Promise<Array<{ timeline: TimelineState; timers: PlannedTimer[] }>> {
    return this.reconciler.plan();
  }

  /** Re-derive every pending timer from the ledger and make Redis hold exactly those jobs. */
  reconcile(): Promise<ReconcileReport> {
    return this.reconciler.reconcile();
  }

  /** Plan and enqueue the timers of one timeline now (the timeline processor calls this on new events). */
  reconcileTimeline(sourceStream: string, workflow: string, subject: SubjectRef): Promise<number> {
    return this.reconciler.reconcileTimeline(sourceStream, workflow, subject);
  }

  /** Send one timer if it is still due and not yet sent, and record it. What the worker runs. */
  fire(data: TimerJobData): Promise<FireOutcome> {
    return this.firing.fire(data);
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
          await job.moveToDelayed(Date.now() + Math.max(1000, r.fireAt.getTime() - this.o.ledger.now().getTime()), token);
          throw new DelayedError();
        }
        return { outcome: r.outcome };
      }
      case 'sweep':
        return this.reconcile();
      case 'schedule': {
        const workflow = (job.data as { workflow: string }).workflow;
        const handler = this.scheduleHandlers[workflow];
        if (handler) await handler({ workflow, occurrenceOn: localDate(this.o.ledger.now(), this.o.timeZone) });
        return { workflow, handled: !!handler };
      }
      default:
        throw new Error(`unknown workflows job "${job.name}"`);
    }
  }
}
