package auth_test

import (
	"net/http"
	"strings"
	"testing"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
)

// A token made a bot speaks under its own name: the visitor and the
// agents see the bot's name on its replies, never the admin's.
func TestBotTokenRepliesUnderItsName(t *testing.T) {
	tm := apptest.NewTeam(t)
	c := t.Context()
	created, err := tm.Admin.Auth.CreateApiToken(c, &livechatv1.CreateApiTokenRequest{
		Name: "Support bot", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT, BotName: "  Shop Assistant ",
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.Token.BotName != "Shop Assistant" {
		t.Fatalf("bot name %q", created.Token.BotName)
	}
	list, err := tm.Admin.Auth.ListApiTokens(c, &livechatv1.ListApiTokensRequest{})
	if err != nil || list.Tokens[0].BotName != "Shop Assistant" {
		t.Fatalf("listed %v %v", list, err)
	}
	_, err = tm.Admin.Auth.CreateApiToken(c, &livechatv1.CreateApiTokenRequest{
		Name: "x", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT, BotName: strings.Repeat("b", 65),
	})
	if d := apperr.DetailOf(err); d.GetReason() != livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG || d.GetField() != "bot_name" {
		t.Fatalf("a 65-character bot name: %v", err)
	}
	bot := tm.Server.NewClient(apptest.Bearer(created.Secret))

	const origin = "https://shop.example.com"
	w, err := tm.Admin.Widget.CreateWidget(c, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop", AllowedOrigins: []string{origin}}})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Origin": {origin}}
	s, err := tm.Server.NewClient(h).Widget.StartSession(c, &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Authorization", "Bearer "+s.VisitorToken)
	visitor := tm.Server.NewClient(h)
	first, err := visitor.Widget.SendMessage(c, &livechatv1.WidgetServiceSendMessageRequest{Text: "Is anyone there?", ClientMessageId: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := bot.Conversation.SendMessage(c, &livechatv1.SendMessageRequest{
		ConversationId: first.Message.ConversationId, Text: "Hi! I can help with orders.", ClientMessageId: "b1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Message.SenderName != "Shop Assistant" {
		t.Fatalf("the bot's reply is from %q", reply.Message.SenderName)
	}
	seen, err := visitor.Widget.ListMessages(c, &livechatv1.WidgetServiceListMessagesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range seen.Messages {
		if m.SenderType == livechatv1.SenderType_SENDER_TYPE_AGENT {
			names = append(names, m.SenderName)
		}
	}
	if strings.Join(names, ",") != "Shop Assistant" {
		t.Fatalf("the visitor sees replies from %v", names)
	}
	// The first reply claimed the conversation: its system line names the bot too.
	for _, m := range seen.Messages {
		if se := m.GetSystemEvent(); se != nil && se.ActorName != "Shop Assistant" {
			t.Fatalf("system line by %q", se.ActorName)
		}
	}
	// The admin's own session still speaks as the admin.
	own, err := tm.Admin.Conversation.SendMessage(c, &livechatv1.SendMessageRequest{
		ConversationId: first.Message.ConversationId, Text: "Root here.", ClientMessageId: "a1",
	})
	if err != nil || own.Message.SenderName != "Root" {
		t.Fatalf("admin reply from %q (%v)", own.GetMessage().GetSenderName(), err)
	}
}
