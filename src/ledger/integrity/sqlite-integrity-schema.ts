/** The integrity tables in the ledger's SQLite file (described in sqlite-integrity-store.ts). */
export const INTEGRITY_SCHEMA = `
CREATE TABLE IF NOT EXISTS integrity_nodes (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB    NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS integrity_tree (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  size     INTEGER NOT NULL,
  frontier BLOB    NOT NULL
);
CREATE TABLE IF NOT EXISTS integrity_checkpoints (
  size       INTEGER PRIMARY KEY,
  root       BLOB    NOT NULL,
  note       TEXT    NOT NULL,
  signed_at  TEXT    NOT NULL,
  cosigned   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS integrity_witnesses (
  name       TEXT PRIMARY KEY,
  size       INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT,
  last_error TEXT
);
CREATE TABLE IF NOT EXISTS integrity_leaf_auth (
  idx INTEGER PRIMARY KEY,
  tag BLOB    NOT NULL
);
CREATE TABLE IF NOT EXISTS integrity_verified (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  size     INTEGER NOT NULL,
  root     BLOB    NOT NULL,
  frontier BLOB    NOT NULL,
  at       TEXT    NOT NULL
);
`;
