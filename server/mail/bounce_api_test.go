package mail_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
)

// dsn is a delivery status notification (RFC 3464) about a mail to rcpt,
// as a receiving server sends it to the envelope sender.
func dsn(bounceTo, rcpt, action, status, diagnostic string) []byte {
	return []byte(strings.ReplaceAll(fmt.Sprintf(`From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: %s
Subject: Undelivered Mail Returned to Sender
Message-ID: <%s@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

This is the mail system at host mx.example.net. Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Wed, 2 Dec 2026 10:00:00 +0000

Final-Recipient: rfc822; %s
Original-Recipient: rfc822; %s
Action: %s
Status: %s
Diagnostic-Code: smtp; %s

--b1
Content-Type: text/rfc822-headers

Subject: We received your message

--b1--
`, bounceTo, uuid.NewString(), rcpt, rcpt, action, status, diagnostic), "\n", "\r\n"))
}

// arf is an abuse report (RFC 5965) about a mail to rcpt.
func arf(bounceTo, rcpt string) []byte {
	return []byte(strings.ReplaceAll(fmt.Sprintf(`From: Feedback Loop <fbl@isp.example.net>
To: %s
Subject: Complaint
Message-ID: <%s@isp.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b2"

--b2
Content-Type: text/plain

This is an email abuse report.

--b2
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ISP-FBL/1.0
Version: 1
Original-Rcpt-To: %s

--b2--
`, bounceTo, uuid.NewString(), rcpt), "\n", "\r\n"))
}

