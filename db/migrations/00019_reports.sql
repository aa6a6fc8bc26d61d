-- +goose Up
-- Satisfaction ratings, and what the reports read.
--
-- A conversation has at most one rating, given by its customer after it was
-- resolved; the customer may change it for a short time (the domain's
-- window, measured from created_at). agent_id is the conversation's
-- assignee when it was first rated: the agent the rating is about.
CREATE TABLE conversation_ratings (
    conversation_id uuid PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    widget_id       uuid NOT NULL REFERENCES widgets (id),
    customer_id     uuid NOT NULL REFERENCES customers (id),
    agent_id        uuid REFERENCES agents (id),
    -- The scale the customer was asked on (livechat.v1.CsatScale).
    scale           text NOT NULL CHECK (scale IN ('five', 'thumbs')),
    -- 1–5; thumbs down is 1 and thumbs up 5, so averages mix scales sensibly.
    score           smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment         text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 1000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (scale = 'five' OR score IN (1, 5))
);
-- Reports read the ratings given in a range.
CREATE INDEX conversation_ratings_created ON conversation_ratings (created_at);

-- One row of facts per conversation, the figures' raw material: when the
-- customer first wrote, the first agent reply after that and its agent, when
-- the conversation last finished (resolved or closed, cleared when it is
-- reopened), how many customer and agent messages it has and which agents
-- replied. Reports read these rows instead of every message, so a year of
-- history is read in one index range scan.
--
-- The rows are kept exactly in step by the triggers below, in the
-- transaction that writes the conversation or the message (a message adds
-- one update of one row, whose lock the message's insert already holds
-- through the conversation), and conversation_facts_rebuild() recomputes all
-- of them from the messages — after a bulk load with triggers disabled, or
-- to check them (the tests compare both).
CREATE TABLE conversation_facts (
    conversation_id    uuid PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    widget_id          uuid NOT NULL,
    created_at         timestamptz NOT NULL,
    first_customer_seq bigint,
    first_customer_at  timestamptz,
    first_reply_at     timestamptz,
    first_reply_agent  uuid,
    finished_at        timestamptz,
    messages           integer NOT NULL DEFAULT 0,
    repliers           uuid[] NOT NULL DEFAULT '{}'
);
CREATE INDEX conversation_facts_created ON conversation_facts (created_at);

-- +goose StatementBegin
CREATE FUNCTION conversation_facts_conversation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO conversation_facts (conversation_id, widget_id, created_at)
    VALUES (NEW.id, NEW.widget_id, NEW.created_at);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION conversation_facts_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.internal THEN
        RETURN NULL; -- notes are no answer and no message to the customer
    END IF;
    IF NEW.sender_type = 'customer' THEN
        UPDATE conversation_facts
        SET messages = messages + 1,
            first_customer_seq = coalesce(first_customer_seq, NEW.seq),
            first_customer_at = coalesce(first_customer_at, NEW.created_at)
        WHERE conversation_id = NEW.conversation_id;
    ELSIF NEW.sender_type = 'agent' THEN
        UPDATE conversation_facts
        SET messages = messages + 1,
            first_reply_agent = CASE WHEN first_reply_at IS NULL AND first_customer_seq < NEW.seq
                                     THEN NEW.sender_id ELSE first_reply_agent END,
            first_reply_at = CASE WHEN first_reply_at IS NULL AND first_customer_seq < NEW.seq
                                  THEN NEW.created_at ELSE first_reply_at END,
            repliers = CASE WHEN NEW.sender_id = ANY (repliers) THEN repliers ELSE repliers || NEW.sender_id END
        WHERE conversation_id = NEW.conversation_id;
    ELSIF NEW.system_kind IN ('resolved', 'closed') THEN
        UPDATE conversation_facts SET finished_at = NEW.created_at WHERE conversation_id = NEW.conversation_id;
    ELSIF NEW.system_kind = 'reopened' THEN
        UPDATE conversation_facts SET finished_at = NULL WHERE conversation_id = NEW.conversation_id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER conversation_facts_conversation AFTER INSERT ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversation_facts_conversation();
CREATE TRIGGER conversation_facts_message AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION conversation_facts_message();

-- Recomputes every conversation's facts from its messages; returns how many
-- rows it wrote.
-- +goose StatementBegin
CREATE FUNCTION conversation_facts_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    DELETE FROM conversation_facts;
    INSERT INTO conversation_facts (conversation_id, widget_id, created_at, first_customer_seq, first_customer_at,
                                    first_reply_at, first_reply_agent, finished_at, messages, repliers)
    SELECT c.id, c.widget_id, c.created_at, f.first_customer_seq, f.first_customer_at,
           r.created_at, r.sender_id, fin.finished_at, coalesce(f.messages, 0), coalesce(f.repliers, '{}')
    FROM conversations c
    LEFT JOIN (
        SELECT conversation_id,
               min(seq) FILTER (WHERE sender_type = 'customer') AS first_customer_seq,
               (array_agg(created_at ORDER BY seq) FILTER (WHERE sender_type = 'customer'))[1] AS first_customer_at,
               count(*) FILTER (WHERE sender_type <> 'system' AND NOT internal) AS messages,
               array_agg(DISTINCT sender_id) FILTER (WHERE sender_type = 'agent' AND NOT internal) AS repliers
        FROM messages
        GROUP BY conversation_id
    ) f ON f.conversation_id = c.id
    LEFT JOIN LATERAL (
        SELECT m.created_at, m.sender_id FROM messages m
        WHERE m.conversation_id = c.id AND m.seq > f.first_customer_seq AND m.sender_type = 'agent' AND NOT m.internal
        ORDER BY m.seq LIMIT 1
    ) r ON true
    LEFT JOIN LATERAL (
        SELECT CASE WHEN m.system_kind = 'reopened' THEN NULL ELSE m.created_at END AS finished_at FROM messages m
        WHERE m.conversation_id = c.id AND m.system_kind IN ('resolved', 'closed', 'reopened')
        ORDER BY m.seq DESC LIMIT 1
    ) fin ON true;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
-- +goose StatementEnd

-- The conversations that exist already.
SELECT conversation_facts_rebuild();

-- +goose Down
DROP TRIGGER conversation_facts_message ON messages;
DROP TRIGGER conversation_facts_conversation ON conversations;
DROP FUNCTION conversation_facts_rebuild();
DROP FUNCTION conversation_facts_message();
DROP FUNCTION conversation_facts_conversation();
DROP TABLE conversation_facts;
DROP TABLE conversation_ratings;
