package chat_test

import (
	"context"
	"sync"
	"testing"

	"connectrpc.com/connect/v2"
	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
)

// receive reads a stream until READY, returning what came before it.
func receive(t *testing.T, st interface {
	Receive() (*livechatv1.SubscribeResponse, error)
}) []*livechatv1.Event {
	t.Helper()
	var out []*livechatv1.Event
	for {
		res, err := st.Receive()
		if err != nil {
			t.Fatalf("stream ended: %v", err)
		}
		if res.GetEvent().GetReady() != nil {
			return out
		}
		out = append(out, res.GetEvent())
	}
}

func TestAPIReplayShowsTheStateAtEachEvent(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	conv := a.admin.Conversation
	ctx := bounded(t)

	live, err := conv.Subscribe(ctx, &livechatv1.SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	receive(t, live) // live from here
	_, c := a.customerWrites(t, "Ann", "", "hello")
	if _, err := conv.ClaimConversation(ctx, &livechatv1.ClaimConversationRequest{ConversationId: c.Id}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []livechatv1.ConversationStatus{
		livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED,
		livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE,
	} {
		if _, err := conv.SetConversationStatus(ctx, &livechatv1.SetConversationStatusRequest{ConversationId: c.Id, Status: st}); err != nil {
			t.Fatal(err)
		}
	}

	// The live stream has everything since it opened (the customer wrote
	// through a domain without a hub, so the claim's commit woke it). Wait
	// for the last of the three changes too: the hub has then read every
	// event, so the replay below gets them all before its READY (events the
	// hub has not read yet when a stream opens come after READY, live).
	var cursor string
	for updates := 0; cursor == "" || updates < 3; {
		res, err := live.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if created := res.GetEvent().GetConversationCreated(); created != nil && created.Id == c.Id {
			cursor = res.GetEvent().Cursor
		}
		if u := res.GetEvent().GetConversationUpdated(); u != nil && u.Id == c.Id && cursor != "" {
			updates++
		}
	}

	// Resume from the creation: the replay tells the story as it happened.
	replay, err := conv.Subscribe(ctx, &livechatv1.SubscribeRequest{Cursor: cursor})
	if err != nil {
		t.Fatal(err)
	}
	var got []livechatv1.ConversationStatus
	var lastSeqs []int64
	want := []livechatv1.ConversationStatus{
		livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE,   // claimed
		livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED, // resolved
		livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE,   // reopened
	}
	collect := func(ev *livechatv1.Event) {
		if u := ev.GetConversationUpdated(); u != nil && u.Id == c.Id {
			got = append(got, u.Status)
			lastSeqs = append(lastSeqs, u.LastSeq)
			if u.AssigneeName != "Mai" || u.LastMessage.GetSeq() != u.LastSeq {
				t.Errorf("replayed %v: assignee %q, preview seq %d", u.Status, u.AssigneeName, u.LastMessage.GetSeq())
			}
		}
	}
	for _, ev := range receive(t, replay) {
		collect(ev)
	}
	// The catch-up stops at the cluster's oldest running transaction, which
	// on a busy cluster (tests in other databases share it) may hold back
	// events already committed here: they follow READY, in order.
	for len(got) < len(want) {
		res, err := replay.Receive()
		if err != nil {
			t.Fatalf("replayed %v, then the stream ended: %v", got, err)
		}
		collect(res.GetEvent())
	}
	if len(got) != len(want) {
		t.Fatalf("replayed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("replayed %v, want %v", got, want)
		}
	}
	// Each move wrote its system line: the snapshot at each is one further.
	if lastSeqs[0] != 2 || lastSeqs[1] != 3 || lastSeqs[2] != 4 {
		t.Errorf("replayed last_seq %v, want [2 3 4]", lastSeqs)
	}
}

func TestAPITransferToTheCurrentAssignee(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ctx := bounded(t)
	lan, lanID := a.agent(t, "lan", "Lan")
	khoa, _ := a.agent(t, "khoa", "Khoa")
	_, c := a.customerWrites(t, "Ann", "", "hello")
	if _, err := lan.Conversation.ClaimConversation(ctx, &livechatv1.ClaimConversationRequest{ConversationId: c.Id}); err != nil {
		t.Fatal(err)
	}
	assign := func(cl interface {
		AssignConversation(context.Context, *livechatv1.AssignConversationRequest) (*livechatv1.AssignConversationResponse, error)
	}) error {
		_, err := cl.AssignConversation(ctx, &livechatv1.AssignConversationRequest{ConversationId: c.Id, AgentId: lanID})
		return err
	}

	t.Run("a non-assignee is refused, as for any transfer", func(t *testing.T) {
		apptest.WantReason(t, assign(khoa.Conversation), connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_NOT_ASSIGNEE)
	})
	t.Run("the assignee and an admin may, and nothing changes", func(t *testing.T) {
		if err := assign(lan.Conversation); err != nil {
			t.Fatal(err)
		}
		if err := assign(a.admin.Conversation); err != nil {
			t.Fatal(err)
		}
		got, err := a.admin.Conversation.GetConversation(ctx, &livechatv1.GetConversationRequest{ConversationId: c.Id})
		if err != nil || got.Conversation.AssigneeId != lanID || got.Conversation.LastSeq != 2 {
			t.Fatalf("after no-op transfers: %v, %v", got, err)
		}
	})
}

func TestAPIFirstReplyClaims(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ctx := bounded(t)
	lan, lanID := a.agent(t, "lan", "Lan")
	khoa, khoaID := a.agent(t, "khoa", "Khoa")
	send := func(cl *livechatv1.SendMessageRequest, c interface {
		SendMessage(context.Context, *livechatv1.SendMessageRequest) (*livechatv1.SendMessageResponse, error)
	}) error {
		_, err := c.SendMessage(ctx, cl)
		return err
	}
	get := func(t *testing.T, id string) (*livechatv1.Conversation, []*livechatv1.Message) {
		t.Helper()
		g, err := a.admin.Conversation.GetConversation(ctx, &livechatv1.GetConversationRequest{ConversationId: id})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := a.admin.Conversation.ListMessages(ctx, &livechatv1.ListMessagesRequest{ConversationId: id})
		if err != nil {
			t.Fatal(err)
		}
		return g.Conversation, ms.Messages
	}

	t.Run("a note leaves it waiting", func(t *testing.T) {
		_, c := a.customerWrites(t, "Ann", "", "hello")
		if err := send(&livechatv1.SendMessageRequest{ConversationId: c.Id, Text: "VIP", Internal: true, ClientMessageId: "n"}, lan.Conversation); err != nil {
			t.Fatal(err)
		}
		if got, _ := get(t, c.Id); got.Status != livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING || got.AssigneeId != "" {
			t.Fatalf("after a note: %v", got)
		}
	})
	t.Run("the first reply claims, with its line before the reply", func(t *testing.T) {
		_, c := a.customerWrites(t, "Bob", "", "hello")
		if err := send(&livechatv1.SendMessageRequest{ConversationId: c.Id, Text: "Hi Bob", ClientMessageId: "r"}, lan.Conversation); err != nil {
			t.Fatal(err)
		}
		got, ms := get(t, c.Id)
		if got.Status != livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE || got.AssigneeId != lanID {
			t.Fatalf("after the first reply: %v", got)
		}
		if len(ms) != 3 || ms[1].SystemEvent.GetKind() != livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_CLAIMED || ms[1].Text != "Lan claimed the conversation" || ms[2].Text != "Hi Bob" {
			t.Fatalf("timeline %v", ms)
		}
		t.Run("a reply into a conversation assigned to someone else is allowed", func(t *testing.T) {
			if err := send(&livechatv1.SendMessageRequest{ConversationId: c.Id, Text: "Me too", ClientMessageId: "k"}, khoa.Conversation); err != nil {
				t.Fatal(err)
			}
			if got, ms := get(t, c.Id); got.AssigneeId != lanID || len(ms) != 4 {
				t.Fatalf("after another agent's reply: %v, %d messages", got, len(ms))
			}
		})
	})
	t.Run("two agents replying at once: one assignee, both replies", func(t *testing.T) {
		for round := range 5 {
			_, c := a.customerWrites(t, "Cy", "", "anyone?")
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 2)
			for i, cl := range []*livechatv1.SendMessageRequest{
				{ConversationId: c.Id, Text: "Lan here", ClientMessageId: "lan"},
				{ConversationId: c.Id, Text: "Khoa here", ClientMessageId: "khoa"},
			} {
				client := lan.Conversation
				if i == 1 {
					client = khoa.Conversation
				}
				wg.Go(func() {
					<-start
					errs[i] = send(cl, client)
				})
			}
			close(start)
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			got, ms := get(t, c.Id)
			if got.AssigneeId != lanID && got.AssigneeId != khoaID {
				t.Fatalf("round %d: assignee %q", round, got.AssigneeId)
			}
			claims, replies := 0, 0
			for _, m := range ms {
				switch {
				case m.SystemEvent.GetKind() == livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_CLAIMED:
					claims++
				case m.SenderType == livechatv1.SenderType_SENDER_TYPE_AGENT:
					replies++
				}
			}
			if claims != 1 || replies != 2 {
				t.Fatalf("round %d: %d claim lines and %d replies, want 1 and 2: %v", round, claims, replies, ms)
			}
		}
	})
}

func TestAPIZeroIDIsNotFound(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ctx := bounded(t)
	conv := a.admin.Conversation
	_, agentID := a.agent(t, "lan", "Lan")
	_, c := a.customerWrites(t, "Ann", "", "hello")
	zero := uuid.Nil.String()
	calls := map[string]func() error{
		"GetConversation": func() error {
			_, err := conv.GetConversation(ctx, &livechatv1.GetConversationRequest{ConversationId: zero})
			return err
		},
		"ListMessages": func() error {
			_, err := conv.ListMessages(ctx, &livechatv1.ListMessagesRequest{ConversationId: zero})
			return err
		},
		"ClaimConversation": func() error {
			_, err := conv.ClaimConversation(ctx, &livechatv1.ClaimConversationRequest{ConversationId: zero})
			return err
		},
		"AssignConversation": func() error {
			_, err := conv.AssignConversation(ctx, &livechatv1.AssignConversationRequest{ConversationId: zero, AgentId: agentID})
			return err
		},
		"AssignConversation to the zero agent": func() error {
			_, err := conv.AssignConversation(ctx, &livechatv1.AssignConversationRequest{ConversationId: c.Id, AgentId: zero})
			return err
		},
		"SetConversationStatus": func() error {
			_, err := conv.SetConversationStatus(ctx, &livechatv1.SetConversationStatusRequest{ConversationId: zero, Status: livechatv1.ConversationStatus_CONVERSATION_STATUS_CLOSED})
			return err
		},
		"SendMessage": func() error {
			_, err := conv.SendMessage(ctx, &livechatv1.SendMessageRequest{ConversationId: zero, Text: "hi", ClientMessageId: "k"})
			return err
		},
		"SetTyping": func() error {
			_, err := conv.SetTyping(ctx, &livechatv1.SetTypingRequest{ConversationId: zero, Typing: true})
			return err
		},
		"MarkRead": func() error {
			_, err := conv.MarkRead(ctx, &livechatv1.MarkReadRequest{ConversationId: zero})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			reason := livechatv1.ErrorReason_ERROR_REASON_CONVERSATION_NOT_FOUND
			if name == "AssignConversation to the zero agent" {
				reason = livechatv1.ErrorReason_ERROR_REASON_AGENT_NOT_FOUND
			}
			apptest.WantReason(t, call(), connect.CodeNotFound, reason)
		})
	}
}
