package widgets_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
)

// events pumps a stream into a channel so tests can wait for an event with
// a deadline instead of sleeping.
type events struct {
	ch   chan *livechatv1.Event
	errc chan error
}

func pump(t *testing.T, recv func() (*livechatv1.Event, error)) *events {
	t.Helper()
	e := &events{ch: make(chan *livechatv1.Event, 256), errc: make(chan error, 1)}
	go func() {
		for {
			ev, err := recv()
			if err != nil {
				e.errc <- err
				return
			}
			e.ch <- ev
		}
	}()
	return e
}

// next returns the first event matching want, skipping others, and fails
// when none arrives within 10 seconds or when a skipped event matches
// forbid (if set).
func (e *events) next(t *testing.T, what string, want func(*livechatv1.Event) bool, forbid func(*livechatv1.Event) bool) *livechatv1.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-e.ch:
			if want(ev) {
				return ev
			}
			if forbid != nil && forbid(ev) {
				t.Fatalf("waiting for %s: got forbidden event %v", what, ev)
			}
		case err := <-e.errc:
			t.Fatalf("waiting for %s: stream ended: %v", what, err)
		case <-timeout:
			t.Fatalf("no %s within 10s", what)
		}
	}
}

func isReady(ev *livechatv1.Event) bool { return ev.GetReady() != nil }

func messageText(text string) func(*livechatv1.Event) bool {
	return func(ev *livechatv1.Event) bool { return ev.GetMessageCreated().GetText() == text }
}

func anyMessage(ev *livechatv1.Event) bool { return ev.GetMessageCreated() != nil }

// subscribeVisitor opens a visitor's event stream.
func subscribeVisitor(t *testing.T, ctx context.Context, c *apptest.Client, cursor string) *events {
	t.Helper()
	st, err := c.Widget.Subscribe(ctx, &livechatv1.WidgetServiceSubscribeRequest{Cursor: cursor})
	if err != nil {
		t.Fatal(err)
	}
	return pump(t, func() (*livechatv1.Event, error) {
		r, err := st.Receive()
		return r.GetEvent(), err
	})
}

