-- Widget configurations, visitor sessions, visitors' customer records and
-- the abuse counters of WidgetService. Deleted widgets keep their row (their
-- conversations and customers refer to it) but are invisible here.

-- name: CreateWidget :one
INSERT INTO widgets (site_key, name, settings, identity_secret, attachment_kinds)
VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: GetWidget :one
SELECT * FROM widgets WHERE id = $1 AND deleted_at IS NULL;

-- name: GetWidgetBySiteKey :one
SELECT * FROM widgets WHERE site_key = $1 AND deleted_at IS NULL;

-- name: ListWidgets :many
-- Live widgets by name, keyset-paginated by (lower(name), id) after the
-- cursor's row, narrowed by
-- a lower-case LIKE pattern over the name.
SELECT * FROM widgets
WHERE deleted_at IS NULL
  AND (@pattern::text = '' OR lower(name) LIKE @pattern::text)
  AND (NOT @has_cursor::boolean
       OR (lower(name), id) > (SELECT lower(p.name), p.id FROM widgets p WHERE p.id = @cursor_id::uuid))
ORDER BY lower(name), id
LIMIT @page_limit;

-- name: UpdateWidget :one
UPDATE widgets SET name = $2, settings = $3, attachment_kinds = $4, updated_at = now()
WHERE id = $1 AND deleted_at IS NULL
RETURNING *;

-- name: DeleteWidget :one
UPDATE widgets SET deleted_at = now(), updated_at = now()
WHERE id = $1 AND deleted_at IS NULL
RETURNING id;

-- name: RotateWidgetSecret :one
UPDATE widgets SET identity_secret = $2, secret_rotated_at = now(), updated_at = now()
WHERE id = $1 AND deleted_at IS NULL
RETURNING *;

-- name: RevokeVerifiedVisitorSessions :execrows
-- Ends the sessions of a widget's verified visitors, who proved who they
-- are with a secret that is being replaced.
UPDATE visitor_sessions s SET revoked_at = now()
FROM customers c
WHERE s.widget_id = $1 AND s.revoked_at IS NULL
  AND c.id = s.customer_id AND c.verified_user_id IS NOT NULL;

-- name: ListWidgetOrigins :many
-- The allowed origins of every live widget (a JSON array, or NULL when the
-- widget allows any origin), for answering CORS preflights.
SELECT (settings -> 'allowedOrigins')::jsonb AS allowed_origins
FROM widgets WHERE deleted_at IS NULL;

-- name: CreateVisitorSession :one
INSERT INTO visitor_sessions (token_hash, widget_id, customer_id)
VALUES ($1, $2, $3)
RETURNING id;

-- name: ResolveVisitorSession :one
-- One lookup per visitor call: the session, and what the widget says about
-- where it may be used.
SELECT s.id, s.widget_id, s.customer_id, s.last_seen_at, s.revoked_at,
       w.deleted_at AS widget_deleted_at,
       (w.settings -> 'allowedOrigins')::jsonb AS allowed_origins
FROM visitor_sessions s
JOIN widgets w ON w.id = s.widget_id
WHERE s.token_hash = $1;

-- name: RevokeVisitorSession :exec
UPDATE visitor_sessions SET revoked_at = now()
WHERE id = $1 AND revoked_at IS NULL;

-- name: RevokedVisitorSessions :many
-- Which of these visitor sessions ended: revoked, unused for longer than
-- the idle limit, or of a deleted widget. Open Subscribe streams of theirs
-- are ended.
SELECT c.id::uuid AS id
FROM unnest(sqlc.arg(ids)::uuid[]) AS c(id)
WHERE NOT EXISTS (
    SELECT 1 FROM visitor_sessions s JOIN widgets w ON w.id = s.widget_id
    WHERE s.id = c.id AND s.revoked_at IS NULL AND w.deleted_at IS NULL
      AND s.last_seen_at > now() - make_interval(secs => sqlc.arg(idle_seconds)::float8));

-- name: TouchVisitorSession :exec
WITH s AS (
    UPDATE visitor_sessions SET last_seen_at = now()
    WHERE visitor_sessions.id = $1
    RETURNING customer_id
)
UPDATE customers SET last_seen_at = now()
WHERE customers.id = (SELECT customer_id FROM s);

-- name: CreateVisitorCustomer :one
INSERT INTO customers (widget_id, name, email, phone, attributes)
VALUES ($1, $2, $3, $4, $5)
RETURNING id;

-- name: GetVisitorCustomer :one
SELECT sqlc.embed(c), w.name AS widget_name
FROM customers c
JOIN widgets w ON w.id = c.widget_id
WHERE c.id = $1;

