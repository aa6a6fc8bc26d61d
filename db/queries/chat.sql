-- Conversations, messages and read markers (package server/chat).
--
-- Every durable change writes its events row in the same statement, and no
-- statement here sends NOTIFY: the realtime hub is woken after commit.

-- name: InsertAgentMessage :one
-- One statement, one commit: take the conversation's next seq (the row
-- lock orders concurrent sends), insert the message and write its event.
-- A key the sender used before fails the whole statement on
-- messages_agent_key, undoing the seq; the caller then fetches the first
-- message. No row when the conversation does not exist, or for a reply
-- when it is closed or still waiting (the first reply claims it first).
--
-- It also returns its event's place in the log and whether the event
-- directly follows the hub's position (after_tx, after_id): true when no
-- transaction older than this one was running as the statement began (so
-- every older event is committed and visible here) and none of those lies
-- after the position. The hub may then deliver the event without reading
-- it back (realtime.Hub.CommittedNext).
WITH c AS (
    UPDATE conversations
    SET last_seq = conversations.last_seq + 1,
        last_message_at = now(),
        -- A reply answers the customer; a note does not.
        waiting_since = CASE WHEN @internal::boolean THEN conversations.waiting_since END
    WHERE conversations.id = @conversation_id
      AND (@internal::boolean OR conversations.status NOT IN ('closed', 'waiting')
           -- A bot answering first replies while it holds the conversation.
           OR (conversations.status = 'waiting' AND conversations.assignee_id IS NULL AND EXISTS (
               SELECT 1 FROM conversation_bots b
               WHERE b.conversation_id = conversations.id AND b.token_id = @bot_token_id::uuid
                 AND b.handed_off_at IS NULL)))
    RETURNING conversations.id, conversations.customer_id, conversations.last_seq
), m AS (
    INSERT INTO messages (conversation_id, seq, sender_type, sender_id, sender_name, text, internal, client_message_id)
    SELECT c.id, c.last_seq, 'agent', @sender_id::uuid, @sender_name::text, @text::text, @internal::boolean, @client_message_id::text
    FROM c
    RETURNING *
), e AS (
    INSERT INTO events (kind, conversation_id, customer_id, message_id, internal)
    SELECT 'message_created', m.conversation_id, c.customer_id, m.id, m.internal
    FROM m, c
    RETURNING events.id, events.tx, events.customer_id, events.occurred_at
)
SELECT m.id, m.conversation_id, m.seq, m.sender_type, m.sender_id, m.sender_name, m.text, m.internal, m.client_message_id,
       m.created_at, m.system_kind, m.system_actor, m.system_target, m.edited_at, m.deleted_at,
       e.id AS event_id, e.tx::text::bigint AS event_tx, e.customer_id AS event_customer_id, e.occurred_at AS event_occurred_at,
       (pg_snapshot_xmin(pg_current_snapshot()) = e.tx
        AND NOT EXISTS (SELECT 1 FROM events p
                        WHERE (p.tx, p.id) > (sqlc.arg(after_tx)::bigint::text::xid8, sqlc.arg(after_id)::bigint)
                          AND p.tx < e.tx))::boolean AS event_follows,
       -- The sender's picture as the attachments service's SenderAvatars
       -- reads it (a bot of the agent by that name, else the agent), so a
       -- send without files needs no second query: "" for none.
       COALESCE(CASE WHEN EXISTS (SELECT 1 FROM api_tokens t WHERE t.agent_id = m.sender_id AND t.bot_name = m.sender_name)
                     THEN (SELECT t.avatar FROM api_tokens t WHERE t.agent_id = m.sender_id AND t.bot_name = m.sender_name
                           ORDER BY t.created_at DESC, t.id DESC LIMIT 1)
                     ELSE (SELECT a.avatar FROM agents a WHERE a.id = m.sender_id) END, '')::text AS sender_avatar
FROM m, e;

