-- +goose Up
-- A sender may edit or delete their own message for a while after sending
-- it (chat/edit.go). The message row holds the text as it is now (empty
-- once deleted), which is all a customer ever reads; the texts it replaced
-- are kept in message_revisions, for admins only.
ALTER TABLE messages
    ADD COLUMN edited_at  timestamptz,
    ADD COLUMN deleted_at timestamptz;

CREATE TABLE message_revisions (
    id          bigserial PRIMARY KEY,
    message_id  uuid NOT NULL REFERENCES messages (id),
    -- The text before the change.
    text        text NOT NULL,
    -- The change was the deletion (else an edit).
    deleted     boolean NOT NULL,
    replaced_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_revisions_message_id ON message_revisions (message_id, id);

-- +goose Down
DROP TABLE message_revisions;
ALTER TABLE messages
    DROP COLUMN edited_at,
    DROP COLUMN deleted_at;
