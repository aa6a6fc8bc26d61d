-- name: LockRouting :exec
-- Serialises automatic assignment across every instance until the
-- transaction ends: one drain at a time sees the loads and the queue.
SELECT pg_advisory_xact_lock(7316001);

-- name: QueuedConversations :many
-- The queue: waiting conversations nobody has, of widgets in automatic
-- mode, oldest first.
SELECT c.id
FROM conversations c
JOIN widget_routing r ON r.widget_id = c.widget_id AND r.mode = 'auto'
WHERE c.status = 'waiting' AND c.assignee_id IS NULL
ORDER BY c.created_at, c.id
LIMIT @max_rows;

-- name: CountQueued :one
SELECT count(*)::int
FROM conversations c
JOIN widget_routing r ON r.widget_id = c.widget_id AND r.mode = 'auto'
WHERE c.status = 'waiting' AND c.assignee_id IS NULL;

-- name: AgentLoads :many
-- Every enabled agent's capacity, load and whether they are online (status
-- online and a stream on a live instance, as realtime presence counts it).
SELECT a.id, a.display_name,
       COALESCE(r.max_active, @default_max_active::int)::int AS max_active,
       r.last_routed_at,
       (SELECT count(*) FROM conversations c WHERE c.assignee_id = a.id AND c.status = 'active')::int AS active,
       (a.status = 'online' AND EXISTS (
           SELECT 1 FROM agent_streams s JOIN realtime_instances i ON i.id = s.instance_id
           WHERE s.agent_id = a.id AND i.expires_at > now()
       ))::boolean AS online
FROM agents a
LEFT JOIN agent_routing r ON r.agent_id = a.id
WHERE NOT a.disabled
ORDER BY lower(a.display_name), a.id;

-- name: MarkRouted :exec
-- Records that the agent was just given a conversation (the round-robin
-- tie-break).
INSERT INTO agent_routing (agent_id, max_active, last_routed_at)
VALUES (@agent_id, @default_max_active, clock_timestamp())
ON CONFLICT (agent_id) DO UPDATE SET last_routed_at = clock_timestamp();

-- name: SetAgentCapacity :execrows
-- Sets an enabled agent's capacity; no row for an unknown or disabled agent.
INSERT INTO agent_routing (agent_id, max_active)
SELECT id, @max_active FROM agents WHERE id = @agent_id AND NOT disabled
ON CONFLICT (agent_id) DO UPDATE SET max_active = EXCLUDED.max_active;

-- name: WidgetRouting :one
-- A live widget's routing settings (defaults when never set).
SELECT w.id, COALESCE(r.mode, 'manual')::text AS mode
FROM widgets w
LEFT JOIN widget_routing r ON r.widget_id = w.id
WHERE w.id = @widget_id AND w.deleted_at IS NULL;

-- name: SetWidgetRouting :execrows
-- Sets a live widget's routing settings; no row for an unknown widget.
INSERT INTO widget_routing (widget_id, mode)
SELECT id, @mode FROM widgets WHERE id = @widget_id AND deleted_at IS NULL
ON CONFLICT (widget_id) DO UPDATE SET mode = EXCLUDED.mode, updated_at = now();
