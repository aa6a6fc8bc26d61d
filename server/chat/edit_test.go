package chat_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/realtime"
)

// visitorMessages is the customer's current timeline as they see it.
func visitorMessages(t *testing.T, e *env, customer uuid.UUID) []chat.Message {
	t.Helper()
	page, err := e.svc.ListVisitorMessages(bg, e.visitor(customer), nil, chat.MessageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return page.Messages
}

// wantDomainReason fails unless the domain error err carries reason.
func wantDomainReason(t *testing.T, err error, reason apperr.Reason) {
	t.Helper()
	if !apperr.Is(err, reason) {
		t.Fatalf("got %v, want reason %s", err, reason)
	}
}

func TestEditAndDeleteOwnMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, _ := e.agent("Lan", principal.RoleAgent)
	mai, _ := e.agent("Mai", principal.RoleAdmin)
	ann := e.customer("Ann", "")
	bob := e.customer("Bob", "")
	cid := e.open(ann, "my order numbr is 42").ID
	e.open(bob, "hi")
	annFirst := visitorMessages(t, e, ann)[0]
	reply, err := e.send(lan, cid, "Lookng into it", false, "r1")
	if err != nil {
		t.Fatal(err)
	}
	note, err := e.send(lan, cid, "VIP customer", true, "n1")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a message says until when it may be changed", func(t *testing.T) {
		if reply.EditableUntil == nil || !reply.EditableUntil.Equal(reply.CreatedAt.Add(chat.DefaultEditWindow)) {
			t.Fatalf("EditableUntil = %v, want created + %s", reply.EditableUntil, chat.DefaultEditWindow)
		}
	})
	t.Run("the agent edits their reply", func(t *testing.T) {
		m, err := e.svc.EditMessage(bg, lan, reply.ID, "  Looking into it  ")
		if err != nil {
			t.Fatal(err)
		}
		if m.Text != "Looking into it" || m.EditedAt == nil || m.DeletedAt != nil || m.Seq != reply.Seq {
			t.Fatalf("edited message = %+v", m)
		}
	})
	t.Run("the visitor edits their message", func(t *testing.T) {
		m, err := e.svc.EditVisitorMessage(bg, e.visitor(ann), annFirst.ID, "my order number is 42")
		if err != nil {
			t.Fatal(err)
		}
		if m.Text != "my order number is 42" || m.EditedAt == nil {
			t.Fatalf("edited message = %+v", m)
		}
	})
	t.Run("the agent edits their note; it stays internal", func(t *testing.T) {
		m, err := e.svc.EditMessage(bg, lan, note.ID, "VIP customer, be quick")
		if err != nil {
			t.Fatal(err)
		}
		if !m.Internal {
			t.Fatal("the note became public")
		}
	})
	t.Run("only the sender", func(t *testing.T) {
		_, err := e.svc.EditMessage(bg, mai, reply.ID, "mine now")
		wantDomainReason(t, err, apperr.NotMessageSender)
		_, err = e.svc.DeleteMessage(bg, mai, reply.ID)
		wantDomainReason(t, err, apperr.NotMessageSender)
		_, err = e.svc.EditMessage(bg, lan, annFirst.ID, "agent rewrites the customer")
		wantDomainReason(t, err, apperr.NotMessageSender)
		// A visitor cannot change an agent's reply in their own conversation…
		_, err = e.svc.EditVisitorMessage(bg, e.visitor(ann), reply.ID, "x")
		wantDomainReason(t, err, apperr.NotMessageSender)
		// …and learns nothing of notes or of other visitors' messages.
		_, err = e.svc.DeleteVisitorMessage(bg, e.visitor(ann), note.ID)
		wantDomainReason(t, err, apperr.MessageNotFound)
		_, err = e.svc.EditVisitorMessage(bg, e.visitor(bob), annFirst.ID, "x")
		wantDomainReason(t, err, apperr.MessageNotFound)
		_, err = e.svc.EditMessage(bg, lan, uuid.New(), "x")
		wantDomainReason(t, err, apperr.MessageNotFound)
	})
	t.Run("text is validated as for sending", func(t *testing.T) {
		_, err := e.svc.EditMessage(bg, lan, reply.ID, "   ")
		wantDomainReason(t, err, apperr.TextEmpty)
		_, err = e.svc.EditVisitorMessage(bg, e.visitor(ann), annFirst.ID, strings.Repeat("x", 4001))
		wantDomainReason(t, err, apperr.TextTooLong)
	})
	t.Run("the visitor deletes their message; it stays in the timeline, empty", func(t *testing.T) {
		m, err := e.svc.DeleteVisitorMessage(bg, e.visitor(ann), annFirst.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Text != "" || m.DeletedAt == nil || m.EditableUntil != nil {
			t.Fatalf("deleted message = %+v", m)
		}
		_, err = e.svc.EditVisitorMessage(bg, e.visitor(ann), annFirst.ID, "back")
		wantDomainReason(t, err, apperr.MessageDeleted)
		_, err = e.svc.DeleteVisitorMessage(bg, e.visitor(ann), annFirst.ID)
		wantDomainReason(t, err, apperr.MessageDeleted)
		for _, m := range visitorMessages(t, e, ann) {
			if m.ID == annFirst.ID && (m.Text != "" || m.DeletedAt == nil) {
				t.Fatalf("the visitor's timeline shows %+v", m)
			}
		}
	})
	t.Run("the window closes", func(t *testing.T) {
		late := chat.New(e.pool, e.hub)
		late.Now = func() time.Time { return time.Now().Add(chat.DefaultEditWindow + time.Second) }
		_, err := late.EditMessage(bg, lan, reply.ID, "too late")
		wantDomainReason(t, err, apperr.EditWindowPassed)
		_, err = late.DeleteMessage(bg, lan, note.ID)
		wantDomainReason(t, err, apperr.EditWindowPassed)
		// A longer window set by the installation lets it through.
		late.EditWindow = time.Hour
		if _, err := late.EditMessage(bg, lan, reply.ID, "Looking into it now"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("admins read every replaced text, oldest first", func(t *testing.T) {
		revs, err := e.svc.MessageRevisions(bg, reply.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(revs) != 2 || revs[0].Text != "Lookng into it" || revs[1].Text != "Looking into it" || revs[0].Deleted {
			t.Fatalf("revisions = %+v", revs)
		}
		revs, err = e.svc.MessageRevisions(bg, annFirst.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(revs) != 2 || revs[0].Text != "my order numbr is 42" || revs[1].Text != "my order number is 42" || !revs[1].Deleted {
			t.Fatalf("revisions = %+v", revs)
		}
		_, err = e.svc.MessageRevisions(bg, uuid.New())
		wantDomainReason(t, err, apperr.MessageNotFound)
	})
	t.Run("search finds the text as it is now, not a replaced one", func(t *testing.T) {
		page, err := e.svc.ListConversations(bg, lan, chat.ListFilter{Query: "numbr"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Conversations) != 0 {
			t.Fatalf("found %d conversations by a replaced text", len(page.Conversations))
		}
	})
}

// TestEditEvents checks the events of changes: one message_updated per
// change with the message's internal flag, loaded as the message is now
// (for a replay of its creation too), and never with a replaced text in
// what the visitor sees.
func TestEditEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, _ := e.agent("Lan", principal.RoleAgent)
	ann := e.customer("Ann", "")
	cid := e.open(ann, "secret: hunter2").ID
	first := visitorMessages(t, e, ann)[0]
	note, err := e.send(lan, cid, "a note", true, "n1")
	if err != nil {
		t.Fatal(err)
	}
	before := e.hub.commits()
	// Another instance makes the change: this one still holds the message
	// as it wrote it.
	if _, err := chat.New(e.pool, e.hub).EditVisitorMessage(bg, e.visitor(ann), first.ID, "secret: (removed)"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeleteMessage(bg, lan, note.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.hub.commits() - before; got != 2 {
		t.Fatalf("Committed called %d times for two changes", got)
	}

	rows := eventRows(t, e)
	var updated []realtime.EventRow
	for _, r := range rows {
		if r.Kind == realtime.KindMessageUpdated {
			updated = append(updated, r)
		}
	}
	if len(updated) != 2 || *updated[0].MessageID != first.ID || updated[0].Internal || *updated[1].MessageID != note.ID || !updated[1].Internal {
		t.Fatalf("message_updated rows = %+v", updated)
	}
	// Loaded by a fresh service, as another instance or a resumed stream
	// would: nothing comes from this instance's memory.
	other := chat.New(e.pool, nil)
	evs, err := other.LoadEvents(bg, rows)
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range evs {
		if ev.Message == nil {
			continue
		}
		if strings.Contains(ev.Message.Text, "hunter2") {
			t.Fatalf("event %d (%s) shows the replaced text", i, rows[i].Kind)
		}
		if ev.Updated != (rows[i].Kind == realtime.KindMessageUpdated) {
			t.Fatalf("event %d: Updated = %v for %s", i, ev.Updated, rows[i].Kind)
		}
		v, visible, _ := chat.VisitorEvent(ev)
		if ev.Message.ID == note.ID && visible {
			t.Fatal("the visitor sees the note's change")
		}
		if ev.Message.ID == first.ID && (!visible || v.Message.EditedAt == nil || v.Message.Text != "secret: (removed)") {
			t.Fatalf("the visitor sees %+v (visible %v)", v.Message, visible)
		}
	}
	// The instance that wrote the message forgets its copy on loading the
	// change, so it too replays the creation as the message is now.
	evs, err = e.svc.LoadEvents(bg, rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Message != nil && strings.Contains(ev.Message.Text, "hunter2") {
			t.Fatal("the writing instance replays the replaced text")
		}
	}
}
