-- +goose Up
-- Teams and saved views.
--
-- A team is a named group of agents (many-to-many). A widget may route to
-- a team: its automatic routing picks only among the team's members, its
-- conversations wait in that team's queue, and the team's inbox shows
-- them. The team is the widget's (widget_routing.team_id), read when a
-- conversation is routed or listed; deleting a team sends its widgets back
-- to every agent.
CREATE TABLE teams (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX teams_name_key ON teams (lower(name));

CREATE TABLE team_members (
    team_id  uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, agent_id)
);

CREATE INDEX team_members_agent_idx ON team_members (agent_id, team_id);

ALTER TABLE widget_routing ADD COLUMN team_id uuid REFERENCES teams (id) ON DELETE SET NULL;

CREATE INDEX widget_routing_team_idx ON widget_routing (team_id) WHERE team_id IS NOT NULL;

-- A saved view: one agent's named set of inbox filters (the JSON of the
-- filters ListConversations takes, as the views domain writes it), in the
-- agent's order.
CREATE TABLE saved_views (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id   uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    filters    jsonb NOT NULL,
    sort_order   integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX saved_views_name_key ON saved_views (agent_id, lower(name));
CREATE INDEX saved_views_agent_idx ON saved_views (agent_id, sort_order);

-- +goose Down
DROP TABLE saved_views;
DROP INDEX widget_routing_team_idx;
ALTER TABLE widget_routing DROP COLUMN team_id;
DROP TABLE team_members;
DROP TABLE teams;
