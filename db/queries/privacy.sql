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
SELECT c.id, c.widget_id, w.name AS widget_name, c.name, c.email, c.phone, c.company, c.notes, c.attributes,
       c.verified_user_id, c.created_at, c.last_seen_at, c.erased_at
FROM customers c JOIN widgets w ON w.id = c.widget_id
WHERE c.id = @id;

-- name: ExportConversations :many
SELECT id, status, assignee_id, created_at, updated_at, last_message_at
FROM conversations WHERE customer_id = @customer_id ORDER BY created_at, id;

-- name: ExportMessages :many
-- Every message of the customer's conversations, internal notes included
-- (they are stored about the customer), in order.
SELECT m.id, m.conversation_id, m.seq, m.sender_type, m.sender_name, m.text, m.internal, m.created_at, m.system_kind,
       m.edited_at, m.deleted_at
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
-- messages, rating comments (scores stay: reports add up), the rate-limit
-- counters keyed by their id or ending in their last known address
-- ("addr:<ip>"), and the files of
-- their conversations, including their uploads never sent (the trigger
-- queues the files' bytes; privacy.Erase deletes them from the store).
WITH limits AS (
    DELETE FROM rate_limits rl
    WHERE position((SELECT cu.id::text FROM customers cu WHERE cu.id = @customer_id) IN rl.bucket) > 0
       OR EXISTS (SELECT 1 FROM visitor_contexts v WHERE v.customer_id = @customer_id AND v.ip_address <> ''
                  AND right(rl.bucket, length(v.ip_address) + 1) = ':' || v.ip_address)
), attrs AS (
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

-- name: ExportAttributeValues :many
SELECT d.key, d.label, d.type, v.value
FROM customer_attribute_values v JOIN customer_attribute_definitions d ON d.id = v.attribute_id
WHERE v.customer_id = @customer_id ORDER BY d.key;

-- name: ExportCustomerChanges :many
SELECT field, old_value, new_value, agent_name, changed_at FROM customer_changes
WHERE customer_id = @customer_id ORDER BY id;

-- name: ExportVisitorContext :many
-- Zero or one row: where the customer is and has been.
SELECT current_url, current_title, referrer, trail, device, ip_address, country, city, updated_at
FROM visitor_contexts WHERE customer_id = @customer_id;

-- name: ExportMessageRevisions :many
-- The texts edited or deleted messages of the customer's conversations had.
SELECT r.message_id, r.text, r.deleted, r.replaced_at
FROM message_revisions r
JOIN messages m ON m.id = r.message_id
JOIN conversations c ON c.id = m.conversation_id
WHERE c.customer_id = @customer_id
ORDER BY r.id;

-- name: ExportAttachments :many
-- The files of the customer's conversations and their uploads never sent.
SELECT * FROM attachments
WHERE conversation_id IN (SELECT cv.id FROM conversations cv WHERE cv.customer_id = @customer_id)
   OR (uploader_type = 'customer' AND uploader_id = @customer_id AND message_id IS NULL)
ORDER BY created_at, id;

-- name: ExportRatings :many
SELECT conversation_id, scale, score, comment, created_at, updated_at FROM conversation_ratings
WHERE customer_id = @customer_id ORDER BY created_at;

-- name: ExportTags :many
SELECT ct.conversation_id, t.name
FROM conversation_tags ct
JOIN tags t ON t.id = ct.tag_id
JOIN conversations c ON c.id = ct.conversation_id
WHERE c.customer_id = @customer_id
ORDER BY ct.conversation_id, t.name;

-- name: ExportMails :many
-- Mails to the customer or about their conversations (what an erasure
-- deletes).
SELECT id, kind, to_address, subject, text_body, html_body, status, conversation_id, created_at, sent_at
FROM mail_outbox
WHERE conversation_id IN (SELECT cv.id FROM conversations cv WHERE cv.customer_id = @customer_id)
   OR lower(to_address) = (SELECT lower(cu.email) FROM customers cu WHERE cu.id = @customer_id AND cu.email <> '')
ORDER BY created_at, id;

-- Retention. Each rule's period is per widget, retention_days (migration
-- 00023): a widget's override or else the installation's default_days; 0
-- keeps. "now" is the caller's clock, so tests can move it.

-- name: DueClosedConversations :many
-- Up to max_rows conversations closed longer ago than their widget's
-- period that still hold text, old texts or files, oldest first.
SELECT c.id FROM conversations c CROSS JOIN LATERAL (SELECT retention_days(c.widget_id, @default_days::int, @override_widgets::uuid[], @override_days::int[]) AS days) p
WHERE p.days > 0 AND c.status = 'closed' AND c.updated_at < (sqlc.arg(now)::timestamptz - p.days * interval '1 day')
  AND (EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id
               AND (m.text <> '' OR (m.sender_type = 'customer' AND m.sender_name <> '')))
       OR EXISTS (SELECT 1 FROM messages m JOIN message_revisions r ON r.message_id = m.id WHERE m.conversation_id = c.id)
       OR EXISTS (SELECT 1 FROM attachments a WHERE a.conversation_id = c.id AND a.removed_at IS NULL))
ORDER BY c.updated_at, c.id
LIMIT @max_rows;

