package webhooks_test

import (
	"net/http"
	"testing"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
)

// Through the real server: a webhook for customers, handoffs and ratings
// hears of a visitor's first session (customer.created), their new name
// (customer.updated), a bot handing their conversation to the team
// (conversation.handed_off) and their rating (csat.submitted), each once.
func TestCustomerHandOffAndRatingEvents(t *testing.T) {
	tm := apptest.NewTeam(t)
	ctx := t.Context()
	rcv := newReceiver(t)
	_, err := tm.Admin.Webhooks.CreateWebhook(ctx, &livechatv1.CreateWebhookRequest{
		Url: rcv.URL, Enabled: true, AllowPrivateNetwork: true,
		EventTypes: []livechatv1.WebhookEventType{
			livechatv1.WebhookEventType_WEBHOOK_EVENT_TYPE_CUSTOMER_CREATED,
			livechatv1.WebhookEventType_WEBHOOK_EVENT_TYPE_CUSTOMER_UPDATED,
			livechatv1.WebhookEventType_WEBHOOK_EVENT_TYPE_CONVERSATION_HANDED_OFF,
			livechatv1.WebhookEventType_WEBHOOK_EVENT_TYPE_CSAT_SUBMITTED,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	bot, err := tm.Admin.Auth.CreateApiToken(ctx, &livechatv1.CreateApiTokenRequest{
		Name: "bot", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT, BotName: "Shop Assistant",
	})
	if err != nil {
		t.Fatal(err)
	}
	w, err := tm.Admin.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{
		Name: "Shop", AllowedOrigins: []string{origin}, Csat: livechatv1.CsatScale_CSAT_SCALE_FIVE,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Admin.Routing.UpdateWidgetRouting(ctx, &livechatv1.UpdateWidgetRoutingRequest{
		WidgetId: w.Widget.Id, Routing: &livechatv1.WidgetRouting{Mode: livechatv1.AssignmentMode_ASSIGNMENT_MODE_MANUAL, BotTokenId: bot.Token.Id},
	}); err != nil {
		t.Fatal(err)
	}

	h := http.Header{"Origin": {origin}}
	s, err := tm.Server.NewClient(h).Widget.StartSession(ctx, &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Authorization", "Bearer "+s.VisitorToken)
	visitor := tm.Server.NewClient(h)
	name := "Mai"
	if _, err := visitor.Widget.UpdateCustomer(ctx, &livechatv1.UpdateCustomerRequest{Name: &name}); err != nil {
		t.Fatal(err)
	}
	sent, err := visitor.Widget.SendMessage(ctx, &livechatv1.WidgetServiceSendMessageRequest{Text: "Where is my order?", ClientMessageId: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := sent.Conversation.BotName; got != "Shop Assistant" {
		t.Fatalf("the visitor's conversation is held by %q", got)
	}
	handed, err := visitor.Widget.HandOff(ctx, &livechatv1.WidgetServiceHandOffRequest{})
	if err != nil || handed.Conversation.BotName != "" {
		t.Fatalf("hand off: %v %v", handed, err)
	}
	if _, err := tm.Lan.Conversation.ClaimConversation(ctx, &livechatv1.ClaimConversationRequest{ConversationId: sent.Conversation.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Lan.Conversation.SetConversationStatus(ctx, &livechatv1.SetConversationStatusRequest{
		ConversationId: sent.Conversation.Id, Status: livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := visitor.Widget.RateConversation(ctx, &livechatv1.RateConversationRequest{ConversationId: sent.Conversation.Id, Score: 4}); err != nil {
		t.Fatal(err)
	}

	eventually(t, "four deliveries", func() bool { return len(rcv.accepted()) >= 4 })
	got := rcv.accepted()
	if len(got) != 4 {
		t.Fatalf("%d deliveries", len(got))
	}
	want := []string{"customer.created", "customer.updated", "conversation.handed_off", "csat.submitted"}
	for i, d := range got {
		if d.Type != want[i] {
			t.Fatalf("delivery %d is %s, want %s (%s)", i, d.Type, want[i], d.Body)
		}
	}
	if c := got[0].Data.Customer; c == nil || c.ID != s.Customer.Id {
		t.Fatalf("customer.created: %s", got[0].Body)
	}
	if c := got[1].Data.Customer; c == nil || c.Name != "Mai" {
		t.Fatalf("customer.updated: %s", got[1].Body)
	}
	if c := got[2].Data.Conversation; c == nil || c.ID != sent.Conversation.Id || c.BotName != "" {
		t.Fatalf("conversation.handed_off: %s", got[2].Body)
	}
	if c := got[3].Data.Conversation; c == nil || c.Rating == nil || c.Rating.Score != 4 {
		t.Fatalf("csat.submitted: %s", got[3].Body)
	}
}
