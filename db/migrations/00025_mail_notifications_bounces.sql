-- +goose Up
-- Email, second part: which addresses customers gave themselves (only those
-- get mail), agents' notification choices, and bounces and complaints.

-- The addresses a customer gave (the widget's email field, the offline or
-- pre-chat form) or the host site verified (identity verification). Only
-- those are ever mailed: an address an agent typed into the profile is
-- not. Kept as SHA-256 of the lower-case address, so erasing a customer's
-- details leaves no address behind here.
CREATE TABLE mail_given_addresses (
    customer_id  uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    address_hash bytea NOT NULL CHECK (length(address_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, address_hash)
);

-- Addresses stored before this table existed were typed by the customers
-- themselves (the widget, the forms) or set by the site, unless the
-- profile's record shows an agent wrote that very address: those keep
-- getting mail after an upgrade, and agent-typed ones do not.
INSERT INTO mail_given_addresses (customer_id, address_hash)
SELECT c.id, sha256(convert_to(lower(c.email), 'UTF8'))
FROM customers c
WHERE c.email <> ''
  AND NOT EXISTS (SELECT 1 FROM customer_changes ch
                  WHERE ch.customer_id = c.id AND ch.field = 'email' AND ch.agent_name <> ''
                    AND lower(ch.new_value) = lower(c.email))
ON CONFLICT DO NOTHING;

-- An agent's email notifications: where they go and which events.
CREATE TABLE mail_agent_notifications (
    agent_id          uuid PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    address           text NOT NULL CHECK (char_length(address) <= 320),
    -- A new (or reopened) conversation while no agent is online.
    new_conversations boolean NOT NULL DEFAULT false,
    -- A conversation assigned to the agent by someone else or by routing.
    assigned          boolean NOT NULL DEFAULT false,
    -- The language of the mails: the dashboard's when the agent saved.
    language          text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'vi')),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Why an address was suppressed, in words (the bounce's status and
-- diagnostic, the complaint's feedback type), for the admins.
ALTER TABLE mail_suppressions ADD COLUMN detail text NOT NULL DEFAULT '' CHECK (char_length(detail) <= 1000);

-- A sent mail that bounced or was reported as spam afterwards.
ALTER TABLE mail_outbox ADD COLUMN bounced_at timestamptz;

-- +goose Down
ALTER TABLE mail_outbox DROP COLUMN bounced_at;
ALTER TABLE mail_suppressions DROP COLUMN detail;
DROP TABLE mail_agent_notifications;
DROP TABLE mail_given_addresses;
