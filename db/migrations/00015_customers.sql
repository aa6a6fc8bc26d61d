-- +goose Up
-- Customer profiles: what agents know about a customer beyond the pre-chat
-- answers, typed custom attributes the admins define, and a record of every
-- agent's edit.

-- pg_trgm makes "contains" searches over names, emails and phone numbers
-- index-backed (it is a trusted extension: the database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE customers
    ADD COLUMN company text NOT NULL DEFAULT '',
    -- Free text for agents; never shown to the customer.
    ADD COLUMN notes   text NOT NULL DEFAULT '';

-- One trigram index over the three searchable contact fields, matched with
-- the same expression in ListCustomers.
CREATE INDEX customers_search_trgm ON customers
    USING gin ((lower(name || ' ' || email || ' ' || phone)) gin_trgm_ops);
-- The customer list's order and cursor.
CREATE INDEX customers_last_seen ON customers (last_seen_at DESC, id DESC);

-- The custom attributes of this installation. key is what the API and the
-- widget's setAttributes use; label is what agents read.
CREATE TABLE customer_attribute_definitions (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key        text NOT NULL UNIQUE CHECK (key ~ '^[a-z][a-z0-9_]{0,31}$'),
    label      text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 64),
    type       text NOT NULL CHECK (type IN ('text', 'number', 'boolean', 'date')),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A customer's value of a custom attribute, in its canonical text form
-- (numbers as written by strconv, booleans true/false, dates YYYY-MM-DD).
-- Deleting a definition deletes its values.
CREATE TABLE customer_attribute_values (
    customer_id  uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    attribute_id uuid NOT NULL REFERENCES customer_attribute_definitions (id) ON DELETE CASCADE,
    value        text NOT NULL,
    PRIMARY KEY (customer_id, attribute_id)
);
-- Searching by attribute ("plan = gold") starts from the attribute.
CREATE INDEX customer_attribute_values_search ON customer_attribute_values (attribute_id, lower(value));

-- Every change an agent (or API token) made to a customer's profile: one
-- row per field, with the old and new values as text.
CREATE TABLE customer_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    agent_id    uuid REFERENCES agents (id),
    -- The agent's display name at the time, so the record reads the same
    -- after a rename.
    agent_name  text NOT NULL,
    -- name | email | phone | company | notes | attribute:<key>
    field       text NOT NULL,
    old_value   text NOT NULL,
    new_value   text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_changes_customer ON customer_changes (customer_id, id DESC);

-- Where each customer is and has been, as the widget last reported it: one
-- row per customer, rewritten by each (batched) report.
CREATE TABLE visitor_contexts (
    customer_id   uuid PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    current_url   text NOT NULL DEFAULT '',
    current_title text NOT NULL DEFAULT '',
    referrer      text NOT NULL DEFAULT '',
    -- The newest pages first: [{"url", "title", "at"}], at most 20.
    trail         jsonb NOT NULL DEFAULT '[]',
    -- livechat.v1.DeviceInfo as JSON; {} before the widget said.
    device        jsonb NOT NULL DEFAULT '{}',
    ip_address    text NOT NULL DEFAULT '',
    country       text NOT NULL DEFAULT '',
    city          text NOT NULL DEFAULT '',
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE visitor_contexts;
DROP TABLE customer_changes;
DROP TABLE customer_attribute_values;
DROP TABLE customer_attribute_definitions;
DROP INDEX customers_last_seen;
DROP INDEX customers_search_trgm;
ALTER TABLE customers DROP COLUMN notes, DROP COLUMN company;
