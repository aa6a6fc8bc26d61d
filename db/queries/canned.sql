-- name: ListCannedResponses :many
-- The responses an agent may use (team-wide and their own), by shortcut
-- then id, keyset-paginated. scope: '' both, 'team' or 'personal'.
SELECT id, owner_id, shortcut, title, text, text_en, text_vi, created_at, updated_at
FROM canned_responses
WHERE (owner_id IS NULL OR owner_id = @agent_id::uuid)
  AND (@scope::text = ''
       OR (@scope::text = 'team' AND owner_id IS NULL)
       OR (@scope::text = 'personal' AND owner_id IS NOT NULL))
  AND (@pattern::text = ''
       OR shortcut ILIKE @pattern::text
       OR title ILIKE @pattern::text
       OR text ILIKE @pattern::text
       OR text_en ILIKE @pattern::text
       OR text_vi ILIKE @pattern::text)
  AND (NOT @has_cursor::boolean OR (shortcut, id) > (@cursor_shortcut::text, @cursor_id::uuid))
ORDER BY shortcut, id
LIMIT @page_limit;

-- name: GetCannedResponse :one
-- One response, if the agent may see it (team-wide or their own).
SELECT id, owner_id, shortcut, title, text, text_en, text_vi, created_at, updated_at
FROM canned_responses
WHERE id = @id AND (owner_id IS NULL OR owner_id = @agent_id::uuid);

-- name: CreateCannedResponse :one
INSERT INTO canned_responses (owner_id, shortcut, title, text, text_en, text_vi)
VALUES (@owner_id, @shortcut, @title, @text, @text_en, @text_vi)
RETURNING id, owner_id, shortcut, title, text, text_en, text_vi, created_at, updated_at;

-- name: UpdateCannedResponse :one
UPDATE canned_responses
SET shortcut = @shortcut, title = @title, text = @text, text_en = @text_en, text_vi = @text_vi,
    updated_at = now()
WHERE id = @id
RETURNING id, owner_id, shortcut, title, text, text_en, text_vi, created_at, updated_at;

-- name: DeleteCannedResponse :execrows
DELETE FROM canned_responses WHERE id = @id;
