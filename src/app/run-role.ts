import type { INestApplicationContext } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createAppContext, createHttpApp } from './create-app';
import type { EventStore } from '../ledger/port';
import { SystemClock } from '../platform/clock';
import { loadConfig, type AppConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { QUEUES, type QueueRegistry } from '../platform/redis';
import { EVENT_STORE, METRICS, type ProcessRole } from '../platform/tokens';
import { createEventStore } from '../platform/roles/event-store-factory';
import { SCHEDULER, type SchedulerService } from '../platform/roles/scheduler';
import { errorType, KDB_TRANSIENT } from '../ledger/kurrentdb/client-surface';

export interface RunningRole {
  roles: ProcessRole[];
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts one process of a scaled-out deployment:
 * - `api`: the HTTP API; read models kept by catch-up from the ledger;
 * - `worker`: event processors and BullMQ workers, no API (a /health and /metrics listener only);
 * - `scheduler`: campaigns for the scheduler lock and runs reconciler/job-scheduler tasks while it leads.
 * Any number of api and worker processes may share one ledger and one Redis; schedulers take turns.
 * Roles can be combined (`npm start` runs all three in one process).
 */
export async function runRoles(
  roles: ProcessRole[],
  options: { port?: number; config?: AppConfig; logger?: Logger } = {},
): Promise<RunningRole> {
  if (roles.length === 0 || roles.includes('cli')) throw new Error('runRoles needs api, worker and/or scheduler');
  const config = options.config ?? loadConfig();
  const logger = (options.logger ?? createLogger(config.LOG_LEVEL)).child({ roles: roles.join(',') });
  const clock = new SystemClock();
  const eventStore = createEventStore(config, clock, null, (msg, extra) => logger.warn(extra, msg));
  const port = options.port ?? config.PORT;

  let app!: INestApplicationContext;
  let health: Server | null = null;
  let bound!: number;
  try {
    ({ app, health, bound } = await start(roles, { config, logger, clock, eventStore, port }));
  } catch (err) {
    throw explainStartupError(err, config);
  }
  logger.info({ port: bound, ledger: config.LEDGER, pid: process.pid }, `Safe Harbor ${roles.join('+')} started`);

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await new Promise<void>((r) => (health ? health.close(() => r()) : r()));
      await app.close();
    })();
    return stopping;
  };
  return { roles, port: bound, stop };
}

async function start(
  roles: ProcessRole[],
  o: { config: AppConfig; logger: Logger; clock: SystemClock; eventStore: EventStore | undefined; port: number },
): Promise<{ app: INestApplicationContext; health: Server | null; bound: number }> {
  const { config, logger, clock, eventStore, port } = o;
  let app: INestApplicationContext;
  let health: Server | null = null;
  let bound: number;
  if (roles.includes('api')) {
    const http = await createHttpApp({ config, logger, clock, roles, eventStore });
    await http.listen(port, config.HOST);
    bound = (http.getHttpServer().address() as { port: number }).port;
    app = http;
  } else {
    app = await createAppContext({ config, logger, clock, roles, eventStore });
    await app.init();
    health = await listenHealth(app, roles, port, config.HOST);
    bound = (health.address() as { port: number }).port;
  }
  return { app, health, bound };
}

/** A ledger that does not answer at start is named, without the credentials in its URL. */
function explainStartupError(err: unknown, config: AppConfig): unknown {
  const type = errorType(err);
  if (config.LEDGER === 'kurrentdb' && type !== undefined && KDB_TRANSIENT.has(type)) {
    const where = (config.KURRENTDB_URL ?? '').replace(/\/\/[^@/]*@/, '//***@');
    return new Error(`the KurrentDB ledger at ${where} did not answer (${type}): check KURRENTDB_URL and that the server is up`);
  }
  return err;
}

/** /health and /metrics for processes without the HTTP API (container health checks, Prometheus). */
async function listenHealth(app: INestApplicationContext, roles: ProcessRole[], port: number, host: string): Promise<Server> {
  const store = app.get<EventStore>(EVENT_STORE);
  const queues = app.get<QueueRegistry>(QUEUES);
  const metrics = app.get<Registry>(METRICS);
  const scheduler = app.get<SchedulerService>(SCHEDULER);
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method === 'GET' && req.url === '/health') {
        let ledger: { ok: boolean; adapter: string; head?: string } = { ok: false, adapter: store.adapter };
        try {
          ledger = { ok: true, adapter: store.adapter, head: String(await store.headPosition()) };
        } catch {
          /* reported as not ok */
        }
        const redis = { ok: await queues.ping() };
        const ok = ledger.ok && redis.ok;
        const body: Record<string, unknown> = { status: ok ? 'ok' : 'degraded', roles, ledger, redis };
        if (roles.includes('scheduler')) body.scheduler = scheduler.status();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      } else if (req.method === 'GET' && req.url === '/metrics') {
        res.writeHead(200, { 'content-type': metrics.contentType }).end(await metrics.metrics());
      } else {
        res
          .writeHead(404, { 'content-type': 'application/problem+json' })
          .end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }));
      }
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/**
 * Runs roles until SIGTERM/SIGINT, then shuts down in order (stop accepting requests, let BullMQ
 * workers finish or give back their jobs, release the scheduler lock, close the stores) and exits 0.
 */
export async function runRolesUntilSignalled(roles: ProcessRole[], options: { port?: number } = {}): Promise<void> {
  const running = await runRoles(roles, options);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) return;
      stopping = true;
      running.stop().then(
        () => process.exit(0),
        (err) => {
          process.stderr.write(`shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    void resolve;
  });
}
