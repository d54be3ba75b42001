-- Idempotency-Key records of POST requests, per principal: claimed (status NULL) while in flight,
-- then the stored response a retry replays, whichever machine it reaches.
CREATE TABLE idempotency_keys (
  principal_id text    NOT NULL,
  key          text    NOT NULL,
  fingerprint  text    NOT NULL,
  status       integer,
  body         text,
  headers      text,
  created_at   text    NOT NULL,
  PRIMARY KEY (principal_id, key)
);
