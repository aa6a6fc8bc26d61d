-- name: VisitorCustomers :many
-- The name and open (waiting or active) conversation of the customers of
-- visitors on a site now, for the visitors-now list: one query per list.
SELECT c.id, c.name,
       COALESCE((SELECT v.id FROM conversations v
                 WHERE v.customer_id = c.id AND v.status IN ('waiting', 'active')
                 ORDER BY v.created_at DESC LIMIT 1),
                '00000000-0000-0000-0000-000000000000'::uuid)::uuid AS open_conversation_id
FROM customers c
WHERE c.id = ANY(@ids::uuid[]);
