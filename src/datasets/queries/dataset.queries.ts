import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { readFresh } from '../../ledger/projections/read-fresh';
import { CLOCK, type Clock } from '../../platform/clock';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { NotFoundError } from '../../platform/errors';
import { localDate } from '../../shared/calendar';
import type { DatasetState } from '../domain/dataset';
import { populationStatus } from '../domain/population';
import type { SecuredAnswer } from '../domain/secured-at';
import {
  DatasetPopulationsQuery,
  DatasetSecuredAtQuery,
  DatasetsUnderKeyQuery,
  GetDatasetQuery,
  ListDatasetsQuery,
  type DatasetListItem,
  type DatasetPopulationRow,
  type DatasetResult,
  type DatasetUnderKey,
  type DatasetView,
} from '../messages';
import { readDatasetRow } from '../projections/datasets.projection';
import { LedgerSafeHarbor } from '../safe-harbor';

function datasetView(datasetId: string, d: DatasetState, today: string): DatasetView {
  return {
    datasetId,
    agentId: d.agentId,
    path: d.path,
    kind: d.kind,
    registeredAt: d.registeredAt,
    encryption: d.encryption,
    cleartextSeenAt: d.cleartextSeenAt,
    keyRevokedOnHostAt: d.keyRevokedOnHostAt,
    shreddedAt: d.shreddedAt,
    population: d.population ? { ...d.population, status: populationStatus(d.population, today) } : null,
  };
}

@QueryHandler(GetDatasetQuery)
export class GetDatasetHandler implements IQueryHandler<GetDatasetQuery, DatasetResult> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ datasetId, minVersion }: GetDatasetQuery): Promise<DatasetResult> {
    const row = await readFresh(
      this.projections,
      () => readDatasetRow(this.db, datasetId),
      (r) => minVersion !== undefined && BigInt(r.version) >= minVersion,
    );
    if (!row) throw new NotFoundError('dataset not found');
    const today = localDate(this.clock.now(), this.config.ORG_TIMEZONE);
    return { view: datasetView(datasetId, row.state, today), version: BigInt(row.version) };
  }
}

@QueryHandler(ListDatasetsQuery)
export class ListDatasetsHandler implements IQueryHandler<ListDatasetsQuery, DatasetListItem[]> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute(): Promise<DatasetListItem[]> {
    await this.projections.catchUp();
    return this.db
      .prepare(
        'SELECT dataset_id AS datasetId, agent_id AS agentId, kind, key_id AS keyId, key_version AS keyVersion, label AS state FROM datasets ORDER BY dataset_id',
      )
      .all() as DatasetListItem[];
  }
}

@QueryHandler(DatasetPopulationsQuery)
export class DatasetPopulationsHandler implements IQueryHandler<DatasetPopulationsQuery, DatasetPopulationRow[]> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute({ datasetIds }: DatasetPopulationsQuery): Promise<DatasetPopulationRow[]> {
    await this.projections.catchUp();
    const rows = this.db
      .prepare('SELECT dataset_id AS datasetId, agent_id AS agentId, label, state FROM datasets ORDER BY dataset_id')
      .all() as Array<{ datasetId: string; agentId: string; label: string; state: string }>;
    const wanted = datasetIds ? new Set(datasetIds) : null;
    return rows
      .filter((r) => !wanted || wanted.has(r.datasetId))
      .map((r) => ({
        datasetId: r.datasetId,
        agentId: r.agentId,
        state: r.label,
        population: (JSON.parse(r.state) as DatasetState).population ?? null,
      }));
  }
}

@QueryHandler(DatasetsUnderKeyQuery)
export class DatasetsUnderKeyHandler implements IQueryHandler<DatasetsUnderKeyQuery, DatasetUnderKey[]> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute({ keyId }: DatasetsUnderKeyQuery): Promise<DatasetUnderKey[]> {
    await this.projections.catchUp();
    return this.db
      .prepare('SELECT dataset_id AS datasetId, agent_id AS agentId, label AS state FROM datasets WHERE key_id = ? ORDER BY dataset_id')
      .all(keyId) as DatasetUnderKey[];
  }
}

/** From the ledger itself (dataset and key streams), not a projection: the answer must be exact at that instant. */
@QueryHandler(DatasetSecuredAtQuery)
export class DatasetSecuredAtHandler implements IQueryHandler<DatasetSecuredAtQuery, SecuredAnswer> {
  constructor(private readonly safeHarbor: LedgerSafeHarbor) {}

  execute({ datasetId, at }: DatasetSecuredAtQuery): Promise<SecuredAnswer> {
    return this.safeHarbor.securedAt(datasetId, at);
  }
}