-- name: InsertCustomerMessage :one
-- Like InsertAgentMessage, into the customer's newest open (waiting or
-- active) conversation; a reused key fails on messages_customer_key. No row
-- when the customer has no open conversation.
WITH c AS (
    UPDATE conversations
    SET last_seq = conversations.last_seq + 1,
        last_message_at = now(),
        waiting_since = COALESCE(conversations.waiting_since, now())
    WHERE conversations.id = (
            SELECT o.id FROM conversations o
            WHERE o.customer_id = @customer_id AND o.status IN ('waiting', 'active')
            ORDER BY o.created_at DESC
            LIMIT 1)
      -- Re-checked after waiting for a concurrent change of the row.
      AND conversations.status IN ('waiting', 'active')
    RETURNING conversations.id, conversations.customer_id, conversations.last_seq
), m AS (
    INSERT INTO messages (conversation_id, seq, sender_type, sender_id, sender_name, text, client_message_id)
    SELECT c.id, c.last_seq, 'customer', c.customer_id,
           (SELECT cu.name FROM customers cu WHERE cu.id = c.customer_id), @text::text, @client_message_id::text
    FROM c
    RETURNING *
), e AS (
    INSERT INTO events (kind, conversation_id, customer_id, message_id)
    SELECT 'message_created', m.conversation_id, c.customer_id, m.id
    FROM m, c
)
SELECT id, conversation_id, seq, sender_type, sender_id, sender_name, text, internal, client_message_id, created_at, system_kind, system_actor, system_target, edited_at, deleted_at
FROM m;

-- name: MessageByAgentKey :one
SELECT * FROM messages
WHERE conversation_id = @conversation_id AND sender_id = @sender_id
  AND client_message_id = @client_message_id AND sender_type = 'agent';

-- name: MessageByCustomerKey :one
SELECT * FROM messages
WHERE sender_id = @customer_id AND client_message_id = @client_message_id AND sender_type = 'customer';

-- name: CreateConversation :one
-- A new WAITING conversation and its conversation_created event.
WITH c AS (
    INSERT INTO conversations (customer_id, widget_id)
    VALUES (@customer_id, @widget_id)
    RETURNING *
), e AS (
    INSERT INTO events (kind, conversation_id, customer_id, conversation_status, assignee_id, last_seq,
                        waiting_since, conversation_updated_at, last_message_at)
    SELECT 'conversation_created', c.id, c.customer_id, c.status, c.assignee_id, c.last_seq,
           c.waiting_since, c.updated_at, c.last_message_at FROM c
)
SELECT id, customer_id, widget_id, status, assignee_id, created_at, updated_at, last_message_at, last_seq, waiting_since
FROM c;

-- name: TransitionConversation :one
-- One lifecycle move in one statement: the guarded update (the row lock
-- makes concurrent moves wait, and the re-checked guard lets exactly one of
-- them through), its system message and both events. assignee_mode is
-- 'set' (to @assignee_id, who must be an enabled agent), 'clear', or 'keep'
-- (the current assignee, else @assignee_id). Returns no row when the guard
-- fails; the caller reads the conversation to say why.
WITH c AS (
    UPDATE conversations
    SET status = @to_status::text,
        assignee_id = CASE @assignee_mode::text
            WHEN 'set' THEN @assignee_id::uuid
            WHEN 'clear' THEN NULL
            ELSE COALESCE(conversations.assignee_id, @assignee_id::uuid) END,
        last_seq = last_seq + 1,
        last_message_at = now(),
        updated_at = now()
    WHERE conversations.id = @conversation_id
      AND conversations.status = ANY(@from_statuses::text[])
      AND (@any_assignee::boolean OR conversations.assignee_id IS NULL OR conversations.assignee_id = @caller_id::uuid)
      AND (@assignee_mode::text <> 'set'
           OR EXISTS (SELECT 1 FROM agents WHERE agents.id = @assignee_id::uuid AND NOT agents.disabled))
    RETURNING *
), m AS (
    INSERT INTO messages (conversation_id, seq, sender_type, sender_name, text, system_kind, system_actor, system_target)
    SELECT c.id, c.last_seq, 'system', @actor_name::text, @text::text, @system_kind::text, @actor_name::text, @system_target::text
    FROM c
    RETURNING id, conversation_id
), e AS (
    -- The conversation_updated row records the state it announces (see
    -- 00008_event_state), so a replay shows this move, not a later one.
    INSERT INTO events (kind, conversation_id, customer_id, message_id, conversation_status, assignee_id, last_seq,
                        waiting_since, conversation_updated_at, last_message_at)
    SELECT 'conversation_updated', c.id, c.customer_id, NULL::uuid, c.status, c.assignee_id, c.last_seq,
           c.waiting_since, c.updated_at, c.last_message_at FROM c
    UNION ALL
    SELECT 'message_created', m.conversation_id, c.customer_id, m.id, NULL, NULL, NULL, NULL, NULL, NULL FROM m, c
)
SELECT id, customer_id, widget_id, status, assignee_id, created_at, updated_at, last_message_at, last_seq, waiting_since
FROM c;

