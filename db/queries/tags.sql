-- name: ListTags :many
-- Every tag, by name (case-insensitively), then id.
SELECT id, name, color, created_at, updated_at FROM tags ORDER BY lower(name), id;

-- name: CreateTag :one
-- No row when the installation has max_tags already.
INSERT INTO tags (name, color)
SELECT @name, @color
WHERE (SELECT count(*) FROM tags) < @max_tags::int
RETURNING id, name, color, created_at, updated_at;

-- name: UpdateTag :one
UPDATE tags SET name = @name, color = @color, updated_at = now()
WHERE id = @id
RETURNING id, name, color, created_at, updated_at;

-- name: DeleteTag :execrows
DELETE FROM tags WHERE id = @id;

-- name: CountTags :one
-- How many of ids are tags, to tell an unknown id from a known one.
SELECT count(*)::int FROM tags WHERE id = ANY(@ids::uuid[]);

-- name: TagsOfConversations :many
-- The tags of each of the conversations, by name.
SELECT ct.conversation_id, t.id, t.name, t.color
FROM conversation_tags ct
JOIN tags t ON t.id = ct.tag_id
WHERE ct.conversation_id = ANY(@conversation_ids::uuid[])
ORDER BY ct.conversation_id, lower(t.name), t.id;

-- name: SetConversationTags :one
-- Replaces a conversation's tags with the existing ones among tag_ids, in
-- one statement: when the set changes, the conversation's updated_at moves
-- and a conversation_updated event records the new state, so every agent's
-- inbox updates. Returns 1 when the set changed, 0 when it was already so
-- (or the conversation is unknown: the caller checks first).
WITH want AS (
    SELECT t.id FROM tags t WHERE t.id = ANY(@tag_ids::uuid[])
), c AS (
    UPDATE conversations cv SET updated_at = now()
    WHERE cv.id = @conversation_id
      AND ARRAY(SELECT ct.tag_id FROM conversation_tags ct WHERE ct.conversation_id = cv.id ORDER BY ct.tag_id)
          IS DISTINCT FROM ARRAY(SELECT want.id FROM want ORDER BY want.id)
    RETURNING cv.*
), d AS (
    DELETE FROM conversation_tags ct USING c
    WHERE ct.conversation_id = c.id AND ct.tag_id NOT IN (SELECT want.id FROM want)
), i AS (
    INSERT INTO conversation_tags (conversation_id, tag_id)
    SELECT c.id, want.id FROM c, want
    ON CONFLICT DO NOTHING
), e AS (
    INSERT INTO events (kind, conversation_id, customer_id, conversation_status, assignee_id, last_seq,
                        waiting_since, conversation_updated_at, last_message_at)
    SELECT 'conversation_updated', c.id, c.customer_id, c.status, c.assignee_id, c.last_seq,
           c.waiting_since, c.updated_at, c.last_message_at FROM c
)
SELECT count(*)::int FROM c;
