-- name: EnqueueMail :one
-- Queues one mail, due at @due (the caller's clock).
INSERT INTO mail_outbox (kind, to_address, subject, text_body, html_body, reply_to, unsubscribe_url, conversation_id, next_attempt_at, created_at)
VALUES (@kind, @to_address, @subject, @text_body, @html_body, @reply_to, @unsubscribe_url, sqlc.narg(conversation_id)::uuid, @due, @due)
RETURNING id;

-- name: ClaimDueMail :many
-- Claims up to @batch due mails for this instance: their next attempt moves
-- to @lease_until, so no other instance takes them while they are sent;
-- SKIP LOCKED lets instances claim side by side without waiting on each
-- other.
WITH due AS (
    SELECT d.id FROM mail_outbox d
    WHERE d.status = 'queued' AND d.next_attempt_at <= @now::timestamptz
    ORDER BY d.next_attempt_at
    LIMIT @batch
    FOR UPDATE SKIP LOCKED
)
UPDATE mail_outbox o
SET next_attempt_at = @lease_until::timestamptz, attempts = o.attempts + 1
FROM due
WHERE o.id = due.id
RETURNING o.id, o.kind, o.to_address, o.subject, o.text_body, o.html_body, o.reply_to, o.unsubscribe_url, o.attempts, o.created_at;

-- name: MarkMailSent :exec
UPDATE mail_outbox SET status = 'sent', sent_at = @now::timestamptz, last_error = '' WHERE id = @id AND status = 'queued';

-- name: RetryMail :exec
-- A temporary failure: try again at @next_attempt_at.
UPDATE mail_outbox SET next_attempt_at = @next_attempt_at, last_error = @last_error WHERE id = @id AND status = 'queued';

-- name: FailMail :exec
-- A permanent failure, or the give-up time passed: no more attempts.
UPDATE mail_outbox SET status = 'failed', last_error = @last_error WHERE id = @id AND status = 'queued';

-- name: ListOutbox :many
-- The outbox, newest first, keyset-paginated; @status '' lists every status.
SELECT id, kind, to_address, subject, conversation_id, status, attempts, next_attempt_at, last_error, created_at, sent_at, bounced_at
FROM mail_outbox
WHERE (@status::text = '' OR status = @status::text)
  AND (NOT @has_cursor::boolean OR (created_at, id) < (@cursor_created_at::timestamptz, @cursor_id::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @page_limit;

-- name: MailSuppressed :one
SELECT EXISTS (SELECT 1 FROM mail_suppressions WHERE address = lower(@address::text));

-- name: SuppressAddress :exec
-- Stops customer mail to @address; a bounce or complaint after an
-- unsubscribe keeps the first reason.
INSERT INTO mail_suppressions (address, reason, detail) VALUES (lower(@address::text), @reason, @detail)
ON CONFLICT (address) DO NOTHING;

-- name: MailSuppression :one
-- Why an address gets no more mail; no row when it does.
SELECT reason, detail, created_at FROM mail_suppressions WHERE address = lower(@address::text);

-- name: EnsureMailConversation :one
-- The conversation's mail state, created with @reply_token the first time;
-- a language ('' for unknown) is kept once known.
INSERT INTO mail_conversations (conversation_id, reply_token, language) VALUES (@conversation_id, @reply_token, @language)
ON CONFLICT (conversation_id) DO UPDATE
SET language = CASE WHEN mail_conversations.language = '' THEN EXCLUDED.language ELSE mail_conversations.language END
RETURNING conversation_id, reply_token, mailed_seq, acknowledged;

-- name: AdvanceMailedSeq :one
-- Records that replies up to @mailed_seq were mailed. It returns no row
-- when another instance got there first (the row's lock orders them), so a
-- reply is mailed once.
UPDATE mail_conversations SET mailed_seq = @mailed_seq
WHERE conversation_id = @conversation_id AND mailed_seq < @mailed_seq
RETURNING conversation_id;

-- name: MarkAcknowledged :one
-- Records the acknowledgement of the conversation's offline message; no
-- row when it was already acknowledged.
UPDATE mail_conversations SET acknowledged = true
WHERE conversation_id = @conversation_id AND NOT acknowledged
RETURNING conversation_id;

-- name: MailConversationByToken :one
SELECT mc.conversation_id, mc.reply_token, c.customer_id, cu.email, c.widget_id
FROM mail_conversations mc
JOIN conversations c ON c.id = mc.conversation_id
JOIN customers cu ON cu.id = c.customer_id
WHERE mc.reply_token = @reply_token;

-- name: MailRecipient :one
-- Whom a conversation's customer mail goes to, in which language: the
-- widget's language when it is fixed, else the customer's.
SELECT c.id AS conversation_id, c.customer_id, cu.name, cu.email,
       COALESCE(w.settings->'appearance'->>'locale', '')::text AS widget_locale, w.name AS widget_name,
       COALESCE(mc.language, '')::text AS language,
       EXISTS (SELECT 1 FROM mail_given_addresses g
               WHERE g.customer_id = cu.id AND g.address_hash = sha256(convert_to(lower(cu.email), 'UTF8'))) AS given,
       c.widget_id
FROM conversations c
JOIN customers cu ON cu.id = c.customer_id
JOIN widgets w ON w.id = c.widget_id
LEFT JOIN mail_conversations mc ON mc.conversation_id = c.id
WHERE c.id = @conversation_id;

-- name: DueFollowups :many
-- Conversations active since @since whose customer has an email address
-- and an agent reply (not an internal note) they have neither read nor
-- been mailed, the oldest of them written before @due_before.
SELECT c.id AS conversation_id
FROM conversations c
JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.reader_type = 'customer'
LEFT JOIN mail_conversations mc ON mc.conversation_id = c.id
WHERE c.last_message_at >= @since
  AND cu.email <> ''
  AND NOT EXISTS (SELECT 1 FROM mail_suppressions s WHERE s.address = lower(cu.email))
  AND EXISTS (SELECT 1 FROM mail_given_addresses g
              WHERE g.customer_id = cu.id AND g.address_hash = sha256(convert_to(lower(cu.email), 'UTF8')))
  AND EXISTS (
      SELECT 1 FROM messages m
      WHERE m.conversation_id = c.id AND m.sender_type = 'agent' AND NOT m.internal
        AND m.seq > GREATEST(COALESCE(r.read_seq, 0), COALESCE(mc.mailed_seq, 0))
        AND m.created_at <= @due_before
  )
ORDER BY c.last_message_at
LIMIT @batch;

-- name: UnseenReplies :many
-- A conversation's agent replies (no internal notes) after both the
-- customer's read marker and the last mailed seq, oldest first.
SELECT m.seq, m.sender_name, m.text, m.created_at
FROM messages m
WHERE m.conversation_id = @conversation_id AND m.sender_type = 'agent' AND NOT m.internal
  AND m.seq > GREATEST(
      COALESCE((SELECT read_seq FROM conversation_reads r WHERE r.conversation_id = @conversation_id AND r.reader_type = 'customer'), 0),
      COALESCE((SELECT mailed_seq FROM mail_conversations mc WHERE mc.conversation_id = @conversation_id), 0))
ORDER BY m.seq
LIMIT 50;

-- name: CancelQueuedMailTo :exec
-- An address that unsubscribed gets none of the customer mail still queued.
UPDATE mail_outbox SET status = 'failed', last_error = 'the recipient unsubscribed'
WHERE lower(to_address) = lower(@address::text) AND status = 'queued' AND kind IN ('followup', 'acknowledgement', 'transcript');

-- name: TranscriptMessages :many
-- The last @max_messages messages a customer sees of a conversation (no
-- internal notes, no system lines), newest first.
SELECT m.seq, m.sender_type, m.sender_name, m.text, m.created_at
FROM messages m
WHERE m.conversation_id = @conversation_id AND NOT m.internal AND m.sender_type <> 'system'
ORDER BY m.seq DESC
LIMIT @max_messages;

-- name: RecordGivenAddress :exec
-- Records that the customer gave @address themselves (or the host site
-- verified it), so it may be mailed.
INSERT INTO mail_given_addresses (customer_id, address_hash)
SELECT @customer_id, sha256(convert_to(lower(@address::text), 'UTF8'))
WHERE @address::text <> ''
ON CONFLICT DO NOTHING;

-- name: MailForBounce :one
-- The mail a bounce or complaint is about (its envelope sender carries the
-- id).
SELECT id, to_address, status FROM mail_outbox WHERE id = @id;

-- name: MarkMailBounced :exec
-- A mail the receiving server accepted and later returned (or reported as
-- spam): failed, with why.
UPDATE mail_outbox SET status = 'failed', bounced_at = now(), last_error = @last_error WHERE id = @id;

-- name: CancelQueuedCustomerMailTo :exec
-- A bounced or complaining address gets none of the customer mail still
-- queued.
UPDATE mail_outbox SET status = 'failed', last_error = @last_error
WHERE lower(to_address) = lower(@address::text) AND status = 'queued' AND kind IN ('followup', 'acknowledgement', 'transcript');

-- name: GetAgentNotifications :one
SELECT agent_id, address, new_conversations, assigned, language FROM mail_agent_notifications WHERE agent_id = @agent_id;

-- name: PutAgentNotifications :exec
INSERT INTO mail_agent_notifications (agent_id, address, new_conversations, assigned, language)
VALUES (@agent_id, @address, @new_conversations, @assigned, @language)
ON CONFLICT (agent_id) DO UPDATE
SET address = EXCLUDED.address, new_conversations = EXCLUDED.new_conversations,
    assigned = EXCLUDED.assigned, language = EXCLUDED.language, updated_at = now();

-- name: NewConversationRecipients :many
-- The enabled agents who want a mail about a new conversation while no
-- agent is online, with an address that did not bounce.
SELECT a.id, a.display_name, n.address, n.language
FROM mail_agent_notifications n
JOIN agents a ON a.id = n.agent_id
WHERE n.new_conversations AND n.address <> '' AND NOT a.disabled
  AND NOT EXISTS (SELECT 1 FROM mail_suppressions s WHERE s.address = lower(n.address))
ORDER BY a.id
LIMIT 200;

-- name: AssignedRecipient :many
-- The agent, when enabled and wanting a mail about conversations assigned
-- to them, with an address that did not bounce.
SELECT a.id, a.display_name, n.address, n.language
FROM mail_agent_notifications n
JOIN agents a ON a.id = n.agent_id
WHERE n.agent_id = @agent_id AND n.assigned AND n.address <> '' AND NOT a.disabled
  AND NOT EXISTS (SELECT 1 FROM mail_suppressions s WHERE s.address = lower(n.address));

-- name: ConversationForNotification :one
-- What an agent's notification says about a conversation: the customer,
-- the widget and the newest customer message.
SELECT cu.name AS customer_name, w.name AS widget_name,
       COALESCE((SELECT m.text FROM messages m
                 WHERE m.conversation_id = c.id AND m.sender_type = 'customer'
                 ORDER BY m.seq DESC LIMIT 1), '')::text AS last_text
FROM conversations c
JOIN customers cu ON cu.id = c.customer_id
JOIN widgets w ON w.id = c.widget_id
WHERE c.id = @conversation_id;
