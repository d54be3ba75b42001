import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyWrapper } from './master-key';

export class DataKeyShreddedError extends Error {
  readonly code = 'DATA_KEY_SHREDDED';
  constructor(readonly scope: string) {
    super(`the data key of scope ${scope} was shredded`);
    this.name = 'DataKeyShreddedError';
  }
}

/**
 * Per-scope data keys (a scope is e.g. one incident), stored only wrapped by the master key.
 * Shredding deletes the wrapped key row and keeps a tombstone: the ciphertext elsewhere
 * (ledger, artifacts) stays, unreadable forever.
 */
export class DataKeyStore {
  private readonly db: Database.Database;
  private readonly cache = new Map<string, Buffer>();

  constructor(
    path: string,
    private readonly wrapper: KeyWrapper,
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('secure_delete = ON'); // shredded keys are zeroed on disk, not left in free pages
    this.db.exec(`CREATE TABLE IF NOT EXISTS data_keys (
      scope TEXT PRIMARY KEY, wrapped BLOB, created_at TEXT NOT NULL, shredded_at TEXT)`);
  }

  /** The scope's key, created on first use. */
  keyFor(scope: string, nowIso: string): Buffer {
    const cached = this.cache.get(scope);
    if (cached) return cached;
    const row = this.db.prepare('SELECT wrapped, shredded_at FROM data_keys WHERE scope = ?').get(scope) as
      { wrapped: Buffer | null; shredded_at: string | null } | undefined;
    if (row?.shredded_at) throw new DataKeyShreddedError(scope);
    if (row?.wrapped) {
      const key = this.wrapper.unwrap(row.wrapped, `data-key:${scope}`);
      this.cache.set(scope, key);
      return key;
    }
    const key = randomBytes(32);
    const inserted = this.db
      .prepare('INSERT INTO data_keys (scope, wrapped, created_at) VALUES (?, ?, ?) ON CONFLICT(scope) DO NOTHING')
      .run(scope, this.wrapper.wrap(key, `data-key:${scope}`), nowIso);
    if (inserted.changes === 0) return this.keyFor(scope, nowIso); // another process created it first
    this.cache.set(scope, key);
    return key;
  }

  /** An existing key only (reads never create keys). */
  existingKey(scope: string): Buffer {
    const cached = this.cache.get(scope);
    if (cached) return cached;
    const row = this.db.prepare('SELECT wrapped, shredded_at FROM data_keys WHERE scope = ?').get(scope) as
      { wrapped: Buffer | null; shredded_at: string | null } | undefined;
    if (!row || row.shredded_at || !row.wrapped) throw new DataKeyShreddedError(scope);
    const key = this.wrapper.unwrap(row.wrapped, `data-key:${scope}`);
    this.cache.set(scope, key);
    return key;
  }

  isShredded(scope: string): boolean {
    const row = this.db.prepare('SELECT shredded_at FROM data_keys WHERE scope = ?').get(scope) as
      { shredded_at: string | null } | undefined;
    return Boolean(row?.shredded_at);
  }

  /** Crypto-shredding: the wrapped key is overwritten and deleted; a tombstone remains. */
  shred(scope: string, nowIso: string): void {
    const key = this.cache.get(scope);
    if (key) key.fill(0);
    this.cache.delete(scope);
    this.db
      .prepare(
        `INSERT INTO data_keys (scope, wrapped, created_at, shredded_at) VALUES (?, NULL, ?, ?)
         ON CONFLICT(scope) DO UPDATE SET wrapped = NULL, shredded_at = excluded.shredded_at`,
      )
      .run(scope, nowIso, nowIso);
    this.db.pragma('wal_checkpoint(TRUNCATE)'); // do not leave the old wrapped key in the WAL
  }

  close(): void {
    this.db.close();
  }
}
