-- The ledger: events in global position order (contiguous from 1, assigned under the append lock),
-- each stream's current version, and the integrity layer's Merkle tree written in the same
-- transaction as the events. data/metadata are RFC 8785 canonical JSON kept as text (not jsonb:
-- jsonb reorders keys and the integrity layer hashes the stored bytes).
CREATE TABLE events (
  position       bigint  PRIMARY KEY,
  id             text    NOT NULL UNIQUE,
  stream         text    NOT NULL,
  version        bigint  NOT NULL,
  type           text    NOT NULL,
  schema_version integer NOT NULL,
  data           text    NOT NULL,
  metadata       text    NOT NULL,
  UNIQUE (stream, version)
);

CREATE TABLE streams (
  stream  text   PRIMARY KEY,
  version bigint NOT NULL
);

-- level 0 = leaf hash of the event at position idx + 1; higher levels = completed perfect subtrees.
CREATE TABLE integrity_nodes (
  level smallint NOT NULL,
  idx   bigint   NOT NULL,
  hash  bytea    NOT NULL,
  PRIMARY KEY (level, idx)
);

-- One row: the compact range [0, size) of the tree.
CREATE TABLE integrity_tree (
  id       smallint PRIMARY KEY CHECK (id = 1),
  size     bigint   NOT NULL,
  frontier bytea    NOT NULL
);
