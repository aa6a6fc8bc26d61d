package privacy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/privacy"
	"github.com/opensupport/livechat/server/widgets"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// customer is a verified visitor who chatted: what they told, and how to
// reach them.
type customer struct {
	id, name, email, phone, plan, text, reply, userID string
	client                                            *apptest.Client
	conversationID                                    string
}

// chat starts a verified visitor of w who sends text, and lan's reply.
func chat(t *testing.T, tm *apptest.Team, w *livechatv1.CreateWidgetResponse, c customer) customer {
	t.Helper()
	s, err := tm.Server.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{
		SiteKey: w.Widget.SiteKey,
		Identity: &livechatv1.VerifiedIdentity{UserId: c.userID, Hmac: widgets.IdentityHMAC(w.IdentitySecret, c.userID),
			Name: c.name, Email: c.email},
	})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	c.id = s.Customer.Id
	c.client = tm.Server.NewClient(http.Header{"Authorization": {"Bearer " + s.VisitorToken}})
	// A verified customer's details come from the host site; the phone and
	// attributes are arranged directly.
	if _, err := tm.Server.Pool.Exec(ctx(t), `UPDATE customers SET phone = $1, attributes = jsonb_build_object('plan', $2::text) WHERE id = $3`,
		c.phone, c.plan, c.id); err != nil {
		t.Fatal(err)
	}
	res, err := c.client.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: c.text, ClientMessageId: "m1"})
	if err != nil {
		t.Fatalf("visitor SendMessage: %v", err)
	}
	c.conversationID = res.Conversation.Id
	if _, err := tm.Lan.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{
		ConversationId: c.conversationID, Text: c.reply, ClientMessageId: "r1",
	}); err != nil {
		t.Fatalf("agent SendMessage: %v", err)
	}
	return c
}

