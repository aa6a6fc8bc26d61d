-- name: ListStoredIdentitySecrets :many
-- Every widget's stored identity secret, deleted widgets' too, for sealing
-- those stored in plain text or under an old key.
SELECT id, identity_secret FROM widgets ORDER BY id;

-- name: ResealIdentitySecret :execrows
-- Replaces a stored identity secret with its sealed form, only if it is
-- still the value that was read: an instance that rotated the secret (or
-- sealed it) meanwhile wins, so several instances starting at once agree.
UPDATE widgets SET identity_secret = @sealed WHERE id = @id AND identity_secret = @stored;
