-- name: ListStoredIdentitySecrets :many
-- Every widget's stored identity secret, deleted widgets' too, for sealing
-- those stored in plain text or under an old key.
SELECT id, identity_secret FROM widgets ORDER BY id;

-- name: ResealIdentitySecret :execrows
-- Replaces a stored identity secret with its sealed form, only if it is
-- still the value that was read: an instance that rotated the secret (or
-- sealed it) meanwhile wins, so several instances starting at once agree.
UPDATE widgets SET identity_secret = @sealed WHERE id = @id AND identity_secret = @stored;

-- name: ExportCustomer :one
SELECT c.id, c.widget_id, w.name AS widget_name, c.name, c.email, c.phone, c.attributes, c.verified_user_id,
       c.created_at, c.last_seen_at, c.erased_at
FROM customers c JOIN widgets w ON w.id = c.widget_id
WHERE c.id = @id;

-- name: ExportConversations :many
SELECT id, status, assignee_id, created_at, updated_at, last_message_at
FROM conversations WHERE customer_id = @customer_id ORDER BY created_at, id;

-- name: ExportMessages :many
-- Every message of the customer's conversations, internal notes included
-- (they are stored about the customer), in order.
SELECT m.conversation_id, m.seq, m.sender_type, m.sender_name, m.text, m.internal, m.created_at, m.system_kind
FROM messages m JOIN conversations c ON c.id = m.conversation_id
WHERE c.customer_id = @customer_id
ORDER BY m.conversation_id, m.seq;

-- name: ExportVisitorSessions :many
SELECT created_at, last_seen_at, revoked_at FROM visitor_sessions
WHERE customer_id = @customer_id ORDER BY created_at;

-- name: LockCustomerForErasure :one
SELECT erased_at FROM customers WHERE id = @id FOR UPDATE;

-- name: LockCustomerConversations :many
-- Locks the customer's conversations, so a message being sent to one of
-- them commits before the erasure reads it, or waits until it has ended.
SELECT id FROM conversations WHERE customer_id = @customer_id ORDER BY id FOR UPDATE;

-- name: EraseCustomerProfile :exec
UPDATE customers SET name = '', email = '', phone = '', company = '', notes = '', attributes = '{}'::jsonb, verified_user_id = NULL,
                     erased_at = coalesce(erased_at, @now)
WHERE id = @id;

-- name: EraseCustomerMessages :execrows
-- Blanks the text of every message of the customer's conversations (the
-- agents' replies quote them as much as their own) and the customer's
-- name on their messages; the rows, their order and times stay, so counts
-- and response times still add up.
UPDATE messages m SET text = '', sender_name = CASE WHEN m.sender_type = 'customer' THEN '' ELSE m.sender_name END
FROM conversations c
WHERE c.id = m.conversation_id AND c.customer_id = @customer_id
  AND (m.text <> '' OR (m.sender_type = 'customer' AND m.sender_name <> ''));

-- name: RevokeCustomerSessions :execrows
UPDATE visitor_sessions SET revoked_at = @now WHERE customer_id = @customer_id AND revoked_at IS NULL;

-- name: DueClosedConversations :many
-- Up to max_rows conversations closed before the cutoff whose messages
-- still hold text, oldest first (retention).
SELECT c.id FROM conversations c
WHERE c.status = 'closed' AND c.updated_at < @before
  AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id
              AND (m.text <> '' OR (m.sender_type = 'customer' AND m.sender_name <> '')))
ORDER BY c.updated_at, c.id
LIMIT @max_rows;

-- name: CountDueClosedConversations :one
SELECT count(*)::bigint FROM conversations c
WHERE c.status = 'closed' AND c.updated_at < @before
  AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id
              AND (m.text <> '' OR (m.sender_type = 'customer' AND m.sender_name <> '')));

-- name: BlankConversationMessages :execrows
-- Blanks the messages of the conversations as an erasure does.
UPDATE messages m SET text = '', sender_name = CASE WHEN m.sender_type = 'customer' THEN '' ELSE m.sender_name END
WHERE m.conversation_id = ANY(@ids::uuid[])
  AND (m.text <> '' OR (m.sender_type = 'customer' AND m.sender_name <> ''));

-- name: DeleteOldVisitorSessions :execrows
-- Deletes up to max_rows visitor sessions last used before the cutoff.
DELETE FROM visitor_sessions
WHERE id IN (SELECT v.id FROM visitor_sessions v WHERE v.last_seen_at < @before ORDER BY v.last_seen_at LIMIT @max_rows);

-- name: CountOldVisitorSessions :one
SELECT count(*)::bigint FROM visitor_sessions WHERE last_seen_at < @before;

-- The rest of what an erasure removes, one statement per table. The mail
-- statements run before the profile is blanked: they find the customer's
-- address through it.

-- name: EraseCustomerOutbox :execrows
-- Mails to the customer or about their conversations, queued or sent.
DELETE FROM mail_outbox
WHERE conversation_id IN (SELECT cv.id FROM conversations cv WHERE cv.customer_id = @customer_id)
   OR lower(to_address) = (SELECT lower(cu.email) FROM customers cu WHERE cu.id = @customer_id AND cu.email <> '');

-- name: EraseCustomerMailState :exec
-- Reply addresses of their conversations and the suppression of their
-- address (with no address left there is nothing to suppress).
WITH threads AS (
    DELETE FROM mail_conversations
    WHERE conversation_id IN (SELECT cv.id FROM conversations cv WHERE cv.customer_id = @customer_id)
)
DELETE FROM mail_suppressions
WHERE address = (SELECT lower(cu.email) FROM customers cu WHERE cu.id = @customer_id AND cu.email <> '');

-- name: EraseCustomerRecords :exec
-- Attribute values, the record of agents' edits (old and new values), the
-- visitor context (pages, device, address), the original texts of edited
-- messages, rating comments (scores stay: reports add up) and the files of
-- their conversations, including their uploads never sent (the files'
-- bytes leave the store with the next attachment sweep).
WITH attrs AS (
    DELETE FROM customer_attribute_values av WHERE av.customer_id = @customer_id
), changes AS (
    DELETE FROM customer_changes ch WHERE ch.customer_id = @customer_id
), context AS (
    DELETE FROM visitor_contexts vc WHERE vc.customer_id = @customer_id
), revisions AS (
    DELETE FROM message_revisions
    WHERE message_id IN (SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id
                         WHERE c.customer_id = @customer_id)
), comments AS (
    UPDATE conversation_ratings r SET comment = '' WHERE r.customer_id = @customer_id AND r.comment <> ''
)
DELETE FROM attachments
WHERE conversation_id IN (SELECT cv.id FROM conversations cv WHERE cv.customer_id = @customer_id)
   OR (uploader_type = 'customer' AND uploader_id = @customer_id AND message_id IS NULL);
