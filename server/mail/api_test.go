package mail_test

import (
	"context"
	"fmt"
	"net/http"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/mail"
	"github.com/opensupport/livechat/server/mailpit"
)

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// offset is a clock ahead of the real one by a settable amount: the
// database stamps messages with its own time, the mail domain compares
// with this one.
type offset struct {
	mu sync.Mutex
	d  time.Duration
}

func (o *offset) Now() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return time.Now().Add(o.d)
}

func (o *offset) Add(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.d += d
}

// env is a server sending to a Mailpit, with a signed-in admin and agent.
type env struct {
	srv          *apptest.Server
	mp           *mailpit.Server
	clk          *offset
	admin, agent *apptest.Client
}

func newEnv(t *testing.T, opts ...func(*app.Config)) *env {
	t.Helper()
	mp := mailpit.Start(t)
	clk := &offset{}
	srv := apptest.New(t, func(c *app.Config) {
		c.ScryptLogN = 10
		c.PublicURL = "http://chat.example.com"
		c.Mail = mail.Config{
			SMTP: mail.SMTP{
				Host: mp.Host, Port: mp.SMTPPort, Security: mail.None,
				From: "support@example.com", FromName: "Example Support", ReplyDomain: "reply.example.com",
			},
			PollInterval: 100 * time.Millisecond, Now: clk.Now, SendTimeout: 5 * time.Second,
		}
		c.MailReceiver = "127.0.0.1:0"
		for _, o := range opts {
			o(c)
		}
	})
	e := &env{srv: srv, mp: mp, clk: clk, admin: srv.NewClient(nil)}
	if _, err := e.admin.Auth.Setup(ctx(t), &livechatv1.SetupRequest{Username: "root", DisplayName: "Root", Password: apptest.TeamPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Auth.CreateAgent(ctx(t), &livechatv1.CreateAgentRequest{
		Username: "lan", DisplayName: "Lan", Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: apptest.TeamPassword,
	}); err != nil {
		t.Fatal(err)
	}
	e.agent = srv.NewClient(nil)
	if _, err := e.agent.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "lan", Password: apptest.TeamPassword}); err != nil {
		t.Fatal(err)
	}
	return e
}

func reason(err error) livechatv1.ErrorReason { return apperr.DetailOf(err).GetReason() }

func TestSettingsAndTestMailAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got, err := e.admin.Mail.GetMailSettings(ctx(t), &livechatv1.GetMailSettingsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	s := got.Settings
	if !s.FromConfiguration || s.Host != e.mp.Host || int(s.Port) != e.mp.SMTPPort || s.Security != livechatv1.MailSecurity_MAIL_SECURITY_NONE ||
		s.FromAddress != "support@example.com" || s.PasswordSet || s.FollowupMinutes != 5 {
		t.Errorf("settings from configuration: %v", s)
	}
	if _, err := e.agent.Mail.GetMailSettings(ctx(t), &livechatv1.GetMailSettingsRequest{}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED {
		t.Errorf("an agent read the mail settings: %v", err)
	}
	if _, err := e.admin.Mail.SendTestMail(ctx(t), &livechatv1.SendTestMailRequest{ToAddress: "x"}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_INVALID_EMAIL {
		t.Errorf("bad address: %v, want INVALID_EMAIL", err)
	}
	if _, err := e.admin.Mail.SendTestMail(ctx(t), &livechatv1.SendTestMailRequest{ToAddress: "root@example.com"}); err != nil {
		t.Fatal(err)
	}
	if ms := e.mp.Wait(1, 10*time.Second); len(ms) != 1 || ms[0].To[0].Address != "root@example.com" {
		t.Fatalf("Mailpit got %v, want the test mail", ms)
	}
	e.mp.Stop()
	_, err = e.admin.Mail.SendTestMail(ctx(t), &livechatv1.SendTestMailRequest{ToAddress: "root@example.com"})
	if connect.CodeOf(err) != connect.CodeFailedPrecondition || reason(err) != livechatv1.ErrorReason_ERROR_REASON_MAIL_SEND_FAILED {
		t.Errorf("SMTP down: %v, want MAIL_SEND_FAILED", err)
	}
	if _, err := e.admin.Mail.ListOutbox(ctx(t), &livechatv1.ListOutboxRequest{PageSize: 201}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_TOO_MANY_ITEMS {
		t.Errorf("page size 201: %v", err)
	}
	if _, err := e.admin.Mail.ListOutbox(ctx(t), &livechatv1.ListOutboxRequest{PageToken: "!"}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_MALFORMED_CURSOR {
		t.Errorf("bad page token: %v", err)
	}
}

// visitor is a widget visitor with an email address, on a widget in
// locale.
type visitor struct {
	client *apptest.Client
}

func newVisitor(t *testing.T, e *env, locale livechatv1.WidgetLocale, email string) *visitor {
	t.Helper()
	return newVisitorIn(t, e, locale, email, "")
}

// newVisitorIn is newVisitor with a browser that prefers acceptLanguage.
func newVisitorIn(t *testing.T, e *env, locale livechatv1.WidgetLocale, email, acceptLanguage string) *visitor {
	t.Helper()
	w, err := e.admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{
		Name: "Acme", Appearance: &livechatv1.WidgetAppearance{Locale: locale}, Offline: &livechatv1.OfflineSettings{CollectEmail: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.srv.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	h := apptest.Bearer(res.VisitorToken)
	if acceptLanguage != "" {
		h.Set("Accept-Language", acceptLanguage)
	}
	v := &visitor{client: e.srv.NewClient(h)}
	if email != "" {
		if _, err := v.client.Widget.UpdateCustomer(ctx(t), &livechatv1.UpdateCustomerRequest{Email: &email}); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

func (v *visitor) send(t *testing.T, text string) string {
	t.Helper()
	res, err := v.client.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: text, ClientMessageId: uuid.NewString()})
	if err != nil {
		t.Fatal(err)
	}
	return res.Conversation.Id
}

func (e *env) reply(t *testing.T, conversationID, text string, internal bool) {
	t.Helper()
	if _, err := e.agent.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{
		ConversationId: conversationID, Text: text, Internal: internal, ClientMessageId: uuid.NewString(),
	}); err != nil {
		t.Fatal(err)
	}
}

// settle waits for the worker to have done a few rounds on the clock as it
// is, then returns what Mailpit holds.
func (e *env) settle(t *testing.T, want int) []mailpit.Summary {
	t.Helper()
	e.mp.Wait(want, 5*time.Second)
	time.Sleep(500 * time.Millisecond) // a duplicate would arrive by now
	return e.mp.Messages()
}

// The offline message is acknowledged; two replies the visitor does not
// see arrive in one mail in the visitor's language, without the internal
// note, with a reply address and an unsubscribe link; nothing is mailed
// before the delay; once unsubscribed, nothing more.
func TestUnseenRepliesMailedOnceTogether(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_VI, "khach@example.com")
	conv := v.send(t, "Cho tôi hỏi giá")
	ms := e.settle(t, 1)
	if len(ms) != 1 || ms[0].Subject != "Chúng tôi đã nhận được tin nhắn của bạn" || ms[0].To[0].Address != "khach@example.com" {
		t.Fatalf("after the offline message Mailpit has %v, want one Vietnamese acknowledgement", ms)
	}
	if ack := e.mp.Message(ms[0].ID); !strings.Contains(ack.Text, "Cho tôi hỏi giá") {
		t.Errorf("acknowledgement text %q does not quote the message", ack.Text)
	}

	e.reply(t, conv, "Chào bạn, giá là 100k", false)
	e.reply(t, conv, "secret: customer is VIP", true)
	e.reply(t, conv, "Bạn cần thêm gì không?", false)
	e.clk.Add(4 * time.Minute)
	if ms := e.settle(t, 2); len(ms) != 1 {
		t.Fatalf("mailed before the 5 minutes passed: %v", ms)
	}
	e.clk.Add(2 * time.Minute)
	ms = e.settle(t, 2)
	if len(ms) != 2 {
		t.Fatalf("Mailpit has %d mails, want the acknowledgement and one follow-up", len(ms))
	}
	m := e.mp.Message(ms[0].ID)
	if m.Subject != "Phản hồi mới từ Acme" {
		t.Errorf("subject %q, want Vietnamese", m.Subject)
	}
	for _, part := range []string{m.Text, m.HTML} {
		if !strings.Contains(part, "Chào bạn, giá là 100k") || !strings.Contains(part, "Bạn cần thêm gì không?") || !strings.Contains(part, "Lan") {
			t.Errorf("follow-up %q lacks a reply", part)
		}
		if strings.Contains(part, "secret") {
			t.Errorf("follow-up %q carries the internal note", part)
		}
	}
	if len(m.ReplyTo) != 1 || !strings.HasPrefix(m.ReplyTo[0].Address, "reply+") || !strings.HasSuffix(m.ReplyTo[0].Address, "@reply.example.com") {
		t.Errorf("Reply-To %v, want the conversation's reply address", m.ReplyTo)
	}
	h := e.mp.Headers(ms[0].ID)
	unsub := strings.Trim(strings.Join(h["List-Unsubscribe"], ""), "<>")
	if !strings.HasPrefix(unsub, "http://chat.example.com/mail/unsubscribe/") || strings.Join(h["List-Unsubscribe-Post"], "") != "List-Unsubscribe=One-Click" {
		t.Fatalf("unsubscribe headers %v", h)
	}

	// A reply the visitor reads in the widget is not mailed. The clock goes
	// back to the real time first: the messages' times are the database's,
	// so with the clock 6 minutes ahead a new reply would be due at once,
	// and the worker could mail it before the visitor reads it. A round
	// the worker began before the clock went back still reads the old
	// time: settle lets it end before the reply is written.
	e.clk.Add(-6 * time.Minute)
	e.settle(t, 2)
	e.reply(t, conv, "Đã gửi báo giá", false)
	if _, err := v.client.Widget.MarkRead(ctx(t), &livechatv1.WidgetServiceMarkReadRequest{}); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(10 * time.Minute)
	if ms := e.settle(t, 3); len(ms) != 2 {
		t.Fatalf("a read reply was mailed: %d mails", len(ms))
	}

	// One click on the link (a mail client's POST) stops every later mail.
	path := strings.TrimPrefix(unsub, "http://chat.example.com")
	page, err := http.Get(e.srv.URL + path)
	if err != nil || page.StatusCode != http.StatusOK {
		t.Fatalf("GET unsubscribe page: %v %v", page, err)
	}
	_ = page.Body.Close()
	res, err := http.Post(e.srv.URL+path, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("POST unsubscribe: %v %v", res, err)
	}
	_ = res.Body.Close()
	e.reply(t, conv, "Bạn còn đó không?", false)
	e.clk.Add(10 * time.Minute)
	if ms := e.settle(t, 3); len(ms) != 2 {
		t.Fatalf("an unsubscribed customer got mail: %d mails", len(ms))
	}
	if res, _ := http.Post(e.srv.URL+"/mail/unsubscribe/not-a-real-token-at-all", "", nil); res == nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown unsubscribe token: %v, want 404", res)
	}

	out, err := e.admin.Mail.ListOutbox(ctx(t), &livechatv1.ListOutboxRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Mails) != 2 || out.Mails[0].Kind != livechatv1.OutboxMailKind_OUTBOX_MAIL_KIND_FOLLOWUP ||
		out.Mails[1].Kind != livechatv1.OutboxMailKind_OUTBOX_MAIL_KIND_ACKNOWLEDGEMENT || out.Mails[0].Status != livechatv1.OutboxStatus_OUTBOX_STATUS_SENT ||
		out.Mails[0].ConversationId != conv {
		t.Errorf("outbox %v, want the follow-up and the acknowledgement, sent", out.Mails)
	}
}

// English widget, no email address: nothing is mailed; an English
// customer's follow-up is in English.
func TestOnlyGivenAddressesEnglish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anon := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_AUTO, "")
	c1 := anon.send(t, "hello?")
	en := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_EN, "ann@example.com")
	c2 := en.send(t, "Do you ship to Hanoi?")
	e.reply(t, c1, "Hi!", false)
	e.reply(t, c2, "Yes, we do.", false)
	e.clk.Add(6 * time.Minute)
	ms := e.settle(t, 2)
	if len(ms) != 2 {
		t.Fatalf("Mailpit has %v, want Ann's acknowledgement and follow-up only", ms)
	}
	for _, m := range ms {
		if m.To[0].Address != "ann@example.com" {
			t.Errorf("mail to %v, an address nobody gave", m.To)
		}
	}
	if ms[0].Subject != "New reply from Acme" || ms[1].Subject != "We received your message" {
		t.Errorf("subjects %q, %q, want English", ms[0].Subject, ms[1].Subject)
	}
}

