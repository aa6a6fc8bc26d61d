package routing_test

import (
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/widgets"
)

// A widget whose bot answers first: its new conversations are held by the
// bot (shown as such), which replies without claiming them; routing passes
// them over although an agent is online and free. Once handed off — by the
// bot, or by the visitor asking for a person — the conversation is routed
// to the online agent. Another bot cannot hand off what it does not hold,
// and a token that is not a bot cannot be named.
func TestBotAnswersFirstUntilHandOff(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t, func(c *app.Config) {
		c.ScryptLogN = 10
		c.WidgetLimits = widgets.Limits{StartSessions: 1000, StartSessionWindow: time.Minute}
	})
	ctx := t.Context()
	admin := srv.NewClient(nil)
	if _, err := admin.Auth.Setup(ctx, &livechatv1.SetupRequest{Username: "root", DisplayName: "Root", Password: apptest.TeamPassword}); err != nil {
		t.Fatal(err)
	}
	w, err := admin.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatal(err)
	}
	token := func(name, bot string) *livechatv1.CreateApiTokenResponse {
		t.Helper()
		res, err := admin.Auth.CreateApiToken(ctx, &livechatv1.CreateApiTokenRequest{Name: name, Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT, BotName: bot})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	shop, other, plain := token("shop bot", "Shop Assistant"), token("other bot", "Other Bot"), token("backend", "")
	bot := srv.NewClient(apptest.Bearer(shop.Secret))
	otherBot := srv.NewClient(apptest.Bearer(other.Secret))

	setBot := func(id string) (*livechatv1.UpdateWidgetRoutingResponse, error) {
		return admin.Routing.UpdateWidgetRouting(ctx, &livechatv1.UpdateWidgetRoutingRequest{
			WidgetId: w.Widget.Id, Routing: &livechatv1.WidgetRouting{Mode: livechatv1.AssignmentMode_ASSIGNMENT_MODE_AUTO, BotTokenId: id},
		})
	}
	for _, bad := range []string{plain.Token.Id, uuid.NewString()} {
		_, err := setBot(bad)
		if d := apperr.DetailOf(err); connect.CodeOf(err) != connect.CodeInvalidArgument ||
			d.GetReason() != livechatv1.ErrorReason_ERROR_REASON_BOT_REQUIRED || d.GetField() != "routing.bot_token_id" {
			t.Fatalf("naming %s: %v", bad, err)
		}
	}
	set, err := setBot(shop.Token.Id)
	if err != nil || set.Routing.BotTokenId != shop.Token.Id || set.Routing.BotName != "Shop Assistant" {
		t.Fatalf("%v %v", set, err)
	}
	got, err := admin.Routing.GetWidgetRouting(ctx, &livechatv1.GetWidgetRoutingRequest{WidgetId: w.Widget.Id})
	if err != nil || got.Routing.BotTokenId != shop.Token.Id {
		t.Fatalf("%v %v", got, err)
	}

	lan := online(t, admin, srv, "lan", 5)

	// A visitor writes twice over: both conversations stay with the bot.
	type visitorConv struct {
		id     string
		client *apptest.Client
	}
	start := func(text string) visitorConv {
		t.Helper()
		h := http.Header{}
		s, err := srv.NewClient(h).Widget.StartSession(ctx, &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
		if err != nil {
			t.Fatal(err)
		}
		v := srv.NewClient(apptest.Bearer(s.VisitorToken))
		res, err := v.Widget.SendMessage(ctx, &livechatv1.WidgetServiceSendMessageRequest{Text: text, ClientMessageId: uuid.NewString()})
		if err != nil {
			t.Fatal(err)
		}
		if res.Conversation.BotName != "Shop Assistant" || res.Conversation.BotTokenId != "" {
			t.Fatalf("the visitor sees bot %q, token %q", res.Conversation.BotName, res.Conversation.BotTokenId)
		}
		return visitorConv{res.Conversation.Id, v}
	}
	first, second := start("Where is order 1042?"), start("Can I return shoes?")

	conv := func(id string) *livechatv1.Conversation {
		t.Helper()
		res, err := admin.Conversation.GetConversation(ctx, &livechatv1.GetConversationRequest{ConversationId: id})
		if err != nil {
			t.Fatal(err)
		}
		return res.Conversation
	}
	for _, id := range []string{first.id, second.id} {
		c := conv(id)
		if c.BotTokenId != shop.Token.Id || c.BotName != "Shop Assistant" || c.AssigneeId != "" ||
			c.Status != livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING {
			t.Fatalf("held conversation: %v", c)
		}
	}
	held, err := admin.Conversation.ListConversations(ctx, &livechatv1.ListConversationsRequest{HeldByBot: true})
	if err != nil || len(held.Conversations) != 2 {
		t.Fatalf("held by bots: %v %v", held, err)
	}
	// Routing ran (a kick per conversation, and the agent came online) and
	// passed both over: nothing queued, nothing given to Lan.
	loads(t, admin, 0, 0)

	// The bot replies under its name and keeps the conversation.
	reply, err := bot.Conversation.SendMessage(ctx, &livechatv1.SendMessageRequest{ConversationId: first.id, Text: "Let me look.", ClientMessageId: "b1"})
	if err != nil || reply.Message.SenderName != "Shop Assistant" {
		t.Fatalf("%v %v", reply, err)
	}
	if c := conv(first.id); c.BotName != "Shop Assistant" || c.AssigneeId != "" {
		t.Fatalf("after the bot's reply: %v", c)
	}

	// Another bot may not hand it off.
	_, err = otherBot.Integration.HandOffConversation(ctx, &livechatv1.HandOffConversationRequest{ConversationId: first.id})
	if apperr.DetailOf(err).GetReason() != livechatv1.ErrorReason_ERROR_REASON_NOT_ASSIGNEE {
		t.Fatalf("another bot's handoff: %v", err)
	}

	waitAssignee := func(id, want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			c := conv(id)
			if c.AssigneeId == want && c.BotName == "" && c.Status == livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("conversation %s: %v; want it routed to %s", id, c, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// The bot hands the first one off: routing gives it to Lan.
	off, err := bot.Integration.HandOffConversation(ctx, &livechatv1.HandOffConversationRequest{ConversationId: first.id})
	if err != nil {
		t.Fatal(err)
	}
	if off.Conversation.BotName != "" && off.Conversation.AssigneeId == "" {
		t.Fatalf("after handoff: %v", off.Conversation)
	}
	waitAssignee(first.id, lan.id)
	// Handing off again changes nothing.
	if again, err := bot.Integration.HandOffConversation(ctx, &livechatv1.HandOffConversationRequest{ConversationId: first.id}); err != nil || again.Conversation.AssigneeId != lan.id {
		t.Fatalf("second handoff: %v %v", again, err)
	}
	msgs, err := admin.Conversation.ListMessages(ctx, &livechatv1.ListMessagesRequest{ConversationId: first.id})
	if err != nil {
		t.Fatal(err)
	}
	handoffs := 0
	for _, m := range msgs.Messages {
		if se := m.GetSystemEvent(); se.GetKind() == livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_HANDED_OFF {
			handoffs++
			if se.ActorName != "Shop Assistant" {
				t.Errorf("handoff line by %q", se.ActorName)
			}
		}
	}
	if handoffs != 1 {
		t.Fatalf("%d handoff lines", handoffs)
	}

	// The visitor asks for a person ("Talk to a human") on the second.
	vs, err := second.client.Widget.HandOff(ctx, &livechatv1.WidgetServiceHandOffRequest{})
	if err != nil || vs.Conversation.Id != second.id {
		t.Fatalf("%v %v", vs, err)
	}
	waitAssignee(second.id, lan.id)
	held, err = admin.Conversation.ListConversations(ctx, &livechatv1.ListConversationsRequest{HeldByBot: true})
	if err != nil || len(held.Conversations) != 0 {
		t.Fatalf("still held: %v %v", held, err)
	}
}
