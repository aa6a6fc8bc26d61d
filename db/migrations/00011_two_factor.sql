-- +goose Up
-- An agent's TOTP second factor. secret is the shared HMAC key; it is shown
-- once while enrolling and never returned after confirmed_at is set.
-- last_step is the newest accepted time step: a code of that step or an
-- earlier one is refused, so a code cannot be replayed.
CREATE TABLE agent_two_factor (
    agent_id     uuid PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    secret       bytea NOT NULL,
    confirmed_at timestamptz,
    last_step    bigint NOT NULL DEFAULT -1,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One-time recovery codes, stored as SHA-256 hashes (they are random, so a
-- plain hash suffices); used_at is set when one is spent.
CREATE TABLE agent_recovery_codes (
    agent_id  uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (agent_id, code_hash)
);

-- A password accepted for an agent with a second factor: the opaque
-- challenge (stored hashed) that CompleteLogin exchanges, with a code, for
-- a session. Short-lived and single-use.
CREATE TABLE sign_in_challenges (
    token_hash bytea PRIMARY KEY,
    agent_id   uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    ip         text NOT NULL DEFAULT '',
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

-- +goose Down
DROP TABLE sign_in_challenges;
DROP TABLE agent_recovery_codes;
DROP TABLE agent_two_factor;
