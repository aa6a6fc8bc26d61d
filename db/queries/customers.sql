-- name: ListCustomers :many
-- The customer list, most recently seen first, keyset-paginated by
-- (last_seen_at, id). pattern is a lower-case LIKE pattern over name, email
-- and phone: the expression is the one customers_search_trgm indexes.
SELECT c.id
FROM customers c
WHERE (@pattern::text = '' OR lower(c.name || ' ' || c.email || ' ' || c.phone) LIKE @pattern::text)
  AND (NOT @by_attribute::boolean
       OR EXISTS (SELECT 1 FROM customer_attribute_values v
                  WHERE v.customer_id = c.id AND v.attribute_id = @attribute_id::uuid
                    AND lower(v.value) = lower(@attribute_value::text)))
  AND (NOT @by_widget::boolean OR c.widget_id = @widget_id::uuid)
  AND (NOT @has_seen_after::boolean OR c.last_seen_at >= @seen_after::timestamptz)
  AND (cardinality(@tag_ids::uuid[]) = 0
       OR EXISTS (SELECT 1 FROM customer_tags kt
                  WHERE kt.customer_id = c.id AND kt.tag_id = ANY(@tag_ids::uuid[]))
       OR EXISTS (SELECT 1 FROM conversations cv JOIN conversation_tags ct ON ct.conversation_id = cv.id
                  WHERE cv.customer_id = c.id AND ct.tag_id = ANY(@tag_ids::uuid[])))
  AND (NOT @has_cursor::boolean OR (c.last_seen_at, c.id) < (@cursor_at::timestamptz, @cursor_id::uuid))
ORDER BY c.last_seen_at DESC, c.id DESC
LIMIT @page_limit;

-- name: CustomerProfiles :many
-- The profile fields of the customers, in no particular order.
SELECT c.id, c.widget_id, w.name AS widget_name, c.name, c.email, c.phone, c.company, c.notes,
       c.verified_user_id, c.created_at, c.last_seen_at
FROM customers c
JOIN widgets w ON w.id = c.widget_id
WHERE c.id = ANY(@ids::uuid[]);

-- name: LockCustomerProfile :one
-- A customer's editable fields, locked until the transaction ends so two
-- agents' edits are recorded one after the other with true old values.
SELECT id, name, email, phone, company, notes FROM customers WHERE id = @id FOR UPDATE;

-- name: SetCustomerProfile :exec
UPDATE customers SET name = @name, email = @email, phone = @phone, company = @company, notes = @notes
WHERE id = @id;

-- name: AnnounceCustomerChange :exec
-- Records a conversation_updated event for each open conversation of the
-- customer, so agents' inboxes show a new name or email live.
INSERT INTO events (kind, conversation_id, customer_id, conversation_status, assignee_id, last_seq,
                    waiting_since, conversation_updated_at, last_message_at)
SELECT 'conversation_updated', c.id, c.customer_id, c.status, c.assignee_id, c.last_seq,
       c.waiting_since, c.updated_at, c.last_message_at
FROM conversations c
WHERE c.customer_id = @customer_id AND c.status IN ('waiting', 'active');

-- name: CustomerAttributeValues :many
-- The custom attribute values of the customers, by label.
SELECT v.customer_id, d.id, d.key, d.label, d.type, v.value
FROM customer_attribute_values v
JOIN customer_attribute_definitions d ON d.id = v.attribute_id
WHERE v.customer_id = ANY(@customer_ids::uuid[])
ORDER BY v.customer_id, lower(d.label), d.key;

-- name: SetCustomerAttributeValue :exec
INSERT INTO customer_attribute_values (customer_id, attribute_id, value)
VALUES (@customer_id, @attribute_id, @value)
ON CONFLICT (customer_id, attribute_id) DO UPDATE SET value = excluded.value;

-- name: DeleteCustomerAttributeValue :exec
DELETE FROM customer_attribute_values WHERE customer_id = @customer_id AND attribute_id = @attribute_id;

-- name: InsertCustomerChange :exec
INSERT INTO customer_changes (customer_id, agent_id, agent_name, field, old_value, new_value)
VALUES (@customer_id, @agent_id, @agent_name, @field, @old_value, @new_value);

-- name: ListCustomerChanges :many
-- A customer's recorded edits, newest first.
SELECT id, agent_id, agent_name, field, old_value, new_value, changed_at
FROM customer_changes
WHERE customer_id = @customer_id
ORDER BY id DESC
LIMIT @page_limit;

