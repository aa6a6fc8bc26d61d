-- +goose Up
-- Conversations between a customer and the agents, their timelines and who
-- has read how far.
--
-- The hot path is a message send: it is ONE statement (message insert,
-- conversation update and events row in data-modifying CTEs) in autocommit,
-- so every index here costs on every message. Indexes are therefore kept to
-- what the inbox and the timeline need; search uses ILIKE scans (pg_trgm is
-- not available on every install, and a full-text index would add a GIN
-- update to every send).

-- A conversation's status follows the lifecycle table in
-- proto/livechat/v1/conversation.proto (implemented in server/chat).
CREATE TABLE conversations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id     uuid NOT NULL REFERENCES customers (id),
    widget_id       uuid NOT NULL REFERENCES widgets (id),
    status          text NOT NULL DEFAULT 'waiting'
                    CHECK (status IN ('waiting', 'active', 'resolved', 'closed')),
    assignee_id     uuid REFERENCES agents (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Last change of status or assignee.
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- Last message of any kind (notes and system lines included): the inbox
    -- sorts by it. Set at creation so it is never null.
    last_message_at timestamptz NOT NULL DEFAULT now(),
    -- The newest message's seq. Messages take last_seq + 1 while holding this
    -- row's lock, so seqs are assigned in commit order: a reader paging
    -- forward by seq never skips a message that commits later.
    last_seq        bigint NOT NULL DEFAULT 0,
    -- Set while the last customer-visible, non-system message is the
    -- customer's (see Conversation.waiting_since).
    waiting_since   timestamptz
);
-- The widget's "my conversation" lookup.
CREATE INDEX conversations_customer ON conversations (customer_id, created_at DESC);
-- The inbox: newest activity first, keyset-paginated by (last_message_at, id).
CREATE INDEX conversations_activity ON conversations (last_message_at DESC, id DESC);

CREATE TABLE messages (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id   uuid NOT NULL REFERENCES conversations (id),
    -- Position in the conversation: strictly increasing, never reused.
    seq               bigint NOT NULL,
    sender_type       text NOT NULL CHECK (sender_type IN ('customer', 'agent', 'system')),
    -- The agent's or customer's id; null for system lines.
    sender_id         uuid,
    -- The display name at the time of writing.
    sender_name       text NOT NULL DEFAULT '',
    text              text NOT NULL,
    internal          boolean NOT NULL DEFAULT false,
    -- The sender's idempotency key; null for system lines.
    client_message_id text CHECK (char_length(client_message_id) BETWEEN 1 AND 64),
    created_at        timestamptz NOT NULL DEFAULT now(),
    -- For system lines (livechat.v1.SystemEvent): claimed | assigned |
    -- resolved | closed | reopened, who did it and, for assigned, to whom.
    system_kind       text,
    system_actor      text,
    system_target     text,
    UNIQUE (conversation_id, seq),
    CHECK ((sender_type = 'system') = (sender_id IS NULL)),
    CHECK ((sender_type = 'system') = (client_message_id IS NULL)),
    CHECK ((sender_type = 'system') = (system_kind IS NOT NULL))
);
-- Idempotency: an agent's key is unique within a conversation; a customer's
-- key is unique for the customer, because a customer's first message
-- creates the conversation it goes into.
CREATE UNIQUE INDEX messages_agent_key ON messages (conversation_id, sender_id, client_message_id)
    WHERE sender_type = 'agent';
CREATE UNIQUE INDEX messages_customer_key ON messages (sender_id, client_message_id)
    WHERE sender_type = 'customer';

-- How far each reader (an agent or the customer) has read a conversation.
CREATE TABLE conversation_reads (
    conversation_id uuid NOT NULL REFERENCES conversations (id),
    reader_id       uuid NOT NULL,
    reader_type     text NOT NULL CHECK (reader_type IN ('agent', 'customer')),
    read_seq        bigint NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, reader_id)
);

-- +goose Down
DROP TABLE conversation_reads;
DROP TABLE messages;
DROP TABLE conversations;
