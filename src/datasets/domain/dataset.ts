/**
 * A PHI dataset on a host (a directory, or a database's data directory) and its encryption
 * state as the agents report it: unencrypted → encrypted under key K version v → re-wrapped
 * → (key revoked on the host | shredded). Only agent results move the encryption state:
 * Safe Harbor records what the host proved, not what it asked for.
 */
import type { Actor } from '../../ledger/port';
import { checkPopulation, normalizePopulation, type DatasetPopulation, type PopulationFacts, type PopulationSource } from './population';

export type DatasetKind = 'directory' | 'database-datadir';

export interface DatasetEncryption {
  keyId: string;
  keyVersion: number;
  /** The agent reported that its key store and the data do not overlap. */
  keyApart: boolean;
  since: string;
  manifestDigest: string;
}

export interface DatasetState {
  exists: boolean;
  datasetId: string | null;
  agentId: string | null;
  path: string | null;
  kind: DatasetKind | null;
  registeredAt: string | null;
  encryption: DatasetEncryption | null;
  /** Cleartext files seen in an encrypted dataset (by host.scan) since the last encryption. */
  cleartextSeenAt: string | null;
  keyRevokedOnHostAt: string | null;
  shreddedAt: string | null;
  /** Who the dataset holds (counts by state, kinds of identifiers), as last declared or scanned. */
  population: DatasetPopulation | null;
  /** Agent commands already recorded (results are delivered at least once). */
  recordedCommands: string[];
}

type E<T extends string, D> = { type: T; data: D };
export type DatasetEvent =
  | E<'DatasetRegistered', { datasetId: string; agentId: string; path: string; kind: DatasetKind; by: string; at: string }>
  | E<
      'DatasetEncrypted',
      {
        datasetId: string;
        keyId: string;
        keyVersion: number;
        files: number;
        manifestDigest: string;
        keyApart: boolean;
        commandId: string;
        at: string;
      }
    >
  | E<
      'DatasetRewrapped',
      {
        datasetId: string;
        keyId: string;
        fromVersions: number[];
        toVersion: number;
        files: number;
        manifestDigest: string;
        commandId: string;
        at: string;
      }
    >
  | E<'DatasetCleartextFound', { datasetId: string; files: number; commandId: string; at: string }>
  | E<'DatasetKeyRevokedOnHost', { datasetId: string; keyId: string; wrappedKeysDestroyed: number; commandId: string; at: string }>
  | E<'DatasetShredded', { datasetId: string; filesDestroyed: number; wrappedKeysDestroyed: number; commandId: string; at: string }>
  | E<
      'DatasetPopulationDeclared',
      PopulationFacts & { datasetId: string; source: PopulationSource; by: string; commandId?: string; at: string }
    >
  | E<'DatasetPopulationRecertified', { datasetId: string; by: string; at: string }>;

export const DATASET_EVENT_TYPES = [
  'DatasetRegistered',
  'DatasetEncrypted',
  'DatasetRewrapped',
  'DatasetCleartextFound',
  'DatasetKeyRevokedOnHost',
  'DatasetShredded',
  'DatasetPopulationDeclared',
  'DatasetPopulationRecertified',
] as const satisfies readonly DatasetEvent['type'][];

/** Every command: who acts (an officer registers; the agent's verified results record) and when. */
interface Base {
  actor: Actor;
  at: string;
}
export type DatasetCommand =
  | (Base & { kind: 'register'; datasetId: string; agentId: string; path: string; datasetKind: DatasetKind })
  | (Base & {
      kind: 'record-encrypted';
      keyId: string;
      keyVersion: number;
      files: number;
      manifestDigest: string;
      keyApart: boolean;
      cleartextRemaining: number;
      commandId: string;
    })
  | (Base & {
      kind: 'record-rewrapped';
      keyId: string;
      fromVersions: number[];
      toVersion: number;
      files: number;
      manifestDigest: string;
      commandId: string;
    })
  | (Base & { kind: 'record-cleartext-found'; files: number; commandId: string })
  | (Base & { kind: 'record-key-revoked'; keyId: string; wrappedKeysDestroyed: number; commandId: string })
  | (Base & { kind: 'record-shredded'; filesDestroyed: number; wrappedKeysDestroyed: number; commandId: string })
  /** An officer declares the population; a host agent's verified scan records one with its command id. */
  | (Base & { kind: 'declare-population'; population: PopulationFacts; source: 'declared' })
  | (Base & { kind: 'record-population-scan'; population: PopulationFacts; commandId: string })
  /** The population is still right as declared: certified again, unchanged. */
  | (Base & { kind: 'recertify-population' });

export class DatasetRuleError extends Error {
  readonly code = 'DATASET_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'DatasetRuleError';
  }
}

export const datasetStream = (datasetId: string) => `dataset-${datasetId}`;

export function initialDatasetState(): DatasetState {
  return {
    exists: false,
    datasetId: null,
    agentId: null,
    path: null,
    kind: null,
    registeredAt: null,
    encryption: null,
    cleartextSeenAt: null,
    keyRevokedOnHostAt: null,
    shreddedAt: null,
    population: null,
    recordedCommands: [],
  };
}

function need(cond: unknown, message: string): asserts cond {
  if (!cond) throw new DatasetRuleError(message);
}

const ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const isAbs = (p: string) =>
  p.startsWith('/') && p.length > 1 && !p.endsWith('/') && !p.includes('\0') && !p.split('/').some((s) => s === '..' || s === '.');

