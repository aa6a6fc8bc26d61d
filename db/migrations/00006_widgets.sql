-- +goose Up
-- Visitor sessions: what a widget's visitor token stands for. The token
-- itself (lcv_…, 256 random bits) is never stored, only its SHA-256, so a
-- leaked database does not let anyone act as a visitor.
CREATE TABLE visitor_sessions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    widget_id    uuid NOT NULL REFERENCES widgets (id),
    customer_id  uuid NOT NULL REFERENCES customers (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Refreshed at most once a minute while the token is used.
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX visitor_sessions_customer_id ON visitor_sessions (customer_id);

-- Fixed-window abuse counters (StartSession per client address, SendMessage
-- per visitor), kept here rather than in memory so a limit holds across every
-- instance serving the same database. A row is one bucket's hits in one
-- window; old windows are deleted from time to time.
CREATE TABLE rate_limits (
    bucket       text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_window_start ON rate_limits (window_start);

-- +goose Down
DROP TABLE rate_limits;
DROP TABLE visitor_sessions;
