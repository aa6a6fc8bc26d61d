-- name: ClaimIdempotencyKey :execrows
-- Claims a key for a call about to run; 0 rows when the caller already
-- used it (see GetIdempotencyKey). An expired row of the same key is
-- replaced.
INSERT INTO idempotency_keys (scope, key, procedure, request_hash)
VALUES (@scope, @key, @procedure, @request_hash)
ON CONFLICT (scope, key) DO UPDATE
SET procedure = excluded.procedure, request_hash = excluded.request_hash,
    response = NULL, created_at = now()
WHERE idempotency_keys.created_at < now() - make_interval(secs => @ttl_seconds::float8);

-- name: GetIdempotencyKey :one
SELECT procedure, request_hash, response, created_at FROM idempotency_keys
WHERE scope = @scope AND key = @key;

-- name: CompleteIdempotencyKey :exec
UPDATE idempotency_keys SET response = @response
WHERE scope = @scope AND key = @key AND response IS NULL;

-- name: ReleaseIdempotencyKey :exec
-- Forgets a claim whose call failed, so that a retry runs again.
DELETE FROM idempotency_keys WHERE scope = @scope AND key = @key AND response IS NULL;

-- name: CountIdempotencyKeys :one
-- How many live keys a caller holds.
SELECT count(*)::int FROM idempotency_keys
WHERE scope = @scope AND created_at >= now() - make_interval(secs => @ttl_seconds::float8);

-- name: DeleteExpiredIdempotencyKeys :execrows
-- Removes up to batch expired keys.
DELETE FROM idempotency_keys WHERE ctid IN (
    SELECT ctid FROM idempotency_keys
    WHERE created_at < now() - make_interval(secs => @ttl_seconds::float8)
    LIMIT @batch
);

-- name: ReclaimStaleIdempotencyKey :execrows
-- Takes over a claim whose call never finished (its instance stopped
-- mid-call) once it is older than any call runs.
UPDATE idempotency_keys SET created_at = now()
WHERE scope = @scope AND key = @key AND response IS NULL
  AND created_at < now() - make_interval(secs => @stale_seconds::float8);
