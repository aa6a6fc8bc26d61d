-- +goose Up
-- A conversation event records the state of the conversation it announces,
-- so a stream that resumes from an old cursor replays what happened (a
-- conversation resolved, then reopened, replays as resolved, then active),
-- not the conversation's state at the time of the replay. The columns are
-- set for conversation_created and conversation_updated; for other kinds,
-- and for rows written before this migration, they are NULL and the
-- conversation's current state stands in.
ALTER TABLE events
    ADD COLUMN conversation_status     text,
    ADD COLUMN assignee_id             uuid,
    ADD COLUMN last_seq                bigint,
    ADD COLUMN waiting_since           timestamptz,
    ADD COLUMN conversation_updated_at timestamptz,
    ADD COLUMN last_message_at         timestamptz;

-- +goose Down
ALTER TABLE events
    DROP COLUMN conversation_status,
    DROP COLUMN assignee_id,
    DROP COLUMN last_seq,
    DROP COLUMN waiting_since,
    DROP COLUMN conversation_updated_at,
    DROP COLUMN last_message_at;
