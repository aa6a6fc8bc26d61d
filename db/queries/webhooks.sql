-- Webhooks and their delivery log (package server/webhooks).

-- name: CreateWebhook :one
-- A new webhook starts at the head of the event log: it receives what
-- happens from now on (an admin replays older events with ReplayWebhook).
INSERT INTO webhooks (id, url, event_types, enabled, allow_private_network, secret_sealed, created_by, cursor_tx, cursor_id)
VALUES (@id, @url, @event_types::text[], @enabled, @allow_private_network, @secret_sealed, @created_by,
        pg_snapshot_xmin(pg_current_snapshot())::text::bigint, 0)
RETURNING *;

-- name: ListWebhooks :many
SELECT * FROM webhooks ORDER BY created_at, id;

-- name: GetWebhook :one
SELECT * FROM webhooks WHERE id = @id;

-- name: CountWebhooks :one
SELECT count(*) FROM webhooks;

-- name: UpdateWebhook :one
-- Enabling a webhook (from disabled or failing) starts its retries afresh:
-- delivery resumes from its cursor, so nothing it missed is lost.
UPDATE webhooks
SET url = @url, event_types = @event_types::text[], allow_private_network = @allow_private_network,
    enabled = @enabled, updated_at = now(),
    state = CASE WHEN @enabled::boolean AND (NOT webhooks.enabled OR webhooks.state = 'failing')
                 THEN 'healthy' ELSE webhooks.state END,
    attempts = CASE WHEN @enabled::boolean AND (NOT webhooks.enabled OR webhooks.state = 'failing')
                    THEN 0 ELSE webhooks.attempts END,
    failing_since = CASE WHEN @enabled::boolean AND (NOT webhooks.enabled OR webhooks.state = 'failing')
                         THEN NULL ELSE webhooks.failing_since END,
    next_attempt_at = CASE WHEN @enabled::boolean AND (NOT webhooks.enabled OR webhooks.state = 'failing')
                           THEN NULL ELSE webhooks.next_attempt_at END,
    last_error = CASE WHEN @enabled::boolean AND (NOT webhooks.enabled OR webhooks.state = 'failing')
                      THEN '' ELSE webhooks.last_error END
WHERE id = @id
RETURNING *;

-- name: SetWebhookSecret :one
UPDATE webhooks SET secret_sealed = @secret_sealed, updated_at = now() WHERE id = @id RETURNING *;

-- name: DeleteWebhook :execrows
DELETE FROM webhooks WHERE id = @id;

-- name: ReplayWebhookFrom :one
-- Moves the cursor back to just before the first event (in delivery order)
-- that occurred at or after since, or to the head of the log when there is
-- none, and clears a failing state.
WITH f AS (
    SELECT e.tx::text::bigint AS tx, e.id FROM events e
    WHERE e.occurred_at >= @since
    ORDER BY e.tx, e.id
    LIMIT 1
)
UPDATE webhooks
SET cursor_tx = COALESCE((SELECT f.tx FROM f), pg_snapshot_xmin(pg_current_snapshot())::text::bigint),
    cursor_id = COALESCE((SELECT f.id - 1 FROM f), 0),
    state = 'healthy', attempts = 0, failing_since = NULL, next_attempt_at = NULL, last_error = '',
    updated_at = now()
WHERE webhooks.id = @id
RETURNING *;

-- name: ClaimWebhooks :many
-- Takes or renews the lease of every enabled webhook that no live instance
-- holds, and returns the webhooks this instance now holds. A webhook whose
-- holder stopped renewing is taken over when its lease runs out.
UPDATE webhooks
SET lease_owner = @owner::uuid, lease_until = now() + make_interval(secs => @ttl_seconds::float8)
WHERE enabled AND state <> 'failing'
  AND (lease_owner IS NULL OR lease_owner = @owner::uuid OR lease_until < now())
RETURNING *;

-- name: RenewWebhookLease :one
-- Renews this instance's lease before a delivery and returns the webhook as
-- it is now (an admin may have changed it). No row when the lease was lost
-- or the webhook was disabled, failed or deleted.
UPDATE webhooks
SET lease_until = now() + make_interval(secs => @ttl_seconds::float8)
WHERE id = @id AND lease_owner = @owner::uuid AND lease_until > now() AND enabled AND state <> 'failing'
RETURNING *;

-- name: ReleaseWebhookLease :exec
UPDATE webhooks SET lease_owner = NULL, lease_until = NULL WHERE id = @id AND lease_owner = @owner::uuid;

