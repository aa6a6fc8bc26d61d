-- +goose Up
-- Every message and every change writes an events row, and each index on
-- events is one more entry per write. events_occurred_at served only the
-- pruning of old events; pruning now walks the log from its oldest id
-- (the primary key) and stops at the first event still within the
-- retention, so the index goes.
DROP INDEX events_occurred_at;

-- +goose Down
CREATE INDEX events_occurred_at ON events (occurred_at);
