-- name: ListSavedViews :many
-- An agent's views in their order.
SELECT id, name, filters, sort_order, created_at, updated_at
FROM saved_views WHERE agent_id = @agent_id
ORDER BY sort_order, created_at, id;

-- name: CountSavedViews :one
SELECT count(*)::int FROM saved_views WHERE agent_id = @agent_id;

-- name: CreateSavedView :one
-- A view after the agent's others.
INSERT INTO saved_views (agent_id, name, filters, sort_order)
VALUES (@agent_id, @name, @filters,
        (SELECT COALESCE(max(sort_order), -1) + 1 FROM saved_views WHERE agent_id = @agent_id))
RETURNING id, name, filters, sort_order, created_at, updated_at;

-- name: UpdateSavedView :one
-- Renames a view and, with set_filter, replaces its filters. No row for a
-- view that is not the agent's.
UPDATE saved_views SET name = @name,
       filters = CASE WHEN @set_filter::boolean THEN @filters::jsonb ELSE filters END,
       updated_at = now()
WHERE id = @id AND agent_id = @agent_id
RETURNING id, name, filters, sort_order, created_at, updated_at;

-- name: DeleteSavedView :execrows
DELETE FROM saved_views WHERE id = @id AND agent_id = @agent_id;

-- name: LockSavedViews :exec
-- Serialises changes to one agent's views (creating, reordering).
SELECT pg_advisory_xact_lock(7316002, hashtext(@agent_key::text));

-- name: SetSavedViewPosition :execrows
UPDATE saved_views SET sort_order = @sort_order WHERE id = @id AND agent_id = @agent_id;
