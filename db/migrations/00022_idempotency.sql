-- +goose Up
-- Idempotency keys of API calls: a client that retries a creating call with
-- the same Idempotency-Key header gets the first call's response instead of
-- a second resource. A key belongs to one caller (scope) and one procedure;
-- request_hash tells a true retry from a different request reusing the key.
-- response is NULL while the first call runs. Rows expire after a day.
CREATE TABLE idempotency_keys (
    scope        text NOT NULL,
    key          text NOT NULL,
    procedure    text NOT NULL,
    request_hash bytea NOT NULL,
    response     bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
