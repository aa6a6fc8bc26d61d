-- +goose Up
-- Realtime delivery order and cross-instance agent presence.

-- Readers deliver events in (tx, id) order, not id order. Ids come from a
-- sequence when a row is inserted, but a transaction that got its xid
-- earlier can insert later: transaction A (xid 100) inserts id 11 and
-- commits while B (xid 101) still holds id 10. A reader at that moment sees
-- id 11 (100 < xmin = 101) but not id 10; had it advanced past 11 by id it
-- would skip id 10 forever once B commits. Every transaction below
-- pg_snapshot_xmin has finished and every future one gets a larger xid, so
-- the prefix "tx < xmin" in (tx, id) order never grows holes.
CREATE INDEX events_tx_id ON events (tx, id);

-- One row per running server instance. An instance renews expires_at every
-- few seconds; when it dies its row expires and its streams stop counting.
CREATE TABLE realtime_instances (
    id         uuid PRIMARY KEY,
    expires_at timestamptz NOT NULL
);

-- Agents holding at least one Subscribe stream on an instance (or whose
-- last stream there ended less than the grace period ago). An agent is
-- online when their status is 'online' and a row of a live instance exists.
CREATE TABLE agent_streams (
    instance_id uuid NOT NULL REFERENCES realtime_instances (id) ON DELETE CASCADE,
    agent_id    uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, instance_id)
);
CREATE INDEX agent_streams_instance_id ON agent_streams (instance_id);

-- +goose Down
DROP TABLE agent_streams;
DROP TABLE realtime_instances;
DROP INDEX events_tx_id;
