package chat_test

import (
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
)

// A backend opens a conversation for a customer it knows: with its first
// message, the reply claims it for the token's agent and the visitor sees
// it; an Idempotency-Key makes the call safe to retry; a second open
// conversation is refused; a bot's token keeps what it opens; the list
// filters by customer and by last change.
func TestCreateConversationFromBackend(t *testing.T) {
	tm := apptest.NewTeam(t)
	ctx := t.Context()
	tok, err := tm.Admin.Auth.CreateApiToken(ctx, &livechatv1.CreateApiTokenRequest{Name: "crm", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT})
	if err != nil {
		t.Fatal(err)
	}
	w, err := tm.Admin.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := tm.Server.NewClient(nil).Widget.StartSession(ctx, &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	customerID := s.Customer.Id
	h := apptest.Bearer(tok.Secret)
	h.Set("Idempotency-Key", "follow-up-1042")
	backend := tm.Server.NewClient(h)

	_, err = backend.Integration.CreateConversation(ctx, &livechatv1.CreateConversationRequest{CustomerId: "nope"})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID)
	_, err = tm.Lan.Integration.CreateConversation(ctx, &livechatv1.CreateConversationRequest{CustomerId: uuid.NewString()})
	apptest.WantReason(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_CUSTOMER_NOT_FOUND)
	_, err = tm.Lan.Integration.CreateConversation(ctx, &livechatv1.CreateConversationRequest{CustomerId: customerID, WidgetId: uuid.NewString()})
	apptest.WantReason(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_WIDGET_NOT_FOUND)
	_, err = tm.Lan.Integration.CreateConversation(ctx, &livechatv1.CreateConversationRequest{CustomerId: customerID, Text: "hi"})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_REQUIRED)

	req := &livechatv1.CreateConversationRequest{CustomerId: customerID, Text: "Your order 1042 is delayed; sorry!", ClientMessageId: "crm-1"}
	created, err := backend.Integration.CreateConversation(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	c := created.Conversation
	if c.CustomerId != customerID || c.WidgetId != w.Widget.Id || c.Status != livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE ||
		c.AssigneeName != "Root" || created.Message.GetText() != req.Text {
		t.Fatalf("created %v", created)
	}
	again, err := backend.Integration.CreateConversation(ctx, req)
	if err != nil || again.Conversation.Id != c.Id {
		t.Fatalf("a retry with the same key: %v %v", again, err)
	}
	_, err = tm.Lan.Integration.CreateConversation(ctx, &livechatv1.CreateConversationRequest{CustomerId: customerID})
	apptest.WantReason(t, err, connect.CodeFailedPrecondition, livechatv1.ErrorReason_ERROR_REASON_CONVERSATION_ALREADY_OPEN)

	visitor := tm.Server.NewClient(apptest.Bearer(s.VisitorToken))
	seen, err := visitor.Widget.ListMessages(ctx, &livechatv1.WidgetServiceListMessagesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(seen.Messages); n == 0 || seen.Messages[n-1].Text != req.Text {
		t.Fatalf("the visitor sees %v", seen.Messages)
	}

	// Filters a backend polls with.
	byCustomer, err := backend.Conversation.ListConversations(ctx, &livechatv1.ListConversationsRequest{CustomerId: customerID})
	if err != nil || len(byCustomer.Conversations) != 1 || byCustomer.Conversations[0].Id != c.Id {
		t.Fatalf("by customer: %v %v", byCustomer, err)
	}
	later, err := backend.Conversation.ListConversations(ctx, &livechatv1.ListConversationsRequest{UpdatedSince: c.UpdatedAt})
	if err != nil || len(later.Conversations) != 1 {
		t.Fatalf("updated since its last change: %v %v", later, err)
	}
	none, err := backend.Conversation.ListConversations(ctx, &livechatv1.ListConversationsRequest{
		UpdatedSince: timestamppb.New(c.UpdatedAt.AsTime().Add(time.Second)),
	})
	if err != nil || len(none.Conversations) != 0 {
		t.Fatalf("updated after its last change: %v %v", none, err)
	}
	_, err = backend.Conversation.ListConversations(ctx, &livechatv1.ListConversationsRequest{CustomerId: "x"})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID)

	// A bot's token keeps the conversation it opens, replying without
	// claiming it.
	if _, err := tm.Lan.Conversation.SetConversationStatus(ctx, &livechatv1.SetConversationStatusRequest{
		ConversationId: c.Id, Status: livechatv1.ConversationStatus_CONVERSATION_STATUS_CLOSED,
	}); err != nil {
		t.Fatal(err)
	}
	bt, err := tm.Admin.Auth.CreateApiToken(ctx, &livechatv1.CreateApiTokenRequest{Name: "b", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT, BotName: "Order Bot"})
	if err != nil {
		t.Fatal(err)
	}
	bot := tm.Server.NewClient(http.Header{"Authorization": {"Bearer " + bt.Secret}})
	byBot, err := bot.Integration.CreateConversation(ctx, &livechatv1.CreateConversationRequest{CustomerId: customerID, Text: "Any questions?", ClientMessageId: "bot-1"})
	if err != nil {
		t.Fatal(err)
	}
	if bc := byBot.Conversation; bc.BotName != "Order Bot" || bc.AssigneeId != "" || bc.Status != livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING ||
		byBot.Message.GetSenderName() != "Order Bot" {
		t.Fatalf("opened by a bot: %v", byBot)
	}
}
