-- +goose Up
-- Tags on customers ("VIP", "reseller"): the same tags agents put on
-- conversations, so one palette and one admin list serve both. Deleting a
-- tag or a customer removes the pairing.
CREATE TABLE customer_tags (
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tag_id      uuid NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (customer_id, tag_id)
);
-- The customer list's tag filter starts from the tag.
CREATE INDEX customer_tags_tag ON customer_tags (tag_id, customer_id);

-- +goose Down
DROP TABLE customer_tags;
