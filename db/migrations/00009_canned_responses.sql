-- +goose Up
-- Saved replies. owner_id NULL is a team-wide response (every agent reads
-- it, admins manage it); otherwise it is the owner's personal response,
-- deleted with its owner. Shortcuts are unique within a scope: once among
-- team-wide responses, once among each agent's own.
CREATE TABLE canned_responses (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id   uuid REFERENCES agents (id) ON DELETE CASCADE,
    shortcut   text NOT NULL CHECK (shortcut ~ '^[a-z0-9_-]{1,32}$'),
    title      text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 80),
    text       text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4000),
    text_en    text NOT NULL DEFAULT '' CHECK (char_length(text_en) <= 4000),
    text_vi    text NOT NULL DEFAULT '' CHECK (char_length(text_vi) <= 4000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX canned_responses_team_shortcut_key
    ON canned_responses (shortcut) WHERE owner_id IS NULL;
CREATE UNIQUE INDEX canned_responses_personal_shortcut_key
    ON canned_responses (owner_id, shortcut) WHERE owner_id IS NOT NULL;

-- +goose Down
DROP TABLE canned_responses;
