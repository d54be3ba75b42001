import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { EventStore, RecordedEvent, Subscription } from '../port';
import type { EventRegistry } from '../registry';

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

/** Runs processors from their own checkpoints (kept in the read store), in the worker role. */
export class ProcessorRunner {
  private readonly processors: EventProcessor[] = [];
  private readonly subs: Subscription[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly store: EventStore,
    private readonly registry: EventRegistry,
    private readonly logger: Logger,
  ) {
    db.exec('CREATE TABLE IF NOT EXISTS processor_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)');
  }

  register(processor: EventProcessor): void {
    this.processors.push(processor);
  }

  checkpoint(name: string): bigint {
    const row = this.db.prepare('SELECT position FROM processor_checkpoints WHERE name = ?').safeIntegers(true).get(name) as { position: bigint } | undefined;
    return row?.position ?? 0n;
  }

  private save(name: string, position: bigint): void {
    this.db
      .prepare('INSERT INTO processor_checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = MAX(position, excluded.position)')
      .run(name, position);
  }

  async start(): Promise<void> {
    for (const p of this.processors) {
      const handles = new Set(p.handles);
      const sub = this.store.subscribeToAll({
        after: this.checkpoint(p.name),
        handler: async (e) => {
          if (handles.has(e.type)) await p.handle(this.registry.upcast(e));
          this.save(p.name, e.position);
        },
        onError: (err) => this.logger.error({ err, processor: p.name }, 'event processor stopped'),
      });
      this.subs.push(sub);
    }
    await Promise.all(this.subs.map((s) => s.caughtUp));
  }

  async stop(): Promise<void> {
    await Promise.all(this.subs.splice(0).map((s) => s.stop()));
  }
}
