-- +goose NO TRANSACTION
-- +goose Up
-- Reads that stay fast over years of history (1,000,000 conversations,
-- 10,000,000 messages; docs/benchmarks.md, M7).
--
-- Search by text: a trigram index over the messages' text, as
-- customers_search_trgm is over the customers' contact fields. It serves
-- the inbox's ILIKE '%…%' as it is — every substring, any case, the same
-- results as without it — so search starts from the few matching messages
-- instead of probing every conversation's messages. A full-text index
-- would match words (stemmed or not), not the substrings the search
-- promises, and costs about as much per message (measured in
-- docs/benchmarks.md). The index takes one GIN update per message; with
-- fastupdate (the default) it goes to the index's pending list and is
-- merged in batches.
--
-- Every index is built CONCURRENTLY, outside a transaction: on a big
-- history the trigram index takes minutes, and instances of the previous
-- version keep sending meanwhile (a plain CREATE INDEX would hold their
-- message inserts until it ends). A build that fails leaves an invalid
-- index and the migration unrecorded; the next start drops it and builds
-- again, hence DROP … IF EXISTS before each.
DROP INDEX CONCURRENTLY IF EXISTS messages_text_trgm;
CREATE INDEX CONCURRENTLY messages_text_trgm ON messages USING gin (text gin_trgm_ops);

-- The inbox's queues, each newest activity first, keyset-paginated by
-- (last_message_at, id) like conversations_activity: a queue's first page
-- reads its own rows instead of walking all activity until it has found a
-- page of them. A conversation is in exactly one of these at a time, so a
-- message (which moves last_message_at, so the row gets new index entries)
-- adds one entry here.
DROP INDEX CONCURRENTLY IF EXISTS conversations_open_activity;
CREATE INDEX CONCURRENTLY conversations_open_activity ON conversations (last_message_at DESC, id DESC)
    WHERE status IN ('waiting', 'active');
DROP INDEX CONCURRENTLY IF EXISTS conversations_resolved_activity;
CREATE INDEX CONCURRENTLY conversations_resolved_activity ON conversations (last_message_at DESC, id DESC)
    WHERE status = 'resolved';
DROP INDEX CONCURRENTLY IF EXISTS conversations_closed_activity;
CREATE INDEX CONCURRENTLY conversations_closed_activity ON conversations (last_message_at DESC, id DESC)
    WHERE status = 'closed';

-- Each agent's active conversations, newest activity first: the "Mine"
-- queue and one agent's conversations; routing counts an agent's load from
-- the same index. It replaces the one on assignee_id alone (same rows).
DROP INDEX CONCURRENTLY IF EXISTS conversations_active_by_assignee;
CREATE INDEX CONCURRENTLY conversations_active_by_assignee ON conversations (assignee_id, last_message_at DESC, id DESC)
    WHERE status = 'active';
DROP INDEX CONCURRENTLY IF EXISTS conversations_active_assignee;

-- +goose Down
CREATE INDEX CONCURRENTLY IF NOT EXISTS conversations_active_assignee ON conversations (assignee_id)
    WHERE status = 'active';
DROP INDEX CONCURRENTLY IF EXISTS conversations_active_by_assignee;
DROP INDEX CONCURRENTLY IF EXISTS conversations_closed_activity;
DROP INDEX CONCURRENTLY IF EXISTS conversations_resolved_activity;
DROP INDEX CONCURRENTLY IF EXISTS conversations_open_activity;
DROP INDEX CONCURRENTLY IF EXISTS messages_text_trgm;
