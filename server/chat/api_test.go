package chat_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/chat/chatapi"
	"github.com/opensupport/livechat/server/principal"
)

const password = "correct horse battery"

// api is a real server with a signed-in admin and a widget whose customers
// write through the chat domain (the widget's own API is tested with it).
type api struct {
	srv    *apptest.Server
	admin  *apptest.Client
	widget uuid.UUID
	chat   *chat.Service
}

func newAPI(t *testing.T) *api {
	t.Helper()
	srv := apptest.New(t, func(c *app.Config) { c.ScryptLogN = 10 })
	admin := srv.NewClient(nil)
	if _, err := admin.Auth.Setup(bounded(t), &livechatv1.SetupRequest{Username: "mai", DisplayName: "Mai", Password: password}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	a := &api{srv: srv, admin: admin, chat: chat.New(srv.Pool, nil)}
	err := srv.Pool.QueryRow(bounded(t),
		`INSERT INTO widgets (site_key, name, identity_secret) VALUES ('site_api', 'Shop', 's') RETURNING id`).Scan(&a.widget)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// agent creates an agent and returns a client signed in as them.
func (a *api) agent(t *testing.T, username, name string) (*apptest.Client, string) {
	t.Helper()
	res, err := a.admin.Auth.CreateAgent(bounded(t), &livechatv1.CreateAgentRequest{
		Username: username, DisplayName: name, Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: password,
	})
	if err != nil {
		t.Fatalf("CreateAgent: %v", err)
	}
	c := a.srv.NewClient(nil)
	if _, err := c.Auth.Login(bounded(t), &livechatv1.LoginRequest{Username: username, Password: password}); err != nil {
		t.Fatalf("Login: %v", err)
	}
	return c, res.Agent.Id
}

// customerWrites starts (or continues) a customer's conversation.
func (a *api) customerWrites(t *testing.T, name, email, text string) (uuid.UUID, *livechatv1.Conversation) {
	t.Helper()
	var cust uuid.UUID
	err := a.srv.Pool.QueryRow(bounded(t),
		`INSERT INTO customers (widget_id, name, email) VALUES ($1, $2, $3) RETURNING id`, a.widget, name, email).Scan(&cust)
	if err != nil {
		t.Fatal(err)
	}
	_, c, err := a.chat.SendVisitorMessage(context.Background(), principal.Visitor{CustomerID: cust, WidgetID: a.widget}, text, uuid.NewString())
	if err != nil {
		t.Fatal(err)
	}
	return cust, chatapi.ConversationProto(c)
}

func bounded(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func wantConnect(t *testing.T, err error, code connect.Code, contains string) {
	t.Helper()
	if err == nil || connect.CodeOf(err) != code {
		t.Fatalf("got %v (%v), want %v", connect.CodeOf(err), err, code)
	}
	if contains != "" && !strings.Contains(err.Error(), contains) {
		t.Fatalf("error %q does not say %q", err, contains)
	}
}

func TestAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ctx := bounded(t)
	conv := a.admin.Conversation
	_, c := a.customerWrites(t, "Ann Lee", "ann@example.com", "my parcel is late")

	t.Run("strangers are unauthenticated", func(t *testing.T) {
		_, err := a.srv.NewClient(nil).Conversation.ListConversations(ctx, &livechatv1.ListConversationsRequest{})
		wantConnect(t, err, connect.CodeUnauthenticated, "")
		_, err = a.srv.NewClient(nil).Conversation.ClaimConversation(ctx, &livechatv1.ClaimConversationRequest{ConversationId: c.Id})
		wantConnect(t, err, connect.CodeUnauthenticated, "")
	})
	t.Run("the inbox shows the waiting conversation with its preview and unread count", func(t *testing.T) {
		res, err := conv.ListConversations(ctx, &livechatv1.ListConversationsRequest{
			Statuses:   []livechatv1.ConversationStatus{livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING},
			Assignment: livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_UNASSIGNED,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Conversations) != 1 {
			t.Fatalf("%d conversations, want 1", len(res.Conversations))
		}
		got := res.Conversations[0]
		if got.Id != c.Id || got.CustomerName != "Ann Lee" || got.LastMessage.GetText() != "my parcel is late" ||
			got.UnreadCount != 1 || got.WaitingSince == nil || got.WidgetName != "Shop" {
			t.Fatalf("conversation %v", got)
		}
		counts, err := conv.GetInboxCounts(ctx, &livechatv1.GetInboxCountsRequest{})
		if err != nil || counts.Waiting != 1 || counts.Unassigned != 1 || counts.Open != 1 || counts.Mine != 0 {
			t.Fatalf("counts %v, %v", counts, err)
		}
	})
	t.Run("claim, reply, note, read", func(t *testing.T) {
		cl, err := conv.ClaimConversation(ctx, &livechatv1.ClaimConversationRequest{ConversationId: c.Id})
		if err != nil || cl.Conversation.AssigneeName != "Mai" || cl.Conversation.Status != livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE {
			t.Fatalf("claim: %v, %v", cl, err)
		}
		reply, err := conv.SendMessage(ctx, &livechatv1.SendMessageRequest{ConversationId: c.Id, Text: " On its way! ", ClientMessageId: "r1"})
		if err != nil || reply.Message.Text != "On its way!" || reply.Message.SenderName != "Mai" {
			t.Fatalf("send: %v, %v", reply, err)
		}
		again, err := conv.SendMessage(ctx, &livechatv1.SendMessageRequest{ConversationId: c.Id, Text: "On its way!", ClientMessageId: "r1"})
		if err != nil || again.Message.Id != reply.Message.Id {
			t.Fatalf("retry: %v, %v", again, err)
		}
		if _, err := conv.SendMessage(ctx, &livechatv1.SendMessageRequest{ConversationId: c.Id, Text: "VIP", Internal: true, ClientMessageId: "n1"}); err != nil {
			t.Fatal(err)
		}
		ms, err := conv.ListMessages(ctx, &livechatv1.ListMessagesRequest{ConversationId: c.Id})
		if err != nil || len(ms.Messages) != 4 || ms.HasMore {
			t.Fatalf("messages %v, %v", ms, err)
		}
		if sys := ms.Messages[1]; sys.SystemEvent.GetKind() != livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_CLAIMED || sys.Text != "Mai claimed the conversation" {
			t.Fatalf("system line %v", sys)
		}
		if _, err := conv.MarkRead(ctx, &livechatv1.MarkReadRequest{ConversationId: c.Id}); err != nil {
			t.Fatal(err)
		}
		got, err := conv.GetConversation(ctx, &livechatv1.GetConversationRequest{ConversationId: c.Id})
		if err != nil {
			t.Fatal(err)
		}
		if got.Conversation.UnreadCount != 0 || got.Conversation.WaitingSince != nil || got.Customer.Email != "ann@example.com" ||
			got.Conversation.LastMessage.GetText() != "VIP" || got.Conversation.LastSeq != 4 {
			t.Fatalf("after reading: %v", got)
		}
		if _, err := conv.SetTyping(ctx, &livechatv1.SetTypingRequest{ConversationId: c.Id, Typing: true}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an agent-scope API token acts for its admin", func(t *testing.T) {
		tok, err := a.admin.Auth.CreateApiToken(ctx, &livechatv1.CreateApiTokenRequest{Name: "crm", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT})
		if err != nil {
			t.Fatal(err)
		}
		bot := a.srv.NewClient(apptest.Bearer(tok.Secret)).Conversation
		m, err := bot.SendMessage(ctx, &livechatv1.SendMessageRequest{ConversationId: c.Id, Text: "Tracking: 123", ClientMessageId: "crm-1"})
		if err != nil || m.Message.SenderName != "Mai" {
			t.Fatalf("%v, %v", m, err)
		}
	})
	t.Run("bad input gets its code", func(t *testing.T) {
		_, err := conv.GetConversation(ctx, &livechatv1.GetConversationRequest{ConversationId: "nope"})
		wantConnect(t, err, connect.CodeInvalidArgument, "conversation_id")
		_, err = conv.GetConversation(ctx, &livechatv1.GetConversationRequest{ConversationId: uuid.NewString()})
		wantConnect(t, err, connect.CodeNotFound, "not found")
		_, err = conv.SendMessage(ctx, &livechatv1.SendMessageRequest{ConversationId: c.Id, Text: "   ", ClientMessageId: "x"})
		wantConnect(t, err, connect.CodeInvalidArgument, "empty")
		_, err = conv.SendMessage(ctx, &livechatv1.SendMessageRequest{ConversationId: c.Id, Text: strings.Repeat("a", 4001), ClientMessageId: "x"})
		wantConnect(t, err, connect.CodeInvalidArgument, "4000")
		_, err = conv.ListConversations(ctx, &livechatv1.ListConversationsRequest{PageSize: 101})
		wantConnect(t, err, connect.CodeInvalidArgument, "100")
		_, err = conv.ListMessages(ctx, &livechatv1.ListMessagesRequest{ConversationId: c.Id, BeforeSeq: 3, AfterSeq: 1})
		wantConnect(t, err, connect.CodeInvalidArgument, "not both")
		_, err = conv.SetConversationStatus(ctx, &livechatv1.SetConversationStatusRequest{ConversationId: c.Id, Status: livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING})
		wantConnect(t, err, connect.CodeInvalidArgument, "")
		_, err = conv.AssignConversation(ctx, &livechatv1.AssignConversationRequest{ConversationId: c.Id, AgentId: uuid.NewString()})
		wantConnect(t, err, connect.CodeNotFound, "agent")
	})
}

func TestAPIClaimRace(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	_, c := a.customerWrites(t, "Ann", "", "anyone there?")
	const n = 10
	clients := make([]*apptest.Client, n)
	for i := range clients {
		clients[i], _ = a.agent(t, fmt.Sprintf("agent%d", i), fmt.Sprintf("Agent %d", i))
	}
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, cl := range clients {
		wg.Go(func() {
			<-start
			_, errs[i] = cl.Conversation.ClaimConversation(bounded(t), &livechatv1.ClaimConversationRequest{ConversationId: c.Id})
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("two winners: %d and %d", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("no winner: %v", errs)
	}
	for i, err := range errs {
		if i != winner {
			wantConnect(t, err, connect.CodeFailedPrecondition, fmt.Sprintf("Agent %d", winner))
		}
	}
}

func TestAPISearchAndPages(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ctx := bounded(t)
	conv := a.admin.Conversation
	var ids []string
	for i := range 7 {
		_, c := a.customerWrites(t, fmt.Sprintf("Customer %d", i), fmt.Sprintf("c%d@example.com", i), fmt.Sprintf("question %d", i))
		ids = append(ids, c.Id)
	}
	_, special := a.customerWrites(t, "Zoë Trần", "zoe@shop.vn", "Where is my REFUND? 100% urgent_now")
	ids = append(ids, special.Id)

	t.Run("pages cover every conversation once, newest activity first", func(t *testing.T) {
		var got []string
		tok := ""
		for range 10 {
			res, err := conv.ListConversations(ctx, &livechatv1.ListConversationsRequest{PageSize: 3, PageToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.Conversations {
				got = append(got, c.Id)
			}
			if tok = res.NextPageToken; tok == "" {
				break
			}
		}
		if len(got) != len(ids) {
			t.Fatalf("got %d conversations, want %d", len(got), len(ids))
		}
		for i := range got {
			if got[i] != ids[len(ids)-1-i] {
				t.Fatalf("order %v, want newest first %v", got, ids)
			}
		}
	})
	for _, tc := range []struct{ query, want string }{
		{"refund", special.Id},       // message text, any case
		{"zoë", special.Id},          // name, non-ASCII
		{"SHOP.VN", special.Id},      // email
		{"100%", special.Id},         // wildcards are literal
		{"urgent_now", special.Id},   // underscore too
		{"question 3", ids[3]},       // a phrase
		{"no such thing at all", ""}, // nothing
		{"%", special.Id},            // only the literal percent sign
	} {
		t.Run("search "+tc.query, func(t *testing.T) {
			res, err := conv.ListConversations(ctx, &livechatv1.ListConversationsRequest{Query: tc.query})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range res.Conversations {
				got = append(got, c.Id)
			}
			if tc.want == "" && len(got) != 0 || tc.want != "" && (len(got) != 1 || got[0] != tc.want) {
				t.Fatalf("got %v, want [%s]", got, tc.want)
			}
		})
	}
}
