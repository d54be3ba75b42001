import { Queue, Worker, type Processor, type QueueOptions, type WorkerOptions } from 'bullmq';
import IORedis, { type Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

export const QUEUES = Symbol('Queues');

/**
 * Redis and BullMQ wiring shared by every context. Redis is a timer cache and a work queue,
 * never the source of truth: the ledger is. One connection per worker (BullMQ blocks on it),
 * one shared connection for queues; every key under the configured prefix.
 */
export class QueueRegistry {
  private shared: Redis | null = null;
  private failFast: Redis | null = null;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];
  private closed = false;

  constructor(
    readonly url: string,
    readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  /** A new ioredis connection configured as BullMQ needs it (or with `overrides`). */
  connect(overrides: Partial<RedisOptions> = {}): Redis {
    const c = new IORedis(this.url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, ...overrides });
    c.on('error', (err) => this.logger.warn({ err }, 'redis connection error'));
    this.connections.push(c);
    return c;
  }

  client(): Redis {
    if (!this.shared) this.shared = this.connect();
    return this.shared;
  }

  /**
   * A shared connection for work done inside an HTTP request (the rate limit): while Redis is
   * away its commands fail within a second instead of queueing, so a request never hangs on it.
   */
  failFastClient(): Redis {
    if (!this.failFast) this.failFast = this.connect({ enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000 });
    return this.failFast;
  }

  queue(name: string, options: Partial<QueueOptions> = {}): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.client(), prefix: this.prefix, ...options });
      q.on('error', (err) => this.logger.warn({ err, queue: name }, 'queue error'));
      this.queues.set(name, q);
    }
    return q;
  }

  worker<T = unknown, R = unknown>(name: string, processor: Processor<T, R> | string, options: Partial<WorkerOptions> = {}): Worker<T, R> {
    if (this.closed) throw new Error('queue registry is closed');
    const w = new Worker<T, R>(name, processor, { connection: this.connect(), prefix: this.prefix, ...options });
    w.on('error', (err) => this.logger.warn({ err, queue: name }, 'worker error'));
    this.workers.push(w as Worker);
    return w;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client().ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** BullMQ needs maxmemory-policy noeviction: an evicted job key is a lost timer. */
  async checkEvictionPolicy(): Promise<void> {
    try {
      const res = (await this.client().config('GET', 'maxmemory-policy')) as string[];
      const policy = res?.[1];
      if (policy && policy !== 'noeviction') {
        this.logger.warn({ policy }, `Redis maxmemory-policy is "${policy}"; BullMQ needs "noeviction" or jobs can vanish`);
      }
    } catch {
      /* CONFIG may be disabled on managed Redis; nothing to check then */
    }
  }

  /** Closes workers first (they finish or release their jobs), then queues and connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    // QUIT waits for a reply; on a connection that is down it would wait for a reconnect forever.
    await Promise.allSettled(
      this.connections.map((c) =>
        c.status === 'ready'
          ? Promise.race([c.quit(), new Promise((r) => setTimeout(r, 2000).unref())]).finally(() => c.disconnect())
          : c.disconnect(),
      ),
    );
  }
}
