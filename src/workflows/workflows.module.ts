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
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { ROLE_CONTACTS, type RoleContacts } from '../platform/role-contacts';
import { LOGGER } from '../platform/logger';
import { QUEUES, type QueueRegistry } from '../platform/redis';
import { EVENT_REGISTRY, PROCESS_ROLES, type ProcessRoles } from '../platform/tokens';
import { WORKFLOW_EVENT_TYPES } from './domain/timeline';
import { loadWorkflowDirOrThrow } from './loader';
import { FileOutboxNotifier } from './notifier/file-outbox';
import { notifierFor } from './notifier/smtp';
import { StaticRoleDirectory, type RoleDirectory } from './ports';
import { SUBJECT_ROLES } from './domain/definition';
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

/** Roles through the one resolver (profile → SAFEHARBOR_ROLE_EMAILS → placeholder), asked at each send. */
export function roleDirectoryOf(contacts: RoleContacts): RoleDirectory {
  const fixed = new StaticRoleDirectory();
  return {
    addressesForRole: async (role) => (await contacts.resolve(role)).addresses,
    addressesForPrincipal: (id) => fixed.addressesForPrincipal(id),
  };
}

/** The organization roles (not owner/reviewer/custodian) the definitions send reminders and escalations to. */
export function rolesAddressed(registry: WorkflowRegistry): string[] {
  const roles = registry.currentDefinitions().flatMap((d) => [...d.reminders, ...d.escalation].flatMap((s) => s.to));
  return [...new Set(roles)].filter((r) => !SUBJECT_ROLES.includes(r));
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
      useFactory: (
        ledger: Ledger,
        registry: WorkflowRegistry,
        clock: Clock,
        config: AppConfig,
        queues: QueueRegistry,
        logger: Logger,
        contacts: RoleContacts,
      ) => {
        const directory = roleDirectoryOf(contacts);
        return new WorkflowEngine({
          ledger,
          registry,
          timeZone: config.ORG_TIMEZONE,
          queues: queues as unknown as QueueFactory,
          notifier: notifierFor(config, directory, clock, () => new FileOutboxNotifier(config.outboxDir, directory, clock, config.MAIL_FROM)),
          onError: (err) => logger.warn({ err }, 'workflows worker error'),
        });
      },
      inject: [LEDGER, WORKFLOW_REGISTRY, CLOCK, APP_CONFIG, QUEUES, LOGGER, ROLE_CONTACTS],
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
    @Inject(WORKFLOW_REGISTRY) private readonly registry: WorkflowRegistry,
    @Inject(ROLE_CONTACTS) private readonly contacts: RoleContacts,
  ) {}

  onModuleInit(): void {
    // /health, the start log and the console name the roles these definitions address that have no contact.
    this.contacts.require(...rolesAddressed(this.registry));
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
