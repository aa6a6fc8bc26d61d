package chat_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
)

func TestIdempotentSends(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, _ := e.agent("Lan", principal.RoleAgent)
	cust := e.customer("Ann", "")
	cid := e.open(cust, "first").ID

	t.Run("agent: sequential duplicate returns the first message", func(t *testing.T) {
		a, err := e.send(lan, cid, "hello", false, "k1")
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.send(lan, cid, "hello again", false, "k1")
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != b.ID || b.Text != "hello" || b.Seq != a.Seq {
			t.Fatalf("retry returned %v, want %v", b, a)
		}
		if n := e.count(`SELECT count(*) FROM messages WHERE client_message_id = 'k1'`); n != 1 {
			t.Fatalf("%d messages stored, want 1", n)
		}
	})
	t.Run("agent: concurrent duplicates store one message", func(t *testing.T) {
		seqBefore := lastSeq(t, e, cid)
		eventsBefore := e.count(`SELECT count(*) FROM events`)
		ids := make([]string, 8)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Go(func() {
				m, err := e.send(lan, cid, "same", false, "k2")
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = m.ID.String()
			})
		}
		wg.Wait()
		for _, x := range ids {
			if x != ids[0] {
				t.Fatalf("different messages returned: %v", ids)
			}
		}
		if got := lastSeq(t, e, cid); got != seqBefore+1 {
			t.Errorf("last_seq %d, want %d", got, seqBefore+1)
		}
		if got := e.count(`SELECT count(*) FROM events`); got != eventsBefore+1 {
			t.Errorf("%d events written, want 1", got-eventsBefore)
		}
	})
	t.Run("customer: sequential and concurrent duplicates", func(t *testing.T) {
		var wg sync.WaitGroup
		ids := make([]string, 8)
		for i := range ids {
			wg.Go(func() {
				m, _, err := e.svc.SendVisitorMessage(context.Background(), e.visitor(cust), "same", "c1")
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = m.ID.String()
			})
		}
		wg.Wait()
		m, _, err := e.svc.SendVisitorMessage(context.Background(), e.visitor(cust), "same", "c1")
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ids {
			if x != m.ID.String() {
				t.Fatalf("different messages returned: %v vs %s", ids, m.ID)
			}
		}
	})
	t.Run("customer: concurrent first messages open one conversation", func(t *testing.T) {
		fresh := e.customer("Bob", "")
		var wg sync.WaitGroup
		convs := make([]string, 6)
		for i := range convs {
			wg.Go(func() {
				_, c, err := e.svc.SendVisitorMessage(context.Background(), e.visitor(fresh), fmt.Sprint("hi ", i), fmt.Sprint("first-", i))
				if err != nil {
					t.Error(err)
					return
				}
				convs[i] = c.ID.String()
			})
		}
		wg.Wait()
		if n := e.count(`SELECT count(*) FROM conversations WHERE customer_id = $1`, fresh); n != 1 {
			t.Fatalf("%d conversations, want 1", n)
		}
		if n := e.count(`SELECT count(*) FROM messages WHERE sender_id = $1`, fresh); n != 6 {
			t.Fatalf("%d messages, want 6", n)
		}
	})
	t.Run("an agent's key is per conversation", func(t *testing.T) {
		other := e.open(e.customer("Cy", ""), "x").ID
		a, _ := e.send(lan, cid, "one", false, "shared")
		b, err := e.send(lan, other, "two", false, "shared")
		if err != nil || a.ID == b.ID {
			t.Fatalf("got %v, %v", b, err)
		}
	})
}

func TestInternalNotesNeverReachCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, _ := e.agent("Lan", principal.RoleAgent)
	cust := e.customer("Ann", "")
	cid := e.open(cust, "hello").ID
	if _, err := e.send(lan, cid, "public reply", false, "r1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.send(lan, cid, "secret: refund approved", true, "n1"); err != nil {
		t.Fatal(err)
	}
	ms, _, err := e.visitorMessages(cust, uuid.Nil, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	// hello, the line of the claim the first reply made, the reply.
	if len(ms) != 3 {
		t.Fatalf("customer sees %d messages, want 3", len(ms))
	}
	for _, m := range ms {
		if m.Internal || strings.Contains(m.Text, "secret") {
			t.Fatalf("customer sees a note: %v", m)
		}
	}
	c, err := e.svc.VisitorConversation(context.Background(), e.visitor(cust))
	if err != nil {
		t.Fatal(err)
	}
	if c.LastMessage == nil || c.LastMessage.Text != "public reply" || c.UnreadCount != 1 {
		t.Errorf("customer preview %v unread %d, want the reply and 1", c.LastMessage, c.UnreadCount)
	}
	agentView, _, err := e.messages(lan, cid, 0, 0, 0)
	if err != nil || len(agentView) != 4 || !agentView[3].Internal {
		t.Fatalf("agents see %v, %v; want 4 with the note", agentView, err)
	}
	if n := e.count(`SELECT count(*) FROM events WHERE kind = 'message_created' AND internal`); n != 1 {
		t.Errorf("%d internal message events, want 1", n)
	}
	t.Run("a note may go into a closed conversation, a reply may not", func(t *testing.T) {
		// The first reply claimed it: it is active, Lan's, and may close.
		if _, err := e.svc.SetConversationStatus(bg, lan, cid, chat.StatusClosed); err != nil {
			t.Fatal(err)
		}
		_, err := e.send(lan, cid, "late reply", false, "r2")
		wantCode(t, err, apperr.CodeFailedPrecondition)
		if _, err := e.send(lan, cid, "late note", true, "n2"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("another customer's conversation is not found", func(t *testing.T) {
		_, _, err := e.visitorMessages(e.customer("Eve", ""), cid, 0, 0, 0)
		wantCode(t, err, apperr.CodeNotFound)
	})
}

func TestPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, _ := e.agent("Lan", principal.RoleAgent)
	cust := e.customer("Ann", "")
	cid := e.open(cust, "m1").ID
	for i := 2; i <= 25; i++ {
		if _, _, err := e.svc.SendVisitorMessage(context.Background(), e.visitor(cust), fmt.Sprint("m", i), fmt.Sprint("k", i)); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("backwards from the newest page, no gaps or duplicates", func(t *testing.T) {
		var seen []int64
		ms, more, err := e.messages(lan, cid, 0, 0, 10)
		for {
			if err != nil {
				t.Fatal(err)
			}
			page := make([]int64, len(ms))
			for i, m := range ms {
				page[i] = m.Seq
			}
			seen = append(page, seen...)
			if !more {
				break
			}
			ms, more, err = e.messages(lan, cid, ms[0].Seq, 0, 10)
		}
		checkRun(t, seen, 1, 25)
	})
	t.Run("forwards while new messages arrive", func(t *testing.T) {
		// The first page is the oldest one (seqs start at 1); then forward.
		ms, _, err := e.messages(lan, cid, 8, 0, 7)
		if err != nil {
			t.Fatal(err)
		}
		var seen []int64
		for _, m := range ms {
			seen = append(seen, m.Seq)
		}
		after := seen[len(seen)-1]
		sent := 25
		for range 20 {
			ms, more, err := e.messages(lan, cid, 0, after, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				seen = append(seen, m.Seq)
			}
			if len(ms) > 0 {
				after = ms[len(ms)-1].Seq
			}
			if sent < 40 { // someone keeps writing between pages
				sent++
				if _, err := e.send(lan, cid, fmt.Sprint("r", sent), false, fmt.Sprint("r", sent)); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if !more {
				break
			}
		}
		// 25 customer messages, the claim line of the first reply, 15 replies.
		checkRun(t, seen, 1, 41)
	})
	t.Run("customers page without notes", func(t *testing.T) {
		if _, err := e.send(lan, cid, "note", true, "note-1"); err != nil {
			t.Fatal(err)
		}
		ms, _, err := e.visitorMessages(cust, cid, 0, 0, 200)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 41 {
			t.Fatalf("customer sees %d messages, want 41", len(ms))
		}
	})
}

// checkRun fails unless seqs are exactly from..to in order.
func checkRun(t *testing.T, seqs []int64, from, to int64) {
	t.Helper()
	if int64(len(seqs)) != to-from+1 {
		t.Fatalf("got %d seqs %v, want %d..%d", len(seqs), seqs, from, to)
	}
	for i, s := range seqs {
		if s != from+int64(i) {
			t.Fatalf("seq %d at position %d, want %d: %v", s, i, from+int64(i), seqs)
		}
	}
}

func TestBadInputs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, _ := e.agent("Lan", principal.RoleAgent)
	cust := e.customer("Ann", "")
	cid := e.open(cust, "hello").ID
	long := strings.Repeat("é", limits.MessageText+1)
	cases := []struct {
		name string
		call func() error
		code apperr.Code
	}{
		{"empty text", func() error { _, err := e.send(lan, cid, "  \n\t ", false, "a"); return err }, apperr.CodeInvalid},
		{"text over 4000 characters", func() error { _, err := e.send(lan, cid, long, false, "a"); return err }, apperr.CodeInvalid},
		{"invalid UTF-8", func() error { _, err := e.send(lan, cid, "bad \xff", false, "a"); return err }, apperr.CodeInvalid},
		{"control character", func() error { _, err := e.send(lan, cid, "bell \a", false, "a"); return err }, apperr.CodeInvalid},
		{"carriage return", func() error { _, err := e.send(lan, cid, "a\rb", false, "a"); return err }, apperr.CodeInvalid},
		{"missing client_message_id", func() error { _, err := e.send(lan, cid, "hi", false, ""); return err }, apperr.CodeInvalid},
		{"client_message_id over 64", func() error {
			_, err := e.send(lan, cid, "hi", false, strings.Repeat("k", 65))
			return err
		}, apperr.CodeInvalid},
		{"customer: empty text", func() error {
			_, _, err := e.svc.SendVisitorMessage(context.Background(), e.visitor(cust), "", "a")
			return err
		}, apperr.CodeInvalid},
		{"customer: unknown customer", func() error {
			_, _, err := e.svc.SendVisitorMessage(context.Background(), e.visitor(uuid.New()), "hi", "a")
			return err
		}, apperr.CodeNotFound},
		{"send to unknown conversation", func() error { _, err := e.send(lan, uuid.New(), "hi", false, "a"); return err }, apperr.CodeNotFound},
		{"both cursors", func() error { _, _, err := e.messages(lan, cid, 5, 2, 0); return err }, apperr.CodeInvalid},
		{"negative cursor", func() error { _, _, err := e.messages(lan, cid, -1, 0, 0); return err }, apperr.CodeInvalid},
		{"message page over 200", func() error { _, _, err := e.messages(lan, cid, 0, 0, 201); return err }, apperr.CodeInvalid},
		{"messages of unknown conversation", func() error { _, _, err := e.messages(lan, uuid.New(), 0, 0, 0); return err }, apperr.CodeNotFound},
		{"conversation page over 100", func() error {
			_, err := e.svc.ListConversations(bg, lan, chat.ListFilter{PageSize: 101})
			return err
		}, apperr.CodeInvalid},
		{"query over 200", func() error {
			_, err := e.svc.ListConversations(bg, lan, chat.ListFilter{Query: strings.Repeat("q", 201)})
			return err
		}, apperr.CodeInvalid},
		{"NUL in the query", func() error {
			_, err := e.svc.ListConversations(bg, lan, chat.ListFilter{Query: "order\x00"})
			return err
		}, apperr.CodeInvalid},
		{"malformed page token", func() error {
			_, err := e.svc.ListConversations(bg, lan, chat.ListFilter{PageToken: "nope!"})
			return err
		}, apperr.CodeInvalid},
		{"unknown status filter", func() error {
			_, err := e.svc.ListConversations(bg, lan, chat.ListFilter{Statuses: []chat.Status{"bogus"}})
			return err
		}, apperr.CodeInvalid},
		{"set status WAITING", func() error {
			_, err := e.svc.SetConversationStatus(bg, lan, cid, chat.StatusWaiting)
			return err
		}, apperr.CodeInvalid},
		{"set status UNSPECIFIED", func() error {
			_, err := e.svc.SetConversationStatus(bg, lan, cid, "")
			return err
		}, apperr.CodeInvalid},
		{"claim unknown conversation", func() error { _, err := e.svc.ClaimConversation(bg, lan, uuid.New()); return err }, apperr.CodeNotFound},
		{"get unknown conversation", func() error { _, _, err := e.svc.GetConversation(bg, lan, uuid.New()); return err }, apperr.CodeNotFound},
		{"typing in unknown conversation", func() error { return e.svc.SetTyping(bg, lan, uuid.New(), true) }, apperr.CodeNotFound},
		{"mark read of unknown conversation", func() error { return e.svc.MarkRead(bg, lan, uuid.New(), 0) }, apperr.CodeNotFound},
		{"mark read negative seq", func() error { return e.svc.MarkRead(bg, lan, cid, -3) }, apperr.CodeInvalid},
		{"malformed id", func() error { _, err := protoconv.ParseID("conversation_id", "123"); return err }, apperr.CodeInvalid},
		{"missing id", func() error { _, err := protoconv.ParseID("conversation_id", ""); return err }, apperr.CodeInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.call(), tc.code)
		})
	}
	if n := e.count(`SELECT count(*) FROM messages`); n != 1 {
		t.Errorf("bad inputs stored messages: %d, want 1", n)
	}
}

func TestTextIsTrimmedAndKeepsNewlines(t *testing.T) {
	t.Parallel()
	got, err := limits.Clean("text", "  line one\n\tline two  \n", limits.MessageText, true)
	if err != nil || got != "line one\n\tline two" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := limits.Clean("text", strings.Repeat("é", limits.MessageText), limits.MessageText, true); err != nil {
		t.Fatalf("4000 characters refused: %v", err)
	}
}

// messages pages through a timeline as an agent.
func (e *env) messages(a principal.Agent, cid uuid.UUID, before, after int64, size int32) ([]chat.Message, bool, error) {
	p, err := e.svc.ListMessages(bg, a, cid, chat.MessageQuery{BeforeSeq: before, AfterSeq: after, PageSize: size})
	return p.Messages, p.HasMore, err
}

// visitorMessages pages through a timeline as its visitor; uuid.Nil is
// their current conversation.
func (e *env) visitorMessages(customerID, cid uuid.UUID, before, after int64, size int32) ([]chat.Message, bool, error) {
	var id *uuid.UUID
	if cid != uuid.Nil {
		id = &cid
	}
	p, err := e.svc.ListVisitorMessages(bg, e.visitor(customerID), id, chat.MessageQuery{BeforeSeq: before, AfterSeq: after, PageSize: size})
	return p.Messages, p.HasMore, err
}