-- name: GetVerifiedCustomerID :one
SELECT id FROM customers WHERE widget_id = $1 AND verified_user_id = $2;

-- name: UpsertVerifiedCustomer :one
-- The host site vouches for name and email, so non-empty ones replace what
-- the customer had.
INSERT INTO customers (widget_id, verified_user_id, name, email)
VALUES ($1, $2, $3, $4)
ON CONFLICT (widget_id, verified_user_id) DO UPDATE
SET name  = CASE WHEN excluded.name = '' THEN customers.name ELSE excluded.name END,
    email = CASE WHEN excluded.email = '' THEN customers.email ELSE excluded.email END,
    last_seen_at = now()
RETURNING id, (xmax = 0)::boolean AS inserted;

-- name: VerifyVisitorCustomer :one
-- Turns an anonymous customer into the verified one of a user id, when that
-- user id has no customer yet (else a unique violation).
UPDATE customers
SET verified_user_id = $2,
    name  = CASE WHEN sqlc.arg(name)::text = '' THEN name ELSE sqlc.arg(name)::text END,
    email = CASE WHEN sqlc.arg(email)::text = '' THEN email ELSE sqlc.arg(email)::text END,
    last_seen_at = now()
WHERE id = $1 AND verified_user_id IS NULL
RETURNING id;

-- name: UpdateVisitorCustomer :one
-- Sets a customer's details and, when they changed, records a
-- conversation_updated event for each open conversation of the customer, so
-- agents see the new name or email live, and a customer_updated event for
-- webhooks. Returns the number of events.
WITH old AS (
    SELECT o.name, o.email, o.phone, o.attributes FROM customers o WHERE o.id = sqlc.arg(id)
), upd AS (
    UPDATE customers
    SET name = sqlc.arg(name), email = sqlc.arg(email), phone = sqlc.arg(phone),
        attributes = sqlc.arg(attributes), last_seen_at = now()
    WHERE customers.id = sqlc.arg(id)
    RETURNING customers.id
), ev AS (
    -- With the state it announces (see 00008_event_state), for replays.
    INSERT INTO events (kind, conversation_id, customer_id, conversation_status, assignee_id, last_seq,
                        waiting_since, conversation_updated_at, last_message_at)
    SELECT 'conversation_updated', c.id, c.customer_id, c.status, c.assignee_id, c.last_seq,
           c.waiting_since, c.updated_at, c.last_message_at
    FROM conversations c, old
    WHERE c.customer_id = sqlc.arg(id) AND c.status IN ('waiting', 'active')
      AND (old.name, old.email, old.phone, old.attributes)
          IS DISTINCT FROM (sqlc.arg(name)::text, sqlc.arg(email)::text, sqlc.arg(phone)::text, sqlc.arg(attributes)::jsonb)
    RETURNING 1
), cu AS (
    -- customer_updated, for webhooks (see AnnounceCustomer).
    INSERT INTO events (kind, conversation_id, customer_id)
    SELECT 'customer_updated', '00000000-0000-0000-0000-000000000000', sqlc.arg(id)
    FROM old
    WHERE (old.name, old.email, old.phone, old.attributes)
          IS DISTINCT FROM (sqlc.arg(name)::text, sqlc.arg(email)::text, sqlc.arg(phone)::text, sqlc.arg(attributes)::jsonb)
    RETURNING 1
)
SELECT ((SELECT count(*) FROM ev) + (SELECT count(*) FROM cu))::bigint;

-- name: HitRateLimit :one
-- Counts one hit in the bucket's current fixed window (windows are aligned
-- to the database clock, shared by every instance) and returns the count.
INSERT INTO rate_limits (bucket, window_start, hits)
VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / sqlc.arg(window_seconds)::float8) * sqlc.arg(window_seconds)::float8), 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
RETURNING hits, window_start;

-- name: DeleteRateLimitsBefore :exec
DELETE FROM rate_limits WHERE window_start < $1;

-- name: CustomerMessageKeyUsed :one
-- Whether the customer already stored a message under this
-- client_message_id: a retry, answered with the stored message before the
-- rate limit is counted.
SELECT EXISTS (
    SELECT 1 FROM messages
    WHERE sender_type = 'customer' AND sender_id = @customer_id::uuid
      AND client_message_id = @client_message_id::text
);

-- name: OnlineAgentFaces :many
-- Up to three of the online agents for the widget's header, those with an
-- avatar first.
SELECT display_name, avatar FROM agents
WHERE id = ANY(@ids::uuid[]) AND NOT disabled
ORDER BY avatar IS NULL, lower(display_name), id
LIMIT 3;