-- name: CustomerConversations :many
-- A customer's conversations, newest first, each with its first line: the
-- first message the customer could see (never an internal note).
SELECT c.id, c.status, c.created_at, c.last_message_at, COALESCE(a.display_name, '')::text AS assignee_name,
       COALESCE((SELECT m.text FROM messages m
                 WHERE m.conversation_id = c.id AND NOT m.internal AND m.sender_type <> 'system'
                 ORDER BY m.seq LIMIT 1), '')::text AS first_line
FROM conversations c
LEFT JOIN agents a ON a.id = c.assignee_id
WHERE c.customer_id = @customer_id
ORDER BY c.created_at DESC, c.id DESC
LIMIT @page_limit;

-- name: ListAttributeDefinitions :many
SELECT id, key, label, type, created_at FROM customer_attribute_definitions ORDER BY lower(label), key;

-- name: AttributeDefinitionsByKeys :many
SELECT id, key, label, type, created_at FROM customer_attribute_definitions WHERE key = ANY(@keys::text[]);

-- name: CreateAttributeDefinition :one
-- No row when the installation has max_definitions already.
INSERT INTO customer_attribute_definitions (key, label, type)
SELECT @key, @label, @type
WHERE (SELECT count(*) FROM customer_attribute_definitions) < @max_definitions::int
RETURNING id, key, label, type, created_at;

-- name: DeleteAttributeDefinition :execrows
DELETE FROM customer_attribute_definitions WHERE id = @id;

-- name: VisitorContext :one
SELECT customer_id, current_url, current_title, referrer, trail, device, ip_address, country, city, updated_at
FROM visitor_contexts WHERE customer_id = @customer_id;

-- name: SaveVisitorContext :exec
-- Writes a customer's context as the domain merged it (the domain reads,
-- merges and writes under the customer's row lock).
INSERT INTO visitor_contexts (customer_id, current_url, current_title, referrer, trail, device, ip_address, country, city, updated_at)
VALUES (@customer_id, @current_url, @current_title, @referrer, @trail, @device, @ip_address, @country, @city, now())
ON CONFLICT (customer_id) DO UPDATE
SET current_url = excluded.current_url, current_title = excluded.current_title, referrer = excluded.referrer,
    trail = excluded.trail, device = excluded.device, ip_address = excluded.ip_address,
    country = excluded.country, city = excluded.city, updated_at = now();

-- name: LockVisitorContext :one
-- Serialises two reports of one customer (two tabs).
SELECT id FROM customers WHERE id = @id FOR UPDATE;

-- name: MergeCustomerInto :exec
-- Moves everything of customer from_id to into_id (a visitor who verified
-- as a user who already has a customer): conversations, their messages and
-- read markers, events, tags, the visit context unless into_id has one.
WITH conv AS (
    UPDATE conversations c SET customer_id = @into_id WHERE c.customer_id = @from_id RETURNING c.id
), msg AS (
    UPDATE messages m SET sender_id = @into_id WHERE m.sender_type = 'customer' AND m.sender_id = @from_id RETURNING m.id
), rd AS (
    UPDATE conversation_reads r SET reader_id = @into_id WHERE r.reader_type = 'customer' AND r.reader_id = @from_id RETURNING 1
), ev AS (
    UPDATE events e SET customer_id = @into_id WHERE e.customer_id = @from_id RETURNING 1
), tg AS (
    INSERT INTO customer_tags (customer_id, tag_id)
    SELECT @into_id, kt.tag_id FROM customer_tags kt WHERE kt.customer_id = @from_id
    ON CONFLICT DO NOTHING
)
UPDATE visitor_contexts vc SET customer_id = @into_id
WHERE vc.customer_id = @from_id AND NOT EXISTS (SELECT 1 FROM visitor_contexts x WHERE x.customer_id = @into_id);

-- name: HasOpenConversation :one
SELECT EXISTS (SELECT 1 FROM conversations WHERE customer_id = @customer_id AND status IN ('waiting', 'active'));

-- name: CustomerTags :many
-- The tags of a customer, by name.
SELECT t.id, t.name, t.color
FROM customer_tags kt
JOIN tags t ON t.id = kt.tag_id
WHERE kt.customer_id = @customer_id
ORDER BY lower(t.name), t.id;

-- name: SetCustomerTags :exec
-- Replaces a customer's tags with the existing ones among tag_ids (a tag
-- deleted meanwhile is simply not set).
WITH want AS (
    SELECT t.id FROM tags t WHERE t.id = ANY(@tag_ids::uuid[])
), d AS (
    DELETE FROM customer_tags kt
    WHERE kt.customer_id = @customer_id AND kt.tag_id NOT IN (SELECT want.id FROM want)
)
INSERT INTO customer_tags (customer_id, tag_id)
SELECT @customer_id, want.id FROM want
ON CONFLICT DO NOTHING;