-- name: ConversationState :one
-- The current status and assignee, to explain a refused move.
SELECT c.id, c.customer_id, c.status, c.assignee_id, COALESCE(a.display_name, '')::text AS assignee_name
FROM conversations c
LEFT JOIN agents a ON a.id = c.assignee_id
WHERE c.id = @conversation_id;

-- name: AgentForAssignment :one
SELECT id, display_name, disabled FROM agents WHERE id = @id;

-- name: LockCustomer :one
-- Serialises a customer's conversation opening, so two first messages sent
-- at once open one conversation.
SELECT id, name FROM customers WHERE id = @id FOR UPDATE;

-- name: LatestCustomerConversation :one
SELECT id, customer_id, widget_id, status, assignee_id, created_at, updated_at, last_message_at, last_seq, waiting_since
FROM conversations
WHERE customer_id = @customer_id
ORDER BY created_at DESC
LIMIT 1;

-- name: CustomerConversationID :one
-- The customer's newest open conversation, else the newest.
SELECT id FROM conversations
WHERE customer_id = @customer_id
ORDER BY (status IN ('waiting', 'active')) DESC, created_at DESC
LIMIT 1;

-- name: ConversationCustomerID :one
SELECT customer_id FROM conversations WHERE id = @id;

-- name: AgentsReadSeq :one
-- How far any agent has read a conversation: 0 when none has.
SELECT COALESCE(max(read_seq), 0)::bigint FROM conversation_reads
WHERE conversation_id = @conversation_id AND reader_type = 'agent';

-- name: ListConversations :many
-- The inbox, newest activity first, keyset-paginated by
-- (last_message_at, id). unread_count counts the other side's messages
-- after the reader's marker.
SELECT c.id, c.status, c.customer_id, cu.name AS customer_name, cu.email AS customer_email,
       c.assignee_id, COALESCE(a.display_name, '')::text AS assignee_name,
       c.widget_id, w.name AS widget_name,
       c.created_at, c.updated_at, c.last_message_at, c.waiting_since, c.last_seq,
       (SELECT count(*) FROM messages um
        WHERE um.conversation_id = c.id
          AND um.seq > COALESCE((SELECT r.read_seq FROM conversation_reads r
                                 WHERE r.conversation_id = c.id AND r.reader_id = @reader_id::uuid), 0)
          AND um.sender_type = 'customer')::int AS unread_count
FROM conversations c
JOIN customers cu ON cu.id = c.customer_id
JOIN widgets w ON w.id = c.widget_id
LEFT JOIN agents a ON a.id = c.assignee_id
WHERE (cardinality(@statuses::text[]) = 0 OR c.status = ANY(@statuses::text[]))
  AND (NOT @mine::boolean OR c.assignee_id = @reader_id::uuid)
  AND (NOT @unassigned::boolean OR c.assignee_id IS NULL)
  AND (NOT @by_assignee::boolean OR c.assignee_id = @assignee_id::uuid)
  AND (NOT @by_widget::boolean OR c.widget_id = @widget_id::uuid)
  AND (NOT @by_customer::boolean OR c.customer_id = @customer_id::uuid)
  AND (NOT @has_updated_since::boolean OR c.updated_at >= @updated_since::timestamptz)
  AND (NOT @held_by_bot::boolean OR (c.assignee_id IS NULL AND EXISTS (
           SELECT 1 FROM conversation_bots b JOIN api_tokens t ON t.id = b.token_id
           WHERE b.conversation_id = c.id AND b.handed_off_at IS NULL AND t.revoked_at IS NULL)))
  AND (NOT @by_team::boolean OR c.widget_id IN (SELECT tr.widget_id FROM widget_routing tr WHERE tr.team_id = @team_id::uuid))
  AND (cardinality(@tag_ids::uuid[]) = 0
       OR EXISTS (SELECT 1 FROM conversation_tags ct WHERE ct.conversation_id = c.id AND ct.tag_id = ANY(@tag_ids::uuid[])))
  AND (NOT @has_created_after::boolean OR c.created_at >= @created_after::timestamptz)
  AND (NOT @has_created_before::boolean OR c.created_at < @created_before::timestamptz)
  AND (@pattern::text = ''
       OR cu.name ILIKE @pattern::text
       OR cu.email ILIKE @pattern::text
       OR EXISTS (SELECT 1 FROM messages sm WHERE sm.conversation_id = c.id AND sm.text ILIKE @pattern::text))
  AND (NOT @has_cursor::boolean OR (c.last_message_at, c.id) < (@cursor_at::timestamptz, @cursor_id::uuid))
