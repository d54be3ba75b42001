import { Global, Inject, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config';
import { LOGGER } from '../logger';
import { QUEUES, type QueueRegistry } from '../redis';
import { EVENT_STORE, METRICS, PROCESS_ROLES, type ProcessRoles } from '../tokens';
import type { EventStore } from '../../ledger/port';
import { ledgerMirrorTask } from './mirror-task';
import { FencedTimerStore, LeaderLock, type LeaderTerm } from './leader-lock';

/**
 * Work that must run in exactly one process of a deployment: the reconciler that re-derives
 * pending timers from the ledger into Redis, and BullMQ job-scheduler upserts. A task runs at the
 * start of every leadership term and then every `everyMs` while the term lasts; it must stop
 * when `ctx.signal` aborts (the term is over: another scheduler may already lead).
 */
export interface SchedulerTask {
  readonly name: string;
  /** Run again this often during a term (omit to run once per term). */
  readonly everyMs?: number;
  run(ctx: SchedulerContext): Promise<void>;
}

export interface SchedulerContext {
  readonly term: LeaderTerm;
  readonly signal: AbortSignal;
  /** Timers written under this term's fencing token (a deposed leader's writes are refused). */
  readonly timers: FencedTimerStore;
  /** Runs a Redis write script only while this term holds the lock (KEYS/ARGV as given). */
  fenced(script: string, keys: string[], args: (string | number)[]): Promise<unknown>;
  /**
   * For writes that cannot carry the fence themselves (BullMQ's own scripts, e.g.
   * upsertJobScheduler): throws FencedOutError unless the term is still held in Redis right now.
   * Such writes must be idempotent, since a check-then-write is not atomic.
   */
  assertLeading(): Promise<void>;
}

export const SCHEDULER = Symbol('Scheduler');

const RoleEnv = z.object({
  SCHEDULER_LEASE_MS: z.coerce.number().int().min(200).max(600_000).default(15_000),
});

export function schedulerLeaseMs(env: Record<string, string | undefined> = process.env): number {
  const parsed = RoleEnv.safeParse(env);
  if (!parsed.success) throw new Error(`env.SCHEDULER_LEASE_MS: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data.SCHEDULER_LEASE_MS;
}

/** Campaigns for the scheduler lock (scheduler role only) and runs the registered tasks per term. */
export class SchedulerService {
  private readonly tasks: SchedulerTask[] = [];
  private lock: LeaderLock | null = null;
  private readonly leaderGauge: Gauge;
  private readonly termsCounter: Counter;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly queues: QueueRegistry,
    private readonly logger: Logger,
    private readonly lockKey: string,
    private readonly leaseMs: number,
    metrics: Registry,
  ) {
    this.leaderGauge = new Gauge({
      name: 'safeharbor_scheduler_leader',
      help: '1 while this process leads the scheduler role',
      registers: [metrics],
    });
    this.termsCounter = new Counter({
      name: 'safeharbor_scheduler_terms_total',
      help: 'scheduler leadership terms won by this process',
      registers: [metrics],
    });
  }

  register(task: SchedulerTask): void {
    if (this.tasks.some((t) => t.name === task.name)) throw new Error(`scheduler task ${task.name} registered twice`);
    this.tasks.push(task);
  }

  taskNames(): string[] {
    return this.tasks.map((t) => t.name);
  }

  status(): { campaigning: boolean; leader: boolean; token: string | null; owner: string | null } {
    const term = this.lock?.current ?? null;
    return {
      campaigning: this.lock !== null,
      leader: this.lock?.isLeader ?? false,
      token: term ? term.token.toString() : null,
      owner: this.lock?.owner ?? null,
    };
  }

  start(): void {
    if (this.lock) return;
    const redis = this.queues.connect();
    this.lock = new LeaderLock({
      redis,
      key: this.lockKey,
      leaseMs: this.leaseMs,
      owner: `${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      onError: (err) => this.logger.warn({ err }, 'scheduler lock: Redis call failed'),
    });
    const timers = new FencedTimerStore(redis, this.lockKey, this.queues.prefix);
    this.lock.campaign((term) => {
      const run = this.lead(term, timers).finally(() => this.running.delete(run));
      this.running.add(run);
    });
  }

  private async lead(term: LeaderTerm, timers: FencedTimerStore): Promise<void> {
    const lock = this.lock!;
    this.leaderGauge.set(1);
    this.termsCounter.inc();
    this.logger.info({ token: term.token.toString(), tasks: this.taskNames() }, 'scheduler: leading');
    term.signal.addEventListener('abort', () => {
      this.leaderGauge.set(0);
      this.logger.warn({ token: term.token.toString() }, 'scheduler: leadership ended');
    });
    const ctx: SchedulerContext = {
      term,
      signal: term.signal,
      timers,
      fenced: (script, keys, args) => lock.fencedEval(term, script, keys, args),
      assertLeading: async () => {
        await lock.fencedEval(term, 'return 1', [], []);
      },
    };
    await Promise.all(this.tasks.map((task) => this.runTask(task, ctx)));
  }

  private async runTask(task: SchedulerTask, ctx: SchedulerContext): Promise<void> {
    while (!ctx.signal.aborted) {
      try {
        await task.run(ctx);
      } catch (err) {
        if (ctx.signal.aborted) return;
        this.logger.error({ err, task: task.name }, 'scheduler task failed');
      }
      if (task.everyMs === undefined) return;
      await abortableSleep(task.everyMs, ctx.signal);
    }
  }

  async stop(): Promise<void> {
    const lock = this.lock;
    if (!lock) return;
    await lock.stop();
    await Promise.allSettled([...this.running]);
    this.leaderGauge.set(0);
    this.lock = null;
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Provides SCHEDULER to every context (register tasks in onModuleInit); campaigns for the lock
 * only in a process with the scheduler role. `npm start` has all roles, so it leads at once
 * unless another scheduler of the same deployment (same Redis prefix) holds the lock.
 */
@Global()
@Module({
  providers: [
    {
      provide: SCHEDULER,
      useFactory: (queues: QueueRegistry, logger: Logger, config: AppConfig, metrics: Registry) =>
        new SchedulerService(queues, logger, `${config.REDIS_PREFIX}:leader:scheduler`, schedulerLeaseMs(), metrics),
      inject: [QUEUES, LOGGER, APP_CONFIG, METRICS],
    },
  ],
  exports: [SCHEDULER],
})
export class SchedulerModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(SCHEDULER) private readonly scheduler: SchedulerService,
    @Inject(PROCESS_ROLES) private readonly roles: ProcessRoles,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    // With a KurrentDB ledger the leader keeps the contiguous mirror. A context that needs a hook
    // on it (the integrity layer) registers its own `ledgerMirrorTask(..., { attach })` under the
    // same name in onModuleInit; otherwise the plain mirror runs.
    if (this.store.adapter === 'kurrentdb' && !this.scheduler.taskNames().includes('ledger-mirror')) {
      this.scheduler.register(ledgerMirrorTask(this.store, this.config.dataDir, this.logger));
    }
    if (this.roles.has('scheduler')) this.scheduler.start();
  }

  /** Releases the lock before the platform closes Redis, so a clean stop hands over at once. */
  async onModuleDestroy(): Promise<void> {
    await this.scheduler.stop();
  }
}
