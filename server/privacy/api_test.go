package privacy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/attachments/s3store"
	"github.com/opensupport/livechat/server/attachments/s3test"
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

const shopOrigin = "https://shop.example"

// customer is a verified visitor who used every feature: what they told,
// and how to reach them. Every string field is distinctive, so a search
// finds it byte for byte.
type customer struct {
	name, email, phone, legacyAttr, plan, company, text, edited, withFile, reply, note, comment, page, address, userID string
	fileName                                                                                                           string
	file                                                                                                               []byte

	id, conversationID, attachmentID string
	client                           *apptest.Client
}

// secrets is what must be in the customer's export and nowhere after the
// erasure.
func (c customer) secrets() []string {
	return []string{c.name, c.email, c.phone, c.legacyAttr, c.plan, c.company, c.text, c.edited, c.withFile, c.reply,
		c.note, c.comment, c.page, c.address, c.userID, c.fileName, string(c.file)}
}

// env is a server with a team, a widget asking for ratings on shopOrigin,
// a custom attribute, a tag and mail configured (to an address nobody
// answers: the mails stay in the outbox).
type env struct {
	*apptest.Team
	widget *livechatv1.CreateWidgetResponse
	tagID  string
}

func newEnv(t *testing.T, opts ...apptest.Option) *env {
	t.Helper()
	// The visitors' addresses come from X-Forwarded-For, as behind a
	// reverse proxy.
	opts = append(opts, func(c *app.Config) { c.TrustedProxies = "127.0.0.1,::1" })
	tm := apptest.NewTeam(t, opts...)
	w, err := tm.Admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{
		Name: "Shop", AllowedOrigins: []string{shopOrigin}, Csat: livechatv1.CsatScale_CSAT_SCALE_FIVE,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Admin.Customers.CreateAttributeDefinition(ctx(t), &livechatv1.CreateAttributeDefinitionRequest{
		Key: "plan", Label: "Plan", Type: livechatv1.AttributeType_ATTRIBUTE_TYPE_TEXT,
	}); err != nil {
		t.Fatal(err)
	}
	tag, err := tm.Admin.Tags.CreateTag(ctx(t), &livechatv1.CreateTagRequest{Name: "refund", Color: livechatv1.TagColor_TAG_COLOR_RED})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Admin.Mail.UpdateMailSettings(ctx(t), &livechatv1.UpdateMailSettingsRequest{Settings: &livechatv1.MailSettings{
		Host: "127.0.0.1", Port: 9, Security: livechatv1.MailSecurity_MAIL_SECURITY_NONE, FromAddress: "help@example.org", FromName: "Help",
	}}); err != nil {
		t.Fatal(err)
	}
	return &env{Team: tm, widget: w, tagID: tag.Tag.Id}
}

// build makes c a customer through every feature: a verified session from
// their address, custom attributes (by the site and by an agent), the
// page history, a message edited afterwards, a message with a file, the
// agent's reply and internal note, a tag, a rating with a comment after
// the conversation was resolved, and a transcript mailed to them.
func (e *env) build(t *testing.T, c customer) customer {
	t.Helper()
	h := http.Header{"Origin": {shopOrigin}, "X-Forwarded-For": {c.address}}
	s, err := e.Server.NewClient(h).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{
		SiteKey: e.widget.Widget.SiteKey,
		Identity: &livechatv1.VerifiedIdentity{UserId: c.userID, Hmac: widgets.IdentityHMAC(e.widget.IdentitySecret, c.userID),
			Name: c.name, Email: c.email},
	})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	c.id = s.Customer.Id
	h.Set("Authorization", "Bearer "+s.VisitorToken)
	c.client = e.Server.NewClient(h)
	// The legacy attributes column is arranged directly.
	if _, err := e.Server.Pool.Exec(ctx(t), `UPDATE customers SET attributes = jsonb_build_object('legacy', $1::text) WHERE id = $2`, c.legacyAttr, c.id); err != nil {
		t.Fatal(err)
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.client.Customers.SetVisitorAttributes(ctx(t), &livechatv1.SetVisitorAttributesRequest{Attributes: map[string]string{"plan": c.plan}}))
	must(e.Lan.Customers.UpdateCustomer(ctx(t), &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: c.id, Phone: &c.phone, Company: &c.company}))
	must(c.client.Customers.ReportVisitorContext(ctx(t), &livechatv1.ReportVisitorContextRequest{
		Pages: []*livechatv1.PageView{{Url: shopOrigin + "/orders/" + c.page, Title: "Order " + c.page}},
	}))

	first, err := c.client.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: c.text, ClientMessageId: "m1"})
	if err != nil {
		t.Fatalf("visitor SendMessage: %v", err)
	}
	c.conversationID = first.Conversation.Id
	must(c.client.Widget.EditMessage(ctx(t), &livechatv1.WidgetServiceEditMessageRequest{MessageId: first.Message.Id, Text: c.edited}))
	c.attachmentID = e.upload(t, c)
	must(c.client.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: c.withFile, ClientMessageId: "m2", AttachmentIds: []string{c.attachmentID}}))
	must(e.Lan.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: c.conversationID, Text: c.reply, ClientMessageId: "r1"}))
	must(e.Lan.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: c.conversationID, Text: c.note, Internal: true, ClientMessageId: "n1"}))
	must(e.Lan.Conversation.SetConversationTags(ctx(t), &livechatv1.SetConversationTagsRequest{ConversationId: c.conversationID, TagIds: []string{e.tagID}}))
	must(e.Lan.Customers.UpdateCustomer(ctx(t), &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: c.id, Tags: &livechatv1.CustomerTagSet{TagIds: []string{e.tagID}}}))
	must(e.Lan.Conversation.SetConversationStatus(ctx(t), &livechatv1.SetConversationStatusRequest{ConversationId: c.conversationID, Status: livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED}))
	must(c.client.Widget.RateConversation(ctx(t), &livechatv1.RateConversationRequest{ConversationId: c.conversationID, Score: 4, Comment: c.comment}))
	must(e.Lan.Mail.SendTranscript(ctx(t), &livechatv1.SendTranscriptRequest{ConversationId: c.conversationID}))
	return c
}

