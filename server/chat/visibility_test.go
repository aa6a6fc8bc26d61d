package chat_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/chat"
)

// TestVisitorEvent is the rule of what a visitor sees of an event, case by
// case; the realtime hub delivers what it says (server/widgets' live tests
// prove it on the real server).
func TestVisitorEvent(t *testing.T) {
	t.Parallel()
	agent := uuid.New()
	note := &chat.Message{ID: uuid.New(), Internal: true, Text: "refund approved"}
	reply := &chat.Message{ID: uuid.New(), Text: "on its way"}

	t.Run("an internal note is hidden", func(t *testing.T) {
		if _, visible, _ := chat.VisitorEvent(chat.Event{Message: note}); visible {
			t.Fatal("a visitor sees a note")
		}
	})
	t.Run("a reply is shown as it is", func(t *testing.T) {
		out, visible, changed := chat.VisitorEvent(chat.Event{Message: reply})
		if !visible || changed || out.Message != reply {
			t.Fatalf("got %+v visible=%v changed=%v", out, visible, changed)
		}
	})
	t.Run("a snapshot loses a note as preview and the agents' unread count", func(t *testing.T) {
		c := &chat.Conversation{ID: uuid.New(), LastMessage: note, UnreadCount: 3}
		out, visible, changed := chat.VisitorEvent(chat.Event{Conversation: c})
		if !visible || !changed || out.Conversation.LastMessage != nil || out.Conversation.UnreadCount != 0 {
			t.Fatalf("got %+v visible=%v changed=%v", out.Conversation, visible, changed)
		}
		if c.LastMessage != note || c.UnreadCount != 3 {
			t.Fatal("the agents' event was modified")
		}
	})
	t.Run("a snapshot with nothing to hide is shared", func(t *testing.T) {
		c := &chat.Conversation{ID: uuid.New(), LastMessage: reply}
		out, visible, changed := chat.VisitorEvent(chat.Event{Conversation: c})
		if !visible || changed || out.Conversation != c {
			t.Fatalf("got %+v visible=%v changed=%v", out.Conversation, visible, changed)
		}
	})
	t.Run("an agent's read marker does not say which agent", func(t *testing.T) {
		r := &chat.Read{ReaderType: chat.SenderAgent, ReaderID: agent, Seq: 4}
		out, visible, changed := chat.VisitorEvent(chat.Event{Read: r})
		if !visible || !changed || out.Read.ReaderID != uuid.Nil || out.Read.Seq != 4 || r.ReaderID != agent {
			t.Fatalf("got %+v visible=%v changed=%v", out.Read, visible, changed)
		}
	})
	t.Run("the customer's own read marker is shown", func(t *testing.T) {
		r := &chat.Read{ReaderType: chat.SenderCustomer, ReaderID: uuid.New(), Seq: 2}
		if out, visible, changed := chat.VisitorEvent(chat.Event{Read: r}); !visible || changed || out.Read != r {
			t.Fatalf("got %+v", out.Read)
		}
	})
}
