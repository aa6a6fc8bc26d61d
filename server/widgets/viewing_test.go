package widgets_test

import (
	"context"
	"testing"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// TestViewingReachesAgentsOnly: an agent opening a conversation is shown to
// the other agents, live, and clears when they leave; the conversation's
// visitor never learns of it.
func TestViewingReachesAgentsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop", AllowedOrigins: []string{shopOrigin}}).Widget
	visitor, _ := e.visitor(t, w.SiteKey, shopOrigin)
	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()

	// A second agent, Lan, opens the conversation while Boss watches.
	if _, err := e.admin.Auth.CreateAgent(ctx(t), &livechatv1.CreateAgentRequest{
		Username: "lan", DisplayName: "Lan", Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: "correct horse battery",
	}); err != nil {
		t.Fatal(err)
	}
	lan := e.srv.NewClient(nil)
	if _, err := lan.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "lan", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	bossStream, err := e.admin.Conversation.Subscribe(sctx, &livechatv1.SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	bossEvents := pump(t, func() (*livechatv1.Event, error) {
		r, err := bossStream.Receive()
		return r.GetEvent(), err
	})
	bossEvents.next(t, "agent READY", isReady, nil)
	visitorEvents := subscribeVisitor(t, sctx, visitor, "")
	visitorEvents.next(t, "visitor READY", isReady, nil)

	sent, err := visitor.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "Hello?", ClientMessageId: "v-1"})
	if err != nil {
		t.Fatal(err)
	}
	convID := sent.Conversation.Id
	if _, err := lan.Conversation.SetViewing(ctx(t), &livechatv1.SetViewingRequest{ConversationId: convID, Viewing: true}); err != nil {
		t.Fatal(err)
	}
	isViewing := func(on bool) func(*livechatv1.Event) bool {
		return func(ev *livechatv1.Event) bool {
			v := ev.GetViewing()
			return v != nil && v.ConversationId == convID && v.AgentName == "Lan" && v.Viewing == on
		}
	}
	opened := bossEvents.next(t, "Lan viewing", isViewing(true), nil).GetViewing()
	if opened.ExpiresAt == nil {
		t.Fatalf("a viewing signal without expiry: %v", opened)
	}
	if _, err := lan.Conversation.SetViewing(ctx(t), &livechatv1.SetViewingRequest{ConversationId: convID, Viewing: false}); err != nil {
		t.Fatal(err)
	}
	bossEvents.next(t, "Lan left", isViewing(false), nil)

	// The visitor saw neither: a later message arrives with no viewing
	// signal before it.
	if _, err := e.admin.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: convID, Text: "Hi!", ClientMessageId: "r-1"}); err != nil {
		t.Fatal(err)
	}
	visitorEvents.next(t, "the reply", messageText("Hi!"), func(ev *livechatv1.Event) bool { return ev.GetViewing() != nil })

	// Bad input gets its code.
	_, err = lan.Conversation.SetViewing(ctx(t), &livechatv1.SetViewingRequest{ConversationId: "nope", Viewing: true})
	wantErr(t, err, connect.CodeInvalidArgument, "conversation")
}
