-- name: WidgetBot :one
-- The bot that answers first on a widget (no row: nobody), with whether it
-- can still act (a bot name, not revoked, its agent enabled).
SELECT b.widget_id, b.token_id, COALESCE(t.bot_name, '')::text AS bot_name,
       (t.bot_name IS NOT NULL AND t.revoked_at IS NULL AND NOT a.disabled)::boolean AS usable
FROM widget_bots b
JOIN api_tokens t ON t.id = b.token_id
JOIN agents a ON a.id = t.agent_id
WHERE b.widget_id = @widget_id;

-- name: SetWidgetBot :execrows
-- Names the bot that answers first on a live widget; no row for an
-- unknown widget.
INSERT INTO widget_bots (widget_id, token_id)
SELECT id, @token_id FROM widgets WHERE id = @widget_id AND deleted_at IS NULL
ON CONFLICT (widget_id) DO UPDATE SET token_id = EXCLUDED.token_id, updated_at = now();

-- name: ClearWidgetBot :exec
DELETE FROM widget_bots WHERE widget_id = @widget_id;

-- name: BotToken :one
-- An API token as bot-first needs it: its bot name and whether it can act.
SELECT t.id, COALESCE(t.bot_name, '')::text AS bot_name,
       (t.revoked_at IS NULL AND NOT a.disabled)::boolean AS live
FROM api_tokens t JOIN agents a ON a.id = t.agent_id
WHERE t.id = @id;

-- name: HoldForWidgetBot :execrows
-- Gives a new conversation to the bot that answers first on its widget,
-- if the widget has one that can act.
INSERT INTO conversation_bots (conversation_id, token_id)
SELECT @conversation_id, b.token_id
FROM widget_bots b
JOIN api_tokens t ON t.id = b.token_id AND t.bot_name IS NOT NULL AND t.revoked_at IS NULL
JOIN agents a ON a.id = t.agent_id AND NOT a.disabled
WHERE b.widget_id = @widget_id
ON CONFLICT (conversation_id) DO NOTHING;

-- name: HoldForBot :exec
-- Gives a conversation a backend just created to the bot that created it.
INSERT INTO conversation_bots (conversation_id, token_id)
VALUES (@conversation_id, @token_id)
ON CONFLICT (conversation_id) DO NOTHING;

-- name: BotHolds :many
-- The bots holding any of these conversations: an open hold of a live bot
-- token on a conversation nobody is assigned.
SELECT b.conversation_id, b.token_id, t.bot_name::text AS bot_name
FROM conversation_bots b
JOIN conversations c ON c.id = b.conversation_id AND c.assignee_id IS NULL
JOIN api_tokens t ON t.id = b.token_id AND t.bot_name IS NOT NULL AND t.revoked_at IS NULL
WHERE b.conversation_id = ANY(@ids::uuid[]) AND b.handed_off_at IS NULL;

-- name: ReleaseBotHold :exec
-- An agent took the conversation: the bot no longer holds it.
UPDATE conversation_bots SET handed_off_at = now()
WHERE conversation_id = @conversation_id AND handed_off_at IS NULL;

-- name: HandOffConversation :one
-- Ends a bot's hold in one statement: the hold, a system line and both
-- events. The conversation keeps its status; a WAITING one joins the queue
-- (the customer waits for a person from now). No row when no bot holds it.
WITH h AS (
    UPDATE conversation_bots SET handed_off_at = now()
    WHERE conversation_bots.conversation_id = @conversation_id AND conversation_bots.handed_off_at IS NULL
    RETURNING conversation_bots.conversation_id
), c AS (
    UPDATE conversations
    SET last_seq = last_seq + 1,
        last_message_at = now(),
        updated_at = now(),
        waiting_since = CASE WHEN conversations.status = 'waiting'
                             THEN COALESCE(conversations.waiting_since, now()) ELSE conversations.waiting_since END
    FROM h
    WHERE conversations.id = h.conversation_id
    RETURNING conversations.*
), m AS (
    INSERT INTO messages (conversation_id, seq, sender_type, sender_name, text, system_kind, system_actor, system_target)
    SELECT c.id, c.last_seq, 'system', @actor_name::text, @text::text, 'handed_off', @actor_name::text, ''
    FROM c
    RETURNING id, conversation_id
), e AS (
    INSERT INTO events (kind, conversation_id, customer_id, message_id, conversation_status, assignee_id, last_seq,
                        waiting_since, conversation_updated_at, last_message_at)
    SELECT 'conversation_updated', c.id, c.customer_id, NULL::uuid, c.status, c.assignee_id, c.last_seq,
           c.waiting_since, c.updated_at, c.last_message_at FROM c
    UNION ALL
    SELECT 'message_created', m.conversation_id, c.customer_id, m.id, NULL, NULL, NULL, NULL, NULL, NULL FROM m, c
    UNION ALL
    -- For webhooks only (conversation.handed_off); streams pass it over.
    SELECT 'conversation_handed_off', c.id, c.customer_id, NULL::uuid, c.status, c.assignee_id, c.last_seq,
           c.waiting_since, c.updated_at, c.last_message_at FROM c
)
SELECT id, customer_id, widget_id, status, assignee_id, created_at, updated_at, last_message_at, last_seq, waiting_since
FROM c;

-- name: AnnounceCustomer :exec
-- A customer was created or changed: an events row for webhooks
-- (customer_created, customer_updated). It belongs to no conversation, so
-- it names the all-zero one; streams pass it over.
INSERT INTO events (kind, conversation_id, customer_id)
VALUES (@kind::text, '00000000-0000-0000-0000-000000000000', @customer_id);

-- name: LiveWidgetID :one
SELECT id FROM widgets WHERE id = @id AND deleted_at IS NULL;

-- name: OpenConversationOf :one
-- The customer's WAITING or ACTIVE conversation.
SELECT id FROM conversations
WHERE customer_id = @customer_id AND status IN ('waiting', 'active')
ORDER BY created_at DESC
LIMIT 1;
