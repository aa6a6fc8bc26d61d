-- +goose Up
-- Labels agents put on conversations. Names are unique whatever their case
-- ("VIP" and "vip" are one tag); colours come from a fixed palette the
-- dashboard knows how to draw in both themes.
CREATE TABLE tags (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 32),
    color      text NOT NULL CHECK (color IN ('grey', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX tags_name_key ON tags (lower(name));

-- A conversation's tags. Deleting a tag or a conversation removes its rows.
CREATE TABLE conversation_tags (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    tag_id          uuid NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, tag_id)
);

-- Filtering the inbox by tag starts from the tag.
CREATE INDEX conversation_tags_tag_idx ON conversation_tags (tag_id, conversation_id);

-- +goose Down
DROP TABLE conversation_tags;
DROP TABLE tags;
