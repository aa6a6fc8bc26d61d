-- +goose Up
-- What a widget's visitors may upload is chosen by kind (images, pdf, text,
-- office, archives), the set admins tick in the widget editor; the
-- attachments domain knows the types of each kind. Null: the default kinds.
ALTER TABLE widgets RENAME COLUMN attachment_types TO attachment_kinds;
UPDATE widgets SET attachment_kinds = ARRAY(
    SELECT DISTINCT CASE
        WHEN t LIKE 'image/%' THEN 'images'
        WHEN t = 'application/pdf' THEN 'pdf'
        WHEN t = 'text/plain' THEN 'text'
        ELSE 'office'
    END
    FROM unnest(attachment_kinds) AS t ORDER BY 1)
WHERE attachment_kinds IS NOT NULL;
ALTER TABLE widgets ADD CONSTRAINT widgets_attachment_kinds_check
    CHECK (attachment_kinds <@ ARRAY['images', 'pdf', 'text', 'office', 'archives']);

-- Avatars of agents and bots (API tokens): a 128-pixel square JPEG made
-- from the uploaded photo, kept in the attachment store under
-- 'avatar-' || hash, where hash is the SHA-256 of those bytes. The hash is
-- the public URL's name (/api/avatars/<hash>.jpg), so a changed avatar has a
-- new URL and the old one may be cached for ever.
CREATE TABLE avatars (
    hash       text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    store      text NOT NULL,
    size       bigint NOT NULL CHECK (size > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE agents ADD COLUMN avatar text REFERENCES avatars (hash);
ALTER TABLE api_tokens ADD COLUMN avatar text REFERENCES avatars (hash);

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN avatar;
ALTER TABLE agents DROP COLUMN avatar;
DROP TABLE avatars;
ALTER TABLE widgets DROP CONSTRAINT widgets_attachment_kinds_check;
UPDATE widgets SET attachment_kinds = NULL;
ALTER TABLE widgets RENAME COLUMN attachment_kinds TO attachment_types;
