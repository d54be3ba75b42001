/**
 * The workflows engine inside the service: loads and validates workflows/*.yaml at start (the
 * service refuses to start on a bad file, naming file, path and reason), registers the timeline
 * event types, runs the engine in the scheduler/worker roles and reacts to new timeline events.
 */
import { Global, Inject, Module, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { PROCESSOR_RUNNER, type ProcessorRunner } from '../ledger/processors/event-processor';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../ledger/projections/projection-runner';
import { timelinesProjection } from './projections/timelines.projection';
import { LEDGER, type Ledger } from '../ledger/ledger';
import type { RecordedEvent } from '../ledger/port';
import type { EventRegistry } from '../ledger/registry';
import { CLOCK, type Clock } from '../platform/clock';
import { APP_CONFIG, operatorWarnings, type AppConfig } from '../platform/config';
import { LOGGER } from '../platform/logger';
import { QUEUES, type QueueRegistry } from '../platform/redis';
import { EVENT_REGISTRY, PROCESS_ROLES, type ProcessRoles } from '../platform/tokens';
import { WORKFLOW_EVENT_TYPES } from './domain/timeline';
import { loadWorkflowDirOrThrow } from './loader';
import { FileOutboxNotifier } from './notifier/file-outbox';
import { notifierFor } from './notifier/smtp';
import { StaticRoleDirectory } from './ports';
import { WorkflowRegistry } from './registry';
import { WorkflowEngine, type QueueFactory } from './runtime/workflow-engine';
import { WorkflowsController } from './http/workflows.controller';
import { WORKFLOW_ENGINE, WORKFLOW_REGISTRY } from './tokens';

export { WORKFLOW_ENGINE, WORKFLOW_REGISTRY } from './tokens';
export { WORKFLOW_EVENT_TYPES } from './domain/timeline';

/** workflows/ of the deployment: SAFEHARBOR_WORKFLOWS_DIR, else ./workflows, else the one shipped with the code. */
export function workflowsDir(env: Record<string, string | undefined> = process.env): string {
  if (env.SAFEHARBOR_WORKFLOWS_DIR) return resolve(env.SAFEHARBOR_WORKFLOWS_DIR);
  const cwd = resolve('workflows');
  return existsSync(cwd) ? cwd : resolve(__dirname, '../../workflows');
}

/** Role → mailbox map from SAFEHARBOR_ROLE_EMAILS (JSON: {"compliance-officer": ["co@example.org"]}). */
export function roleDirectoryFromEnv(env: Record<string, string | undefined> = process.env): StaticRoleDirectory {
  const raw = env.SAFEHARBOR_ROLE_EMAILS;
  if (!raw) return new StaticRoleDirectory();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('env.SAFEHARBOR_ROLE_EMAILS: expected JSON like {"compliance-officer": ["co@example.org"]}');
  }
  return new StaticRoleDirectory(parsed as Record<string, string[]>);
}

/** The directory from the loaded configuration (SAFEHARBOR_ROLE_EMAILS read by loadConfig). */
function roleDirectoryFromConfig(config: AppConfig): StaticRoleDirectory {
  return roleDirectoryFromEnv({ SAFEHARBOR_ROLE_EMAILS: config.SAFEHARBOR_ROLE_EMAILS });
}

@Global()
@Module({
  controllers: [WorkflowsController],
  providers: [
    {
      provide: WORKFLOW_REGISTRY,
      useFactory: () => WorkflowRegistry.of(loadWorkflowDirOrThrow(workflowsDir(), { displayRoot: process.cwd() }).map((d) => d.definition)),
    },
    {
      provide: WORKFLOW_ENGINE,
      useFactory: (ledger: Ledger, registry: WorkflowRegistry, clock: Clock, config: AppConfig, queues: QueueRegistry, logger: Logger) =>
        new WorkflowEngine({
          ledger,
          registry,
          timeZone: config.ORG_TIMEZONE,
          queues: queues as unknown as QueueFactory,
          notifier: notifierFor(config, roleDirectoryFromConfig(config), clock, () => new FileOutboxNotifier(config.outboxDir, roleDirectoryFromConfig(config), clock, config.MAIL_FROM)),
          onError: (err) => logger.warn({ err }, 'workflows worker error'),
        }),
      inject: [LEDGER, WORKFLOW_REGISTRY, CLOCK, APP_CONFIG, QUEUES, LOGGER],
    },
  ],
  exports: [WORKFLOW_REGISTRY, WORKFLOW_ENGINE],
})
export class WorkflowsModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    @Inject(EVENT_REGISTRY) private readonly events: EventRegistry,
    @Inject(PROCESSOR_RUNNER) private readonly processors: ProcessorRunner,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(WORKFLOW_ENGINE) private readonly engine: WorkflowEngine,
    @Inject(PROCESS_ROLES) private readonly roles: ProcessRoles,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // Operators are told at start, not surprised by an escalation to nowhere.
    for (const w of operatorWarnings(this.config)) this.logger.warn({ code: w.code }, w.reason);
    this.events.registerNames(...WORKFLOW_EVENT_TYPES);
    this.projections.register(timelinesProjection);
    const engine = this.engine;
    // New timeline events get their timers at once (the hourly sweep would catch them anyway).
    this.processors.register({
      name: 'workflows.timelines',
      get handles() {
        return engine.timelineEventTypes();
      },
      async handle(event: RecordedEvent) {
        for (const intent of engine.intentsOf(event)) {
          await engine.reconcileTimeline(event.stream, intent.workflow, intent.subject);
        }
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const scheduler = this.roles.has('scheduler');
    const worker = this.roles.has('worker');
    if (!scheduler && !worker) return;
    const report = await this.engine.start({ scheduler, worker });
    if (report) this.logger.info({ ...report, errors: report.errors.length }, 'workflows reconciled from the ledger');
  }
}
