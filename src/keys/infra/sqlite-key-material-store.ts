import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyMaterialStore } from '../domain/key-locker';

/**
 * Wrapped KEK versions in their own SQLite file (not the ledger: destroying a version must
 * really remove it). secure_delete overwrites freed pages with zeros.
 */
export class SqliteKeyMaterialStore implements KeyMaterialStore {
  private readonly db: Database.Database;
  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma('secure_delete = ON');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS key_material (key_id TEXT NOT NULL, version INTEGER NOT NULL, wrapped BLOB NOT NULL, PRIMARY KEY (key_id, version))',
    );
  }
  put(keyId: string, version: number, wrapped: Buffer): void {
    this.db.prepare('INSERT INTO key_material (key_id, version, wrapped) VALUES (?, ?, ?)').run(keyId, version, wrapped);
  }
  get(keyId: string, version: number): Buffer | undefined {
    const row = this.db.prepare('SELECT wrapped FROM key_material WHERE key_id = ? AND version = ?').get(keyId, version) as
      { wrapped: Buffer } | undefined;
    return row?.wrapped;
  }
  destroy(keyId: string, version: number): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE key_material SET wrapped = zeroblob(length(wrapped)) WHERE key_id = ? AND version = ?').run(keyId, version);
      this.db.prepare('DELETE FROM key_material WHERE key_id = ? AND version = ?').run(keyId, version);
    })();
  }
  close(): void {
    this.db.close();
  }
}