// Every mail goes out with a VERP envelope sender on the reply domain; a
// hard bounce sent back to it over SMTP marks the mail failed with the
// reason and suppresses the address: no further mail goes there, and the
// reason is what an agent gets. A delay changes nothing; an abuse report
// suppresses too; unknown bounce addresses are refused at RCPT.
func TestBounceSuppressesAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	receiver := e.srv.App.MailReceiverAddr()
	v := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_EN, "gone@example.com")
	conv := v.send(t, "Hello, anyone?")
	ms := e.settle(t, 1)
	if len(ms) != 1 {
		t.Fatalf("Mailpit has %v, want the acknowledgement", ms)
	}
	ret := e.mp.Message(ms[0].ID).ReturnPath
	if !strings.HasPrefix(ret, "bounce+") || !strings.HasSuffix(ret, "@reply.example.com") || len(ret) != len("bounce+")+32+len("@reply.example.com") {
		t.Fatalf("Return-Path %q, want bounce+<mail id>@reply.example.com", ret)
	}

	// A delay is not a bounce.
	if err := smtp.SendMail(receiver, nil, "", []string{ret}, dsn(ret, "gone@example.com", "delayed", "4.4.7", "451 try later")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.agent.Mail.SendTranscript(ctx(t), &livechatv1.SendTranscriptRequest{ConversationId: conv}); err != nil {
		t.Fatalf("after a delay notice: %v, want the transcript queued", err)
	}
	if ms := e.settle(t, 2); len(ms) != 2 {
		t.Fatalf("Mailpit has %d mails, want the transcript too", len(ms))
	}

	// A hard bounce, to the bounce address over SMTP (MAIL FROM:<>).
	if err := smtp.SendMail(receiver, nil, "", []string{ret}, dsn(ret, "gone@example.com", "failed", "5.1.1", "550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown")); err != nil {
		t.Fatal(err)
	}
	_, err := e.agent.Mail.SendTranscript(ctx(t), &livechatv1.SendTranscriptRequest{ConversationId: conv})
	if reason(err) != livechatv1.ErrorReason_ERROR_REASON_ADDRESS_BOUNCED || !strings.Contains(err.Error(), "5.1.1") {
		t.Errorf("transcript after the bounce: %v, want ADDRESS_BOUNCED naming 5.1.1", err)
	}
	// Nor does an unseen reply go out.
	e.reply(t, conv, "Sorry for the wait!", false)
	e.clk.Add(6 * time.Minute)
	if ms := e.settle(t, 3); len(ms) != 2 {
		t.Errorf("Mailpit has %d mails, want none after the bounce", len(ms))
	}
	out, err := e.admin.Mail.ListOutbox(ctx(t), &livechatv1.ListOutboxRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var bounced *livechatv1.OutboxMail
	for _, m := range out.Mails {
		if m.Kind == livechatv1.OutboxMailKind_OUTBOX_MAIL_KIND_ACKNOWLEDGEMENT {
			bounced = m
		}
	}
	if bounced == nil || bounced.Status != livechatv1.OutboxStatus_OUTBOX_STATUS_FAILED || bounced.BouncedAt == nil ||
		!strings.Contains(bounced.LastError, "User unknown") {
		t.Errorf("the bounced mail in the outbox: %v, want failed with the diagnostic", bounced)
	}

	// A complaint about another customer's mail suppresses that address.
	v2 := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_EN, "angry@example.com")
	c2 := v2.send(t, "hi")
	ms = e.settle(t, 3)
	var ret2 string
	for _, m := range ms {
		if m.To[0].Address == "angry@example.com" {
			ret2 = e.mp.Message(m.ID).ReturnPath
		}
	}
	if ret2 == "" || ret2 == ret {
		t.Fatalf("the second acknowledgement's Return-Path %q", ret2)
	}
	if err := smtp.SendMail(receiver, nil, "", []string{ret2}, arf(ret2, "angry@example.com")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.agent.Mail.SendTranscript(ctx(t), &livechatv1.SendTranscriptRequest{ConversationId: c2}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_ADDRESS_BOUNCED ||
		!strings.Contains(err.Error(), "spam") {
		t.Errorf("transcript after a complaint: %v, want ADDRESS_BOUNCED (spam)", err)
	}

	// Bounce addresses of no mail, or malformed, are refused.
	for _, bad := range []string{"bounce+" + strings.Repeat("0", 32) + "@reply.example.com", "bounce+xyz@reply.example.com"} {
		err := smtp.SendMail(receiver, nil, "", []string{bad}, dsn(bad, "x@example.com", "failed", "5.1.1", "gone"))
		if err == nil || !strings.Contains(err.Error(), "550") {
			t.Errorf("bounce to %s: %v, want 550", bad, err)
		}
	}
}

// Nothing goes to an address the customer did not give: one an agent
// typed into the profile gets no acknowledgement, follow-up or transcript
// (at resolve or asked for), until the customer gives it themselves.
func TestOnlyAddressesTheCustomerGave(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_EN, "")
	conv := v.send(t, "hello")
	conversation, err := e.agent.Conversation.GetConversation(ctx(t), &livechatv1.GetConversationRequest{ConversationId: conv})
	if err != nil {
		t.Fatal(err)
	}
	typed := "typed@example.com"
	if _, err := e.agent.Customers.UpdateCustomer(ctx(t), &livechatv1.CustomerServiceUpdateCustomerRequest{
		CustomerId: conversation.Conversation.CustomerId, Email: &typed,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Mail.UpdateMailSettings(ctx(t), &livechatv1.UpdateMailSettingsRequest{Settings: &livechatv1.MailSettings{
		Host: e.mp.Host, Port: int32(e.mp.SMTPPort), Security: livechatv1.MailSecurity_MAIL_SECURITY_NONE,
		FromAddress: "support@example.com", ReplyDomain: "reply.example.com", TranscriptOnResolve: true,
	}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.agent.Mail.SendTranscript(ctx(t), &livechatv1.SendTranscriptRequest{ConversationId: conv})
	if reason(err) != livechatv1.ErrorReason_ERROR_REASON_ADDRESS_NOT_GIVEN {
		t.Errorf("transcript to a typed address: %v, want ADDRESS_NOT_GIVEN", err)
	}
	if _, err := v.client.Mail.EmailMyTranscript(ctx(t), &livechatv1.EmailMyTranscriptRequest{ConversationId: conv}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_ADDRESS_NOT_GIVEN {
		t.Errorf("the visitor's transcript to a typed address: %v, want ADDRESS_NOT_GIVEN", err)
	}
	e.reply(t, conv, "An answer you do not see", false)
	e.clk.Add(6 * time.Minute)
	if _, err := e.agent.Conversation.SetConversationStatus(ctx(t), &livechatv1.SetConversationStatusRequest{
		ConversationId: conv, Status: livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED,
	}); err != nil {
		t.Fatal(err)
	}
	if ms := e.settle(t, 1); len(ms) != 0 {
		t.Fatalf("Mailpit has %v, want nothing to an address the customer did not give", ms)
	}

	// The customer gives the same address in the widget: now it is theirs.
	if _, err := v.client.Widget.UpdateCustomer(ctx(t), &livechatv1.UpdateCustomerRequest{Email: &typed}); err != nil {
		t.Fatal(err)
	}
	res, err := v.client.Mail.EmailMyTranscript(ctx(t), &livechatv1.EmailMyTranscriptRequest{ConversationId: conv})
	if err != nil || res.ToAddress != typed {
		t.Fatalf("the visitor's transcript: %v, %v", res, err)
	}
	// The transcript, and now the reply they did not see too.
	ms := e.settle(t, 2)
	subjects := map[string]bool{}
	for _, m := range ms {
		subjects[m.Subject] = m.To[0].Address == typed
	}
	if len(ms) != 2 || !subjects["Transcript of your conversation with Acme"] || !subjects["New reply from Acme"] {
		t.Errorf("Mailpit has %v, want the transcript and the follow-up", ms)
	}
}

// The visitor asks for their transcript from the widget: only for their own
// conversation, at most 3 an hour; it carries every visible message and no
// internal note.
func TestVisitorTranscript(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_EN, "me@example.com")
	conv := v.send(t, "What does it cost?")
	e.settle(t, 1) // the acknowledgement
	e.reply(t, conv, "It costs 10 euros.", false)
	e.reply(t, conv, "internal: long-time customer", true)
	other := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_EN, "other@example.com")
	if _, err := other.client.Mail.EmailMyTranscript(ctx(t), &livechatv1.EmailMyTranscriptRequest{ConversationId: conv}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_CONVERSATION_NOT_FOUND {
		t.Errorf("another visitor's conversation: %v, want CONVERSATION_NOT_FOUND", err)
	}
	if _, err := v.client.Mail.EmailMyTranscript(ctx(t), &livechatv1.EmailMyTranscriptRequest{ConversationId: "x"}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID {
		t.Errorf("bad id: %v, want MALFORMED_ID", err)
	}
	if _, err := e.agent.Mail.EmailMyTranscript(ctx(t), &livechatv1.EmailMyTranscriptRequest{ConversationId: conv}); err == nil {
		t.Error("an agent called the visitor's RPC")
	}
	for i := range 3 {
		if _, err := v.client.Mail.EmailMyTranscript(ctx(t), &livechatv1.EmailMyTranscriptRequest{ConversationId: conv}); err != nil {
			t.Fatalf("transcript %d: %v", i+1, err)
		}
	}
	_, err := v.client.Mail.EmailMyTranscript(ctx(t), &livechatv1.EmailMyTranscriptRequest{ConversationId: conv})
	if reason(err) != livechatv1.ErrorReason_ERROR_REASON_RATE_LIMITED || apperr.DetailOf(err).GetRetryAfter().AsDuration() <= 0 {
		t.Errorf("a 4th transcript within the hour: %v, want RATE_LIMITED with retry_after", err)
	}
	ms := e.settle(t, 4)
	if len(ms) != 4 {
		t.Fatalf("Mailpit has %d mails, want the acknowledgement and 3 transcripts", len(ms))
	}
	m := e.mp.Message(ms[0].ID)
	for _, want := range []string{"What does it cost?", "It costs 10 euros."} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("transcript lacks %q: %q", want, m.Text)
		}
	}
	if strings.Contains(m.Text+m.HTML, "long-time") {
		t.Error("the transcript carries the internal note")
	}
}

// An address the host site verified (identity verification) is mailed
// like one the visitor typed.
func TestVerifiedAddressIsMailed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w, err := e.admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Acme"}})
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(w.IdentitySecret))
	mac.Write([]byte("user-42"))
	res, err := e.srv.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{
		SiteKey:  w.Widget.SiteKey,
		Identity: &livechatv1.VerifiedIdentity{UserId: "user-42", Hmac: hex.EncodeToString(mac.Sum(nil)), Name: "Ann", Email: "ann@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	v := &visitor{client: e.srv.NewClient(apptest.Bearer(res.VisitorToken))}
	v.send(t, "Hello, signed in")
	if ms := e.settle(t, 1); len(ms) != 1 || ms[0].To[0].Address != "ann@example.com" {
		t.Errorf("Mailpit has %v, want the acknowledgement to the verified address", ms)
	}
}
