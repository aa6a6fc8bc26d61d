-- +goose Up
-- Webhooks: HTTP endpoints admins register to receive events. Delivery
-- reads the durable event log (00003_events) after a cursor of its own, so
-- an event is delivered at least once whatever happens to the receiver or
-- to the server instances, in log order (and so in order per conversation).
CREATE TABLE webhooks (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    url                   text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
    -- The event types wanted, e.g. 'message.created'.
    event_types           text[] NOT NULL,
    enabled               boolean NOT NULL DEFAULT true,
    -- An admin's explicit permission to deliver to loopback, private and
    -- link-local addresses (refused otherwise, against SSRF).
    allow_private_network boolean NOT NULL DEFAULT false,
    -- The signing secret (whsec_…), sealed with the installation's secret
    -- key: it must be readable to sign, so it cannot be hashed.
    secret_sealed         text NOT NULL,
    created_by            uuid REFERENCES agents (id) ON DELETE SET NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    -- The last event position handled (delivered or not wanted), as the
    -- realtime cursors: (tx, id).
    cursor_tx             bigint NOT NULL,
    cursor_id             bigint NOT NULL,
    -- healthy | retrying (the next event keeps failing) | failing (retries
    -- gave up: delivery stops until an admin enables the webhook again).
    state                 text NOT NULL DEFAULT 'healthy' CHECK (state IN ('healthy', 'retrying', 'failing')),
    failing_since         timestamptz,
    next_attempt_at       timestamptz,
    attempts              integer NOT NULL DEFAULT 0,
    last_error            text NOT NULL DEFAULT '',
    -- The one instance delivering this webhook, until lease_until; another
    -- instance takes it over when the lease runs out.
    lease_owner           uuid,
    lease_until           timestamptz
);

-- Every attempt to deliver an event, automatic or asked for by an admin.
CREATE TABLE webhook_deliveries (
    id               bigserial PRIMARY KEY,
    webhook_id       uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    -- The events row, and the webhook-id header sent (stable across attempts).
    event_id         bigint NOT NULL,
    message_id       text NOT NULL,
    event_type       text NOT NULL,
    attempt          integer NOT NULL,
    -- Sent because an admin asked (resend), not by the cursor.
    manual           boolean NOT NULL DEFAULT false,
    succeeded        boolean NOT NULL,
    response_status  integer,
    latency_ms       integer NOT NULL,
    -- The first bytes of the response body, or why there was no response.
    response_excerpt text NOT NULL DEFAULT '',
    error            text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id DESC);
CREATE INDEX webhook_deliveries_created_at ON webhook_deliveries (created_at);

-- A bot is an API token with a name of its own: its messages show that name
-- to visitors and agents instead of the name of the admin who made it.
ALTER TABLE api_tokens
    ADD COLUMN bot_name text CHECK (bot_name IS NULL OR char_length(bot_name) BETWEEN 1 AND 64);

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN bot_name;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
