-- Satisfaction ratings and the facts reports are computed from.

-- name: RatingTarget :one
-- The conversation a visitor rates, when it is the visitor's: its state, the
-- scale its widget asks on (the stored enum of WidgetSettings.csat: a name or
-- a number, empty when off) and when it was first rated, if it was.
SELECT c.id, c.status, c.widget_id, c.customer_id, c.assignee_id,
       coalesce(w.settings ->> 'csat', '')::text AS csat,
       r.created_at AS rated_at
FROM conversations c
JOIN widgets w ON w.id = c.widget_id
LEFT JOIN conversation_ratings r ON r.conversation_id = c.id
WHERE c.id = @conversation_id AND c.customer_id = @customer_id;

-- name: SaveRating :one
-- Rates a conversation, or changes its rating while created_at is after
-- changeable_after, and writes the conversation_updated event that shows it
-- to agents, in one statement. No row: the change window has passed.
WITH r AS (
    INSERT INTO conversation_ratings AS cr (conversation_id, widget_id, customer_id, agent_id, scale, score, comment, created_at, updated_at)
    VALUES (@conversation_id, @widget_id, @customer_id, sqlc.narg(agent_id), @scale, @score, @comment, @now, @now)
    ON CONFLICT (conversation_id) DO UPDATE
        SET scale = EXCLUDED.scale, score = EXCLUDED.score, comment = EXCLUDED.comment, updated_at = EXCLUDED.updated_at
        WHERE cr.created_at > @changeable_after
    RETURNING cr.conversation_id, cr.customer_id, cr.scale, cr.score, cr.comment, cr.created_at, cr.updated_at
), ev AS (
    INSERT INTO events (kind, conversation_id, customer_id)
    SELECT 'conversation_updated', conversation_id, customer_id FROM r
)
SELECT conversation_id, scale, score, comment, created_at, updated_at FROM r;

-- name: RatingsOfConversations :many
SELECT conversation_id, scale, score, comment, created_at, updated_at
FROM conversation_ratings
WHERE conversation_id = ANY(@conversation_ids::uuid[]);

-- name: ReportConversationFacts :many
-- One row per conversation started in [start_at, end_at) (of one widget when
-- widget_id is set), with the facts its figures come from: when the
-- customer first wrote, the first agent reply after that and who sent it,
-- when it last finished (resolved or closed, only when it is finished now),
-- how many customer and agent messages it has, and which agents replied.
-- Each conversation's messages are read once through its (conversation_id,
-- seq) key. Durations are left to the caller, which applies the working
-- time (all hours, or a business-hours schedule) to each pair of instants.
SELECT c.id, c.widget_id, c.created_at, c.status,
       a.first_customer_at,
       fr.first_reply_at,
       fr.first_reply_agent,
       a.finished_at,
       a.messages,
       a.repliers::uuid[] AS repliers
FROM conversations c
CROSS JOIN LATERAL (
    SELECT min(m.seq) FILTER (WHERE m.sender_type = 'customer') AS first_customer_seq,
           count(*) FILTER (WHERE m.sender_type <> 'system' AND NOT m.internal) AS messages,
           min(m.created_at) FILTER (WHERE m.sender_type = 'customer') AS first_customer_at,
           max(m.created_at) FILTER (WHERE m.system_kind IN ('resolved', 'closed')
                                     AND c.status IN ('resolved', 'closed')) AS finished_at,
           coalesce(array_agg(DISTINCT m.sender_id) FILTER (WHERE m.sender_type = 'agent' AND NOT m.internal), '{}') AS repliers
    FROM messages m
    WHERE m.conversation_id = c.id
) a
CROSS JOIN LATERAL (
    SELECT min(m.created_at) AS first_reply_at,
           (array_agg(m.sender_id ORDER BY m.seq))[1]::uuid AS first_reply_agent
    FROM messages m
    WHERE m.conversation_id = c.id AND m.seq > a.first_customer_seq
      AND m.sender_type = 'agent' AND NOT m.internal
) fr
WHERE c.created_at >= @start_at AND c.created_at < @end_at
  AND (sqlc.narg(widget_id)::uuid IS NULL OR c.widget_id = sqlc.narg(widget_id)::uuid);

-- name: ReportRatings :many
-- The ratings first given in [start_at, end_at), of one widget when
-- widget_id is set.
SELECT conversation_id, agent_id, score, created_at
FROM conversation_ratings
WHERE created_at >= @start_at AND created_at < @end_at
  AND (sqlc.narg(widget_id)::uuid IS NULL OR widget_id = sqlc.narg(widget_id)::uuid);

-- name: ReportAgentNames :many
SELECT id, display_name FROM agents WHERE id = ANY(@ids::uuid[]);

-- name: ReportWidgetNames :many
SELECT id, name FROM widgets WHERE id = ANY(@ids::uuid[]);

-- name: ReportWidgetExists :one
-- Deleted widgets count: their history stays reportable.
SELECT EXISTS (SELECT 1 FROM widgets WHERE id = @id);
