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
-- to agents (and csat_submitted for webhooks), in one statement. No row: the change window has passed.
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
    UNION ALL
    -- For webhooks only (csat.submitted); streams pass it over.
    SELECT 'csat_submitted', conversation_id, customer_id FROM r
)
SELECT conversation_id, scale, score, comment, created_at, updated_at FROM r;

-- name: RatingsOfConversations :many
SELECT conversation_id, scale, score, comment, created_at, updated_at
FROM conversation_ratings
WHERE conversation_id = ANY(@conversation_ids::uuid[]);

-- name: ReportConversationFacts :many
-- The facts of the conversations started in [start_at, end_at), of one
-- widget when widget_id is set (see conversation_facts in 00019_reports).
-- Durations are left to the caller, which applies the working time (all
-- hours, or a business-hours schedule) to each pair of instants.
SELECT widget_id, created_at, first_customer_at, first_reply_at, first_reply_agent, finished_at, messages, repliers
FROM conversation_facts
WHERE created_at >= @start_at AND created_at < @end_at
  AND (sqlc.narg(widget_id)::uuid IS NULL OR widget_id = sqlc.narg(widget_id)::uuid);

-- name: RebuildConversationFacts :one
-- Recomputes every conversation's facts from the messages.
SELECT conversation_facts_rebuild()::bigint AS rows;

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
