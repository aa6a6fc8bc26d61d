-- +goose Up
-- An invisible agent works (streams, replies) without counting as
-- available: visitors and availability counts treat them as offline.
ALTER TABLE agents DROP CONSTRAINT agents_status_check;
ALTER TABLE agents ADD CONSTRAINT agents_status_check CHECK (status IN ('online', 'away', 'invisible'));

-- +goose Down
UPDATE agents SET status = 'away' WHERE status = 'invisible';
ALTER TABLE agents DROP CONSTRAINT agents_status_check;
ALTER TABLE agents ADD CONSTRAINT agents_status_check CHECK (status IN ('online', 'away'));
