import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import express from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './openapi';
import { FreeTextInterceptor } from './free-text.interceptor';
import { batchIncidentFrom, FreeTextScreen } from './free-text-screen';
import { AffectedNamesService } from '../incidents';
import { LEDGER, type Ledger } from '../ledger/ledger';
import type { PhiVault } from '../phi';
import { consoleStatic, defaultConsoleDir } from '../console/http/console-static';
import type { EventStore } from '../ledger/port';
import { READ_DB } from '../ledger/projections/projection-runner';
import { SystemClock, type Clock } from '../platform/clock';
import type { AppConfig } from '../platform/config';
import { IdempotencyInterceptor } from '../platform/http/idempotency.interceptor';
import { jsonLimitsVerifier } from '../platform/http/json-limits';
import { PgIdempotencyRecords, SqliteIdempotencyRecords } from '../platform/http/idempotency-records';
import type { PgDatabase } from '../platform/postgres/pool';
import { PG_DATABASE, PHI_VAULT } from '../platform/tokens';
import { ProblemFilter, toProblem } from '../platform/http/problem.filter';
import { METRICS, type ProcessRole } from '../platform/tokens';
import { uuidv7 } from '../platform/ids';

export interface AppOptions {
  config: AppConfig;
  logger: Logger;
  clock?: Clock;
  roles?: ProcessRole[];
  eventStore?: EventStore;
}

function moduleFor(options: AppOptions, roles: ProcessRole[]) {
  return AppModule.forRoot({
    config: options.config,
    logger: options.logger,
    clock: options.clock ?? new SystemClock(),
    roles: new Set(roles),
    eventStore: options.eventStore,
  });
}

/** The HTTP service (api role, plus worker and scheduler unless told otherwise). Not yet listening. */
export async function createHttpApp(options: AppOptions): Promise<INestApplication> {
  const roles = options.roles ?? ['api', 'worker', 'scheduler'];
  const app = await NestFactory.create(moduleFor(options, roles), { bodyParser: false, logger: false, abortOnError: false });
  const expressApp = app.getHttpAdapter().getInstance() as express.Express;
  expressApp.disable('x-powered-by');
  expressApp.set('etag', false); // ETags carry stream versions; Express must not add its own
  const requests = new Counter({
    name: 'safeharbor_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [app.get<Registry>(METRICS)],
  });
  app.use((req: express.Request & { correlationId?: string }, res: express.Response, next: express.NextFunction) => {
    const header = req.headers['x-correlation-id'];
    req.correlationId = typeof header === 'string' && /^[A-Za-z0-9-]{8,64}$/.test(header) ? header : uuidv7();
    res.setHeader('X-Correlation-Id', req.correlationId);
    res.on('finish', () => requests.inc({ method: req.method, route: req.route?.path ?? 'unmatched', status: res.statusCode }));
    next();
  });
  const problems = new ProblemFilter(options.logger);
  // The console (web/dist) at `/`; API paths fall through to Nest.
  if (roles.includes('api')) app.use(consoleStatic(options.config.CONSOLE_DIR ?? defaultConsoleDir()));
  app.use(
    express.json({
      limit: options.config.BODY_LIMIT,
      type: ['application/json', 'application/*+json'],
      // Depth and member count on the raw bytes, before JSON.parse and anything that recurses.
      verify: jsonLimitsVerifier({ maxDepth: options.config.JSON_MAX_DEPTH, maxValues: options.config.JSON_MAX_VALUES }),
    }),
  );
  // Errors raised by Express middleware (body too large, bad JSON) become problems too.
  app.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const problem = toProblem(err);
    problem.instance = req.originalUrl.split('?')[0];
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  });
  app.useGlobalFilters(problems);
  const pg = app.get<PgDatabase | null>(PG_DATABASE);
  const idempotency = pg ? new PgIdempotencyRecords(pg) : new SqliteIdempotencyRecords(app.get(READ_DB));
  // Free text first: screened before anything stores the request, opened after the idempotency record keeps it sealed.
  app.useGlobalInterceptors(
    new FreeTextInterceptor(
      app.get<PhiVault>(PHI_VAULT),
      new FreeTextScreen(app.get<Ledger>(LEDGER), app.get(AffectedNamesService)),
      batchIncidentFrom(app.get(READ_DB)),
      app.get<Ledger>(LEDGER),
    ),
    new IdempotencyInterceptor(idempotency, options.clock ?? new SystemClock()),
  );
  const doc = openApiDocument(app);
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

/**
 * The OpenAPI document of the app's routes (served at /docs; also written at build time for the
 * console's typed client), generated from Nest's route metadata and the zod schemas that validate
 * (src/app/openapi.ts).
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  return buildOpenApiDocument(app) as unknown as OpenAPIObject;
}

/** A Nest context without HTTP, for the CLI and worker-only processes. */
export async function createAppContext(options: AppOptions): Promise<INestApplicationContext> {
  const roles = options.roles ?? ['cli'];
  return NestFactory.createApplicationContext(moduleFor(options, roles), { logger: false, abortOnError: false });
}
