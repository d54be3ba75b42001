import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { LEDGER, type Ledger } from '../ledger/ledger';
import { PROCESSOR_RUNNER, type ProcessorRunner } from '../ledger/processors/event-processor';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../ledger/projections/projection-runner';
import type { EventRegistry } from '../ledger/registry';
import { LOGGER } from '../platform/logger';
import { EVENT_REGISTRY } from '../platform/tokens';
import { POSTURE_REGISTRY, type PostureRegistry } from '../posture';
import { EncryptDatasetHandler, RecordDatasetFactHandler, RegisterDatasetHandler, ShredDatasetHandler } from './commands/dataset.handlers';
import { DATASET_EVENT_TYPES } from './domain/dataset';
import { DatasetsController } from './http/datasets.controller';
import { ListDatasetsQuery, type DatasetListItem } from './messages';
import { agentResultsProcessor } from './processors/agent-results.processor';
import { datasetsProjection } from './projections/datasets.projection';
import { DatasetSecuredAtHandler, DatasetsUnderKeyHandler, GetDatasetHandler, ListDatasetsHandler } from './queries/dataset.queries';
import { LedgerSafeHarbor, SAFE_HARBOR } from './safe-harbor';

/**
 * PHI datasets on hosts and their encryption state — what safe harbor rests on. Global so that
 * its one published port, SAFE_HARBOR, reaches triage (src/incidents) without a module import.
 */
@Global()
@Module({
  controllers: [DatasetsController],
  providers: [
    {
      provide: LedgerSafeHarbor,
      useFactory: (ledger: Ledger, db: Database.Database, projections: ProjectionRunner) => new LedgerSafeHarbor(ledger, db, projections),
      inject: [LEDGER, READ_DB, PROJECTION_RUNNER],
    },
    { provide: SAFE_HARBOR, useExisting: LedgerSafeHarbor },
    RegisterDatasetHandler,
    EncryptDatasetHandler,
    ShredDatasetHandler,
    RecordDatasetFactHandler,
    GetDatasetHandler,
    ListDatasetsHandler,
    DatasetsUnderKeyHandler,
    DatasetSecuredAtHandler,
  ],
  exports: [SAFE_HARBOR],
})
export class DatasetsModule implements OnModuleInit {
  constructor(
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(PROCESSOR_RUNNER) private readonly processors: ProcessorRunner,
    @Inject(POSTURE_REGISTRY) private readonly posture: PostureRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  onModuleInit(): void {
    this.registry.registerNames(...DATASET_EVENT_TYPES);
    this.projections.register(datasetsProjection);
    this.processors.register(agentResultsProcessor(this.commands, this.logger));
    // Posture: datasets not (or no longer) protected.
    this.posture.register({
      key: 'unencrypted-datasets',
      title: 'PHI datasets not encrypted',
      order: 50,
      columns: ['datasetId', 'agentId', 'state', 'keyId'],
      collect: async () => {
        const all = await this.queries.execute<ListDatasetsQuery, DatasetListItem[]>(new ListDatasetsQuery());
        const rows = all
          .filter((d) => d.state !== 'encrypted' && d.state !== 'shredded')
          .map((d) => ({ datasetId: d.datasetId, agentId: d.agentId, state: d.state, keyId: d.keyId }));
        return { rows, attention: rows.length };
      },
    });
  }
}
