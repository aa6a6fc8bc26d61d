-- Attachments: files uploaded, then bound to a message by its send.

-- name: InsertAttachment :one
INSERT INTO attachments (id, uploader_type, uploader_id, file_name, content_type, size, width, height, store)
VALUES (@id, @uploader_type, @uploader_id, @file_name, @content_type, @size, @width, @height, @store)
RETURNING *;

-- name: GetAttachment :one
SELECT * FROM attachments WHERE id = @id;

-- name: BindAttachments :execrows
-- Binds the uploader's unsent files to their message. The caller compares
-- the count with the ids it asked for: a file that is not the sender's, or
-- was sent already, is not bound and the send fails.
UPDATE attachments
SET message_id = @message_id, conversation_id = @conversation_id
WHERE id = ANY(@ids::uuid[]) AND uploader_type = @uploader_type AND uploader_id = @uploader_id
  AND message_id IS NULL;

-- name: AttachmentsByMessageIDs :many
SELECT * FROM attachments WHERE message_id = ANY(@message_ids::uuid[])
ORDER BY message_id, created_at, id;

-- name: SetAttachmentThumbnail :exec
UPDATE attachments SET thumbnail_size = @thumbnail_size WHERE id = @id;

-- name: WidgetAttachmentKinds :one
SELECT attachment_kinds FROM widgets WHERE id = @id;

-- name: InsertAvatar :exec
-- A hash names its bytes: the same picture uploaded twice is one row.
INSERT INTO avatars (hash, store, size) VALUES (@hash, @store, @size)
ON CONFLICT (hash) DO NOTHING;

-- name: GetAvatar :one
SELECT * FROM avatars WHERE hash = @hash;

-- name: SetAgentAvatar :execrows
UPDATE agents SET avatar = sqlc.narg(avatar) WHERE id = @id;

-- name: SetTokenAvatar :execrows
UPDATE api_tokens SET avatar = sqlc.narg(avatar) WHERE id = @id AND revoked_at IS NULL;

-- name: AgentAvatars :many
SELECT id, avatar::text AS avatar FROM agents WHERE id = ANY(@ids::uuid[]) AND avatar IS NOT NULL;

-- name: DeleteUnsentAttachments :execrows
-- Unsent uploads older than the cut-off; the trigger queues their bytes.
DELETE FROM attachments WHERE message_id IS NULL AND created_at < @before;

-- name: PendingAttachmentDeletions :many
SELECT key, store FROM attachment_deletions ORDER BY deleted_at LIMIT @max_rows;

-- name: DoneAttachmentDeletion :exec
DELETE FROM attachment_deletions WHERE key = @key AND store = @store;

-- name: AttachmentSigningKey :one
SELECT key FROM attachment_signing;

-- name: AttachmentsInStore :many
-- A page of the attachments kept in one store, for moving them to another.
SELECT id, thumbnail_size FROM attachments
WHERE store = @store AND id > @after
ORDER BY id LIMIT @max_rows;

-- name: MoveAttachmentStore :exec
UPDATE attachments SET store = @to_store WHERE id = @id AND store = @from_store;

-- name: InsertAttachmentChunk :exec
INSERT INTO attachment_chunks (key, n, data) VALUES (@key, @n, @data);

-- name: AttachmentChunk :one
SELECT data FROM attachment_chunks WHERE key = @key AND n = @n;

-- name: AttachmentChunkBytes :one
SELECT COALESCE(sum(octet_length(data)), 0)::bigint FROM attachment_chunks WHERE key = @key;

-- name: DeleteAttachmentChunks :exec
DELETE FROM attachment_chunks WHERE key = @key;

-- name: BotAvatars :many
-- The bots (API tokens with a bot name) acting for these agents, revoked
-- ones too: their old messages keep their picture.
SELECT agent_id, bot_name::text AS bot_name, avatar FROM api_tokens
WHERE agent_id = ANY(@agent_ids::uuid[]) AND bot_name IS NOT NULL
ORDER BY created_at, id;
