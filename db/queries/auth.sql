-- Agents ---------------------------------------------------------------------

-- name: AdminExists :one
SELECT EXISTS (SELECT 1 FROM agents WHERE role = 'admin');

-- name: LockInstallation :exec
-- Serialises first-run setup: concurrent Setup calls queue on this row, so
-- exactly one of them sees "no admin yet".
SELECT id FROM installation FOR UPDATE;

-- name: CreateAgent :one
INSERT INTO agents (username, display_name, role, password_hash)
VALUES (@username, @display_name, @role, @password_hash)
RETURNING *;

-- name: GetAgent :one
SELECT * FROM agents WHERE id = @id;

-- name: GetAgentForUpdate :one
SELECT * FROM agents WHERE id = @id FOR UPDATE;

-- name: GetAgentByUsername :one
SELECT * FROM agents WHERE username = @username;

-- name: ListAgents :many
-- Agents by display name, keyset-paginated by (lower(display_name), id)
-- after the cursor's row,
-- narrowed by a lower-case LIKE pattern over display name and username,
-- role and whether they are disabled.
SELECT * FROM agents
WHERE (@pattern::text = '' OR lower(display_name || ' ' || username) LIKE @pattern::text)
  AND (@role::text = '' OR role = @role::text)
  AND (sqlc.narg(disabled)::boolean IS NULL OR disabled = sqlc.narg(disabled)::boolean)
  AND (NOT @has_cursor::boolean
       OR (lower(display_name), id) > (SELECT lower(p.display_name), p.id FROM agents p WHERE p.id = @cursor_id::uuid))
ORDER BY lower(display_name), id
LIMIT @page_limit;

-- name: LockEnabledAdmins :many
-- Locks every enabled admin, in a fixed order so that concurrent changes
-- cannot deadlock, before a change that could leave no enabled admin.
SELECT id FROM agents WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE;

-- name: UpdateAgent :one
UPDATE agents SET
    display_name = COALESCE(sqlc.narg(display_name), display_name),
    role         = COALESCE(sqlc.narg(role), role),
    disabled     = COALESCE(sqlc.narg(disabled), disabled)
WHERE id = @id
RETURNING *;

-- name: SetAgentPasswordHash :exec
UPDATE agents SET password_hash = @password_hash WHERE id = @id;

-- name: SetAgentStatus :one
UPDATE agents SET status = @status, away_automatic = @away_automatic WHERE id = @id RETURNING *;

-- name: RestoreAutomaticAway :one
-- Back to online after an automatic away; a chosen status is left as is.
UPDATE agents SET status = 'online', away_automatic = false
WHERE id = @id AND status = 'away' AND away_automatic
RETURNING *;

-- name: SetAgentIdleAway :one
UPDATE agents SET idle_away_seconds = @idle_away_seconds WHERE id = @id RETURNING *;

-- Sessions -------------------------------------------------------------------

-- name: CreateSession :one
INSERT INTO agent_sessions (agent_id, token_hash, created_at, last_used_at, idle_expires_at, expires_at, ip, user_agent)
VALUES (@agent_id, @token_hash, @now, @now, @idle_expires_at, @expires_at, @ip, @user_agent)
RETURNING id;

-- name: GetSessionByHash :one
SELECT s.id, s.last_used_at, s.idle_expires_at, s.expires_at, s.revoked_at,
       a.id AS agent_id, a.display_name, a.role, a.disabled,
       EXISTS (SELECT 1 FROM agent_two_factor tf WHERE tf.agent_id = a.id AND tf.confirmed_at IS NOT NULL) AS two_factor
FROM agent_sessions s JOIN agents a ON a.id = s.agent_id
WHERE s.token_hash = @token_hash;

