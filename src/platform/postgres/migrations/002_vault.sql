-- Per-scope data keys, only ever stored wrapped by the master key (kept apart from the database).
-- A shredded scope keeps a tombstone row (wrapped NULL, shredded_at set).
CREATE TABLE data_keys (
  scope       text PRIMARY KEY,
  wrapped     bytea,
  created_at  text NOT NULL,
  shredded_at text
);
