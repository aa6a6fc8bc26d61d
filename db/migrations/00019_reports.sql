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

-- Reports read the conversations started in a range; a conversation is
-- created once, so this index costs nothing on the message path. Each
-- conversation's messages are then read through the (conversation_id, seq)
-- key the timeline already has.
CREATE INDEX conversations_created ON conversations (created_at);

-- +goose Down
DROP INDEX conversations_created;
DROP TABLE conversation_ratings;