-- name: CountDueClosedConversations :many
-- DueClosedConversations' count, per widget.
SELECT c.widget_id, count(*)::bigint AS due FROM conversations c CROSS JOIN LATERAL (SELECT retention_days(c.widget_id, @default_days::int, @override_widgets::uuid[], @override_days::int[]) AS days) p
WHERE p.days > 0 AND c.status = 'closed' AND c.updated_at < (sqlc.arg(now)::timestamptz - p.days * interval '1 day')
  AND (EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id
               AND (m.text <> '' OR (m.sender_type = 'customer' AND m.sender_name <> '')))
       OR EXISTS (SELECT 1 FROM messages m JOIN message_revisions r ON r.message_id = m.id WHERE m.conversation_id = c.id)
       OR EXISTS (SELECT 1 FROM attachments a WHERE a.conversation_id = c.id AND a.removed_at IS NULL))
GROUP BY c.widget_id;

-- name: BlankConversationMessages :execrows
-- Blanks the messages of the conversations as an erasure does.
UPDATE messages m SET text = '', sender_name = CASE WHEN m.sender_type = 'customer' THEN '' ELSE m.sender_name END
WHERE m.conversation_id = ANY(@ids::uuid[])
  AND (m.text <> '' OR (m.sender_type = 'customer' AND m.sender_name <> ''));

-- name: DeleteConversationRevisions :exec
-- The texts the conversations' edited messages had.
DELETE FROM message_revisions
WHERE message_id IN (SELECT m.id FROM messages m WHERE m.conversation_id = ANY(@ids::uuid[]));

-- name: DueAttachments :many
-- Up to max_rows sent files older than their widget's period and not yet
-- removed, oldest first.
SELECT a.id FROM attachments a
JOIN conversations c ON c.id = a.conversation_id
CROSS JOIN LATERAL (SELECT retention_days(c.widget_id, @default_days::int, @override_widgets::uuid[], @override_days::int[]) AS days) p
WHERE p.days > 0 AND a.removed_at IS NULL AND a.message_id IS NOT NULL
  AND a.created_at < (sqlc.arg(now)::timestamptz - p.days * interval '1 day')
ORDER BY a.created_at, a.id
LIMIT @max_rows;

-- name: CountDueAttachments :many
SELECT c.widget_id, count(*)::bigint AS due FROM attachments a
JOIN conversations c ON c.id = a.conversation_id
CROSS JOIN LATERAL (SELECT retention_days(c.widget_id, @default_days::int, @override_widgets::uuid[], @override_days::int[]) AS days) p
WHERE p.days > 0 AND a.removed_at IS NULL AND a.message_id IS NOT NULL
  AND a.created_at < (sqlc.arg(now)::timestamptz - p.days * interval '1 day')
GROUP BY c.widget_id;

-- name: RemoveAttachmentFiles :exec
-- Marks the files (by id, or all of the conversations) removed and queues
-- their bytes (and thumbnails) for deletion from their store; the rows stay
-- as the "file removed" marker.
WITH gone AS (
    UPDATE attachments SET removed_at = @now, thumbnail_size = NULL
    WHERE (id = ANY(@ids::uuid[]) OR conversation_id = ANY(@conversation_ids::uuid[])) AND removed_at IS NULL
    RETURNING id, store
)
INSERT INTO attachment_deletions (key, store)
SELECT g.id::text, g.store FROM gone g
UNION ALL
SELECT g.id::text || '.thumb', g.store FROM gone g
ON CONFLICT DO NOTHING;

-- name: DeleteOldVisitorSessions :execrows
-- Deletes up to max_rows visitor sessions last used longer ago than their
-- widget's period.
DELETE FROM visitor_sessions
WHERE id IN (SELECT v.id FROM visitor_sessions v CROSS JOIN LATERAL (SELECT retention_days(v.widget_id, @default_days::int, @override_widgets::uuid[], @override_days::int[]) AS days) p
             WHERE p.days > 0 AND v.last_seen_at < (sqlc.arg(now)::timestamptz - p.days * interval '1 day')
             ORDER BY v.last_seen_at LIMIT @max_rows);

-- name: CountOldVisitorSessions :many
SELECT v.widget_id, count(*)::bigint AS due FROM visitor_sessions v CROSS JOIN LATERAL (SELECT retention_days(v.widget_id, @default_days::int, @override_widgets::uuid[], @override_days::int[]) AS days) p
WHERE p.days > 0 AND v.last_seen_at < (sqlc.arg(now)::timestamptz - p.days * interval '1 day')
GROUP BY v.widget_id;

-- name: DeleteOldVisitorContexts :execrows
-- Deletes up to max_rows page histories (visitor contexts) last updated
-- longer ago than their customer's widget's session period.
DELETE FROM visitor_contexts
WHERE customer_id IN (SELECT vc.customer_id FROM visitor_contexts vc
                      JOIN customers cu ON cu.id = vc.customer_id
                      CROSS JOIN LATERAL (SELECT retention_days(cu.widget_id, @default_days::int, @override_widgets::uuid[], @override_days::int[]) AS days) p
                      WHERE p.days > 0 AND vc.updated_at < (sqlc.arg(now)::timestamptz - p.days * interval '1 day')
                      ORDER BY vc.updated_at LIMIT @max_rows);

-- name: CountOldVisitorContexts :many
SELECT cu.widget_id, count(*)::bigint AS due FROM visitor_contexts vc
JOIN customers cu ON cu.id = vc.customer_id
CROSS JOIN LATERAL (SELECT retention_days(cu.widget_id, @default_days::int, @override_widgets::uuid[], @override_days::int[]) AS days) p
WHERE p.days > 0 AND vc.updated_at < (sqlc.arg(now)::timestamptz - p.days * interval '1 day')
GROUP BY cu.widget_id;

-- name: ExistingWidgets :many
-- Which of the ids name a widget (deleted ones included: their data stays).
SELECT id FROM widgets WHERE id = ANY(@ids::uuid[]);
