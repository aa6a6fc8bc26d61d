-- name: GetSetting :one
SELECT value FROM settings WHERE section = @section;

-- name: PutSetting :exec
-- Writes a section whole; updated_by is NULL for changes made by the
-- server itself (first-start values) rather than an agent.
INSERT INTO settings (section, value, updated_by)
VALUES (@section, @value, sqlc.narg('updated_by'))
ON CONFLICT (section) DO UPDATE
SET value = excluded.value, updated_at = now(), updated_by = excluded.updated_by;

-- name: InsertSettingIfAbsent :execrows
-- Writes a section only when it does not exist yet; 0 rows means another
-- instance wrote it first.
INSERT INTO settings (section, value) VALUES (@section, @value)
ON CONFLICT (section) DO NOTHING;