// upload posts the customer's file as the visitor.
func (e *env) upload(t *testing.T, c customer) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, e.Server.URL+attachments.PathPrefix+"?name="+url.QueryEscape(c.fileName), bytes.NewReader(c.file))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := c.client.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", res.StatusCode, data)
	}
	var out livechatv1.UploadAttachmentResponse
	if err := protojson.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out.Attachment.Id
}

// tableText is every row of every table of the public schema as text, and
// the bytes of every bytea column as they are (escaped only where not
// printable), found through information_schema: the haystack of a
// byte-for-byte search that no new table escapes.
func tableText(t *testing.T, srv *apptest.Server) map[string]string {
	t.Helper()
	rows, err := srv.Pool.Query(ctx(t), `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public')
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	binary := map[string][]string{}
	tables := map[string]bool{}
	for rows.Next() {
		var table, column, typ string
		if err := rows.Scan(&table, &column, &typ); err != nil {
			t.Fatal(err)
		}
		tables[table] = true
		if typ == "bytea" {
			binary[table] = append(binary[table], column)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for tb := range tables {
		var text *string
		if err := srv.Pool.QueryRow(ctx(t), `SELECT string_agg(t::text, E'\n') FROM "`+tb+`" t`).Scan(&text); err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		if text != nil {
			out[tb] = *text
		}
		for _, col := range binary[tb] {
			var raw []byte
			if err := srv.Pool.QueryRow(ctx(t), `SELECT coalesce(string_agg("`+col+`", '\x0a'::bytea), ''::bytea) FROM "`+tb+`"`).Scan(&raw); err != nil {
				t.Fatalf("%s.%s: %v", tb, col, err)
			}
			out[tb] += "\n" + string(raw)
		}
	}
	return out
}

func count(t *testing.T, srv *apptest.Server, sql string, args ...any) (n int) {
	t.Helper()
	if err := srv.Pool.QueryRow(ctx(t), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ann() customer {
	return customer{userID: "ann-1", name: "Annabel Quigley", email: "annabel.quigley@example.org", phone: "+84 912 345 678",
		legacyAttr: "LEGACY-GNU", plan: "GOLD-MARMOT", company: "Quigley Teas Ltd", text: "my parcel 7Q-ZEBRA never came",
		edited: "my parcel 7Q-ZEBRA-2 never came", withFile: "here is the receipt RCPT-KOALA", reply: "sorry Annabel, checking parcel 7Q-ZEBRA",
		note: "note: Annabel is a VIP-OKAPI", comment: "thanks, CSAT-NARWHAL", page: "ORDER-LYNX", address: "203.0.113.77",
		fileName: "receipt-FILE-EMU.txt", file: []byte("receipt text FILEBYTES-WOMBAT total 42\n")}
}

func bob() customer {
	return customer{userID: "bob-1", name: "Bartholomew Osei", email: "bart.osei@example.net", phone: "+84 933 000 111",
		legacyAttr: "LEGACY-YAK", plan: "SILVER-IBEX", company: "Osei Freight", text: "invoice XK-PELICAN is wrong",
		edited: "invoice XK-PELICAN-2 is wrong", withFile: "scan SCAN-HERON attached", reply: "fixing XK-PELICAN",
		note: "note: Bob, see XK-PELICAN", comment: "ok, CSAT-PUFFIN", page: "ORDER-TAPIR", address: "198.51.100.23",
		fileName: "scan-FILE-IGUANA.txt", file: []byte("scan text FILEBYTES-QUOKKA\n")}
}

// eachStore runs a test on each attachment store: PostgreSQL, and S3 (a
// real S3-compatible server started for the test).
func eachStore(t *testing.T, test func(t *testing.T, s3 *s3store.Config, opt apptest.Option)) {
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		test(t, nil, func(*app.Config) {})
	})
	t.Run("s3", func(t *testing.T) {
		t.Parallel()
		s3 := s3test.Start(t)
		test(t, &s3, func(c *app.Config) { c.AttachmentStore, c.S3 = s3store.Name, s3 })
	})
}

func TestExportAndEraseACustomer(t *testing.T) {
	t.Parallel()
	eachStore(t, testExportAndErase)
}

func testExportAndErase(t *testing.T, s3 *s3store.Config, opt apptest.Option) {
	e := newEnv(t, opt)
	ann := e.build(t, ann())
	bob := e.build(t, bob())

	t.Run("export holds every item of the customer and nothing of another", func(t *testing.T) {
		res, err := e.Admin.Privacy.ExportCustomer(ctx(t), &livechatv1.ExportCustomerRequest{CustomerId: ann.id})
		if err != nil {
			t.Fatal(err)
		}
		var a privacy.Archive
		if err := json.Unmarshal(res.Data, &a); err != nil {
			t.Fatal(err)
		}
		if a.Format != privacy.Format || a.Customer.ID != ann.id || a.Customer.Name != ann.name || a.Customer.Email != ann.email ||
			a.Customer.Phone != ann.phone || a.Customer.Company != ann.company || a.Customer.VerifiedUserID == nil || *a.Customer.VerifiedUserID != ann.userID {
			t.Fatalf("profile = %+v", a.Customer)
		}
		if len(a.Customer.Tags) != 1 || a.Customer.Tags[0] != "refund" {
			t.Errorf("customer tags = %v", a.Customer.Tags)
		}
		if len(a.AttributeValues) != 1 || a.AttributeValues[0].Key != "plan" || a.AttributeValues[0].Value != ann.plan {
			t.Errorf("attribute values = %+v", a.AttributeValues)
		}
		changed := map[string]bool{}
		for _, ch := range a.ProfileChanges {
			changed[ch.Field+"="+ch.NewValue] = true
		}
		if !changed["company="+ann.company] || !changed["attributes.plan="+ann.plan] {
			t.Errorf("profile changes = %+v", a.ProfileChanges)
		}
		if a.VisitorContext == nil || !strings.Contains(a.VisitorContext.CurrentURL, ann.page) || a.VisitorContext.IPAddress != ann.address ||
			!strings.Contains(string(a.VisitorContext.Trail), ann.page) {
			t.Errorf("visitor context = %+v", a.VisitorContext)
		}
		if len(a.Conversations) != 1 || len(a.VisitorSessions) != 1 {
			t.Fatalf("archive has %d conversations, %d sessions", len(a.Conversations), len(a.VisitorSessions))
		}
		cv := a.Conversations[0]
		if len(cv.Tags) != 1 || cv.Tags[0] != "refund" {
			t.Errorf("tags = %v", cv.Tags)
		}
		if cv.Rating == nil || cv.Rating.Score != 4 || cv.Rating.Comment != ann.comment {
			t.Errorf("rating = %+v", cv.Rating)
		}
		var edited, withFile, note bool
		for _, m := range cv.Messages {
			switch {
			case m.Text == ann.edited:
				edited = m.EditedAt != nil && len(m.Revisions) == 1 && m.Revisions[0].Text == ann.text
			case m.Text == ann.withFile:
				withFile = len(m.Attachments) == 1 && m.Attachments[0].ID == ann.attachmentID && m.Attachments[0].FileName == ann.fileName &&
					bytes.Equal(m.Attachments[0].Data, ann.file) && m.Attachments[0].Size == int64(len(ann.file))
			case m.Text == ann.note:
				note = m.Internal
			}
		}
		if !edited || !withFile || !note {
			t.Errorf("messages: edited with its old text %v, with the file and its bytes %v, internal note %v: %+v", edited, withFile, note, cv.Messages)
		}
		// The acknowledgement of the first message (nobody was online)
		// and the transcript.
		kinds := map[string]privacy.Mail{}
		for _, m := range a.Mails {
			if m.To != ann.email || m.Subject == "" || m.Status == "" || m.ConversationID == nil || *m.ConversationID != ann.conversationID {
				t.Errorf("mail = %+v", m)
			}
			kinds[m.Kind] = m
		}
		if tr, ok := kinds["transcript"]; !ok || !strings.Contains(tr.TextBody, ann.reply) || !strings.Contains(tr.HTMLBody, ann.withFile) {
			t.Errorf("no transcript among the mails: %+v", a.Mails)
		}
		// Byte for byte: every secret of Ann's is in the archive (the
		// file's bytes base64, as JSON encodes bytes), none of Bob's.
		text := string(res.Data)
		for _, s := range ann.secrets() {
			if s == string(ann.file) {
				continue // checked decoded above
			}
			if !strings.Contains(text, s) {
				t.Errorf("the export lacks %q", s)
			}
		}
		for _, s := range bob.secrets() {
			if strings.Contains(text, s) || strings.Contains(text, base64Of(s)) {
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
	conversations := count(t, e.Server, `SELECT count(*) FROM conversations`)
	messages := count(t, e.Server, `SELECT count(*) FROM messages`)
	reportReq := &livechatv1.GetReportRequest{Start: timestamppb.New(time.Now().Add(-24 * time.Hour)), End: timestamppb.New(time.Now().Add(time.Hour)),
		Interval: livechatv1.ReportInterval_REPORT_INTERVAL_DAY}
	before, err := e.Admin.Reports.GetReport(ctx(t), reportReq)
	if err != nil {
		t.Fatal(err)
	}
	if before.Totals.Conversations != 2 || before.Totals.Ratings != 2 {
		t.Fatalf("report before = %v", before.Totals)
	}

	res, err := e.Admin.Privacy.EraseCustomer(ctx(t), &livechatv1.EraseCustomerRequest{CustomerId: ann.id})
	if err != nil || res.Already || res.ErasedAt == nil {
		t.Fatalf("EraseCustomer = %v, %v", res, err)
	}

	t.Run("no table holds anything of the customer, byte for byte", func(t *testing.T) {
		all := tableText(t, e.Server)
		for table, text := range all {
			for _, s := range ann.secrets() {
				if strings.Contains(text, s) {
					t.Errorf("table %s still holds %q", table, s)
				}
			}
		}
		// Bob is untouched.
		var joined strings.Builder
		for _, s := range all {
			joined.WriteString(s)
		}
		for _, s := range bob.secrets() {
			if s == string(bob.file) && s3 != nil {
				continue // in the bucket, checked below
			}
			if !strings.Contains(joined.String(), s) {
				t.Errorf("erasing Ann removed Bob's %q", s)
			}
		}
	})

	t.Run("the object store holds none of their files", func(t *testing.T) {
		if s3 == nil {
			// The PostgreSQL store's chunks were searched with every table.
			if n := count(t, e.Server, `SELECT count(*) FROM attachment_chunks WHERE key LIKE $1 || '%'`, ann.attachmentID); n != 0 {
				t.Errorf("%d chunks of Ann's file are left", n)
			}
			return
		}
		store, err := s3store.New(ctx(t), *s3)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{ann.attachmentID, ann.attachmentID + ".thumb"} {
			r, err := store.Open(ctx(t), key, 0, -1)
			if err == nil {
				data, _ := io.ReadAll(r)
				r.Close()
				t.Errorf("S3 still holds %s (%d bytes)", key, len(data))
			} else if !apperr.Is(err, apperr.NotFound) {
				t.Errorf("S3 open %s: %v", key, err)
			}
		}
		r, err := store.Open(ctx(t), bob.attachmentID, 0, -1)
		if err != nil {
			t.Fatalf("Bob's file is gone from S3: %v", err)
		}
		data, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(data, bob.file) {
			t.Errorf("Bob's file = %q", data)
		}
	})

	t.Run("counts and reports still add up", func(t *testing.T) {
		if c, m := count(t, e.Server, `SELECT count(*) FROM conversations`), count(t, e.Server, `SELECT count(*) FROM messages`); c != conversations || m != messages {
			t.Errorf("conversations %d → %d, messages %d → %d", conversations, c, messages, m)
		}
		after, err := e.Admin.Reports.GetReport(ctx(t), reportReq)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(before.Totals, after.Totals) {
			t.Errorf("report totals changed:\nbefore %v\nafter  %v", before.Totals, after.Totals)
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
		_, err := ann.client.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "again", ClientMessageId: "m3"})
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Errorf("the erased customer could still send: %v", err)
		}
	})

	t.Run("erasing again is harmless and both are audited by id only", func(t *testing.T) {
		again, err := e.Admin.Privacy.EraseCustomer(ctx(t), &livechatv1.EraseCustomerRequest{CustomerId: ann.id})
		if err != nil || !again.Already || !again.ErasedAt.AsTime().Equal(res.ErasedAt.AsTime()) {
			t.Fatalf("second EraseCustomer = %v, %v", again, err)
		}
		log, err := e.Admin.Audit.ListAuditEntries(ctx(t), &livechatv1.ListAuditEntriesRequest{Filter: &livechatv1.AuditFilter{Action: "customer."}})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, en := range log.Entries {
			actions = append(actions, en.Action)
			if en.TargetId != ann.id || en.TargetName != "" {
				t.Errorf("entry %v names the customer", en)
			}
		}
		if got := strings.Join(actions, " "); got != "customer.erased customer.erased customer.exported" {
			t.Errorf("audit entries = %s", got)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		_, err := e.Admin.Privacy.EraseCustomer(ctx(t), &livechatv1.EraseCustomerRequest{CustomerId: "nope"})
		if apperr.DetailOf(err).GetReason() != livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID {
			t.Errorf("malformed id: %v", err)
		}
		_, err = e.Admin.Privacy.ExportCustomer(ctx(t), &livechatv1.ExportCustomerRequest{CustomerId: "00000000-0000-0000-0000-000000000000"})
		if connect.CodeOf(err) != connect.CodeNotFound {
			t.Errorf("unknown customer: %v", err)
		}
		_, err = e.Lan.Privacy.EraseCustomer(ctx(t), &livechatv1.EraseCustomerRequest{CustomerId: bob.id})
		if apperr.DetailOf(err).GetReason() != livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED {
			t.Errorf("an agent erasing: %v", err)
		}
	})
}

// base64Of is s as encoding/json writes bytes.
func base64Of(s string) string {
	b, _ := json.Marshal([]byte(s))
	return strings.Trim(string(b), `"`)
}

// TestRetentionPoliciesThroughTheAPI: the policies round-trip with their
// overrides, the dry run counts per widget, bad policies are refused with
// their reason and field, and agents may not touch them.
func TestRetentionPoliciesThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := int32(7)
	zero := int32(0)
	in := &livechatv1.RetentionSettings{ClosedConversationDays: 30, AttachmentDays: 60, VisitorSessionDays: 90,
		Widgets: []*livechatv1.WidgetRetention{{WidgetId: e.widget.Widget.Id, AttachmentDays: &v, VisitorSessionDays: &zero}}}
	if _, err := e.Admin.Privacy.UpdateRetentionSettings(ctx(t), &livechatv1.UpdateRetentionSettingsRequest{Settings: in}); err != nil {
		t.Fatal(err)
	}
	got, err := e.Admin.Privacy.GetRetentionSettings(ctx(t), &livechatv1.GetRetentionSettingsRequest{})
	if err != nil || !proto.Equal(got.Settings, in) {
		t.Fatalf("settings = %v, %v; want %v", got, err, in)
	}
	if w := got.Settings.Widgets[0]; w.ClosedConversationDays != nil {
		t.Errorf("an unset override came back set: %v", w)
	}
	// A file sent 8 days ago is due under the widget's 7 days (and not
	// under the installation's 60).
	_ = e.build(t, ann())
	if _, err := e.Server.Pool.Exec(ctx(t), `INSERT INTO attachments (uploader_type, uploader_id, message_id, conversation_id, file_name, content_type, size, store, created_at)
		SELECT 'agent', gen_random_uuid(), m.id, m.conversation_id, 'x.txt', 'text/plain', 1, 'postgres', now() - interval '8 days'
		FROM messages m LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	p, err := e.Admin.Privacy.PreviewRetention(ctx(t), &livechatv1.PreviewRetentionRequest{Settings: in})
	if err != nil || p.Attachments != 1 || len(p.Widgets) != 1 || p.Widgets[0].WidgetId != e.widget.Widget.Id || p.Widgets[0].Attachments != 1 {
		t.Fatalf("dry run = %v, %v", p, err)
	}
	for name, c := range map[string]struct {
		s      *livechatv1.RetentionSettings
		reason livechatv1.ErrorReason
		field  string
	}{
		"days out of range": {&livechatv1.RetentionSettings{AttachmentDays: 4000}, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "attachment_days"},
		"malformed widget":  {&livechatv1.RetentionSettings{Widgets: []*livechatv1.WidgetRetention{{WidgetId: "x"}}}, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "widgets[0].widget_id"},
		"widget twice": {&livechatv1.RetentionSettings{Widgets: []*livechatv1.WidgetRetention{{WidgetId: e.widget.Widget.Id}, {WidgetId: e.widget.Widget.Id}}},
			livechatv1.ErrorReason_ERROR_REASON_RETENTION_WIDGET_REPEATED, "widgets[1].widget_id"},
		"unknown widget": {&livechatv1.RetentionSettings{Widgets: []*livechatv1.WidgetRetention{{WidgetId: "00000000-0000-0000-0000-000000000001"}}},
			livechatv1.ErrorReason_ERROR_REASON_WIDGET_NOT_FOUND, "widgets[0].widget_id"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.Admin.Privacy.UpdateRetentionSettings(ctx(t), &livechatv1.UpdateRetentionSettingsRequest{Settings: c.s})
			if d := apperr.DetailOf(err); d.GetReason() != c.reason || d.GetField() != c.field {
				t.Errorf("err = %v (%s on %q), want %s on %s", err, d.GetReason(), d.GetField(), c.reason, c.field)
			}
			if connect.CodeOf(err) == connect.CodeInternal {
				t.Error("internal error")
			}
		})
	}
	_, err = e.Lan.Privacy.UpdateRetentionSettings(ctx(t), &livechatv1.UpdateRetentionSettingsRequest{Settings: in})
	if apperr.DetailOf(err).GetReason() != livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED {
		t.Errorf("an agent changing retention: %v", err)
	}
}
