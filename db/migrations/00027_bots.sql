-- +goose Up
-- Bots answer first: a widget may name a bot (an API token with a bot
-- name) that every new conversation of the widget is held by until someone
-- hands it off to the team. Kept in tables of their own, so the widgets'
-- settings, the conversations row and its queries stay as they are.

-- The bot that answers first on a widget; no row: nobody does.
CREATE TABLE widget_bots (
    widget_id  uuid PRIMARY KEY REFERENCES widgets (id),
    token_id   uuid NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Conversations a bot held. While handed_off_at is NULL, the token is not
-- revoked and nobody is assigned, the bot holds the conversation: routing
-- passes it over and the bot may reply to it while it waits. Handing off
-- (or an agent taking it) sets handed_off_at; the row stays as history.
CREATE TABLE conversation_bots (
    conversation_id uuid PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    token_id        uuid NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    held_since      timestamptz NOT NULL DEFAULT now(),
    handed_off_at   timestamptz
);
CREATE INDEX conversation_bots_held ON conversation_bots (token_id) WHERE handed_off_at IS NULL;

-- +goose Down
DROP TABLE conversation_bots;
DROP TABLE widget_bots;
