-- Encrypted, content-addressed artifacts (affected lists, letters, print files): the bytes are
-- ciphertext already, split in rows of at most 256 KiB, visible under their digest once committed.
CREATE TABLE artifact_chunks (
  blob_id text    NOT NULL,
  seq     integer NOT NULL,
  bytes   bytea   NOT NULL,
  PRIMARY KEY (blob_id, seq)
);
-- ciphertext does not compress: store it out of line without trying
ALTER TABLE artifact_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;

CREATE TABLE artifacts (
  digest     text        PRIMARY KEY,
  blob_id    text        NOT NULL,
  size       bigint      NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