export function decideDataset(c: DatasetCommand, s: DatasetState): DatasetEvent[] {
  if (c.kind === 'register') {
    need(!s.exists, 'dataset already registered');
    need(ID_RE.test(c.datasetId), 'datasetId: must be a lower-case id');
    need(ID_RE.test(c.agentId), 'agentId: must be a lower-case id');
    need(isAbs(c.path), 'path: must be an absolute normalized path');
    need(c.datasetKind === 'directory' || c.datasetKind === 'database-datadir', 'kind: must be directory or database-datadir');
    return [
      {
        type: 'DatasetRegistered',
        data: { datasetId: c.datasetId, agentId: c.agentId, path: c.path, kind: c.datasetKind, by: c.actor.id, at: c.at },
      },
    ];
  }
  need(s.exists && s.datasetId, 'dataset is not registered');
  if ('commandId' in c && s.recordedCommands.includes(c.commandId)) return [];
  need(!s.shreddedAt, 'dataset was shredded');
  const datasetId = s.datasetId;
  switch (c.kind) {
    case 'record-encrypted':
      if (s.encryption) need(s.encryption.keyId === c.keyId, 'dataset is encrypted under another key: re-wrap it instead');
      return [
        {
          type: 'DatasetEncrypted',
          data: {
            datasetId,
            keyId: c.keyId,
            keyVersion: c.keyVersion,
            files: c.files,
            manifestDigest: c.manifestDigest,
            keyApart: c.keyApart,
            commandId: c.commandId,
            at: c.at,
          },
        },
        ...(c.cleartextRemaining > 0
          ? [{ type: 'DatasetCleartextFound' as const, data: { datasetId, files: c.cleartextRemaining, commandId: c.commandId, at: c.at } }]
          : []),
      ];
    case 'record-rewrapped':
      need(s.encryption && s.encryption.keyId === c.keyId, 'dataset is not encrypted under this key');
      need(!s.keyRevokedOnHostAt, 'the key of this dataset was revoked on its host');
      return [
        {
          type: 'DatasetRewrapped',
          data: {
            datasetId,
            keyId: c.keyId,
            fromVersions: c.fromVersions,
            toVersion: c.toVersion,
            files: c.files,
            manifestDigest: c.manifestDigest,
            commandId: c.commandId,
            at: c.at,
          },
        },
      ];
    case 'record-cleartext-found':
      return c.files > 0 ? [{ type: 'DatasetCleartextFound', data: { datasetId, files: c.files, commandId: c.commandId, at: c.at } }] : [];
    case 'record-key-revoked':
      need(s.encryption && s.encryption.keyId === c.keyId, 'dataset is not encrypted under this key');
      return [
        {
          type: 'DatasetKeyRevokedOnHost',
          data: { datasetId, keyId: c.keyId, wrappedKeysDestroyed: c.wrappedKeysDestroyed, commandId: c.commandId, at: c.at },
        },
      ];
    case 'record-shredded':
      return [
        {
          type: 'DatasetShredded',
          data: {
            datasetId,
            filesDestroyed: c.filesDestroyed,
            wrappedKeysDestroyed: c.wrappedKeysDestroyed,
            commandId: c.commandId,
            at: c.at,
          },
        },
      ];
    case 'declare-population':
    case 'record-population-scan': {
      checkPopulation(c.population);
      const source: PopulationSource = c.kind === 'declare-population' ? 'declared' : 'host-scan';
      return [
        {
          type: 'DatasetPopulationDeclared',
          data: {
            datasetId,
            ...normalizePopulation(c.population),
            source,
            by: c.actor.id,
            ...(c.kind === 'record-population-scan' ? { commandId: c.commandId } : {}),
            at: c.at,
          },
        },
      ];
    }
    case 'recertify-population':
      need(s.population, 'no population declared: declare one first');
      return [{ type: 'DatasetPopulationRecertified', data: { datasetId, by: c.actor.id, at: c.at } }];
    default:
      throw new DatasetRuleError('unknown command');
  }
}

export function evolveDataset(s0: DatasetState, e: DatasetEvent): DatasetState {
  const cid = (e.data as { commandId?: string }).commandId;
  const s = cid && !s0.recordedCommands.includes(cid) ? { ...s0, recordedCommands: [...s0.recordedCommands, cid] } : s0;
  switch (e.type) {
    case 'DatasetRegistered':
      return {
        ...initialDatasetState(),
        exists: true,
        datasetId: e.data.datasetId,
        agentId: e.data.agentId,
        path: e.data.path,
        kind: e.data.kind,
        registeredAt: e.data.at,
      };
    case 'DatasetEncrypted':
      return {
        ...s,
        encryption: {
          keyId: e.data.keyId,
          keyVersion: e.data.keyVersion,
          keyApart: e.data.keyApart,
          since: s.encryption?.since ?? e.data.at,
          manifestDigest: e.data.manifestDigest,
        },
        cleartextSeenAt: null,
      };
    case 'DatasetRewrapped':
      return s.encryption
        ? { ...s, encryption: { ...s.encryption, keyVersion: e.data.toVersion, manifestDigest: e.data.manifestDigest } }
        : s;
    case 'DatasetCleartextFound':
      return { ...s, cleartextSeenAt: e.data.at };
    case 'DatasetKeyRevokedOnHost':
      return { ...s, keyRevokedOnHostAt: e.data.at };
    case 'DatasetShredded':
      return { ...s, shreddedAt: e.data.at };
    case 'DatasetPopulationDeclared': {
      const { datasetId: _d, source, by, commandId: _c, at, ...facts } = e.data;
      return { ...s, population: { ...facts, source, declaredAt: at, declaredBy: by, certifiedAt: at, certifiedBy: by } };
    }
    case 'DatasetPopulationRecertified':
      return s.population ? { ...s, population: { ...s.population, certifiedAt: e.data.at, certifiedBy: e.data.by } } : s;
    default:
      return s;
  }
}

export const datasetDecider = { initialState: initialDatasetState, evolve: evolveDataset, decide: decideDataset };