-- name: AdvanceWebhookCursor :execrows
-- Records that every event up to (tx, id) is handled, only while this
-- instance holds the lease; a healthy delivery clears the failure state.
UPDATE webhooks
SET cursor_tx = @cursor_tx, cursor_id = @cursor_id,
    state = 'healthy', attempts = 0, failing_since = NULL, next_attempt_at = NULL, last_error = ''
WHERE id = @id AND lease_owner = @owner::uuid AND (cursor_tx, cursor_id) = (@from_tx::bigint, @from_id::bigint);

-- name: RecordWebhookFailure :execrows
-- Records a failed attempt at the next event: when to try again, or that
-- the webhook is failing (retries gave up).
UPDATE webhooks
SET state = @state, attempts = attempts + 1, failing_since = COALESCE(failing_since, @failed_at),
    next_attempt_at = @next_attempt_at, last_error = @last_error
WHERE id = @id AND lease_owner = @owner::uuid;

-- name: WebhookEvents :many
-- The next events after a webhook's cursor, in delivery order, stopping
-- before any transaction that may still be running (as ReadEvents). A
-- conversation_updated row comes with the state the conversation's previous
-- event recorded, to tell an assignment or a resolution from other updates.
WITH snap AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
SELECT e.id, e.tx::text::bigint AS tx, e.kind, e.conversation_id, e.customer_id, e.message_id,
       e.internal, e.occurred_at, e.conversation_status, e.assignee_id, e.last_seq, e.waiting_since,
       e.conversation_updated_at, e.last_message_at,
       prev.conversation_status AS prev_status, prev.assignee_id AS prev_assignee_id,
       -- A message_updated row is a deletion when the revision its statement
       -- wrote (same message, same transaction time) says so.
       EXISTS (SELECT 1 FROM message_revisions mr
               WHERE e.kind = 'message_updated' AND mr.message_id = e.message_id
                 AND mr.replaced_at = e.occurred_at AND mr.deleted) AS message_deleted
FROM events e
CROSS JOIN snap
LEFT JOIN LATERAL (
    SELECT p.conversation_status, p.assignee_id FROM events p
    WHERE e.kind = 'conversation_updated'
      AND p.customer_id = e.customer_id AND p.conversation_id = e.conversation_id
      AND p.kind IN ('conversation_created', 'conversation_updated') AND p.id < e.id
    ORDER BY p.id DESC
    LIMIT 1
) prev ON true
WHERE (e.tx, e.id) > (sqlc.arg(after_tx)::bigint::text::xid8, sqlc.arg(after_id)::bigint)
  AND e.tx < snap.xmin
ORDER BY e.tx, e.id
LIMIT sqlc.arg(max_rows);

-- name: WebhookEventByID :one
-- One event, for resending a delivery.
SELECT e.id, e.tx::text::bigint AS tx, e.kind, e.conversation_id, e.customer_id, e.message_id,
       e.internal, e.occurred_at, e.conversation_status, e.assignee_id, e.last_seq, e.waiting_since,
       e.conversation_updated_at, e.last_message_at
FROM events e WHERE e.id = @id;

-- name: InsertWebhookDelivery :one
INSERT INTO webhook_deliveries (webhook_id, event_id, message_id, event_type, attempt, manual, succeeded,
                                response_status, latency_ms, response_excerpt, error)
VALUES (@webhook_id, @event_id, @message_id, @event_type, @attempt, @manual, @succeeded,
        @response_status, @latency_ms, @response_excerpt, @error)
RETURNING *;

-- name: ListWebhookDeliveries :many
-- A webhook's deliveries, newest first, before a position (0: the newest).
SELECT * FROM webhook_deliveries
WHERE webhook_id = @webhook_id AND (@before_id::bigint = 0 OR id < @before_id::bigint)
ORDER BY id DESC
LIMIT @max_rows;

-- name: GetWebhookDelivery :one
SELECT * FROM webhook_deliveries WHERE id = @id;

-- name: PruneWebhookDeliveries :execrows
DELETE FROM webhook_deliveries
WHERE id IN (
    SELECT id FROM webhook_deliveries
    WHERE created_at < now() - make_interval(secs => sqlc.arg(retention_seconds)::float8)
    LIMIT sqlc.arg(max_rows)
);

-- name: ReplayWebhookFromEvent :one
-- Moves the cursor back to just before one event, and clears a failing
-- state. No row when the event is no longer kept.
UPDATE webhooks
SET cursor_tx = e.tx::text::bigint, cursor_id = e.id - 1,
    state = 'healthy', attempts = 0, failing_since = NULL, next_attempt_at = NULL, last_error = '',
    updated_at = now()
FROM events e
WHERE webhooks.id = @id AND e.id = @event_id
RETURNING webhooks.*;