-- name: TouchSession :exec
-- Slides the idle expiry and records the agent as seen.
WITH s AS (
    UPDATE agent_sessions SET last_used_at = @now::timestamptz, idle_expires_at = @idle_expires_at
    WHERE agent_sessions.id = @id AND revoked_at IS NULL
    RETURNING agent_id
)
UPDATE agents SET last_seen_at = @now::timestamptz FROM s WHERE agents.id = s.agent_id;

-- name: RevokeSession :exec
UPDATE agent_sessions SET revoked_at = @now::timestamptz WHERE id = @id AND revoked_at IS NULL;

-- name: RevokeAgentSessions :execrows
-- Ends every live session of an agent, except keep (when not null).
UPDATE agent_sessions SET revoked_at = @now::timestamptz
WHERE agent_id = @agent_id AND revoked_at IS NULL
  AND (sqlc.narg(keep)::uuid IS NULL OR id <> sqlc.narg(keep)::uuid);

-- name: DeleteEndedSessions :execrows
-- Sweeps sessions that can never be used again.
DELETE FROM agent_sessions WHERE expires_at < @before OR idle_expires_at < @before OR revoked_at < @before;

-- API tokens -----------------------------------------------------------------

-- name: CreateApiToken :one
INSERT INTO api_tokens (agent_id, name, scope, prefix, token_hash, created_at, bot_name)
VALUES (@agent_id, @name, @scope, @prefix, @token_hash, @now, sqlc.narg(bot_name))
RETURNING *;

-- name: GetApiTokenByHash :one
SELECT t.id, t.scope, t.last_used_at, t.revoked_at,
       a.id AS agent_id, a.display_name, a.role, a.disabled, t.bot_name
FROM api_tokens t JOIN agents a ON a.id = t.agent_id
WHERE t.token_hash = @token_hash;

-- name: GetApiTokenScope :one
SELECT scope FROM api_tokens WHERE id = @id;

-- name: TouchApiToken :exec
UPDATE api_tokens SET last_used_at = @now::timestamptz WHERE id = @id;

-- name: ListApiTokens :many
SELECT t.id, t.agent_id, t.name, t.scope, t.prefix, t.created_at, t.last_used_at, t.revoked_at,
       a.display_name AS agent_name, t.bot_name, t.avatar
FROM api_tokens t JOIN agents a ON a.id = t.agent_id
WHERE (NOT @bots_only::boolean OR t.bot_name IS NOT NULL)
  AND (NOT @live_only::boolean OR t.revoked_at IS NULL)
  AND (NOT @has_cursor::boolean OR (t.created_at, t.id) < (@cursor_at::timestamptz, @cursor_id::uuid))
ORDER BY t.created_at DESC, t.id DESC
LIMIT @page_limit;

-- name: RevokeApiToken :one
-- Revoking a revoked token keeps its first revocation time.
UPDATE api_tokens t SET revoked_at = COALESCE(t.revoked_at, @now::timestamptz)
FROM agents a
WHERE t.id = @id AND a.id = t.agent_id
RETURNING t.id, t.agent_id, t.name, t.scope, t.prefix, t.created_at, t.last_used_at, t.revoked_at,
          a.display_name AS agent_name, t.bot_name;

-- name: RevokeAgentApiTokens :execrows
-- A new password means the old credentials may be known to someone else:
-- the agent's API tokens stop with their sessions.
UPDATE api_tokens SET revoked_at = @now::timestamptz
WHERE agent_id = @agent_id AND revoked_at IS NULL;

-- Login throttling -------------------------------------------------------------

-- name: RecordLoginFailures :many
-- Counts an attempt as a failure for each key before the password is
-- checked, so parallel guesses are throttled too; a successful login deletes
-- its rows again.
INSERT INTO login_failures (key, occurred_at)
SELECT unnest(@keys::text[]), @now
RETURNING id;

-- name: NthRecentLoginFailure :one
-- The time of the n-th most recent failure for key recorded before the
-- attempt with id before, within the window: if it exists, the key has
-- had n failures already and may try again once it leaves the window.
SELECT occurred_at FROM login_failures
WHERE key = @key AND occurred_at > @since AND id < @before
ORDER BY occurred_at DESC, id DESC
OFFSET @n_minus_one LIMIT 1;

