-- +goose Up
-- Authentication: dashboard sessions, API tokens and login throttling.
-- Secrets (session and API tokens) are 256-bit random values of which only
-- the SHA-256 is stored: a leaked database does not let anyone sign in.

-- Dashboard sessions. A session ends at the first of: idle_expires_at
-- (slides forward while the session is used), expires_at (absolute, never
-- moves) or revoked_at (logout, password change or reset, agent disabled).
CREATE TABLE agent_sessions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id        uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    token_hash      bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz NOT NULL,
    idle_expires_at timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    -- Where the session was opened, for the agent's own review.
    ip              text NOT NULL DEFAULT '',
    user_agent      text NOT NULL DEFAULT ''
);
-- Revoking every session of an agent touches only their live ones.
CREATE INDEX agent_sessions_agent_id ON agent_sessions (agent_id) WHERE revoked_at IS NULL;
-- Expired sessions are swept by expiry time.
CREATE INDEX agent_sessions_expires_at ON agent_sessions (expires_at);

-- API tokens for third-party backends and scripts. A token acts for the
-- admin who created it, with at most its scope: if that agent is demoted the
-- token acts as an agent, and if they are disabled it stops working.
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id     uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    scope        text NOT NULL CHECK (scope IN ('admin', 'agent')),
    -- The first characters of the secret, so a leaked token can be told apart.
    prefix       text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_created_at ON api_tokens (created_at DESC, id DESC);

-- Failed login attempts, one row per failure and key, kept for the
-- throttling window only. key is 'u:<username>' or 'ip:<address>', so one
-- index serves both limits, and unknown usernames are throttled exactly like
-- known ones (nothing here refers to agents).
CREATE TABLE login_failures (
    id          bigserial PRIMARY KEY,
    key         text NOT NULL,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, occurred_at);
CREATE INDEX login_failures_occurred_at ON login_failures (occurred_at);

-- +goose Down
DROP TABLE login_failures;
DROP TABLE api_tokens;
DROP TABLE agent_sessions;
