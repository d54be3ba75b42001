import type Database from 'better-sqlite3';
import type { Projection } from '../ledger/projections/projection';
import type { RecordedEvent } from '../ledger/port';

export const principalsProjection: Projection = {
  name: 'principals',
  version: 2,
  handles: ['PrincipalCreated', 'ApiKeyIssued', 'PrincipalDisabled', 'PrincipalRoleChanged'],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS principals (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS api_keys (key_id TEXT PRIMARY KEY, principal_id TEXT NOT NULL, key_hash TEXT NOT NULL);`);
  },
  reset(db) {
    db.exec('DELETE FROM principals; DELETE FROM api_keys;');
  },
  apply(db: Database.Database, e: RecordedEvent) {
    const d = e.data as Record<string, string>;
    switch (e.type) {
      case 'PrincipalCreated':
        db.prepare('INSERT OR REPLACE INTO principals (id, name, role, disabled, created_at) VALUES (?, ?, ?, 0, ?)').run(
          d.principalId,
          d.name,
          d.role,
          e.metadata.occurredAt,
        );
        break;
      case 'ApiKeyIssued':
        db.prepare('INSERT OR REPLACE INTO api_keys (key_id, principal_id, key_hash) VALUES (?, ?, ?)').run(
          d.keyId,
          d.principalId,
          d.keyHash,
        );
        break;
      case 'PrincipalRoleChanged':
        db.prepare('UPDATE principals SET role = ? WHERE id = ?').run(d.to, d.principalId);
        break;
      case 'PrincipalDisabled':
        db.prepare('UPDATE principals SET disabled = 1 WHERE id = ?').run(d.principalId);
        break;
    }
  },
};
