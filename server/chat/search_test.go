package chat_test

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// TestSearchRareAndCommonTexts searches among thousands of conversations
// for texts that a handful of them match (search starts from the text
// indexes) and texts that thousands match (search walks the inbox): both
// must give exactly what matching every conversation would — the
// customer's name or email or any message's text, internal notes
// included, newest activity first — with and without the queue's filters,
// page after page, and count the same.
func TestSearchRareAndCommonTexts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, lanID := e.agent("Lan", principal.RoleAgent)
	// 2,500 conversations, more than search takes from the indexes, each
	// with a customer line; every seventh a long one. Statuses and
	// assignees vary, activity spreads over a month.
	_, err := e.pool.Exec(bg, `
		WITH cu AS (
		    INSERT INTO customers (widget_id, name, email)
		    SELECT $1, 'Bulk customer ' || g, 'bulk' || g || '@example.com' FROM generate_series(1, 2500) g
		    RETURNING id, name),
		cv AS (
		    INSERT INTO conversations (customer_id, widget_id, status, assignee_id, last_message_at, last_seq)
		    SELECT id, $1, (ARRAY['waiting', 'active', 'resolved', 'closed'])[1 + n % 4],
		           CASE WHEN n % 4 <> 0 THEN $2::uuid END, now() - n * interval '10 minutes', CASE WHEN n % 7 = 0 THEN 3 ELSE 1 END
		    FROM (SELECT id, substr(name, 15)::int AS n FROM cu) x
		    RETURNING id, customer_id, last_seq, assignee_id)
		INSERT INTO messages (conversation_id, seq, sender_type, sender_id, text, client_message_id, internal)
		SELECT cv.id, s, CASE WHEN s = 2 THEN 'agent' ELSE 'customer' END,
		       CASE WHEN s = 2 THEN coalesce(cv.assignee_id, $2::uuid) ELSE cv.customer_id END,
		       CASE WHEN s = 2 THEN 'an internal note about the parcel' ELSE 'My parcel has not arrived yet' END,
		       cv.id::text || '.' || s, s = 2
		FROM cv CROSS JOIN LATERAL generate_series(1, cv.last_seq) s`, e.widget, lanID)
	if err != nil {
		t.Fatal(err)
	}
	// The rare ones, through the product.
	e.open(e.customer("Minh", "minh@example.com"), "Where is order 424242?")
	note := e.open(e.customer("Hoa", "hoa@example.com"), "hello")
	if _, err := e.send(lan, note.ID, "refund approved by Quang", true, "n1"); err != nil {
		t.Fatal(err)
	}
	e.open(e.customer("Trần Zoë", "zoe@shop.vn"), "hi")

	// want is every conversation the text matches, by the definition,
	// newest activity first.
	want := func(query string, statuses ...string) []uuid.UUID {
		rows, err := e.pool.Query(bg, `
			SELECT c.id FROM conversations c JOIN customers cu ON cu.id = c.customer_id
			WHERE (cardinality($2::text[]) = 0 OR c.status = ANY($2))
			  AND (cu.name ILIKE $1 OR cu.email ILIKE $1
			       OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.text ILIKE $1))
			ORDER BY c.last_message_at DESC, c.id DESC`, limits.LikePattern(query), append([]string{}, statuses...))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []uuid.UUID
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	}
	for _, tc := range []struct {
		query    string
		statuses []chat.Status
		atLeast  int
	}{
		{"order 424242", nil, 1},
		{"ORDER 424242", nil, 1},
		{"refund approved", nil, 1}, // an internal note: agents search them
		{"zoë", nil, 1},             // the customer's name
		{"SHOP.VN", nil, 1},         // the email
		{"bulk1234@", nil, 1},       // a bulk customer's email
		{"parcel", nil, 2500},       // common: every bulk conversation
		{"PARCEL", []chat.Status{chat.StatusResolved}, 600},
		{"internal note", []chat.Status{chat.StatusWaiting, chat.StatusActive}, 100},
		{"Bulk customer 12", nil, 100}, // common among names: 12, 120–129, 1200–1299
		{"no such thing anywhere", nil, 0},
		{"order 424242", []chat.Status{chat.StatusClosed}, 0},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var st []string
			for _, s := range tc.statuses {
				st = append(st, string(s))
			}
			exp := want(tc.query, st...)
			if len(exp) < tc.atLeast {
				t.Fatalf("the data gives %d matches, want at least %d", len(exp), tc.atLeast)
			}
			var got []uuid.UUID
			tok := ""
			for range 100 {
				page, err := e.svc.ListConversations(bg, lan, chat.ListFilter{Query: tc.query, Statuses: tc.statuses, PageSize: 100, PageToken: tok})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page.Conversations {
					got = append(got, c.ID)
				}
				if tok = page.NextPageToken; tok == "" {
					break
				}
			}
			if !slices.Equal(got, exp) {
				t.Fatalf("search found %d conversations, want %d (first %v, want %v)", len(got), len(exp), head(got), head(exp))
			}
			n, err := e.svc.CountConversations(bg, lan, chat.ListFilter{Query: tc.query, Statuses: tc.statuses}, 10_000)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(exp) {
				t.Fatalf("count %d, want %d", n, len(exp))
			}
		})
	}
}

func head(ids []uuid.UUID) []uuid.UUID { return ids[:min(3, len(ids))] }
