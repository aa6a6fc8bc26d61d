-- name: ReadEvents :many
-- The next durable events after a position, in delivery order, stopping
-- before any transaction that may still be running (see 00007_presence).
-- Positions are (tx, id) pairs; tx travels as bigint (pgx has no xid8).
-- When committed events wait behind a running transaction, one more row
-- of kind 'pending' says so (nothing else of it is meaningful): nobody may
-- wake the reader when that transaction ends, so it must look again.
WITH snap AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
(SELECT e.id, e.tx::text::bigint AS tx, e.kind, e.conversation_id, e.customer_id, e.message_id,
        e.internal, e.reader_type, e.reader_id, e.read_seq, e.occurred_at,
        e.conversation_status, e.assignee_id, e.last_seq, e.waiting_since, e.conversation_updated_at, e.last_message_at
 FROM events e, snap
 WHERE (e.tx, e.id) > (sqlc.arg(after_tx)::bigint::text::xid8, sqlc.arg(after_id)::bigint)
   AND e.tx < snap.xmin
 ORDER BY e.tx, e.id
 LIMIT sqlc.arg(max_rows))
UNION ALL
SELECT 0::bigint, 0::bigint, 'pending'::text, '00000000-0000-0000-0000-000000000000'::uuid,
       '00000000-0000-0000-0000-000000000000'::uuid, NULL::uuid, false, NULL::text, NULL::uuid,
       NULL::bigint, now(), NULL::text, NULL::uuid, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz
WHERE EXISTS (
    SELECT 1 FROM events e, snap
    WHERE (e.tx, e.id) > (sqlc.arg(after_tx)::bigint::text::xid8, sqlc.arg(after_id)::bigint)
      AND e.tx >= snap.xmin);

-- name: SnapshotXmin :one
-- The position before which no transaction is running: where a starting
-- hub begins.
SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin;

-- name: CatchUpEvents :many
-- Every event in (after, upto] for an agent stream, in delivery order.
SELECT id, tx::text::bigint AS tx, kind, conversation_id, customer_id, message_id,
       internal, reader_type, reader_id, read_seq, occurred_at,
       conversation_status, assignee_id, last_seq, waiting_since, conversation_updated_at, last_message_at
FROM events
WHERE (tx, id) > (sqlc.arg(after_tx)::bigint::text::xid8, sqlc.arg(after_id)::bigint)
  AND (tx, id) <= (sqlc.arg(upto_tx)::bigint::text::xid8, sqlc.arg(upto_id)::bigint)
ORDER BY tx, id
LIMIT sqlc.arg(max_rows);

-- name: CatchUpCustomerEvents :many
-- Every event in (after, upto] a visitor may see: their own, not internal.
SELECT id, tx::text::bigint AS tx, kind, conversation_id, customer_id, message_id,
       internal, reader_type, reader_id, read_seq, occurred_at,
       conversation_status, assignee_id, last_seq, waiting_since, conversation_updated_at, last_message_at
FROM events
WHERE customer_id = sqlc.arg(customer_id)
  AND NOT internal
  AND (tx, id) > (sqlc.arg(after_tx)::bigint::text::xid8, sqlc.arg(after_id)::bigint)
  AND (tx, id) <= (sqlc.arg(upto_tx)::bigint::text::xid8, sqlc.arg(upto_id)::bigint)
ORDER BY tx, id
LIMIT sqlc.arg(max_rows);

-- name: EventTx :one
-- The transaction of one event, to check that a cursor is still retained.
SELECT tx::text::bigint AS tx FROM events WHERE id = $1;

-- name: PruneEvents :execrows
-- Deletes events older than the retention among the max_rows oldest by id
-- (the primary key; no index on occurred_at, which would cost every write
-- an entry). Ids and times rise together, up to the length of the
-- transaction that wrote an event (occurred_at is its start): an old event
-- just past a newer one by id waits for the next round; no event within
-- the retention is ever deleted. Fewer than max_rows deleted means the old
-- end of the log is done.
DELETE FROM events
WHERE id IN (
    SELECT o.id FROM (SELECT id, occurred_at FROM events ORDER BY id LIMIT sqlc.arg(max_rows)) o
    WHERE o.occurred_at < now() - make_interval(secs => sqlc.arg(retention_seconds)::float8)
);

-- name: Notify :exec
-- Sends several notifications on one channel in one round trip, outside
-- any writer's transaction. A notification needs no durability (a listener
-- that misses one catches up from the log), so its commit does not wait for
-- the WAL flush, which would queue behind the writers' commits and delay
-- theirs.
SELECT pg_notify(sqlc.arg(channel)::text, p)
FROM unnest(sqlc.arg(payloads)::text[]) AS p,
     (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit;

-- name: RenewInstance :exec
-- Registers or renews a server instance for ttl_seconds.
INSERT INTO realtime_instances (id, expires_at)
VALUES (sqlc.arg(id), now() + make_interval(secs => sqlc.arg(ttl_seconds)::float8))
ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at;

-- name: DeleteExpiredInstances :exec
-- Forgets instances that stopped renewing (their agent_streams go too).
DELETE FROM realtime_instances WHERE expires_at < now();

-- name: AddAgentStreams :exec
-- Records that agents stream on an instance; unknown agents are skipped.
INSERT INTO agent_streams (instance_id, agent_id)
SELECT sqlc.arg(instance_id), a.id FROM agents a WHERE a.id = ANY (sqlc.arg(agent_ids)::uuid[])
ON CONFLICT DO NOTHING;

-- name: RemoveAgentStreams :exec
DELETE FROM agent_streams
WHERE instance_id = sqlc.arg(instance_id) AND agent_id = ANY (sqlc.arg(agent_ids)::uuid[]);

-- name: ListAgentPresence :many
-- Every enabled agent's chosen status and whether a live instance holds a
-- stream of theirs.
SELECT a.id, a.status,
       EXISTS (
           SELECT 1 FROM agent_streams s JOIN realtime_instances i ON i.id = s.instance_id
           WHERE s.agent_id = a.id AND i.expires_at > now()
       )::boolean AS streaming
FROM agents a
WHERE NOT a.disabled;

-- name: RebaseForeignEvents :execrows
-- Events whose transaction id lies beyond this cluster's counter were
-- written by another cluster: a dump restored here. Cursors order events by
-- transaction id, and this cluster counts from its own, lower, number, so
-- such events are moved before every transaction of this cluster (3 is the
-- first normal transaction id). The cursors clients hold for them stop
-- matching, and those clients reload once.
UPDATE events SET tx = '3'::xid8
WHERE tx >= pg_snapshot_xmax(pg_current_snapshot());
