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

/** A stored data key: wrapped by the master key, or a tombstone once shredded. */
export interface WrappedKeyRow {
  wrapped: Buffer | null;
  shreddedAt: string | null;
}

/**
 * Where wrapped data keys live: the vault file (SQLite, embedded default) or PostgreSQL (shared by
 * several machines). Both adapters pass test/phi/data-key-repository.contract.ts.
 */
export interface DataKeyRepository {
  get(scope: string): Promise<WrappedKeyRow | undefined>;
  /** Stores a new wrapped key unless the scope already has a row; false when another writer was first. */
  insertIfAbsent(scope: string, wrapped: Buffer, nowIso: string): Promise<boolean>;
  /** Deletes the wrapped key and leaves a tombstone (also for a scope that never had a key). */
  tombstone(scope: string, nowIso: string): Promise<void>;
  close(): Promise<void>;
}

/** The vault file: SQLite in WAL mode with secure_delete, safe for several processes on one host. */
export class SqliteDataKeyRepository implements DataKeyRepository {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('secure_delete = ON'); // shredded keys are zeroed on disk, not left in free pages
    this.db.exec(`CREATE TABLE IF NOT EXISTS data_keys (
      scope TEXT PRIMARY KEY, wrapped BLOB, created_at TEXT NOT NULL, shredded_at TEXT)`);
  }

  async get(scope: string): Promise<WrappedKeyRow | undefined> {
    const row = this.db.prepare('SELECT wrapped, shredded_at FROM data_keys WHERE scope = ?').get(scope) as
      { wrapped: Buffer | null; shredded_at: string | null } | undefined;
    return row ? { wrapped: row.wrapped, shreddedAt: row.shredded_at } : undefined;
  }

  async insertIfAbsent(scope: string, wrapped: Buffer, nowIso: string): Promise<boolean> {
    const r = this.db
      .prepare('INSERT INTO data_keys (scope, wrapped, created_at) VALUES (?, ?, ?) ON CONFLICT(scope) DO NOTHING')
      .run(scope, wrapped, nowIso);
    return r.changes > 0;
  }

  async tombstone(scope: string, nowIso: string): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO data_keys (scope, wrapped, created_at, shredded_at) VALUES (?, NULL, ?, ?)
         ON CONFLICT(scope) DO UPDATE SET wrapped = NULL, shredded_at = excluded.shredded_at`,
      )
      .run(scope, nowIso, nowIso);
    this.db.pragma('wal_checkpoint(TRUNCATE)'); // do not leave the old wrapped key in the WAL
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/**
 * Per-scope data keys (a scope is e.g. one incident), stored only wrapped by the master key.
 * Shredding deletes the wrapped key row and keeps a tombstone: the ciphertext elsewhere
 * (ledger, artifacts) stays, unreadable forever.
 */
export class DataKeyStore {
  private readonly repo: DataKeyRepository;
  private readonly cache = new Map<string, Buffer>();

  /** A path opens the vault file; otherwise the given repository (e.g. PostgreSQL). */
  constructor(
    repo: string | DataKeyRepository,
    private readonly wrapper: KeyWrapper,
  ) {
    this.repo = typeof repo === 'string' ? new SqliteDataKeyRepository(repo) : repo;
  }

  /** The scope's key, created on first use. */
  async keyFor(scope: string, nowIso: string): Promise<Buffer> {
    const cached = this.cache.get(scope);
    if (cached) return cached;
    const row = await this.repo.get(scope);
    if (row?.shreddedAt) throw new DataKeyShreddedError(scope);
    if (row?.wrapped) return this.unwrapped(scope, row.wrapped);
    const key = randomBytes(32);
    if (!(await this.repo.insertIfAbsent(scope, this.wrapper.wrap(key, `data-key:${scope}`), nowIso))) {
      return this.keyFor(scope, nowIso); // another process created it first
    }
    this.cache.set(scope, key);
    return key;
  }

  /** An existing key only (reads never create keys). */
  async existingKey(scope: string): Promise<Buffer> {
    const cached = this.cache.get(scope);
    if (cached) return cached;
    const row = await this.repo.get(scope);
    if (!row || row.shreddedAt || !row.wrapped) throw new DataKeyShreddedError(scope);
    return this.unwrapped(scope, row.wrapped);
  }

  private unwrapped(scope: string, wrapped: Buffer): Buffer {
    const key = this.wrapper.unwrap(wrapped, `data-key:${scope}`);
    this.cache.set(scope, key);
    return key;
  }

  async isShredded(scope: string): Promise<boolean> {
    return Boolean((await this.repo.get(scope))?.shreddedAt);
  }

  /** Crypto-shredding: the wrapped key is overwritten and deleted; a tombstone remains. */
  async shred(scope: string, nowIso: string): Promise<void> {
    const key = this.cache.get(scope);
    if (key) key.fill(0);
    this.cache.delete(scope);
    await this.repo.tombstone(scope, nowIso);
  }

  close(): Promise<void> {
    return this.repo.close();
  }
}
