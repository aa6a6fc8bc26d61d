-- name: InsertAuditEntry :one
INSERT INTO audit_log (at, actor_id, actor_name, token_id, action, target_type, target_id, target_name, client_ip, details)
VALUES (@at, sqlc.narg('actor_id'), @actor_name, sqlc.narg('token_id'), @action, @target_type, @target_id, @target_name,
        @client_ip, @details)
RETURNING id;

-- name: ListAuditEntries :many
-- Entries newest first, after the keyset cursor (before_at, before_id) when
-- given, filtered by every non-empty criterion: the actor, the action (an
-- exact action or a prefix ending in '.'), a time range [since, until) and a
-- text matched case-insensitively against the names, the target id, the
-- address and the details.
SELECT id, at, actor_id, actor_name, token_id, action, target_type, target_id, target_name, client_ip, details
FROM audit_log
WHERE (sqlc.narg('actor_id')::uuid IS NULL OR actor_id = sqlc.narg('actor_id'))
  AND (@action::text = '' OR action = @action OR (right(@action, 1) = '.' AND left(action, length(@action)) = @action))
  AND (sqlc.narg('since')::timestamptz IS NULL OR at >= sqlc.narg('since'))
  AND (sqlc.narg('until')::timestamptz IS NULL OR at < sqlc.narg('until'))
  AND (@query::text = ''
       OR strpos(lower(actor_name || ' ' || target_name || ' ' || target_id || ' ' || client_ip || ' ' || details::text),
                 lower(@query)) > 0)
  AND (sqlc.narg('before_at')::timestamptz IS NULL
       OR (at, id) < (sqlc.narg('before_at')::timestamptz, sqlc.narg('before_id')::bigint))
ORDER BY at DESC, id DESC
LIMIT @max_rows;

-- name: AllowAuditPurge :exec
-- Lets the current transaction delete audit entries (see the trigger in
-- migration 00021); it lasts until the transaction ends.
SELECT set_config('livechat.audit_purge', 'on', true);

-- name: PurgeAuditEntries :execrows
-- Deletes up to max_rows of the oldest entries older than before. Must run
-- in a transaction after AllowAuditPurge.
DELETE FROM audit_log
WHERE id IN (SELECT a.id FROM audit_log a WHERE a.at < @before ORDER BY a.at, a.id LIMIT @max_rows);

-- name: CountAuditEntriesBefore :one
SELECT count(*)::bigint FROM audit_log WHERE at < @before;

-- name: TryPurgeLock :one
-- Takes the transaction-scoped lock of a background purge named key, or
-- reports that another instance holds it, so only one instance purges a
-- table at a time.
SELECT pg_try_advisory_xact_lock(hashtext(@key::text)::bigint)::bool;