ORDER BY c.last_message_at DESC, c.id DESC
LIMIT @page_limit;

-- name: CountConversations :one
-- How many conversations ListConversations' filters (without paging) select,
-- counting at most max_count: a saved view's count.
SELECT count(*)::int FROM (
    SELECT 1
    FROM conversations c
    JOIN customers cu ON cu.id = c.customer_id
    WHERE (cardinality(@statuses::text[]) = 0 OR c.status = ANY(@statuses::text[]))
      AND (NOT @mine::boolean OR c.assignee_id = @reader_id::uuid)
      AND (NOT @unassigned::boolean OR c.assignee_id IS NULL)
      AND (NOT @by_assignee::boolean OR c.assignee_id = @assignee_id::uuid)
      AND (NOT @by_widget::boolean OR c.widget_id = @widget_id::uuid)
      AND (NOT @by_customer::boolean OR c.customer_id = @customer_id::uuid)
      AND (NOT @has_updated_since::boolean OR c.updated_at >= @updated_since::timestamptz)
      AND (NOT @held_by_bot::boolean OR (c.assignee_id IS NULL AND EXISTS (
               SELECT 1 FROM conversation_bots b JOIN api_tokens t ON t.id = b.token_id
               WHERE b.conversation_id = c.id AND b.handed_off_at IS NULL AND t.revoked_at IS NULL)))
      AND (NOT @by_team::boolean OR c.widget_id IN (SELECT tr.widget_id FROM widget_routing tr WHERE tr.team_id = @team_id::uuid))
      AND (cardinality(@tag_ids::uuid[]) = 0
           OR EXISTS (SELECT 1 FROM conversation_tags ct WHERE ct.conversation_id = c.id AND ct.tag_id = ANY(@tag_ids::uuid[])))
      AND (NOT @has_created_after::boolean OR c.created_at >= @created_after::timestamptz)
      AND (NOT @has_created_before::boolean OR c.created_at < @created_before::timestamptz)
      AND (@pattern::text = ''
           OR cu.name ILIKE @pattern::text
           OR cu.email ILIKE @pattern::text
           OR EXISTS (SELECT 1 FROM messages sm WHERE sm.conversation_id = c.id AND sm.text ILIKE @pattern::text))
    LIMIT @max_count
) matched;

