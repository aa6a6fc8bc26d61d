-- name: LockRouting :exec
-- Serialises automatic assignment across every instance until the
-- transaction ends: one drain at a time sees the loads and the queue.
SELECT pg_advisory_xact_lock(7316001);

-- name: QueuedConversations :many
-- The queue: waiting conversations nobody (no agent, no bot) has, of
-- widgets in automatic mode, oldest first.
-- team_id, when set, is the team whose members alone may take it. With
-- has_after, only those after (after_at, after_id): a drain reads on past
-- conversations whose team has nobody available.
SELECT c.id, c.created_at, r.team_id
FROM conversations c
JOIN widget_routing r ON r.widget_id = c.widget_id AND r.mode = 'auto'
WHERE c.status = 'waiting' AND c.assignee_id IS NULL
  AND (NOT @has_after::boolean OR (c.created_at, c.id) > (@after_at::timestamptz, @after_id::uuid))
  -- A bot answering first holds it until it is handed off (00027_bots).
  AND NOT EXISTS (SELECT 1 FROM conversation_bots b JOIN api_tokens t ON t.id = b.token_id
                  WHERE b.conversation_id = c.id AND b.handed_off_at IS NULL AND t.revoked_at IS NULL)
ORDER BY c.created_at, c.id
LIMIT @max_rows;

-- name: CountQueued :one
SELECT count(*)::int
FROM conversations c
JOIN widget_routing r ON r.widget_id = c.widget_id AND r.mode = 'auto'
WHERE c.status = 'waiting' AND c.assignee_id IS NULL
  -- A bot answering first holds it until it is handed off (00027_bots).
  AND NOT EXISTS (SELECT 1 FROM conversation_bots b JOIN api_tokens t ON t.id = b.token_id
                  WHERE b.conversation_id = c.id AND b.handed_off_at IS NULL AND t.revoked_at IS NULL);

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
-- A live widget's routing settings (the defaults when it has no row).
SELECT w.id,
       COALESCE(r.mode, 'manual')::text AS mode,
       COALESCE(r.hours_enabled, false)::boolean AS hours_enabled,
       COALESCE(r.time_zone, 'UTC')::text AS time_zone,
       COALESCE(r.days, '[]')::jsonb AS days,
       COALESCE(r.holidays, '{}')::text[] AS holidays,
       COALESCE(r.outside, 'offline_form')::text AS outside,
       COALESCE(r.reply_mode, 'measured')::text AS reply_mode,
       COALESCE(r.reply_minutes, 0)::int AS reply_minutes,
       r.team_id
FROM widgets w
LEFT JOIN widget_routing r ON r.widget_id = w.id
WHERE w.id = @widget_id AND w.deleted_at IS NULL;

-- name: SetWidgetRouting :execrows
-- Sets a live widget's routing settings; no row for an unknown widget.
INSERT INTO widget_routing (widget_id, mode, hours_enabled, time_zone, days, holidays, outside, reply_mode, reply_minutes, team_id)
SELECT id, @mode, @hours_enabled, @time_zone, @days, (@holidays::text[])::date[], @outside, @reply_mode, @reply_minutes,
       sqlc.narg(team_id)::uuid
FROM widgets WHERE id = @widget_id AND deleted_at IS NULL
ON CONFLICT (widget_id) DO UPDATE SET
    mode = EXCLUDED.mode, hours_enabled = EXCLUDED.hours_enabled, time_zone = EXCLUDED.time_zone,
    days = EXCLUDED.days, holidays = EXCLUDED.holidays, outside = EXCLUDED.outside,
    reply_mode = EXCLUDED.reply_mode, reply_minutes = EXCLUDED.reply_minutes, team_id = EXCLUDED.team_id,
    updated_at = now();

-- name: MedianFirstReply :one
-- The median seconds from a conversation's start to its first agent reply
-- (not a note), over the widget's conversations of the last 30 days that
-- got one; 0 when none did.
SELECT COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.first_at - c.created_at)), 0)::float8
FROM conversations c
CROSS JOIN LATERAL (
    SELECT min(m.created_at) AS first_at FROM messages m
    WHERE m.conversation_id = c.id AND m.sender_type = 'agent' AND NOT m.internal
) f
WHERE c.widget_id = @widget_id AND c.created_at > @since AND f.first_at IS NOT NULL;
