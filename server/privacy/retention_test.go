package privacy_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/privacy"
	"github.com/opensupport/livechat/server/settings"
)

// TestRetentionRemovesExactlyWhatIsDue: with a fake clock, a run blanks
// the messages of conversations closed longer ago than the policy (in
// batches: more than one batch is due), deletes visitor sessions unused
// longer than theirs, and touches nothing else: not open conversations,
// not recently closed ones, not recent sessions. The dry run counts the
// same, and a second run finds nothing.
func TestRetentionRemovesExactlyWhatIsDue(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	svc := privacy.New(pool, privacy.Options{Settings: settings.New(pool), Audit: audit.New(pool, audit.Options{}), Now: func() time.Time { return now }})
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx(t), sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var widget, cust uuid.UUID
	if err := pool.QueryRow(ctx(t), `INSERT INTO widgets (site_key, name, settings, identity_secret) VALUES ('lcw_0123456789abcdef01234567', 'W', '{}', 'x') RETURNING id`).Scan(&widget); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx(t), `INSERT INTO customers (widget_id, name) VALUES ($1, 'Ann') RETURNING id`, widget).Scan(&cust); err != nil {
		t.Fatal(err)
	}
	conversation := func(status string, updated time.Time, text string) uuid.UUID {
		t.Helper()
		var id uuid.UUID
		if err := pool.QueryRow(ctx(t), `INSERT INTO conversations (customer_id, widget_id, status, updated_at, last_seq) VALUES ($1, $2, $3, $4, 1) RETURNING id`,
			cust, widget, status, updated).Scan(&id); err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO messages (conversation_id, seq, sender_type, sender_id, sender_name, text, client_message_id) VALUES ($1, 1, 'customer', $2, 'Ann', $3, $4)`, id, cust, text, uuid.NewString())
		return id
	}
	// 120 conversations closed 40 days ago (due at 30 days), one closed 10
	// days ago, one open for 40 days.
	for range 120 {
		conversation("closed", now.AddDate(0, 0, -40), "old words")
	}
	recent := conversation("closed", now.AddDate(0, 0, -10), "recent words")
	open := conversation("active", now.AddDate(0, 0, -40), "open words")
	session := func(lastSeen time.Time) {
		t.Helper()
		exec(`INSERT INTO visitor_sessions (token_hash, widget_id, customer_id, last_seen_at) VALUES ($1, $2, $3, $4)`,
			uuid.New().String()[:32], widget, cust, lastSeen)
	}
	for range 3 {
		session(now.AddDate(0, 0, -100))
	}
	session(now.AddDate(0, 0, -5))

	policy := privacy.Retention{ClosedConversationDays: 30, VisitorSessionDays: 90}
	preview, err := svc.PreviewRetention(ctx(t), policy)
	if err != nil || preview.ClosedConversations != 120 || preview.VisitorSessions != 3 {
		t.Fatalf("dry run = %+v, %v; want 120 and 3", preview, err)
	}
	// Nothing happens until the policy is saved.
	if done, err := svc.RunRetention(ctx(t)); err != nil || done != (privacy.Due{}) {
		t.Fatalf("run without a policy = %+v, %v", done, err)
	}
	if _, err := svc.UpdateRetentionSettings(ctx(t), principal.Agent{Name: "Root"}, policy); err != nil {
		t.Fatal(err)
	}
	done, err := svc.RunRetention(ctx(t))
	if err != nil || done.ClosedConversations != 120 || done.VisitorSessions != 3 {
		t.Fatalf("run = %+v, %v; want 120 and 3", done, err)
	}
	count := func(sql string, args ...any) (n int) {
		t.Helper()
		if err := pool.QueryRow(ctx(t), sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM messages WHERE text = 'old words' OR (sender_name = 'Ann' AND conversation_id NOT IN ($1, $2))`, recent, open); n != 0 {
		t.Errorf("%d due messages keep their text", n)
	}
	if count(`SELECT count(*) FROM messages WHERE conversation_id = $1 AND text = 'recent words'`, recent) != 1 ||
		count(`SELECT count(*) FROM messages WHERE conversation_id = $1 AND text = 'open words'`, open) != 1 {
		t.Error("a conversation that was not due lost its text")
	}
	if n := count(`SELECT count(*) FROM messages`); n != 122 {
		t.Errorf("%d messages left, want all 122 rows kept", n)
	}
	if n := count(`SELECT count(*) FROM visitor_sessions`); n != 1 {
		t.Errorf("%d sessions left, want the recent one", n)
	}
	if again, err := svc.RunRetention(ctx(t)); err != nil || again != (privacy.Due{}) {
		t.Errorf("second run = %+v, %v; want nothing", again, err)
	}
	// Ten more days make the recently closed one due.
	now = now.AddDate(0, 0, 21)
	if d, err := svc.RunRetention(ctx(t)); err != nil || d.ClosedConversations != 1 {
		t.Errorf("run 21 days later = %+v, %v; want the one closed 31 days ago", d, err)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'retention.purged'`); n != 2 {
		t.Errorf("%d retention entries, want one per run that removed something", n)
	}
}
