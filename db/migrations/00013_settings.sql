-- +goose Up
-- Installation-wide settings that admins change at run time: one JSON
-- document per section ("mail", "security", "retention", ...). The domain
-- that owns a section defines its shape, defaults and validation; the
-- database only keeps the latest document and who wrote it.
CREATE TABLE settings (
    section    text PRIMARY KEY CHECK (section ~ '^[a-z][a-z0-9_.]{0,62}$'),
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by uuid REFERENCES agents (id) ON DELETE SET NULL
);

-- +goose Down
DROP TABLE settings;
