-- +goose Up
-- The audit log: who did what administrative thing, when and from where.
-- Entries outlive what they name (no foreign keys): an agent, a widget or a
-- customer may be gone or anonymised while the record that someone acted on
-- it stays. actor_name and target_name are copies as they were at the time.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    -- The agent who acted; NULL when nobody was signed in (a failed sign-in).
    actor_id    uuid,
    actor_name  text NOT NULL DEFAULT '',
    -- Set when the agent acted through an API token.
    token_id    uuid,
    action      text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    target_type text NOT NULL DEFAULT '',
    target_id   text NOT NULL DEFAULT '',
    target_name text NOT NULL DEFAULT '',
    -- The client's address as server/reqinfo resolved it ('' when unknown).
    client_ip   text NOT NULL DEFAULT '',
    -- What changed, as the action defines it (never a secret or a password).
    details     jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object')
);

-- Newest first, filtered by time, by actor or by action.
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);

-- Append-only for the application: no statement may change an entry, and
-- only the retention purge may delete, by setting livechat.audit_purge in
-- its own transaction (SET LOCAL). This guards against a bug or a stray
-- query rewriting history; it does not stop someone holding the database
-- owner's password, who could drop the trigger (see docs/privacy.md).
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('livechat.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- When a customer's personal data was erased (privacy.Erase): the row stays,
-- so conversations and reports keep adding up, with nothing personal left.
ALTER TABLE customers ADD COLUMN erased_at timestamptz;

-- +goose Down
ALTER TABLE customers DROP COLUMN erased_at;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
