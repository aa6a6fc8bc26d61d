-- +goose Up
-- One row that identifies this installation; instances sharing a database
-- share it, so logs and metrics from several instances can be correlated.
CREATE TABLE installation (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    singleton  boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton)
);
INSERT INTO installation DEFAULT VALUES;

-- +goose Down
DROP TABLE installation;
