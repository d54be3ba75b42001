/**
 * The datasets context's commands and queries (@nestjs/cqrs messages). Other contexts send
 * these through the buses, importing them from the context's index.
 */
import type { CommandContext } from '../ledger/ledger';
import type { DatasetCommand, DatasetKind, DatasetState } from './domain/dataset';
import type { DatasetPopulation, PopulationFacts, PopulationStatus } from './domain/population';

export interface RegisterDatasetBody {
  datasetId?: string;
  agentId: string;
  path: string;
  kind: DatasetKind;
}

export class RegisterDatasetCommand {
  constructor(
    readonly body: RegisterDatasetBody,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

/**
 * Sends dataset.encrypt with the key's current version sealed to the dataset's agent. The
 * dataset itself changes only when the agent reports (Safe Harbor records what the host
 * proved): If-Match is a precondition on the dataset version the caller saw.
 */
export class EncryptDatasetCommand {
  constructor(
    readonly datasetId: string,
    readonly keyId: string,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

/** Proposes dataset.shred on the dataset's agent: two officers then approve it with signed approvals. */
export class ShredDatasetCommand {
  constructor(
    readonly datasetId: string,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A fact an agent proved about a dataset (from a verified result), recorded at the time it was reported. */
export type DatasetFact = DistributiveOmit<Exclude<DatasetCommand, { kind: 'register' }>, 'actor'>;

export class RecordDatasetFactCommand {
  constructor(
    readonly datasetId: string,
    readonly fact: DatasetFact,
    readonly ctx: CommandContext,
  ) {}
}

export interface DatasetView {
  datasetId: string;
  agentId: string | null;
  path: string | null;
  kind: DatasetKind | null;
  registeredAt: string | null;
  encryption: DatasetState['encryption'];
  cleartextSeenAt: string | null;
  keyRevokedOnHostAt: string | null;
  shreddedAt: string | null;
  population: (DatasetPopulation & { status: PopulationStatus }) | null;
}
export type DatasetResult = { view: DatasetView; version: bigint };

export class GetDatasetQuery {
  constructor(
    readonly datasetId: string,
    readonly minVersion?: bigint,
  ) {}
}

export class ListDatasetsQuery {}
export interface DatasetListItem {
  datasetId: string;
  agentId: string;
  kind: string;
  keyId: string | null;
  keyVersion: number | null;
  state: string;
}

/** "Was the dataset secured at that instant, and why?" */
export class DatasetSecuredAtQuery {
  constructor(
    readonly datasetId: string,
    readonly at: string,
  ) {}
}

/** Datasets encrypted under a key now (re-wrap and revocation go to their hosts). */
export class DatasetsUnderKeyQuery {
  constructor(readonly keyId: string) {}
}
export interface DatasetUnderKey {
  datasetId: string;
  agentId: string;
  state: string;
}

/** An officer declares who the dataset holds (counts by state, kinds of identifiers). If-Match: the dataset's version. */
export class DeclarePopulationCommand {
  constructor(
    readonly datasetId: string,
    readonly population: PopulationFacts,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

/** The population as declared is still right: certified again today, unchanged. */
export class RecertifyPopulationCommand {
  constructor(
    readonly datasetId: string,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

/** Datasets with what exposure needs: population (null when none declared) and their state label. All when ids is absent. */
export class DatasetPopulationsQuery {
  constructor(readonly datasetIds?: readonly string[]) {}
}
export interface DatasetPopulationRow {
  datasetId: string;
  agentId: string;
  state: string;
  population: DatasetPopulation | null;
}