// TestLiveChat is a whole chat over live streams: a visitor writes from a
// website, an agent claims, replies and resolves from the dashboard, and the
// visitor sees each step as it happens (and never the agent's internal note).
func TestLiveChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop", AllowedOrigins: []string{shopOrigin}}).Widget
	visitor, started := e.visitor(t, w.SiteKey, shopOrigin)
	bystander, _ := e.visitor(t, w.SiteKey, shopOrigin)
	if started.Conversation != nil {
		t.Fatalf("a new visitor has no conversation: %v", started.Conversation)
	}
	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()

	agentStream, err := e.admin.Conversation.Subscribe(sctx, &livechatv1.SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	agentEvents := pump(t, func() (*livechatv1.Event, error) {
		r, err := agentStream.Receive()
		return r.GetEvent(), err
	})
	agentEvents.next(t, "agent READY", isReady, nil)

	visitorCtx, disconnect := context.WithCancel(sctx)
	visitorEvents := subscribeVisitor(t, visitorCtx, visitor, "")
	visitorEvents.next(t, "visitor READY", isReady, nil)
	// The agent's open stream makes them online, which the widget learns.
	visitorEvents.next(t, "agents online", func(ev *livechatv1.Event) bool { return ev.GetPresence().GetAgentsOnline() }, nil)
	cfg, err := visitor.Widget.GetWidgetConfig(ctx(t), &livechatv1.GetWidgetConfigRequest{SiteKey: w.SiteKey})
	if err != nil || !cfg.Config.AgentsOnline {
		t.Fatalf("config says no agent is online: %v, %v", cfg, err)
	}
	bystanderEvents := subscribeVisitor(t, sctx, bystander, "")
	bystanderEvents.next(t, "bystander READY", isReady, nil)

	// The visitor writes; the agent's inbox sees it live.
	sent, err := visitor.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "Where is my order?", ClientMessageId: "v-1"})
	if err != nil {
		t.Fatal(err)
	}
	convID := sent.Conversation.Id
	agentEvents.next(t, "the visitor's message at the agent", messageText("Where is my order?"), nil)
	visitorEvents.next(t, "the visitor's own message", messageText("Where is my order?"), nil)
	// The visitor's own read marker is not an agent's.
	if _, err := visitor.Widget.MarkRead(ctx(t), &livechatv1.WidgetServiceMarkReadRequest{}); err != nil {
		t.Fatal(err)
	}
	if page, err := visitor.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{}); err != nil || page.AgentsReadSeq != 0 {
		t.Fatalf("before any agent read: agents_read_seq %d, %v", page.GetAgentsReadSeq(), err)
	}

	// The agent claims: the visitor sees who took the chat.
	if _, err := e.admin.Conversation.ClaimConversation(ctx(t), &livechatv1.ClaimConversationRequest{ConversationId: convID}); err != nil {
		t.Fatal(err)
	}
	ev := visitorEvents.next(t, "the claim", func(ev *livechatv1.Event) bool {
		return ev.GetConversationUpdated().GetStatus() == livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE
	}, nil)
	if got := ev.GetConversationUpdated().GetAssigneeName(); got != "Boss" {
		t.Fatalf("assignee name %q", got)
	}

	// The agent types, writes an internal note and then replies: the visitor
	// sees the typing and the reply, never the note.
	if _, err := e.admin.Conversation.SetTyping(ctx(t), &livechatv1.SetTypingRequest{ConversationId: convID, Typing: true}); err != nil {
		t.Fatal(err)
	}
	typing := visitorEvents.next(t, "agent typing", func(ev *livechatv1.Event) bool { return ev.GetTyping() != nil }, nil)
	if typing.GetTyping().GetSenderType() != livechatv1.SenderType_SENDER_TYPE_AGENT || !typing.GetTyping().GetTyping() {
		t.Fatalf("typing %v", typing)
	}
	if _, err := e.admin.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: convID, Text: "VIP, be nice", Internal: true, ClientMessageId: "n-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: convID, Text: "It ships today.", ClientMessageId: "r-1"}); err != nil {
		t.Fatal(err)
	}
	isNote := messageText("VIP, be nice")
	reply := visitorEvents.next(t, "the reply", messageText("It ships today."), isNote)

	// The agent has read the conversation: the visitor learns that their
	// messages were seen, not which agent saw them.
	if _, err := e.admin.Conversation.MarkRead(ctx(t), &livechatv1.MarkReadRequest{ConversationId: convID}); err != nil {
		t.Fatal(err)
	}
	seen := visitorEvents.next(t, "the agent's read marker", func(ev *livechatv1.Event) bool {
		return ev.GetRead().GetReaderType() == livechatv1.SenderType_SENDER_TYPE_AGENT
	}, isNote).GetRead()
	if seen.ReaderId != "" || seen.Seq < 1 {
		t.Fatalf("read marker %v: want a seq and no reader id", seen)
	}
	// A page read later (after a reload) says so too.
	page, err := visitor.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if page.AgentsReadSeq != seen.Seq {
		t.Fatalf("ListMessages says agents read up to %d; the marker is at %d", page.AgentsReadSeq, seen.Seq)
	}

	// The visitor's connection drops; what the agent writes meanwhile
	// arrives when it resumes from the last cursor. (A message committed
	// just before the resume may come right after READY, live, if this
	// instance's reader has not read it yet: once either way.)
	disconnect()
	<-visitorEvents.errc
	if _, err := e.admin.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: convID, Text: "Anything else?", ClientMessageId: "r-2"}); err != nil {
		t.Fatal(err)
	}
	visitorEvents = subscribeVisitor(t, sctx, visitor, reply.Cursor)
	visitorEvents.next(t, "the missed message", messageText("Anything else?"), messageText("It ships today."))

	// The agent resolves.
	if _, err := e.admin.Conversation.SetConversationStatus(ctx(t), &livechatv1.SetConversationStatusRequest{
		ConversationId: convID, Status: livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED,
	}); err != nil {
		t.Fatal(err)
	}
	visitorEvents.next(t, "the resolution", func(ev *livechatv1.Event) bool {
		return ev.GetConversationUpdated().GetStatus() == livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED
	}, isNote)

	// The visitor's timeline has no note either.
	list, err := visitor.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list.Messages {
		if m.Internal || m.Text == "VIP, be nice" {
			t.Fatalf("visitor's timeline shows a note: %v", m)
		}
	}

	// Another visitor's stream saw none of it: the first message it gets
	// is its own.
	if _, err := bystander.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "Hello?", ClientMessageId: "b-1"}); err != nil {
		t.Fatal(err)
	}
	bystanderEvents.next(t, "the bystander's own message", messageText("Hello?"), anyMessage)

	cancel()
	for _, es := range []*events{agentEvents, visitorEvents, bystanderEvents} {
		select {
		case err := <-es.errc:
			if !errors.Is(err, io.EOF) && connect.CodeOf(err) != connect.CodeCanceled {
				t.Logf("stream ended with %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a stream did not end after cancel")
		}
	}
}
