-- Editing and deleting messages (server/chat/edit.go).

-- name: ReviseMessage :one
-- Replaces a message's text (an edit) or empties it (deleted) when its
-- sender is the one given, it is not deleted and it was written after
-- not_before (the edit window); keeps the replaced text as a revision and
-- writes the message_updated event, all in one statement. The row lock
-- orders concurrent changes of one message: the second re-checks the
-- conditions against the first's result. No row when a condition fails;
-- MessageForRevision tells which.
WITH m AS (
    SELECT messages.id, messages.text FROM messages
    WHERE messages.id = @message_id
      AND messages.sender_type = @sender_type::text AND messages.sender_id = @sender_id::uuid
      AND messages.deleted_at IS NULL AND messages.created_at > @not_before
    FOR UPDATE
), r AS (
    INSERT INTO message_revisions (message_id, text, deleted)
    SELECT m.id, m.text, @deleted::boolean FROM m
), u AS (
    UPDATE messages
    SET text = CASE WHEN @deleted::boolean THEN '' ELSE @new_text::text END,
        edited_at = CASE WHEN @deleted::boolean THEN messages.edited_at ELSE now() END,
        deleted_at = CASE WHEN @deleted::boolean THEN now() END
    FROM m
    WHERE messages.id = m.id
    RETURNING messages.*
), e AS (
    INSERT INTO events (kind, conversation_id, customer_id, message_id, internal)
    SELECT 'message_updated', u.conversation_id, c.customer_id, u.id, u.internal
    FROM u JOIN conversations c ON c.id = u.conversation_id
)
SELECT id, conversation_id, seq, sender_type, sender_id, sender_name, text, internal, client_message_id, created_at, system_kind, system_actor, system_target, edited_at, deleted_at
FROM u;

-- name: MessageForRevision :one
-- What decides whether a caller may change a message, and its customer
-- (whose messages a visitor may see).
SELECT m.sender_type, m.sender_id, m.internal, m.created_at, m.deleted_at, c.customer_id
FROM messages m
JOIN conversations c ON c.id = m.conversation_id
WHERE m.id = @message_id;

-- name: MessageRevisions :many
-- The texts a message had before each change, oldest first.
SELECT text, deleted, replaced_at FROM message_revisions
WHERE message_id = @message_id
ORDER BY id;
