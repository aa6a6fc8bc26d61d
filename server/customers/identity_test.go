package customers_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
)

// identity is the host site's signed claim that the visitor is userID.
func (e *env) identity(userID string) *livechatv1.VerifiedIdentity {
	m := hmac.New(sha256.New, []byte(e.secret))
	m.Write([]byte(userID))
	return &livechatv1.VerifiedIdentity{UserId: userID, Hmac: hex.EncodeToString(m.Sum(nil))}
}

// browser starts a session as a new browser would, with an identity or
// none, continuing token when it is not empty; it returns the client, the
// token and the customer id.
func (e *env) browser(t *testing.T, id *livechatv1.VerifiedIdentity, token string) (*apptest.Client, string, string) {
	t.Helper()
	h := http.Header{"Origin": {origin}}
	s, err := e.Server.NewClient(h).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: e.widget.SiteKey, Identity: id, VisitorToken: token})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	h.Set("Authorization", "Bearer "+s.VisitorToken)
	return e.Server.NewClient(h), s.VisitorToken, s.Customer.Id
}

// TestSetVisitorAttributes: the host site's attributes are refused (and
// nothing stored) for an unverified visitor, and stored, recorded as the
// website's, for a verified one.
func TestSetVisitorAttributes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.define(t, "plan", "Plan", livechatv1.AttributeType_ATTRIBUTE_TYPE_TEXT)
	e.define(t, "seats", "Seats", livechatv1.AttributeType_ATTRIBUTE_TYPE_NUMBER)

	anon, _, anonID := e.browser(t, nil, "")
	_, err := anon.Customers.SetVisitorAttributes(ctx(t), &livechatv1.SetVisitorAttributesRequest{Attributes: map[string]string{"plan": "gold"}})
	apptest.WantField(t, err, connect.CodeFailedPrecondition, livechatv1.ErrorReason_ERROR_REASON_IDENTITY_REQUIRED, "")
	d, err := e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: anonID})
	if err != nil || len(d.Profile.CustomAttributes) != 0 || len(d.Changes) != 0 {
		t.Fatalf("an unverified visitor's attributes were kept: %v, %v", d, err)
	}

	verified, _, id := e.browser(t, e.identity("user-42"), "")
	if _, err := verified.Customers.SetVisitorAttributes(ctx(t), &livechatv1.SetVisitorAttributesRequest{Attributes: map[string]string{"plan": "gold", "seats": "12"}}); err != nil {
		t.Fatalf("SetVisitorAttributes: %v", err)
	}
	_, err = verified.Customers.SetVisitorAttributes(ctx(t), &livechatv1.SetVisitorAttributesRequest{Attributes: map[string]string{"seats": "many"}})
	apptest.WantField(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_ATTRIBUTE_VALUE_INVALID, "attributes.seats")
	_, err = verified.Customers.SetVisitorAttributes(ctx(t), &livechatv1.SetVisitorAttributesRequest{Attributes: map[string]string{"tier": "1"}})
	apptest.WantField(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_ATTRIBUTE_NOT_FOUND, "attributes.tier")
	d, err = e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: id})
	if err != nil || len(d.Profile.CustomAttributes) != 2 || d.Profile.CustomAttributes[0].Value != "gold" || d.Profile.CustomAttributes[1].Value != "12" {
		t.Fatalf("stored attributes: %v, %v", d, err)
	}
	if len(d.Changes) != 2 || !d.Changes[0].ByWebsite || d.Changes[0].AgentId != "" {
		t.Fatalf("changes: %v", d.Changes)
	}
}

// TestVerifiedUserIsOneCustomer: one verified user id on two browsers is
// one customer, and a visitor who chatted anonymously and then verifies as
// a user who already has a customer (with no conversation under way)
// brings their conversation along.
func TestVerifiedUserIsOneCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	laptop, _, first := e.browser(t, e.identity("user-7"), "")
	if _, err := laptop.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "from the laptop", ClientMessageId: "l1"}); err != nil {
		t.Fatal(err)
	}
	_, _, second := e.browser(t, e.identity("user-7"), "")
	if first != second {
		t.Fatalf("two browsers, two customers: %s and %s", first, second)
	}
	// The laptop's conversation is answered and resolved.
	list, err := e.Lan.Conversation.ListConversations(ctx(t), &livechatv1.ListConversationsRequest{})
	if err != nil || len(list.Conversations) != 1 {
		t.Fatal(list, err)
	}
	if _, err := e.Lan.Conversation.ClaimConversation(ctx(t), &livechatv1.ClaimConversationRequest{ConversationId: list.Conversations[0].Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Lan.Conversation.SetConversationStatus(ctx(t), &livechatv1.SetConversationStatusRequest{
		ConversationId: list.Conversations[0].Id, Status: livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED,
	}); err != nil {
		t.Fatal(err)
	}

	// A phone chats anonymously, then the user signs in on it.
	phone, token, anonID := e.browser(t, nil, "")
	if _, err := phone.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "from the phone", ClientMessageId: "p1"}); err != nil {
		t.Fatal(err)
	}
	_, _, merged := e.browser(t, e.identity("user-7"), token)
	if merged != first {
		t.Fatalf("verified on the phone as customer %s, want %s", merged, first)
	}
	d, err := e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: first})
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, c := range d.Conversations {
		lines[c.FirstLine] = true
	}
	if len(d.Conversations) != 2 || !lines["from the laptop"] || !lines["from the phone"] {
		t.Fatalf("the verified customer's conversations: %v", d.Conversations)
	}
	old, err := e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: anonID})
	if err != nil || len(old.Conversations) != 0 {
		t.Fatalf("the anonymous customer kept conversations: %v, %v", old, err)
	}
	// The inbox shows the phone's conversation under the verified customer.
	list, err = e.Lan.Conversation.ListConversations(ctx(t), &livechatv1.ListConversationsRequest{})
	if err != nil || len(list.Conversations) != 2 || list.Conversations[0].CustomerId != first || list.Conversations[1].CustomerId != first {
		t.Fatalf("inbox: %v, %v", list, err)
	}
}