// Settings saved in the dashboard win over the configuration; the
// password is stored sealed and never returned; mail goes out with them.
func TestUpdateSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	secret := "s3cret-password"
	in := &livechatv1.MailSettings{
		Host: e.mp.Host, Port: int32(e.mp.SMTPPort), Security: livechatv1.MailSecurity_MAIL_SECURITY_NONE,
		FromAddress: "help@example.org", FromName: "Help Desk", FollowupMinutes: 15,
	}
	res, err := e.admin.Mail.UpdateMailSettings(ctx(t), &livechatv1.UpdateMailSettingsRequest{Settings: in, Password: &secret})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Settings
	if s.FromConfiguration || !s.PasswordSet || s.FromAddress != "help@example.org" || s.FollowupMinutes != 15 || s.ReplyDomain != "" {
		t.Errorf("saved settings %v", s)
	}
	var raw string
	if err := e.srv.Pool.QueryRow(ctx(t), `SELECT value::text FROM settings WHERE section = 'mail'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, secret) || !strings.Contains(raw, "passwordSealed") {
		t.Errorf("stored section %s, want the password sealed", raw)
	}
	if _, err := e.admin.Mail.SendTestMail(ctx(t), &livechatv1.SendTestMailRequest{ToAddress: "root@example.com"}); err != nil {
		t.Fatal(err)
	}
	ms := e.mp.Wait(1, 10*time.Second)
	if len(ms) != 1 || ms[0].From.Address != "help@example.org" {
		t.Fatalf("Mailpit got %v, want the test mail from the saved sender", ms)
	}
	// Saving again without a password keeps it.
	res, err = e.admin.Mail.UpdateMailSettings(ctx(t), &livechatv1.UpdateMailSettingsRequest{Settings: in})
	if err != nil || !res.Settings.PasswordSet {
		t.Errorf("saved without a password: %v %v, want it kept", res, err)
	}
	empty := ""
	res, err = e.admin.Mail.UpdateMailSettings(ctx(t), &livechatv1.UpdateMailSettingsRequest{Settings: in, Password: &empty})
	if err != nil || res.Settings.PasswordSet {
		t.Errorf("saved with an empty password: %v %v, want it removed", res, err)
	}

	bad := []struct {
		name   string
		change func(s *livechatv1.MailSettings)
		field  string
		reason livechatv1.ErrorReason
	}{
		{"no host", func(s *livechatv1.MailSettings) { s.Host = "" }, "host", livechatv1.ErrorReason_ERROR_REASON_REQUIRED},
		{"bad host", func(s *livechatv1.MailSettings) { s.Host = "smtp example" }, "host", livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE},
		{"bad port", func(s *livechatv1.MailSettings) { s.Port = 70000 }, "port", livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE},
		{"password in the clear", func(s *livechatv1.MailSettings) {
			s.Username, s.Security = "mailer", livechatv1.MailSecurity_MAIL_SECURITY_NONE
		}, "username", livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE},
		{"bad security", func(s *livechatv1.MailSettings) { s.Security = 9 }, "security", livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE},
		{"no sender", func(s *livechatv1.MailSettings) { s.FromAddress = "" }, "from_address", livechatv1.ErrorReason_ERROR_REASON_REQUIRED},
		{"bad sender", func(s *livechatv1.MailSettings) { s.FromAddress = "help" }, "from_address", livechatv1.ErrorReason_ERROR_REASON_INVALID_EMAIL},
		{"bad reply domain", func(s *livechatv1.MailSettings) { s.ReplyDomain = "localhost" }, "reply_domain", livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE},
		{"delay too long", func(s *livechatv1.MailSettings) { s.FollowupMinutes = 1441 }, "followup_minutes", livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE},
	}
	for _, b := range bad {
		s := &livechatv1.MailSettings{
			Host: "smtp.example.com", FromAddress: "help@example.org", Security: livechatv1.MailSecurity_MAIL_SECURITY_STARTTLS,
		}
		b.change(s)
		_, err := e.admin.Mail.UpdateMailSettings(ctx(t), &livechatv1.UpdateMailSettingsRequest{Settings: s})
		if d := apperr.DetailOf(err); d.GetReason() != b.reason || d.GetField() != b.field {
			t.Errorf("%s: %v, want %v on %s", b.name, err, b.reason, b.field)
		}
	}
}

// replyMail is a reply as a mail app writes it: the answer above the
// quoted mail.
func replyMail(to, messageID, answer string) []byte {
	return []byte(fmt.Sprintf("From: Khach <khach@example.com>\r\nTo: %s\r\nSubject: Re: New reply\r\nMessage-ID: <%s>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n\r\n"+
		"On Mon, 1 Dec 2026 at 10:00, Example Support <support@example.com> wrote:\r\n> Chào bạn, giá là 100k\r\n", to, messageID, answer))
}

// A reply to the follow-up mail comes back into the conversation as the
// customer's message, live on the agent's stream, without the quoted
// history; a redelivery is stored once; mail for anyone else is refused.
func TestReplyByEmailComesBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	receiver := e.srv.App.MailReceiverAddr()
	v := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_VI, "khach@example.com")
	conv := v.send(t, "Cho tôi hỏi giá")
	ms := e.settle(t, 1)
	if len(ms) != 1 {
		t.Fatalf("Mailpit has %v, want the acknowledgement", ms)
	}
	replyTo := e.mp.Message(ms[0].ID).ReplyTo
	if len(replyTo) != 1 {
		t.Fatalf("Reply-To %v", replyTo)
	}
	to := replyTo[0].Address

	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	stream, err := e.agent.Conversation.Subscribe(sctx, &livechatv1.SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *livechatv1.Message, 16)
	go func() {
		for {
			res, err := stream.Receive()
			if err != nil {
				return
			}
			if m := res.GetEvent().GetMessageCreated(); m != nil {
				got <- m
			}
		}
	}()
	time.Sleep(300 * time.Millisecond) // the stream is open

	if err := smtp.SendMail(receiver, nil, "khach@example.com", []string{to}, replyMail(to, "r1@example.com", "Vâng, tôi lấy 2 cái.")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m.Text != "Vâng, tôi lấy 2 cái." || m.ConversationId != conv || m.SenderType != livechatv1.SenderType_SENDER_TYPE_CUSTOMER {
			t.Errorf("live message %v, want the customer's reply without the quote", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the reply did not reach the agent's stream")
	}
	// The same mail again (a retrying sender) is not stored twice.
	if err := smtp.SendMail(receiver, nil, "khach@example.com", []string{to}, replyMail(to, "r1@example.com", "Vâng, tôi lấy 2 cái.")); err != nil {
		t.Fatal(err)
	}
	page, err := e.agent.Conversation.ListMessages(ctx(t), &livechatv1.ListMessagesRequest{ConversationId: conv})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range page.Messages {
		if strings.Contains(m.Text, "tôi lấy 2 cái") {
			n++
		}
	}
	if n != 1 || len(page.Messages) != 2 {
		t.Errorf("the reply is stored %d times (%d messages), want once", n, len(page.Messages))
	}

	// Over the size limit (1 MiB): refused (552, or the connection cut
	// while the client still writes).
	if err := smtp.SendMail(receiver, nil, "khach@example.com", []string{to}, replyMail(to, "r3@example.com", strings.Repeat("a", 1<<20))); err == nil {
		t.Error("a mail over the size limit was taken")
	}

	for _, bad := range []string{"someone@example.com", "reply+" + strings.Repeat("x", 24) + "@reply.example.com", strings.Replace(to, "reply.example.com", "other.example.com", 1)} {
		err := smtp.SendMail(receiver, nil, "spam@example.net", []string{bad}, replyMail(bad, "r2@example.com", "spam"))
		if err == nil || !strings.Contains(err.Error(), "550") {
			t.Errorf("mail to %s: %v, want 550", bad, err)
		}
	}
}

// An agent emails the transcript: every visible message, no internal
// note, in the customer's language; never to a customer without an
// address or one who unsubscribed.
func TestTranscript(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_VI, "khach@example.com")
	conv := v.send(t, "Cho tôi hỏi giá")
	e.settle(t, 1) // the acknowledgement
	e.reply(t, conv, "Giá là 100k", false)
	e.reply(t, conv, "internal: VIP customer", true)
	v.send(t, "Cảm ơn")
	res, err := e.agent.Mail.SendTranscript(ctx(t), &livechatv1.SendTranscriptRequest{ConversationId: conv})
	if err != nil {
		t.Fatal(err)
	}
	if res.ToAddress != "khach@example.com" {
		t.Errorf("to %q", res.ToAddress)
	}
	ms := e.settle(t, 2)
	if len(ms) != 2 || ms[0].Subject != "Bản ghi cuộc trò chuyện của bạn với Acme" {
		t.Fatalf("Mailpit has %v, want the transcript", ms)
	}
	m := e.mp.Message(ms[0].ID)
	for _, part := range []string{m.Text, m.HTML} {
		for _, want := range []string{"Cho tôi hỏi giá", "Giá là 100k", "Cảm ơn", "Bạn", "Lan"} {
			if !strings.Contains(part, want) {
				t.Errorf("transcript %q lacks %q", part, want)
			}
		}
		if strings.Contains(part, "VIP") {
			t.Errorf("transcript %q carries the internal note", part)
		}
	}
	if i, j := strings.Index(m.Text, "Cho tôi hỏi giá"), strings.Index(m.Text, "Cảm ơn"); i < 0 || j < i {
		t.Errorf("transcript out of order: %q", m.Text)
	}

	anon := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_EN, "")
	c2 := anon.send(t, "hi")
	if _, err := e.agent.Mail.SendTranscript(ctx(t), &livechatv1.SendTranscriptRequest{ConversationId: c2}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_NO_EMAIL_ADDRESS {
		t.Errorf("no address: %v", err)
	}
	if _, err := e.agent.Mail.SendTranscript(ctx(t), &livechatv1.SendTranscriptRequest{ConversationId: uuid.NewString()}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_CONVERSATION_NOT_FOUND {
		t.Errorf("unknown conversation: %v", err)
	}
	if _, err := e.srv.Pool.Exec(ctx(t), `INSERT INTO mail_suppressions (address, reason) VALUES ('khach@example.com', 'unsubscribed')`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.agent.Mail.SendTranscript(ctx(t), &livechatv1.SendTranscriptRequest{ConversationId: conv}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_ADDRESS_UNSUBSCRIBED {
		t.Errorf("unsubscribed: %v", err)
	}
}

// A widget that follows the browser mails in the customer's browser
// language.
func TestBrowserLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newVisitorIn(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_AUTO, "vi@example.com", "vi-VN,vi;q=0.9,en;q=0.8").send(t, "Xin chào")
	newVisitorIn(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_AUTO, "en@example.com", "en-GB,en;q=0.9").send(t, "Hello")
	ms := e.settle(t, 2)
	subjects := map[string]string{}
	for _, m := range ms {
		subjects[m.To[0].Address] = m.Subject
	}
	if subjects["vi@example.com"] != "Chúng tôi đã nhận được tin nhắn của bạn" || subjects["en@example.com"] != "We received your message" {
		t.Errorf("subjects %v, want each in the browser's language", subjects)
	}
}

// With "transcript at resolve" on, resolving mails the transcript; off,
// it does not.
func TestTranscriptAtResolve(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resolve := func(conv string) {
		t.Helper()
		if _, err := e.agent.Conversation.SetConversationStatus(ctx(t), &livechatv1.SetConversationStatusRequest{
			ConversationId: conv, Status: livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED,
		}); err != nil {
			t.Fatal(err)
		}
	}
	v := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_EN, "ann@example.com")
	conv := v.send(t, "Where is my order?")
	e.reply(t, conv, "It ships today.", false)
	resolve(conv)
	if ms := e.settle(t, 2); len(ms) != 1 {
		t.Fatalf("Mailpit has %v, want only the acknowledgement while the setting is off", ms)
	}
	if _, err := e.admin.Mail.UpdateMailSettings(ctx(t), &livechatv1.UpdateMailSettingsRequest{Settings: &livechatv1.MailSettings{
		Host: e.mp.Host, Port: int32(e.mp.SMTPPort), Security: livechatv1.MailSecurity_MAIL_SECURITY_NONE,
		FromAddress: "support@example.com", TranscriptOnResolve: true,
	}}); err != nil {
		t.Fatal(err)
	}
	v.send(t, "One more thing") // reopens
	e.reply(t, conv, "Sure.", false)
	resolve(conv)
	// The reopening message is not acknowledged again: one per conversation.
	ms := e.settle(t, 2)
	if len(ms) != 2 || ms[0].Subject != "Transcript of your conversation with Acme" {
		t.Fatalf("Mailpit has %v, want the transcript after the resolve", ms)
	}
	if m := e.mp.Message(ms[0].ID); !strings.Contains(m.Text, "It ships today.") || !strings.Contains(m.Text, "One more thing") {
		t.Errorf("transcript %q", m.Text)
	}
}
