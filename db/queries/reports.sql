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

-- name: ReportWidgetRows :many
-- The widget rollup rows of [start_at, end_at): whole UTC days
-- [days_start, days_end) from report_widget_days (daily is true), the hours
-- before and after them from report_widget_hours (days_start = days_end =
-- end_at reads hours only); of the widgets in widget_ids (all when NULL). Each row:
-- conversations started in it and what became of them, ratings given in
-- it (see 00029_report_rollups and 00032_report_widget_days).
SELECT hour AS at, false AS daily, widget_id, conversations, missed, resolved, res_ms, res_hist, frt_n, frt_ms, frt_hist,
       ratings, score_sum, scores
FROM report_widget_hours
WHERE ((hour >= @start_at AND hour < @days_start) OR (hour >= @days_end AND hour < @end_at))
  AND (sqlc.narg(widget_ids)::uuid[] IS NULL OR widget_id = ANY(sqlc.narg(widget_ids)::uuid[]))
UNION ALL
SELECT day, true, widget_id, conversations, missed, resolved, res_ms, res_hist, frt_n, frt_ms, frt_hist,
       ratings, score_sum, scores
FROM report_widget_days
WHERE day >= @days_start AND day < @days_end
  AND (sqlc.narg(widget_ids)::uuid[] IS NULL OR widget_id = ANY(sqlc.narg(widget_ids)::uuid[]));

-- name: ReportWidgetMoves :many
-- The widget hours starting at the given instants, with what a report's
-- buckets show of them: the hours of a UTC day that fall in another of the
-- viewer's days than the day's row is counted in. (A list of hours rather
-- than spans: = ANY keeps a plain index scan in the cached generic plan.)
SELECT hour, conversations, missed, ratings, score_sum, frt_hist
FROM report_widget_hours
WHERE hour = ANY(@hours::timestamptz[])
  AND (sqlc.narg(widget_ids)::uuid[] IS NULL OR widget_id = ANY(sqlc.narg(widget_ids)::uuid[]));

-- name: ReportMessages :one
-- The customer and agent messages of the conversations started in the
-- hours of [start_at, end_at).
SELECT coalesce(sum(messages), 0)::bigint AS messages
FROM report_message_hours
WHERE hour >= @start_at AND hour < @end_at
  AND (sqlc.narg(widget_ids)::uuid[] IS NULL OR widget_id = ANY(sqlc.narg(widget_ids)::uuid[]));

-- name: ReportAgentRows :many
-- The agents' rollup rows of [start_at, end_at): whole UTC days
-- [days_start, days_end) from the daily rollup, the hours before and after
-- them from the hourly one (days_start = days_end = end_at reads hours
-- only). at is the row's hour or day; hours, of a day's row, the
-- conversations the agent replied in per UTC hour of it (1-based), which
-- place the day's part of the sparkline in the viewer's buckets.
SELECT agent_id, hour AS at, false AS daily, handled, '{}'::integer[] AS hours, frt_n, frt_hist, ratings, score_sum
FROM report_agent_hours
WHERE ((hour >= @start_at AND hour < @days_start) OR (hour >= @days_end AND hour < @end_at))
  AND (sqlc.narg(widget_ids)::uuid[] IS NULL OR widget_id = ANY(sqlc.narg(widget_ids)::uuid[]))
UNION ALL
SELECT agent_id, day, true, handled, hours, frt_n, frt_hist, ratings, score_sum
FROM report_agent_days
WHERE day >= @days_start AND day < @days_end
  AND (sqlc.narg(widget_ids)::uuid[] IS NULL OR widget_id = ANY(sqlc.narg(widget_ids)::uuid[]));

-- name: RebuildReports :one
-- Recomputes every conversation's facts from the messages, then every
-- rollup from the facts and ratings.
SELECT report_rebuild()::bigint AS rows;

-- name: ReportAgentNames :many
SELECT id, display_name FROM agents WHERE id = ANY(@ids::uuid[]);

-- name: ReportWidgetNames :many
SELECT id, name FROM widgets WHERE id = ANY(@ids::uuid[]);

-- name: ReportWidgetExists :one
-- Deleted widgets count: their history stays reportable.
SELECT EXISTS (SELECT 1 FROM widgets WHERE id = @id);
