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

-- A retention period in days for a widget's data: the widget's override
-- (override_widgets[i] → override_days[i], a negative count following the
-- installation) or else default_days; 0 keeps. One definition for every
-- retention query (db/queries/privacy.sql).
-- +goose StatementBegin
CREATE FUNCTION retention_days(widget uuid, default_days integer, override_widgets uuid[], override_days integer[])
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce((SELECT o.days FROM unnest(override_widgets, override_days) AS o(widget_id, days)
                     WHERE o.widget_id = widget AND o.days >= 0 LIMIT 1), default_days)
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION retention_days(uuid, integer, uuid[], integer[]);
DROP INDEX visitor_sessions_last_seen;
DROP INDEX attachments_retained;
ALTER TABLE attachments DROP COLUMN removed_at;