// tableText is every row of every table of the public schema as text, the
// haystack of a byte-for-byte search.
func tableText(t *testing.T, tm *apptest.Team) map[string]string {
	t.Helper()
	rows, err := tm.Server.Pool.Query(ctx(t), `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	out := map[string]string{}
	for _, tb := range tables {
		var text *string
		if err := tm.Server.Pool.QueryRow(ctx(t), `SELECT string_agg(t::text, E'\n') FROM "`+tb+`" t`).Scan(&text); err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		if text != nil {
			out[tb] = *text
		}
	}
	return out
}

func count(t *testing.T, tm *apptest.Team, sql string, args ...any) (n int) {
	t.Helper()
	if err := tm.Server.Pool.QueryRow(ctx(t), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestExportAndEraseACustomer(t *testing.T) {
	t.Parallel()
	tm := apptest.NewTeam(t)
	w, err := tm.Admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatal(err)
	}
	ann := chat(t, tm, w, customer{userID: "ann-1", name: "Annabel Quigley", email: "annabel.quigley@example.org",
		phone: "+84 912 345 678", plan: "GOLD-MARMOT", text: "my parcel 7Q-ZEBRA never came", reply: "sorry Annabel, checking parcel 7Q-ZEBRA"})
	bob := chat(t, tm, w, customer{userID: "bob-1", name: "Bartholomew Osei", email: "bart.osei@example.net",
		phone: "+84 933 000 111", plan: "SILVER-IBEX", text: "invoice XK-PELICAN is wrong", reply: "fixing XK-PELICAN"})
	// An internal note is stored about Ann too.
	if _, err := tm.Lan.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{
		ConversationId: ann.conversationID, Text: "note: Annabel is a VIP-OKAPI", Internal: true, ClientMessageId: "n1",
	}); err != nil {
		t.Fatal(err)
	}
	annSecrets := []string{ann.name, ann.email, ann.phone, ann.plan, ann.userID, "7Q-ZEBRA", "VIP-OKAPI"}
	bobSecrets := []string{bob.name, bob.email, bob.phone, bob.plan, bob.userID, "XK-PELICAN"}

	t.Run("export holds all of the customer and nothing of another", func(t *testing.T) {
		res, err := tm.Admin.Privacy.ExportCustomer(ctx(t), &livechatv1.ExportCustomerRequest{CustomerId: ann.id})
		if err != nil {
			t.Fatal(err)
		}
		var a privacy.Archive
		if err := json.Unmarshal(res.Data, &a); err != nil {
			t.Fatal(err)
		}
		if a.Format != privacy.Format || a.Customer.ID != ann.id || a.Customer.Name != ann.name || a.Customer.Email != ann.email ||
			a.Customer.VerifiedUserID == nil || *a.Customer.VerifiedUserID != "ann-1" {
			t.Fatalf("profile = %+v", a.Customer)
		}
		if len(a.Conversations) != 1 || len(a.Conversations[0].Messages) < 3 || len(a.VisitorSessions) != 1 {
			t.Fatalf("archive has %d conversations, %d sessions: %+v", len(a.Conversations), len(a.VisitorSessions), a.Conversations)
		}
		for _, s := range annSecrets {
			if !strings.Contains(string(res.Data), s) {
				t.Errorf("the export lacks %q", s)
			}
		}
		for _, s := range bobSecrets {
			if strings.Contains(string(res.Data), s) {
				t.Errorf("the export of Ann holds Bob's %q", s)
			}
		}
	})

	// Ann keeps a stream open while she is erased.
	sctx, cancel := context.WithTimeout(ctx(t), 20*time.Second)
	defer cancel()
	stream, err := ann.client.Widget.Subscribe(sctx, &livechatv1.WidgetServiceSubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	go func() {
		for {
			if _, err := stream.Receive(); err != nil {
				opened <- err
				return
			}
		}
	}()
	conversations := count(t, tm, `SELECT count(*) FROM conversations`)
	messages := count(t, tm, `SELECT count(*) FROM messages`)

	res, err := tm.Admin.Privacy.EraseCustomer(ctx(t), &livechatv1.EraseCustomerRequest{CustomerId: ann.id})
	if err != nil || res.Already || res.ErasedAt == nil {
		t.Fatalf("EraseCustomer = %v, %v", res, err)
	}

	t.Run("no table holds the customer's name, email, phone or words", func(t *testing.T) {
		for table, text := range tableText(t, tm) {
			for _, s := range annSecrets {
				if strings.Contains(text, s) {
					t.Errorf("table %s still holds %q", table, s)
				}
			}
		}
		// Bob is untouched.
		all := strings.Join(func() []string {
			var v []string
			for _, s := range tableText(t, tm) {
				v = append(v, s)
			}
			return v
		}(), "\n")
		for _, s := range bobSecrets {
			if !strings.Contains(all, s) {
				t.Errorf("erasing Ann removed Bob's %q", s)
			}
		}
	})

	t.Run("counts still add up", func(t *testing.T) {
		if c, m := count(t, tm, `SELECT count(*) FROM conversations`), count(t, tm, `SELECT count(*) FROM messages`); c != conversations || m != messages {
			t.Errorf("conversations %d → %d, messages %d → %d", conversations, c, messages, m)
		}
	})

	t.Run("their stream and session end", func(t *testing.T) {
		select {
		case err := <-opened:
			if apperr.DetailOf(err).GetReason() != livechatv1.ErrorReason_ERROR_REASON_VISITOR_SESSION_ENDED {
				t.Errorf("stream ended with %v, want VISITOR_SESSION_ENDED", err)
			}
		case <-sctx.Done():
			t.Fatal("the erased customer's stream stayed open")
		}
		_, err := ann.client.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "again", ClientMessageId: "m2"})
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Errorf("the erased customer could still send: %v", err)
		}
	})

	t.Run("erasing again is harmless and both are audited by id only", func(t *testing.T) {
		again, err := tm.Admin.Privacy.EraseCustomer(ctx(t), &livechatv1.EraseCustomerRequest{CustomerId: ann.id})
		if err != nil || !again.Already || !again.ErasedAt.AsTime().Equal(res.ErasedAt.AsTime()) {
			t.Fatalf("second EraseCustomer = %v, %v", again, err)
		}
		log, err := tm.Admin.Audit.ListAuditEntries(ctx(t), &livechatv1.ListAuditEntriesRequest{Filter: &livechatv1.AuditFilter{Action: "customer."}})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log.Entries {
			actions = append(actions, e.Action)
			if e.TargetId != ann.id || e.TargetName != "" {
				t.Errorf("entry %v names the customer", e)
			}
		}
		if got := strings.Join(actions, " "); got != "customer.erased customer.erased customer.exported" {
			t.Errorf("audit entries = %s", got)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		_, err := tm.Admin.Privacy.EraseCustomer(ctx(t), &livechatv1.EraseCustomerRequest{CustomerId: "nope"})
		if apperr.DetailOf(err).GetReason() != livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID {
			t.Errorf("malformed id: %v", err)
		}
		_, err = tm.Admin.Privacy.ExportCustomer(ctx(t), &livechatv1.ExportCustomerRequest{CustomerId: "00000000-0000-0000-0000-000000000000"})
		if connect.CodeOf(err) != connect.CodeNotFound {
			t.Errorf("unknown customer: %v", err)
		}
		_, err = tm.Lan.Privacy.EraseCustomer(ctx(t), &livechatv1.EraseCustomerRequest{CustomerId: bob.id})
		if apperr.DetailOf(err).GetReason() != livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED {
			t.Errorf("an agent erasing: %v", err)
		}
	})
}