-- name: DeleteLoginFailures :exec
DELETE FROM login_failures WHERE id = ANY(@ids::bigint[]);

-- name: ClearLoginFailures :exec
DELETE FROM login_failures WHERE key = @key;

-- name: DeleteOldLoginFailures :exec
DELETE FROM login_failures WHERE occurred_at < @before;

-- name: RevokedAgentCredentials :many
-- Which of these dashboard session and API token ids no longer let anyone
-- act: ended (revoked or expired) or held by a disabled agent. Open
-- Subscribe streams authenticated by them are ended.
SELECT c.id::uuid AS id
FROM unnest(sqlc.arg(ids)::uuid[]) AS c(id)
WHERE NOT EXISTS (
        SELECT 1 FROM agent_sessions s JOIN agents a ON a.id = s.agent_id
        WHERE s.id = c.id AND s.revoked_at IS NULL AND NOT a.disabled
          AND s.expires_at > now() AND s.idle_expires_at > now())
  AND NOT EXISTS (
        SELECT 1 FROM api_tokens t JOIN agents a ON a.id = t.agent_id
        WHERE t.id = c.id AND t.revoked_at IS NULL AND NOT a.disabled);

-- Two-factor sign-in ---------------------------------------------------------

-- name: GetTwoFactor :one
SELECT * FROM agent_two_factor WHERE agent_id = @agent_id;

-- name: GetTwoFactorForUpdate :one
SELECT * FROM agent_two_factor WHERE agent_id = @agent_id FOR UPDATE;

-- name: StartTwoFactor :exec
-- Starts (or restarts) an enrolment with a new secret; refused by the WHERE
-- when a confirmed second factor exists.
INSERT INTO agent_two_factor (agent_id, secret, created_at)
VALUES (@agent_id, @secret, @now)
ON CONFLICT (agent_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = EXCLUDED.created_at, last_step = -1
WHERE agent_two_factor.confirmed_at IS NULL;

-- name: ConfirmTwoFactor :exec
UPDATE agent_two_factor SET confirmed_at = @now::timestamptz, last_step = @last_step WHERE agent_id = @agent_id;

-- name: SetTwoFactorStep :exec
UPDATE agent_two_factor SET last_step = @last_step WHERE agent_id = @agent_id;

-- name: DeleteTwoFactor :execrows
DELETE FROM agent_two_factor WHERE agent_id = @agent_id;

-- name: DeleteRecoveryCodes :exec
DELETE FROM agent_recovery_codes WHERE agent_id = @agent_id;

-- name: AddRecoveryCodes :exec
INSERT INTO agent_recovery_codes (agent_id, code_hash)
SELECT @agent_id, unnest(@code_hashes::bytea[]);

-- name: UseRecoveryCode :execrows
UPDATE agent_recovery_codes SET used_at = @now::timestamptz
WHERE agent_id = @agent_id AND code_hash = @code_hash AND used_at IS NULL;

-- name: CreateSignInChallenge :exec
INSERT INTO sign_in_challenges (token_hash, agent_id, ip, expires_at)
VALUES (@token_hash, @agent_id, @ip, @expires_at);

-- name: GetSignInChallengeForUpdate :one
SELECT c.*, a.username FROM sign_in_challenges c JOIN agents a ON a.id = c.agent_id
WHERE c.token_hash = @token_hash FOR UPDATE OF c;

-- name: UseSignInChallenge :exec
UPDATE sign_in_challenges SET used_at = @now::timestamptz WHERE token_hash = @token_hash;

-- name: DeleteOldSignInChallenges :exec
DELETE FROM sign_in_challenges WHERE expires_at < @before;

-- name: TwoFactorEnabledAgents :many
SELECT agent_id FROM agent_two_factor WHERE confirmed_at IS NOT NULL;
