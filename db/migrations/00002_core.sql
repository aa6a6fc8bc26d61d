-- +goose Up
-- The entities every part of livechat refers to. Each feature's own tables
-- (sessions, tokens, conversations, visitor sessions, …) come in later
-- migrations that reference these.

-- Agents answer conversations in the dashboard. Usernames are stored in lower
-- case, so the unique constraint makes them case-insensitive.
CREATE TABLE agents (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9._-]{3,32}$'),
    display_name  text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 64),
    role          text NOT NULL CHECK (role IN ('admin', 'agent')),
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    status        text NOT NULL DEFAULT 'online' CHECK (status IN ('online', 'away')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz
);

-- Widgets are per-website chat configurations. Deleting one keeps its
-- conversations: the row is marked deleted and its site key stops working.
CREATE TABLE widgets (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_key          text NOT NULL UNIQUE,
    name              text NOT NULL,
    -- livechat.v1.WidgetSettings without the name, as protobuf JSON.
    settings          jsonb NOT NULL DEFAULT '{}',
    identity_secret   text NOT NULL,
    secret_rotated_at timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz
);

-- Customers are website visitors; a verified identity (the host site's user
-- id, proven by HMAC) links one customer across devices.
CREATE TABLE customers (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    widget_id        uuid NOT NULL REFERENCES widgets (id),
    name             text NOT NULL DEFAULT '',
    email            text NOT NULL DEFAULT '',
    phone            text NOT NULL DEFAULT '',
    attributes       jsonb NOT NULL DEFAULT '{}',
    verified_user_id text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (widget_id, verified_user_id)
);

-- +goose Down
DROP TABLE customers;
DROP TABLE widgets;
DROP TABLE agents;