-- name: ConversationsByIDs :many
-- Conversations as ListConversations shows them, for one reader: an agent
-- (unread = customer messages) or the customer (unread = agents' replies).
-- Without count_unread (snapshots shared by every stream, whose unread
-- counts are per reader) the count is 0 and costs nothing.
SELECT c.id, c.status, c.customer_id, cu.name AS customer_name, cu.email AS customer_email,
       c.assignee_id, COALESCE(a.display_name, '')::text AS assignee_name,
       c.widget_id, w.name AS widget_name,
       c.created_at, c.updated_at, c.last_message_at, c.waiting_since, c.last_seq,
       CASE WHEN @count_unread::boolean THEN
       (SELECT count(*) FROM messages um
        WHERE um.conversation_id = c.id
          AND um.seq > COALESCE((SELECT r.read_seq FROM conversation_reads r
                                 WHERE r.conversation_id = c.id AND r.reader_id = @reader_id::uuid), 0)
          AND CASE WHEN @reader_is_customer::boolean
                   THEN um.sender_type = 'agent' AND NOT um.internal
                   ELSE um.sender_type = 'customer' END)
       ELSE 0 END::int AS unread_count
FROM conversations c
JOIN customers cu ON cu.id = c.customer_id
JOIN widgets w ON w.id = c.widget_id
LEFT JOIN agents a ON a.id = c.assignee_id
WHERE c.id = ANY(@ids::uuid[]);

-- name: LastMessages :many
-- Each conversation's newest message: the agents' previews.
SELECT m.* FROM messages m
JOIN conversations c ON c.id = m.conversation_id AND m.seq = c.last_seq
WHERE c.id = ANY(@conversation_ids::uuid[]);

-- name: LastVisibleMessages :many
-- Each conversation's newest message a customer may see: their previews.
SELECT lm.* FROM unnest(@conversation_ids::uuid[]) AS k(conversation_id)
CROSS JOIN LATERAL (
    SELECT * FROM messages m
    WHERE m.conversation_id = k.conversation_id AND NOT m.internal
    ORDER BY m.seq DESC
    LIMIT 1
) lm;

-- name: MessagesAtSeqs :many
-- The messages at (conversation, seq) pairs: the previews of conversation
-- snapshots replayed as they were at their event.
SELECT m.* FROM messages m
JOIN (SELECT unnest(@conversation_ids::uuid[]) AS conversation_id, unnest(@seqs::bigint[]) AS seq) k
  ON m.conversation_id = k.conversation_id AND m.seq = k.seq;

-- name: MessagesByIDs :many
SELECT * FROM messages WHERE id = ANY(@ids::uuid[]);

-- name: MessagesBefore :many
-- Up to page_limit messages older than before_seq, newest first.
SELECT * FROM messages
WHERE conversation_id = @conversation_id AND seq < @before_seq
  AND (@include_internal::boolean OR NOT internal)
ORDER BY seq DESC
LIMIT @page_limit;

-- name: MessagesAfter :many
-- Up to page_limit messages newer than after_seq, oldest first.
SELECT * FROM messages
WHERE conversation_id = @conversation_id AND seq > @after_seq
  AND (@include_internal::boolean OR NOT internal)
ORDER BY seq
LIMIT @page_limit;

-- name: InboxCounts :one
SELECT count(*) FILTER (WHERE status = 'waiting')::int AS waiting,
       count(*) FILTER (WHERE status = 'active' AND assignee_id = @agent_id::uuid)::int AS mine,
       count(*) FILTER (WHERE status IN ('waiting', 'active') AND assignee_id IS NULL)::int AS unassigned,
       count(*) FILTER (WHERE status IN ('waiting', 'active'))::int AS open,
       count(*) FILTER (WHERE status = 'resolved')::int AS resolved,
       count(*) FILTER (WHERE status = 'closed')::int AS closed
FROM conversations;

-- name: MarkRead :one
-- Moves a reader's marker forward (never back) to seq, or to the newest
-- message when seq is 0 or beyond it, writing a read event when it moved.
-- customer_id, when given, restricts to that customer's conversations.
-- Returns no row for an unknown (or someone else's) conversation. Read
-- events are not internal: the customer sees that their messages were
-- seen (their stream leaves out which agent read).
WITH c AS (
    SELECT conversations.id, conversations.customer_id,
           CASE WHEN @seq::bigint <= 0 OR @seq::bigint > conversations.last_seq THEN conversations.last_seq ELSE @seq::bigint END AS seq
    FROM conversations
    WHERE conversations.id = @conversation_id
      AND (sqlc.narg(customer_id)::uuid IS NULL OR conversations.customer_id = sqlc.narg(customer_id)::uuid)
), r AS (
    INSERT INTO conversation_reads AS cr (conversation_id, reader_id, reader_type, read_seq)
    SELECT c.id, @reader_id::uuid, @reader_type::text, c.seq FROM c
    ON CONFLICT (conversation_id, reader_id) DO UPDATE
        SET read_seq = EXCLUDED.read_seq, updated_at = now()
        WHERE cr.read_seq < EXCLUDED.read_seq
    RETURNING cr.conversation_id, cr.read_seq
), e AS (
    INSERT INTO events (kind, conversation_id, customer_id, internal, reader_type, reader_id, read_seq)
    SELECT 'read', r.conversation_id, c.customer_id, false, @reader_type::text, @reader_id::uuid, r.read_seq
    FROM r, c
)
SELECT c.id, c.seq, (SELECT count(*) FROM r)::int AS moved FROM c;

-- name: CustomerWithWidget :one
SELECT cu.id, cu.widget_id, w.name AS widget_name, cu.name, cu.email, cu.phone, cu.attributes,
       cu.verified_user_id, cu.created_at, cu.last_seen_at, cu.company
FROM customers cu
JOIN widgets w ON w.id = cu.widget_id
WHERE cu.id = @id;

-- name: CustomerName :one
SELECT name FROM customers WHERE id = @id;
