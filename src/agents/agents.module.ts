import { Inject, Module, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { dirname, join } from 'node:path';
import { PROCESSOR_RUNNER, type ProcessorRunner } from '../ledger/processors/event-processor';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../ledger/projections/projection-runner';
import type { EventRegistry } from '../ledger/registry';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { LOGGER } from '../platform/logger';
import { QUEUES, type QueueRegistry } from '../platform/redis';
import { EVENT_REGISTRY, MASTER_KEY, PROCESS_ROLES, type ProcessRoles } from '../platform/tokens';
import type { Logger } from 'pino';
import type { Worker } from 'bullmq';
import { AGENT_EVENT_TYPES } from './domain/agent';
import { agentQueueName, RESULTS_QUEUE } from '../shared/agent-protocol';
import { ServiceSigningKey } from './infra/service-signing-key';
import { AgentCommandProcessor } from './processors/agent-command.processor';
import { safeguardsProjection } from './projections/safeguards.projection';
import { KEY_LOCKER, SafeguardsService, SERVICE_SIGNING_KEY } from './safeguards.service';
import { AgentsController, EnrollmentController } from './http/agents.controller';
import { KeysController } from '../keys/http/keys.controller';
import { DatasetsController } from '../datasets/http/datasets.controller';
import { AccessController } from '../access/http/access.controller';
import { KEY_EVENT_TYPES } from '../keys/domain/key';
import { KeyLocker, type KeyWrapper } from '../keys/domain/key-locker';
import { SqliteKeyMaterialStore } from '../keys/infra/sqlite-key-material-store';
import { DATASET_EVENT_TYPES } from '../datasets/domain/dataset';
import { GRANT_EVENT_TYPES } from '../access/domain/grant';
import { CAMPAIGN_EVENT_TYPES } from '../access/domain/recertification';
import { CONTAINMENT_EVENT_TYPES } from './domain/containment';
import { WORKFLOW_ENGINE, WORKFLOW_REGISTRY } from '../workflows/tokens';
import { POSTURE_REGISTRY, type PostureRegistry } from '../posture/posture';
import type { WorkflowEngine } from '../workflows/runtime/workflow-engine';
import { CAMPAIGN_TIMELINE_EVENTS, campaignTimelines, GRANT_TIMELINE_EVENTS, grantTimelines, KEY_TIMELINE_EVENTS, keyTimelines } from './workflows-link';

export const SAFEGUARDS_SOURCE = Symbol('SafeguardsSource');
const KEY_MATERIAL_STORE = Symbol('KeyMaterialStore');

/**
 * Keys, datasets, access grants and agents: one module because every flow crosses them
 * (a grant becomes an agent command; an agent result becomes a dataset fact).
 */
@Module({
  controllers: [EnrollmentController, AgentsController, KeysController, DatasetsController, AccessController],
  providers: [
    { provide: SERVICE_SIGNING_KEY, useFactory: (c: AppConfig) => ServiceSigningKey.loadOrCreate(join(dirname(c.masterKeyPath), 'agent-command-signing.pem')), inject: [APP_CONFIG] },
    { provide: KEY_MATERIAL_STORE, useFactory: (c: AppConfig) => new SqliteKeyMaterialStore(join(c.dataDir, 'key-material.db')), inject: [APP_CONFIG] },
    { provide: KEY_LOCKER, useFactory: (mk: KeyWrapper, store: SqliteKeyMaterialStore) => new KeyLocker(mk, store), inject: [MASTER_KEY, KEY_MATERIAL_STORE] },
    SafeguardsService,
    { provide: SAFEGUARDS_SOURCE, useExisting: SafeguardsService },
  ],
  exports: [SafeguardsService, SAFEGUARDS_SOURCE],
})
export class AgentsModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private worker?: Worker;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(PROCESSOR_RUNNER) private readonly processors: ProcessorRunner,
    @Inject(QUEUES) private readonly queues: QueueRegistry,
    @Inject(PROCESS_ROLES) private readonly roles: ProcessRoles,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(KEY_MATERIAL_STORE) private readonly keyStore: SqliteKeyMaterialStore,
    private readonly service: SafeguardsService,
    @Inject(WORKFLOW_ENGINE) private readonly engine: WorkflowEngine,
    @Inject(WORKFLOW_REGISTRY) private readonly workflows: { current(name: string): { version: number } },
    @Inject(POSTURE_REGISTRY) private readonly posture: PostureRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.registerNames(...AGENT_EVENT_TYPES, ...KEY_EVENT_TYPES, ...DATASET_EVENT_TYPES, ...GRANT_EVENT_TYPES, ...CAMPAIGN_EVENT_TYPES, ...CONTAINMENT_EVENT_TYPES);
    this.projections.register(safeguardsProjection);
    this.processors.register(new AgentCommandProcessor(this.queues, this.service));
    const version = (w: string) => this.workflows.current(w).version;
    this.engine.registerTranslator(KEY_TIMELINE_EVENTS, keyTimelines(version));
    this.engine.registerTranslator(GRANT_TIMELINE_EVENTS, grantTimelines(version));
    this.engine.registerTranslator(CAMPAIGN_TIMELINE_EVENTS, campaignTimelines(version));
    // Posture: datasets not (or no longer) protected, from the safeguards read model.
    this.posture.register({
      key: 'unencrypted-datasets',
      title: 'PHI datasets not encrypted',
      order: 50,
      columns: ['datasetId', 'agentId', 'state', 'keyId'],
      collect: async () => {
        await this.service.catchUp();
        const rows = (this.service.listDatasets() as { datasetId: string; agentId: string; state: string; keyId: string | null }[])
          .filter((d) => d.state !== 'encrypted' && d.state !== 'shredded')
          .map((d) => ({ datasetId: d.datasetId, agentId: d.agentId, state: d.state, keyId: d.keyId }));
        return { rows, attention: rows.length };
      },
    });
    const system = (id: string) => ({ actor: { id: `system:${id}`, role: 'security-officer' }, correlationId: id });
    this.engine.registerActionHandler('expire-access-grant', (c) => this.service.expireGrant(c.subject.id, system('grant-expiry')));
    this.engine.registerScheduleHandler('access-recertification', async ({ occurrenceOn }) => {
      const dueAt = new Date(Date.parse(`${occurrenceOn}T00:00:00.000Z`) + 30 * 86_400_000).toISOString();
      await this.service.startCampaign({ campaignId: `recert-${occurrenceOn}`, dueAt, revokeUnreviewed: false }, system('recertification'));
    });
  }

  onApplicationBootstrap(): void {
    if (!this.roles.has('worker')) return;
    // Signed results and heartbeats from every agent; anything that does not verify is dropped.
    this.worker = this.queues.worker(RESULTS_QUEUE, async (job) => {
      const outcome = await this.service.receive(job.data);
      if (outcome === 'rejected') this.logger.warn({ jobId: job.id }, 'agent result rejected (signature, agent or shape)');
      return outcome;
    });
    // Grant expiry: re-derived from the read model every minute (nothing lives only in Redis).
    const sweep = () =>
      void this.service
        .expireDue({ actor: { id: 'system:grant-expiry', role: 'security-officer' }, correlationId: 'grant-expiry' })
        .then(() => this.service.closeDueCampaigns({ actor: { id: 'system:recertification', role: 'security-officer' }, correlationId: 'recertification' }))
        .catch((err) => this.logger.error({ err }, 'grant expiry / campaign sweep failed'));
    // Redis is not the source of truth: pending, unexpired commands are re-offered from the ledger.
    const redeliver = () =>
      void this.service
        .pendingDeliveries()
        .then(async (list) => {
          for (const d of list) await this.queues.queue(agentQueueName(d.agentId)).add('command', d.message, { jobId: d.commandId, removeOnComplete: 1000, removeOnFail: 1000 });
        })
        .catch((err) => this.logger.error({ err }, 'command redelivery failed'));
    redeliver();
    this.timer = setInterval(() => {
      sweep();
      redeliver();
    }, 60_000);
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.keyStore.close();
  }
}
