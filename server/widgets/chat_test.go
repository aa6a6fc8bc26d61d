package widgets_test

import (
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/widgets"
)

func TestVisitorsReachOnlyTheirOwnConversation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop"}).Widget
	a, _ := e.visitor(t, w.SiteKey, "")
	b, _ := e.visitor(t, w.SiteKey, "")

	sentA, err := a.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "I am A", ClientMessageId: "a-1"})
	if err != nil {
		t.Fatal(err)
	}
	if sentA.Conversation.Status != livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING {
		t.Fatalf("first message should open a waiting conversation: %v", sentA.Conversation)
	}
	again, err := a.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "I am A", ClientMessageId: "a-1"})
	if err != nil || again.Message.Id != sentA.Message.Id {
		t.Fatalf("a retry must return the first message: %v, %v", again, err)
	}

	_, err = b.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{ConversationId: sentA.Conversation.Id})
	wantErr(t, err, connect.CodeNotFound, "")
	sentB, err := b.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "I am B", ClientMessageId: "a-1"})
	if err != nil {
		t.Fatal(err)
	}
	if sentB.Conversation.Id == sentA.Conversation.Id || sentB.Message.Id == sentA.Message.Id {
		t.Fatal("B wrote into A's conversation")
	}
	listA, err := a.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range listA.Messages {
		if m.Text == "I am B" {
			t.Fatal("A sees B's message")
		}
	}
	if len(listA.Messages) != 1 || listA.Messages[0].Text != "I am A" {
		t.Fatalf("A's timeline: %v", listA.Messages)
	}
	_, err = b.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{ConversationId: "not-an-id"})
	wantErr(t, err, connect.CodeInvalidArgument, "not a valid id")
	_, err = b.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "  ", ClientMessageId: "b-2"})
	wantErr(t, err, connect.CodeInvalidArgument, "")

	// Without a token nothing is reachable.
	_, err = e.srv.NewClient(nil).Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{})
	wantErr(t, err, connect.CodeUnauthenticated, "")
}

func TestSendMessageRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *app.Config) { c.WidgetLimits = widgets.Limits{Messages: 2} })
	w := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop"}).Widget
	v, _ := e.visitor(t, w.SiteKey, "")
	for i, id := range []string{"m1", "m2"} {
		if _, err := v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hi", ClientMessageId: id}); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}
	_, err := v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hi", ClientMessageId: "m3"})
	wantErr(t, err, connect.CodeResourceExhausted, "too many messages")
	// Another visitor has their own budget.
	other, _ := e.visitor(t, w.SiteKey, "")
	if _, err := other.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hi", ClientMessageId: "m1"}); err != nil {
		t.Fatal(err)
	}
}

// TestDetailUpdatesRateLimit: every change of a visitor's details reaches
// every agent's stream, so a visitor cannot flood them by toggling a field,
// through UpdateCustomer or through pre-chat answers on a continued session.
func TestDetailUpdatesRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *app.Config) { c.WidgetLimits = widgets.Limits{DetailUpdates: 3} })
	w := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop", Prechat: &livechatv1.PrechatForm{
		Enabled: true,
		Fields:  []*livechatv1.PrechatField{{Key: "name", Label: "Name", Type: livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_NAME}},
	}}).Widget
	v, started := e.visitor(t, w.SiteKey, "")
	for i, name := range []string{"Ann", "Anna"} {
		if _, err := v.Widget.UpdateCustomer(ctx(t), &livechatv1.UpdateCustomerRequest{Name: new(name)}); err != nil {
			t.Fatalf("update %d: %v", i+1, err)
		}
	}
	again := func(name string) error {
		_, err := e.srv.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{
			SiteKey: w.SiteKey, VisitorToken: started.VisitorToken, Prechat: map[string]string{"name": name},
		})
		return err
	}
	if err := again("Annie"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, again("Ann"), connect.CodeResourceExhausted, "too many changes to your details")
	_, err := v.Widget.UpdateCustomer(ctx(t), &livechatv1.UpdateCustomerRequest{Name: new("Ann")})
	wantErr(t, err, connect.CodeResourceExhausted, "too many changes to your details")
	// Continuing without answers is not a change and still works.
	if _, err := e.srv.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.SiteKey, VisitorToken: started.VisitorToken}); err != nil {
		t.Fatal(err)
	}
}

// wantRateLimited fails the test unless err is RESOURCE_EXHAUSTED with the
// RATE_LIMITED reason and a time to wait, which clients show.
func wantRateLimited(t *testing.T, err error, msg string) {
	t.Helper()
	wantErr(t, err, connect.CodeResourceExhausted, msg)
	d := apperr.DetailOf(err)
	if d.GetReason() != livechatv1.ErrorReason_ERROR_REASON_RATE_LIMITED {
		t.Fatalf("reason %v; want RATE_LIMITED", d.GetReason())
	}
	if wait := d.GetRetryAfter().AsDuration(); wait < time.Second || wait > time.Minute {
		t.Fatalf("retry_after %v; want between 1s and the window", wait)
	}
}

// TestRateLimitsSayWhenToRetry: every rate limit of a visitor carries the
// RATE_LIMITED reason and retry_after, so the widget says "try again in N s"
// without reading the message.
func TestRateLimitsSayWhenToRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *app.Config) {
		c.WidgetLimits = widgets.Limits{Messages: 1, StartSessions: 2, StartSessionWindow: time.Minute, DetailUpdates: 1, DetailUpdateWindow: time.Minute}
	})
	w := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop"}).Widget
	v, _ := e.visitor(t, w.SiteKey, "")
	if _, err := v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hi", ClientMessageId: "m1"}); err != nil {
		t.Fatal(err)
	}
	_, err := v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hi", ClientMessageId: "m2"})
	wantRateLimited(t, err, "too many messages")

	if _, err := v.Widget.UpdateCustomer(ctx(t), &livechatv1.UpdateCustomerRequest{Name: new("Ann")}); err != nil {
		t.Fatal(err)
	}
	_, err = v.Widget.UpdateCustomer(ctx(t), &livechatv1.UpdateCustomerRequest{Name: new("Anna")})
	wantRateLimited(t, err, "too many changes to your details")

	e.visitor(t, w.SiteKey, "") // the second new session of this address
	_, err = e.srv.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.SiteKey})
	wantRateLimited(t, err, "too many new chat sessions")
}

// TestRetryWhileRateLimited: a retry of a message already stored is
// answered with that message even when the visitor is over the limit: the
// widget retries sends whose answer it did not get, and the message is not
// new.
func TestRetryWhileRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *app.Config) { c.WidgetLimits = widgets.Limits{Messages: 2} })
	w := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop"}).Widget
	v, _ := e.visitor(t, w.SiteKey, "")
	send := func(id string) (*livechatv1.WidgetServiceSendMessageResponse, error) {
		return v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "text of " + id, ClientMessageId: id})
	}
	first, err := send("m1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := send("m2"); err != nil {
		t.Fatal(err)
	}
	_, err = send("m3")
	wantRateLimited(t, err, "too many messages")

	again, err := send("m1")
	if err != nil {
		t.Fatalf("a retry of a stored message while rate-limited: %v", err)
	}
	if again.Message.Id != first.Message.Id || again.Message.Text != "text of m1" || again.Conversation.Id != first.Conversation.Id {
		t.Fatalf("retry answered %v; want the stored %v", again.Message, first.Message)
	}
	list, err := v.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{})
	if err != nil || len(list.Messages) != 2 {
		t.Fatalf("stored %v, %v; want m1 and m2 only", list.GetMessages(), err)
	}
}
