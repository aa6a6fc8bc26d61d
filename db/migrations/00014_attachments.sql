-- +goose Up
-- Files sent with messages. A file is uploaded first (a row without a
-- message: only its uploader may use or see it), then bound to one message
-- by the send that names it. Unsent uploads are deleted after a day.
CREATE TABLE attachments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Who uploaded it: an agent (agents.id) or a customer (customers.id).
    uploader_type   text NOT NULL CHECK (uploader_type IN ('agent', 'customer')),
    uploader_id     uuid NOT NULL,
    -- Set by the send that carries the file, together.
    message_id      uuid REFERENCES messages (id) ON DELETE CASCADE,
    conversation_id uuid REFERENCES conversations (id) ON DELETE CASCADE,
    -- The sanitised file name and the type sniffed from the content.
    file_name       text NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 255),
    content_type    text NOT NULL,
    size            bigint NOT NULL CHECK (size > 0),
    -- Pixel size of images; 0 for other files.
    width           integer NOT NULL DEFAULT 0,
    height          integer NOT NULL DEFAULT 0,
    -- The store holding the bytes ('postgres' or 's3'), under the key
    -- attachments.id; the thumbnail, once made, under id || '.thumb'.
    store           text NOT NULL,
    thumbnail_size  bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((message_id IS NULL) = (conversation_id IS NULL))
);
CREATE INDEX attachments_message ON attachments (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_conversation ON attachments (conversation_id) WHERE conversation_id IS NOT NULL;
-- The sweep of unsent uploads.
CREATE INDEX attachments_unsent ON attachments (created_at) WHERE message_id IS NULL;

-- The PostgreSQL store: a file's bytes in chunks of at most 256 KiB, so no
-- statement ever carries a whole file. pg_dump backs them up with the rest.
CREATE TABLE attachment_chunks (
    key  text NOT NULL,
    n    integer NOT NULL CHECK (n >= 0),
    data bytea NOT NULL,
    PRIMARY KEY (key, n)
);
-- Images and archives are compressed already: do not try again.
ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Keys of deleted attachments whose bytes a sweep still has to delete from
-- their store. A trigger fills it, so every way a row goes (a sweep of
-- unsent uploads, a deleted message or conversation) frees the file.
CREATE TABLE attachment_deletions (
    key        text NOT NULL,
    store      text NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key, store)
);

-- +goose StatementBegin
CREATE FUNCTION attachments_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attachment_deletions (key, store)
    VALUES (OLD.id::text, OLD.store), (OLD.id::text || '.thumb', OLD.store)
    ON CONFLICT DO NOTHING;
    RETURN OLD;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER attachments_deleted AFTER DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION attachments_deleted();

-- The key that signs download links, shared by every instance: 32 random
-- bytes (gen_random_uuid draws from the strong random source).
CREATE TABLE attachment_signing (
    id  boolean PRIMARY KEY DEFAULT true CHECK (id),
    key bytea NOT NULL
);
INSERT INTO attachment_signing (key) VALUES (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

-- The file types a widget's visitors may upload (MIME types, or "image/*");
-- null: the default set (images, PDF, plain text, office documents).
ALTER TABLE widgets ADD COLUMN attachment_types text[];

-- +goose Down
ALTER TABLE widgets DROP COLUMN attachment_types;
DROP TABLE attachment_signing;
DROP TRIGGER attachments_deleted ON attachments;
DROP FUNCTION attachments_deleted();
DROP TABLE attachment_deletions;
DROP TABLE attachment_chunks;
DROP TABLE attachments;
