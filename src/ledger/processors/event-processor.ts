import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { EventStore, RecordedEvent, Subscription } from '../port';
import type { EventRegistry } from '../registry';
import { withoutFsync } from '../projections/projection-runner';

/**
 * A side-effect processor: reads committed events (the ledger is the outbox) and does
 * something outside — enqueue a BullMQ job, send a command to an agent. Delivery is
 * at-least-once, so `handle` must be idempotent: derive job ids from event ids, check the
 * ledger for the outcome event before acting again.
 */
export interface EventProcessor {
  readonly name: string;
  readonly handles: readonly string[];
  handle(event: RecordedEvent): Promise<void>;
}

export const PROCESSOR_RUNNER = Symbol('ProcessorRunner');

export interface ProcessorRunnerOptions {
  /** Wait before retrying a failed event, by attempt (1, 2, …). Default: 0.5 s doubling up to 60 s. */
  retryDelayMs?: (attempt: number) => number;
}

const defaultRetryDelay = (attempt: number) => Math.min(60_000, 500 * 2 ** (attempt - 1));

/** Raised inside a subscription handler to end it when the runner stops during a retry wait. */
class ProcessorStopped extends Error {}

/**
 * Runs processors from their own checkpoints (kept in the read store), in the worker role.
 * A failing event is retried (with backoff) until it succeeds and is never skipped: the
 * checkpoint moves only past events that were handled, so a restart resumes at the failed one.
 */
export class ProcessorRunner {
  private readonly processors: EventProcessor[] = [];
  private readonly subs: Subscription[] = [];
  private readonly retryDelayMs: (attempt: number) => number;
  private stopping = false;
  private readonly wakers = new Set<() => void>();
  private readonly stmts: { get: Database.Statement; put: Database.Statement };
  /** The last position each processor has handled (saved at each page end and at stop). */
  private readonly handled = new Map<string, bigint>();

  constructor(
    private readonly db: Database.Database,
    private readonly store: EventStore,
    private readonly registry: EventRegistry,
    private readonly logger: Logger,
    options: ProcessorRunnerOptions = {},
  ) {
    this.retryDelayMs = options.retryDelayMs ?? defaultRetryDelay;
    db.exec('CREATE TABLE IF NOT EXISTS processor_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)');
    this.stmts = {
      get: db.prepare('SELECT position FROM processor_checkpoints WHERE name = ?').safeIntegers(true),
      put: db.prepare(
        'INSERT INTO processor_checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = MAX(position, excluded.position)',
      ),
    };
  }

  register(processor: EventProcessor): void {
    this.processors.push(processor);
  }

  checkpoint(name: string): bigint {
    const row = this.stmts.get.get(name) as { position: bigint } | undefined;
    return row?.position ?? 0n;
  }

  /**
   * Checkpoints are written once per page (and when a retry wait is cut short by stop), not
   * once per event: delivery is at-least-once, so a checkpoint that lags after a crash only
   * hands a few already-handled events over again.
   */
  private save(name: string, position: bigint): void {
    withoutFsync(this.db, () => this.stmts.put.run(name, position));
  }

  /**
   * Subscribes every processor from its checkpoint and returns at once: processing runs in the
   * background. Startup never waits on it — a processor may be retrying an event whose
   * downstream is down, or need command handlers that are registered later in the bootstrap.
   */
  start(): void {
    this.stopping = false;
    for (const p of this.processors) {
      const handles = new Set(p.handles);
      const sub = this.store.subscribeToAll({
        after: this.checkpoint(p.name),
        handler: async (e) => {
          if (handles.has(e.type)) await this.deliver(p, this.registry.upcast(e));
          this.handled.set(p.name, e.position);
        },
        onPage: (last) => this.save(p.name, last),
        onError: (err) => {
          if (!(err instanceof ProcessorStopped)) this.logger.error({ err, processor: p.name }, 'event processor stopped');
        },
      });
      this.subs.push(sub);
    }
  }

  /** Hands one event to a processor until it succeeds; logs each failure (type and position, never data). */
  private async deliver(p: EventProcessor, event: RecordedEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.stopping) throw new ProcessorStopped();
      try {
        await p.handle(event);
        if (attempt > 1)
          this.logger.info({ processor: p.name, type: event.type, position: String(event.position), attempt }, 'event processor recovered');
        return;
      } catch (err) {
        if (this.stopping) throw new ProcessorStopped();
        const delayMs = this.retryDelayMs(attempt);
        this.logger.warn(
          { err, processor: p.name, type: event.type, position: String(event.position), attempt, retryInMs: delayMs },
          'event processor failed; retrying',
        );
        await this.sleep(delayMs);
      }
    }
  }

  /** A wait that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.wakers]) wake();
    await Promise.all(this.subs.splice(0).map((s) => s.stop()));
    // what a page cut short by stop did handle (the database may already be closed on a crash path)
    for (const [name, position] of this.handled) {
      try {
        this.save(name, position);
      } catch {
        /* at-least-once: those events are handed over again after the restart */
      }
    }
    this.handled.clear();
  }
}
