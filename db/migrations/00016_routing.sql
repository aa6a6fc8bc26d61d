-- +goose Up
-- Routing: which widgets hand new conversations out automatically, and how
-- many active conversations each agent takes at most. Kept in tables of
-- their own (a missing row means the defaults) so the widgets' settings
-- document and the agents table stay as they are.

-- A widget's assignment mode: 'manual' (agents claim from the shared
-- queue) or 'auto' (round-robin among available agents under capacity).
CREATE TABLE widget_routing (
    widget_id  uuid PRIMARY KEY REFERENCES widgets (id),
    mode       text NOT NULL DEFAULT 'manual' CHECK (mode IN ('manual', 'auto')),
    -- Business hours: off means open whenever agents are online. days is
    -- [{"day": 0-6, "open": minute, "close": minute}], validated by the
    -- routing domain; holidays are local dates of time_zone.
    hours_enabled boolean NOT NULL DEFAULT false,
    time_zone     text NOT NULL DEFAULT 'UTC',
    days          jsonb NOT NULL DEFAULT '[]',
    holidays      date[] NOT NULL DEFAULT '{}',
    outside       text NOT NULL DEFAULT 'offline_form' CHECK (outside IN ('offline_form', 'notice')),
    -- Expected reply time shown to visitors: measured, fixed or hidden.
    reply_mode    text NOT NULL DEFAULT 'measured' CHECK (reply_mode IN ('measured', 'fixed', 'hidden')),
    reply_minutes integer NOT NULL DEFAULT 0 CHECK (reply_minutes BETWEEN 0 AND 1440),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- An agent's capacity (0: never assigned automatically) and when they were
-- last given a conversation, which breaks ties between equally loaded
-- agents so that assignment goes round.
CREATE TABLE agent_routing (
    agent_id        uuid PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    max_active      integer NOT NULL CHECK (max_active BETWEEN 0 AND 100),
    last_routed_at  timestamptz
);

-- The queue: waiting conversations nobody has, oldest first. Few rows match,
-- so the index costs almost nothing on the message path.
CREATE INDEX conversations_queue ON conversations (created_at, id)
    WHERE status = 'waiting' AND assignee_id IS NULL;
-- Each agent's load: their active conversations.
CREATE INDEX conversations_active_assignee ON conversations (assignee_id)
    WHERE status = 'active';

-- +goose Down
DROP INDEX conversations_active_assignee;
DROP INDEX conversations_queue;
DROP TABLE agent_routing;
DROP TABLE widget_routing;
