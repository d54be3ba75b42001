import type Database from 'better-sqlite3';
import type { Projection } from '../../ledger/projections/projection';
import { DATASET_EVENT_TYPES, evolveDataset, initialDatasetState, type DatasetEvent, type DatasetState } from '../domain/dataset';

/** The state label lists and the posture show, by the event that set it. */
const LABEL: Partial<Record<DatasetEvent['type'], string>> = {
  DatasetRegistered: 'unencrypted',
  DatasetEncrypted: 'encrypted',
  DatasetRewrapped: 'encrypted',
  DatasetCleartextFound: 'cleartext-found',
  DatasetKeyRevokedOnHost: 'key-revoked',
  DatasetShredded: 'shredded',
};

/**
 * Datasets as their aggregate folds them, one row each (`state` the full view, `version` the
 * ETag), and every key a dataset was ever encrypted under (whose compromise touches it).
 */
export const datasetsProjection: Projection = {
  name: 'datasets',
  version: 1,
  handles: DATASET_EVENT_TYPES,
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS datasets (dataset_id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, kind TEXT NOT NULL, key_id TEXT, key_version INTEGER,
        label TEXT NOT NULL, version INTEGER NOT NULL, state TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS datasets_key ON datasets(key_id);
      CREATE TABLE IF NOT EXISTS dataset_keys (key_id TEXT NOT NULL, dataset_id TEXT NOT NULL, PRIMARY KEY (key_id, dataset_id));`);
  },
  reset(db) {
    db.exec('DELETE FROM datasets; DELETE FROM dataset_keys;');
  },
  apply(db, e) {
    const datasetId = (e.data as { datasetId: string }).datasetId;
    const row = db.prepare('SELECT state, label FROM datasets WHERE dataset_id = ?').get(datasetId) as
      { state: string; label: string } | undefined;
    const event = { type: e.type, data: e.data } as DatasetEvent;
    const s = evolveDataset(row ? (JSON.parse(row.state) as DatasetState) : initialDatasetState(), event);
    const label = LABEL[event.type] ?? row?.label ?? 'unencrypted';
    db.prepare(
      `INSERT INTO datasets (dataset_id, agent_id, kind, key_id, key_version, label, version, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(dataset_id) DO UPDATE SET agent_id = excluded.agent_id, kind = excluded.kind, key_id = excluded.key_id, key_version = excluded.key_version,
         label = excluded.label, version = excluded.version, state = excluded.state, updated_at = excluded.updated_at`,
    ).run(
      datasetId,
      s.agentId ?? '',
      s.kind ?? 'directory',
      s.encryption?.keyId ?? null,
      s.encryption?.keyVersion ?? null,
      label,
      Number(e.version),
      JSON.stringify(s),
      e.metadata.occurredAt,
    );
    if (event.type === 'DatasetEncrypted')
      db.prepare('INSERT OR IGNORE INTO dataset_keys (key_id, dataset_id) VALUES (?, ?)').run(event.data.keyId, datasetId);
  },
};

export function readDatasetRow(db: Database.Database, datasetId: string): { state: DatasetState; version: number } | undefined {
  const row = db.prepare('SELECT state, version FROM datasets WHERE dataset_id = ?').get(datasetId) as
    { state: string; version: number } | undefined;
  return row && { state: JSON.parse(row.state) as DatasetState, version: row.version };
}
