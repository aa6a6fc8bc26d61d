-- +goose Up
-- An invisible agent works (streams, replies) without counting as
-- available: visitors and availability counts treat them as offline.
ALTER TABLE agents DROP CONSTRAINT agents_status_check;
ALTER TABLE agents ADD CONSTRAINT agents_status_check CHECK (status IN ('online', 'away', 'invisible'));
-- Away after this many seconds without activity in the dashboard (0 =
-- never), and whether the current away was set that way: only an
-- automatic away ends by itself on activity, a chosen one stays.
ALTER TABLE agents
    ADD COLUMN idle_away_seconds integer NOT NULL DEFAULT 600 CHECK (idle_away_seconds BETWEEN 0 AND 86400),
    ADD COLUMN away_automatic boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE agents DROP COLUMN idle_away_seconds, DROP COLUMN away_automatic;
UPDATE agents SET status = 'away' WHERE status = 'invisible';
ALTER TABLE agents DROP CONSTRAINT agents_status_check;
ALTER TABLE agents ADD CONSTRAINT agents_status_check CHECK (status IN ('online', 'away'));
