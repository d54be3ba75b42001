-- Notice delivery records (proof of notice, the idempotency key of every send), print files and
-- batch runs, shared by every machine. Progress counters are sharded by chunk (chunk % 16) so two
-- workers rarely wait on the same counter row; each transaction applies its counter changes
-- last, in key order (src/notices/delivery/pg-delivery-store.ts), so counter locks never deadlock.
CREATE TABLE notice_deliveries (
  batch_id           text    COLLATE "C" NOT NULL,
  individual_id      text    COLLATE "C" NOT NULL,
  letter_id          text    COLLATE "C" NOT NULL,
  chunk              integer NOT NULL,
  channel            text    NOT NULL,
  state              text    NOT NULL,
  attempts           integer NOT NULL DEFAULT 0,
  message_id         text,
  smtp_response      text,
  pdf_sha256         text,
  print_file         text,
  first_page         integer,
  last_page          integer,
  possible_duplicate integer NOT NULL DEFAULT 0,
  delivered_at       text,
  returned_at        text,
  return_reason      text,
  PRIMARY KEY (batch_id, individual_id)
);
CREATE INDEX notice_deliveries_individual ON notice_deliveries (individual_id);
CREATE INDEX notice_deliveries_letter ON notice_deliveries (letter_id);
CREATE INDEX notice_deliveries_chunk ON notice_deliveries (batch_id, chunk);

CREATE TABLE notice_print_files (
  batch_id         text    NOT NULL,
  chunk            integer NOT NULL,
  print_artifact   text    NOT NULL,
  print_sha256     text    NOT NULL,
  letters_artifact text    NOT NULL DEFAULT '',
  letters          integer NOT NULL,
  pages            integer NOT NULL,
  manifest_csv     text    NOT NULL,
  PRIMARY KEY (batch_id, chunk)
);

CREATE TABLE notice_batch_runs (
  batch_id    text PRIMARY KEY,
  total       integer NOT NULL,
  chunks      integer NOT NULL,
  planned_at  text    NOT NULL,
  started_at  text,
  finished_at text
);

CREATE TABLE notice_delivery_counts (
  batch_id text    NOT NULL,
  state    text    NOT NULL,
  channel  text    NOT NULL,
  shard    integer NOT NULL,
  n        integer NOT NULL,
  PRIMARY KEY (batch_id, state, channel, shard)
);

CREATE TABLE notice_delivery_totals (
  batch_id            text    NOT NULL,
  shard               integer NOT NULL,
  first_at            text,
  last_at             text,
  possible_duplicates integer NOT NULL,
  PRIMARY KEY (batch_id, shard)
);

-- Delivery records are proof of notice: never deleted, never moved to another batch or chunk.
CREATE FUNCTION notice_deliveries_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'delivery records are proof of notice and are never deleted';
  END IF;
  RAISE EXCEPTION 'a delivery record never moves to another batch or chunk';
END $$;
CREATE TRIGGER notice_deliveries_keep BEFORE DELETE ON notice_deliveries
  FOR EACH ROW EXECUTE FUNCTION notice_deliveries_keep();
CREATE TRIGGER notice_deliveries_keep_key BEFORE UPDATE OF batch_id, chunk ON notice_deliveries
  FOR EACH ROW WHEN (OLD.batch_id IS DISTINCT FROM NEW.batch_id OR OLD.chunk IS DISTINCT FROM NEW.chunk)
  EXECUTE FUNCTION notice_deliveries_keep();
