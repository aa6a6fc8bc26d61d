-- name: ListTeams :many
-- Every team by name (case-insensitively), with its members' ids.
SELECT t.id, t.name, t.created_at, t.updated_at,
       COALESCE(ARRAY(SELECT m.agent_id FROM team_members m JOIN agents a ON a.id = m.agent_id
                      WHERE m.team_id = t.id ORDER BY lower(a.display_name), a.id), '{}')::uuid[] AS agent_ids
FROM teams t
ORDER BY lower(t.name), t.id;

-- name: CountTeams :one
SELECT count(*)::int FROM teams;

-- name: CreateTeam :one
INSERT INTO teams (name) VALUES (@name)
RETURNING id, name, created_at, updated_at;

-- name: RenameTeam :one
UPDATE teams SET name = @name, updated_at = now() WHERE id = @id
RETURNING id, name, created_at, updated_at;

-- name: DeleteTeam :execrows
DELETE FROM teams WHERE id = @id;

-- name: LockTeam :one
-- Locks a team's row for the rest of the transaction (its members change).
SELECT id FROM teams WHERE id = @id FOR UPDATE;

-- name: ClearTeamMembers :exec
DELETE FROM team_members WHERE team_id = @team_id;

-- name: AddTeamMembers :execrows
-- Adds the enabled agents among agent_ids; the caller compares the count.
INSERT INTO team_members (team_id, agent_id)
SELECT @team_id, a.id FROM agents a WHERE a.id = ANY(@agent_ids::uuid[]) AND NOT a.disabled
ON CONFLICT DO NOTHING;

-- name: TeamMemberships :many
-- Every (team, agent) pair: routing's view of who may take whose queue.
SELECT team_id, agent_id FROM team_members;

-- name: LockTeamsTable :exec
-- Serialises creating teams, so the count bound holds.
SELECT pg_advisory_xact_lock(7316003);
