-- +goose Up
-- Retention of files: a file older than its widget's attachment period loses
-- its bytes (queued in attachment_deletions, deleted from the store by the
-- next sweep) and keeps its row, marked removed, so the message still says
-- a file was there ("file removed") and counts add up.
ALTER TABLE attachments ADD COLUMN removed_at timestamptz;
-- The retention run's search for files due.
CREATE INDEX attachments_retained ON attachments (created_at) WHERE removed_at IS NULL AND message_id IS NOT NULL;
-- The retention run's search for sessions due.
CREATE INDEX visitor_sessions_last_seen ON visitor_sessions (last_seen_at);

-- +goose Down
DROP INDEX visitor_sessions_last_seen;
DROP INDEX attachments_retained;
ALTER TABLE attachments DROP COLUMN removed_at;
