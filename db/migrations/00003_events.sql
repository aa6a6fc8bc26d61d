-- +goose Up
-- The durable event log behind every Subscribe stream. A row is written in
-- the same statement or transaction as the change it records, so an event
-- exists exactly when its change committed. The id is the stream cursor.
--
-- Ids are assigned at insert but transactions commit in any order, so a
-- reader must not read past a transaction that is still running: it reads
-- only rows whose tx is older than every running transaction
--   WHERE id > $cursor AND tx < pg_snapshot_xmin(pg_current_snapshot())
-- which makes delivery in id order gap-free.
CREATE TABLE events (
    id              bigserial PRIMARY KEY,
    tx              xid8 NOT NULL DEFAULT pg_current_xact_id(),
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    -- message_created | conversation_created | conversation_updated | read
    kind            text NOT NULL,
    conversation_id uuid NOT NULL,
    -- The conversation's customer: a visitor's stream reads only its own.
    customer_id     uuid NOT NULL,
    -- The message, for message_created.
    message_id      uuid,
    -- Hidden from visitors (internal notes).
    internal        boolean NOT NULL DEFAULT false,
    -- For read: who read (agent or customer id) and up to which seq.
    reader_type     text,
    reader_id       uuid,
    read_seq        bigint
);
CREATE INDEX events_customer_id ON events (customer_id, id);
CREATE INDEX events_occurred_at ON events (occurred_at);

-- +goose Down
DROP TABLE events;
