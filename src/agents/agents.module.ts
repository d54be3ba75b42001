import { Inject, Module, Optional, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Worker } from 'bullmq';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { LEDGER, type Ledger } from '../ledger/ledger';
import { PROCESSOR_RUNNER, type ProcessorRunner } from '../ledger/processors/event-processor';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../ledger/projections/projection-runner';
import type { EventRegistry } from '../ledger/registry';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { LOGGER } from '../platform/logger';
import { QUEUES, type QueueRegistry } from '../platform/redis';
import { EVENT_REGISTRY, PROCESS_ROLES, type ProcessRoles } from '../platform/tokens';
import { agentQueueName, RESULTS_QUEUE } from '../shared/agent-protocol';
import {
  ApproveAgentCommandHandler,
  IssueAgentCommandHandler,
  ProposeAgentCommandHandler,
  ReceiveAgentMessageHandler,
} from './commands/channel.handlers';
import { ApproveContainmentHandler, ProposeContainmentHandler } from './commands/containment.handlers';
import {
  ApproveEnrollmentHandler,
  IssueEnrollmentTokenHandler,
  RequestEnrollmentHandler,
  RevokeAgentHandler,
} from './commands/enrollment.handlers';
import { AGENT_EVENT_TYPES } from './domain/agent';
import { CONTAINMENT_EVENT_TYPES } from './domain/containment';
import { AgentsController, EnrollmentController } from './http/agents.controller';
import { ContainmentController } from './http/containment.controller';
import { ServiceSigningKey } from './infra/service-signing-key';
import { PendingDeliveriesQuery, ReceiveAgentMessageCommand, type PendingDelivery, type ReceiveOutcome } from './messages';
import { agentCommandProcessor } from './processors/agent-command.processor';
import { agentsProjection } from './projections/agents.projection';
import { AgentChannelHandler, GetAgentHandler, ListAgentsHandler, PendingDeliveriesHandler } from './queries/agent.queries';
import { containmentsProjection } from './projections/containments.projection';
import { ContainmentActionsOfIncidentHandler } from './queries/containment.queries';
import { SERVICE_SIGNING_KEY } from './tokens';
import type Database from 'better-sqlite3';
import { READ_DB } from '../ledger/projections/projection-runner';
import { TODAY_REGISTRY, type TodayRegistry } from '../console';
import { agentTodayProviders } from './today';

/** Agents on PHI servers: enrollment, the signed command channel, results, and the containment playbook. */
@Module({
  controllers: [EnrollmentController, AgentsController, ContainmentController],
  providers: [
    {
      provide: SERVICE_SIGNING_KEY,
      useFactory: (c: AppConfig) => ServiceSigningKey.loadOrCreate(join(dirname(c.masterKeyPath), 'agent-command-signing.pem')),
      inject: [APP_CONFIG],
    },
    IssueEnrollmentTokenHandler,
    RequestEnrollmentHandler,
    ApproveEnrollmentHandler,
    RevokeAgentHandler,
    IssueAgentCommandHandler,
    ProposeAgentCommandHandler,
    ApproveAgentCommandHandler,
    ReceiveAgentMessageHandler,
    ProposeContainmentHandler,
    ApproveContainmentHandler,
    GetAgentHandler,
    ListAgentsHandler,
    AgentChannelHandler,
    PendingDeliveriesHandler,
    ContainmentActionsOfIncidentHandler,
  ],
})
export class AgentsModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private worker?: Worker;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(READ_DB) private readonly todayDb: Database.Database,
    @Optional() @Inject(TODAY_REGISTRY) private readonly today: TodayRegistry | null,
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(PROCESSOR_RUNNER) private readonly processors: ProcessorRunner,
    @Inject(QUEUES) private readonly queues: QueueRegistry,
    @Inject(PROCESS_ROLES) private readonly roles: ProcessRoles,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  onModuleInit(): void {
    for (const p of agentTodayProviders(this.todayDb)) this.today?.register(p);
    this.registry.registerNames(...AGENT_EVENT_TYPES, ...CONTAINMENT_EVENT_TYPES);
    this.projections.register(agentsProjection);
    this.projections.register(containmentsProjection);
    this.processors.register(agentCommandProcessor(this.queues, this.ledger));
  }

  onApplicationBootstrap(): void {
    if (!this.roles.has('worker')) return;
    // Signed results and heartbeats from every agent; anything that does not verify is dropped.
    this.worker = this.queues.worker(RESULTS_QUEUE, async (job) => {
      const outcome = await this.commands.execute<ReceiveAgentMessageCommand, ReceiveOutcome>(new ReceiveAgentMessageCommand(job.data));
      if (outcome === 'rejected') this.logger.warn({ jobId: job.id }, 'agent result rejected (signature, agent or shape)');
      return outcome;
    });
    // Redis is not the source of truth: pending, unexpired commands are re-offered from the ledger.
    const redeliver = () =>
      void this.queries
        .execute<PendingDeliveriesQuery, PendingDelivery[]>(new PendingDeliveriesQuery())
        .then(async (list) => {
          for (const d of list)
            await this.queues
              .queue(agentQueueName(d.agentId))
              .add('command', d.message, { jobId: d.commandId, removeOnComplete: 1000, removeOnFail: 1000 });
        })
        .catch((err) => this.logger.error({ err }, 'command redelivery failed; runs again in a minute'));
    redeliver();
    this.timer = setInterval(redeliver, 60_000);
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
