package privacy_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/attachments/pgstore"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/privacy"
	"github.com/opensupport/livechat/server/settings"
)

func days(n int) *int { return &n }

// TestRetentionRemovesExactlyWhatIsDue: with a fake clock, a run blanks
// the messages of conversations closed longer ago than the policy (in
// batches: more than one batch is due) and removes their files and old
// texts, removes files older than the file period from the PostgreSQL
// store (keeping the "file removed" row), deletes visitor sessions and page
// histories unused longer than theirs, follows a widget's overrides, and
// touches nothing else: not open conversations, not recently closed ones,
// not recent files, sessions or pages, not a widget that keeps. The dry
// run counts the same, per widget, and a second run finds nothing.
func TestRetentionRemovesExactlyWhatIsDue(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	store := pgstore.New(pool)
	files := attachments.New(pool, store, attachments.Config{}, nil)
	files.Now = func() time.Time { return now }
	svc := privacy.New(pool, privacy.Options{Settings: settings.New(pool), Audit: audit.New(pool, audit.Options{}), Files: files,
		Now: func() time.Time { return now }})
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx(t), sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	count := func(sql string, args ...any) (n int) {
		t.Helper()
		if err := pool.QueryRow(ctx(t), sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Two widgets: shop follows the installation; vault keeps its
	// conversations and sessions but removes files after 5 days.
	widget := func(key, name string) (w, cust uuid.UUID) {
		t.Helper()
		if err := pool.QueryRow(ctx(t), `INSERT INTO widgets (site_key, name, settings, identity_secret) VALUES ($1, $2, '{}', 'x') RETURNING id`, key, name).Scan(&w); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRow(ctx(t), `INSERT INTO customers (widget_id, name) VALUES ($1, 'Ann') RETURNING id`, w).Scan(&cust); err != nil {
			t.Fatal(err)
		}
		return w, cust
	}
	shop, shopCust := widget("lcw_0123456789abcdef01234567", "Shop")
	vault, vaultCust := widget("lcw_0123456789abcdef01234568", "Vault")
	custOf := map[uuid.UUID]uuid.UUID{shop: shopCust, vault: vaultCust}

	conversation := func(w uuid.UUID, status string, updated time.Time, text string) (conv, msg uuid.UUID) {
		t.Helper()
		if err := pool.QueryRow(ctx(t), `INSERT INTO conversations (customer_id, widget_id, status, updated_at, last_seq) VALUES ($1, $2, $3, $4, 1) RETURNING id`,
			custOf[w], w, status, updated).Scan(&conv); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRow(ctx(t), `INSERT INTO messages (conversation_id, seq, sender_type, sender_id, sender_name, text, client_message_id) VALUES ($1, 1, 'customer', $2, 'Ann', $3, $4) RETURNING id`,
			conv, custOf[w], text, uuid.NewString()).Scan(&msg); err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO message_revisions (message_id, text, deleted) VALUES ($1, $2, false)`, msg, "before: "+text)
		return conv, msg
	}
	// file stores a file of the message in the PostgreSQL store, sent at.
	file := func(conv, msg uuid.UUID, sent time.Time) uuid.UUID {
		t.Helper()
		id := uuid.New()
		if _, err := store.Put(ctx(t), id.String(), bytes.NewReader(bytes.Repeat([]byte("FILE-BYTES "), 100))); err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO attachments (id, uploader_type, uploader_id, message_id, conversation_id, file_name, content_type, size, store, created_at)
		      VALUES ($1, 'customer', $2, $3, $4, 'a.txt', 'text/plain', 1100, 'postgres', $5)`, id, uuid.New(), msg, conv, sent)
		return id
	}
	stored := func(id uuid.UUID) bool {
		t.Helper()
		return count(`SELECT count(*) FROM attachment_chunks WHERE key = $1`, id.String()) > 0
	}

	// Shop: 120 conversations closed 40 days ago (due at 30 days), each
	// with a file; one closed 10 days ago with a file sent 10 days ago (due
	// neither way), one open for 40 days with a file sent 40 days ago (due
	// by the 20-day file period only).
	var dueFiles []uuid.UUID
	for range 120 {
		c, m := conversation(shop, "closed", now.AddDate(0, 0, -40), "old words")
		dueFiles = append(dueFiles, file(c, m, now.AddDate(0, 0, -41)))
	}
	recent, recentMsg := conversation(shop, "closed", now.AddDate(0, 0, -10), "recent words")
	recentFile := file(recent, recentMsg, now.AddDate(0, 0, -10))
	open, openMsg := conversation(shop, "active", now.AddDate(0, 0, -40), "open words")
	openOldFile := file(open, openMsg, now.AddDate(0, 0, -40))
	// Vault: closed 40 days ago (kept: its widget keeps conversations), a
	// file sent 6 days ago (due by its 5 days) and one sent 2 days ago.
	vaultConv, vaultMsg := conversation(vault, "closed", now.AddDate(0, 0, -40), "vault words")
	vaultOldFile := file(vaultConv, vaultMsg, now.AddDate(0, 0, -6))
	vaultNewFile := file(vaultConv, vaultMsg, now.AddDate(0, 0, -2))

	session := func(w uuid.UUID, lastSeen time.Time) {
		t.Helper()
		exec(`INSERT INTO visitor_sessions (token_hash, widget_id, customer_id, last_seen_at) VALUES ($1, $2, $3, $4)`,
			uuid.New().String()[:32], w, custOf[w], lastSeen)
	}
	for range 3 {
		session(shop, now.AddDate(0, 0, -100))
	}
	session(shop, now.AddDate(0, 0, -5))
	session(vault, now.AddDate(0, 0, -100))
	// Page histories: shop's customer last seen on a page 100 days ago,
	// vault's too (kept).
	exec(`INSERT INTO visitor_contexts (customer_id, current_url, updated_at) VALUES ($1, 'https://shop.example/old', $3), ($2, 'https://vault.example/old', $3)`,
		shopCust, vaultCust, now.AddDate(0, 0, -100))

	policy := privacy.Retention{ClosedConversationDays: 30, AttachmentDays: 20, VisitorSessionDays: 90, Widgets: []privacy.WidgetRetention{
		{WidgetID: vault, ClosedConversationDays: days(0), AttachmentDays: days(5), VisitorSessionDays: days(0)},
	}}
	want := privacy.Counts{ClosedConversations: 120, Attachments: 120 + 1 + 1, VisitorSessions: 3, PageHistories: 1}
	preview, err := svc.PreviewRetention(ctx(t), policy)
	if err != nil || preview.Counts != want {
		t.Fatalf("dry run = %+v, %v; want %+v", preview.Counts, err, want)
	}
	if v := preview.Widgets[vault]; v != (privacy.Counts{Attachments: 1}) {
		t.Errorf("dry run of the vault = %+v, want its one old file", v)
	}
	if s := preview.Widgets[shop]; s != (privacy.Counts{ClosedConversations: 120, Attachments: 121, VisitorSessions: 3, PageHistories: 1}) {
		t.Errorf("dry run of the shop = %+v", s)
	}
	// Nothing happens until the policy is saved.
	if done, err := svc.RunRetention(ctx(t)); err != nil || done != (privacy.Counts{}) {
		t.Fatalf("run without a policy = %+v, %v", done, err)
	}
	if _, err := svc.UpdateRetentionSettings(ctx(t), principal.Agent{Name: "Root"}, policy); err != nil {
		t.Fatal(err)
	}
	done, err := svc.RunRetention(ctx(t))
	// The conversation rule removes the 120 closed conversations' files
	// first, so the file rule finds only the other two.
	if err != nil || done != (privacy.Counts{ClosedConversations: 120, Attachments: 2, VisitorSessions: 3, PageHistories: 1}) {
		t.Fatalf("run = %+v, %v", done, err)
	}

	t.Run("due conversations are blanked, their old texts and files gone", func(t *testing.T) {
		if n := count(`SELECT count(*) FROM messages WHERE text = 'old words' OR (sender_name = 'Ann' AND conversation_id NOT IN ($1, $2, $3))`, recent, open, vaultConv); n != 0 {
			t.Errorf("%d due messages keep their text", n)
		}
		if n := count(`SELECT count(*) FROM message_revisions WHERE text = 'before: old words'`); n != 0 {
			t.Errorf("%d old texts of due messages are left", n)
		}
		for _, id := range dueFiles {
			if stored(id) {
				t.Fatalf("file %s of a due conversation is still in the store", id)
			}
		}
		if n := count(`SELECT count(*) FROM attachments WHERE removed_at IS NOT NULL`); n != 122 {
			t.Errorf("%d files marked removed, want 122", n)
		}
	})
	t.Run("nothing else is touched", func(t *testing.T) {
		for _, c := range []struct {
			conv uuid.UUID
			text string
		}{{recent, "recent words"}, {open, "open words"}, {vaultConv, "vault words"}} {
			if count(`SELECT count(*) FROM messages WHERE conversation_id = $1 AND text = $2`, c.conv, c.text) != 1 ||
				count(`SELECT count(*) FROM message_revisions WHERE text = $1`, "before: "+c.text) != 1 {
				t.Errorf("%q lost its text or its old text", c.text)
			}
		}
		if n := count(`SELECT count(*) FROM messages`); n != 123 {
			t.Errorf("%d messages left, want all 123 rows kept", n)
		}
		for name, id := range map[string]uuid.UUID{"recent": recentFile, "vault's new": vaultNewFile} {
			if !stored(id) || count(`SELECT count(*) FROM attachments WHERE id = $1 AND removed_at IS NULL`, id) != 1 {
				t.Errorf("the %s file was removed", name)
			}
		}
		if n := count(`SELECT count(*) FROM visitor_sessions`); n != 2 {
			t.Errorf("%d sessions left, want the recent one and the vault's", n)
		}
		if n := count(`SELECT count(*) FROM visitor_contexts WHERE customer_id = $1`, vaultCust); n != 1 {
			t.Error("the vault's page history was deleted")
		}
	})
	t.Run("old files leave the store and keep a marker", func(t *testing.T) {
		for name, id := range map[string]uuid.UUID{"open conversation's old": openOldFile, "vault's old": vaultOldFile} {
			if stored(id) {
				t.Errorf("the %s file is still in the store", name)
			}
			if count(`SELECT count(*) FROM attachments WHERE id = $1 AND removed_at IS NOT NULL`, id) != 1 {
				t.Errorf("the %s file has no removed marker", name)
			}
			if _, err := files.ReadFile(ctx(t), id); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("reading the %s file: %v, want NotFound", name, err)
			}
		}
		// The message still lists the file, marked removed, without links.
		got, err := files.ForMessages(ctx(t), []uuid.UUID{openMsg})
		if err != nil || len(got[openMsg]) != 1 || got[openMsg][0].RemovedAt == nil || got[openMsg][0].URL != "" || got[openMsg][0].FileName != "a.txt" {
			t.Errorf("the message's files = %+v, %v; want the removed marker", got[openMsg], err)
		}
		if n := count(`SELECT count(*) FROM attachment_deletions`); n != 0 {
			t.Errorf("%d deletions still queued after the run", n)
		}
		if n := count(`SELECT count(*) FROM visitor_contexts WHERE customer_id = $1`, shopCust); n != 0 {
			t.Error("the shop's old page history is left")
		}
	})

	if again, err := svc.RunRetention(ctx(t)); err != nil || again != (privacy.Counts{}) {
		t.Errorf("second run = %+v, %v; want nothing", again, err)
	}
	// 21 days later the recently closed one is due, with its file.
	now = now.AddDate(0, 0, 21)
	if d, err := svc.RunRetention(ctx(t)); err != nil || d.ClosedConversations != 1 || d.Attachments != 1 {
		t.Errorf("run 21 days later = %+v, %v; want the one closed 31 days ago and the vault's file sent 23 days ago", d, err)
	}
	if stored(recentFile) || stored(vaultNewFile) {
		t.Error("files due 21 days later are still stored")
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'retention.purged'`); n != 2 {
		t.Errorf("%d retention entries, want one per run that removed something", n)
	}

	t.Run("bad policies", func(t *testing.T) {
		for name, c := range map[string]struct {
			r      privacy.Retention
			reason apperr.Reason
			field  string
		}{
			"negative":       {privacy.Retention{AttachmentDays: -1}, apperr.InvalidValue, "attachment_days"},
			"over ten years": {privacy.Retention{ClosedConversationDays: 3651}, apperr.InvalidValue, "closed_conversation_days"},
			"override range": {privacy.Retention{Widgets: []privacy.WidgetRetention{{WidgetID: shop, VisitorSessionDays: days(4000)}}}, apperr.InvalidValue, "widgets[0].visitor_session_days"},
			"widget twice":   {privacy.Retention{Widgets: []privacy.WidgetRetention{{WidgetID: shop}, {WidgetID: shop}}}, apperr.RetentionWidgetRepeated, "widgets[1].widget_id"},
			"unknown widget": {privacy.Retention{Widgets: []privacy.WidgetRetention{{WidgetID: uuid.New()}}}, apperr.WidgetNotFound, "widgets[0].widget_id"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := svc.UpdateRetentionSettings(ctx(t), principal.Agent{Name: "Root"}, c.r)
				var e *apperr.Error
				if !apperr.Is(err, c.reason) || !errors.As(err, &e) || e.Field != c.field {
					t.Errorf("err = %v, want %s on %s", err, c.reason, c.field)
				}
				if _, err := svc.PreviewRetention(ctx(t), c.r); !apperr.Is(err, c.reason) {
					t.Errorf("dry run err = %v, want %s", err, c.reason)
				}
			})
		}
	})
}
