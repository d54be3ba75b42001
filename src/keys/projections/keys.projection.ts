import type Database from 'better-sqlite3';
import type { Projection } from '../../ledger/projections/projection';
import { textCell } from '../../ledger/sealing';
import { currentVersion, evolveKey, initialKeyState, KEY_EVENT_TYPES, type KeyEvent, type KeyState } from '../domain/key';

/**
 * Keys as their own aggregate folds them (the decider's evolve), one row per key: the indexed
 * columns serve lists and joins, `state` the full view, `version` the ETag.
 */
export const keysProjection: Projection = {
  name: 'keys',
  version: 2,
  handles: KEY_EVENT_TYPES,
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS crypto_keys (key_id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, current_version INTEGER NOT NULL,
      custodians TEXT NOT NULL, version INTEGER NOT NULL, state TEXT NOT NULL, updated_at TEXT NOT NULL)`);
  },
  reset(db) {
    db.exec('DELETE FROM crypto_keys');
  },
  apply(db, e) {
    const keyId = (e.data as { keyId: string }).keyId;
    const row = db.prepare('SELECT state FROM crypto_keys WHERE key_id = ?').get(keyId) as { state: string } | undefined;
    const s = evolveKey(row ? (JSON.parse(row.state) as KeyState) : initialKeyState(), { type: e.type, data: e.data } as KeyEvent);
    db.prepare(
      `INSERT INTO crypto_keys (key_id, name, status, current_version, custodians, version, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(key_id) DO UPDATE SET name = excluded.name, status = excluded.status, current_version = excluded.current_version,
         custodians = excluded.custodians, version = excluded.version, state = excluded.state, updated_at = excluded.updated_at`,
    ).run(
      keyId,
      textCell(s.name) ?? '', // sealed free text as JSON (src/app/free-text-fields.ts)
      s.status ?? 'pre-activation',
      currentVersion(s),
      JSON.stringify(s.custodians),
      Number(e.version),
      JSON.stringify(s),
      e.metadata.occurredAt,
    );
  },
};

export function readKeyRow(db: Database.Database, keyId: string): { state: KeyState; version: number } | undefined {
  const row = db.prepare('SELECT state, version FROM crypto_keys WHERE key_id = ?').get(keyId) as
    { state: string; version: number } | undefined;
  return row && { state: JSON.parse(row.state) as KeyState, version: row.version };
}
