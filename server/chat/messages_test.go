package chat_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/principal"
)

func TestIdempotentSends(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, _ := e.agent("Lan", principal.RoleAgent)
	cust := e.customer("Ann", "")
	cid := id(t, e.open(cust, "first").Id)

	t.Run("agent: sequential duplicate returns the first message", func(t *testing.T) {
		a, err := e.svc.SendMessage(lan, cid, "hello", false, "k1")
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.svc.SendMessage(lan, cid, "hello again", false, "k1")
		if err != nil {
			t.Fatal(err)
		}
		if a.Id != b.Id || b.Text != "hello" || b.Seq != a.Seq {
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
				m, err := e.svc.SendMessage(lan, cid, "same", false, "k2")
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = m.Id
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
				m, _, err := e.svc.SendCustomerMessage(context.Background(), cust, e.widget, "same", "c1")
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = m.Id
			})
		}
		wg.Wait()
		m, _, err := e.svc.SendCustomerMessage(context.Background(), cust, e.widget, "same", "c1")
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ids {
			if x != m.Id {
				t.Fatalf("different messages returned: %v vs %s", ids, m.Id)
			}
		}
	})
	t.Run("customer: concurrent first messages open one conversation", func(t *testing.T) {
		fresh := e.customer("Bob", "")
		var wg sync.WaitGroup
		convs := make([]string, 6)
		for i := range convs {
			wg.Go(func() {
				_, c, err := e.svc.SendCustomerMessage(context.Background(), fresh, e.widget, fmt.Sprint("hi ", i), fmt.Sprint("first-", i))
				if err != nil {
					t.Error(err)
					return
				}
				convs[i] = c.Id
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
		other := id(t, e.open(e.customer("Cy", ""), "x").Id)
		a, _ := e.svc.SendMessage(lan, cid, "one", false, "shared")
		b, err := e.svc.SendMessage(lan, other, "two", false, "shared")
		if err != nil || a.Id == b.Id {
			t.Fatalf("got %v, %v", b, err)
		}
	})
}

func TestInternalNotesNeverReachCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, _ := e.agent("Lan", principal.RoleAgent)
	cust := e.customer("Ann", "")
	cid := id(t, e.open(cust, "hello").Id)
	if _, err := e.svc.SendMessage(lan, cid, "public reply", false, "r1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SendMessage(lan, cid, "secret: refund approved", true, "n1"); err != nil {
		t.Fatal(err)
	}
	ms, _, err := e.svc.ListCustomerMessages(context.Background(), cust, uuid.Nil, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("customer sees %d messages, want 2", len(ms))
	}
	for _, m := range ms {
		if m.Internal || strings.Contains(m.Text, "secret") {
			t.Fatalf("customer sees a note: %v", m)
		}
	}
	c, err := e.svc.CustomerConversation(context.Background(), cust)
	if err != nil {
		t.Fatal(err)
	}
	if c.LastMessage.GetText() != "public reply" || c.UnreadCount != 1 {
		t.Errorf("customer preview %q unread %d, want the reply and 1", c.LastMessage.GetText(), c.UnreadCount)
	}
	agentView, _, err := e.svc.ListMessages(lan, cid, 0, 0, 0)
	if err != nil || len(agentView) != 3 || !agentView[2].Internal {
		t.Fatalf("agents see %v, %v; want 3 with the note", agentView, err)
	}
	if n := e.count(`SELECT count(*) FROM events WHERE kind = 'message_created' AND internal`); n != 1 {
		t.Errorf("%d internal message events, want 1", n)
	}
	t.Run("a note may go into a closed conversation, a reply may not", func(t *testing.T) {
		if _, err := e.svc.ClaimConversation(lan, cid); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SetConversationStatus(lan, cid, livechatv1.ConversationStatus_CONVERSATION_STATUS_CLOSED); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.SendMessage(lan, cid, "late reply", false, "r2")
		wantCode(t, err, apperr.CodeFailedPrecondition)
		if _, err := e.svc.SendMessage(lan, cid, "late note", true, "n2"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("another customer's conversation is not found", func(t *testing.T) {
		_, _, err := e.svc.ListCustomerMessages(context.Background(), e.customer("Eve", ""), cid, 0, 0, 0)
		wantCode(t, err, apperr.CodeNotFound)
	})
}

func TestPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, _ := e.agent("Lan", principal.RoleAgent)
	cust := e.customer("Ann", "")
	cid := id(t, e.open(cust, "m1").Id)
	for i := 2; i <= 25; i++ {
		if _, _, err := e.svc.SendCustomerMessage(context.Background(), cust, e.widget, fmt.Sprint("m", i), fmt.Sprint("k", i)); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("backwards from the newest page, no gaps or duplicates", func(t *testing.T) {
		var seen []int64
		ms, more, err := e.svc.ListMessages(lan, cid, 0, 0, 10)
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
			ms, more, err = e.svc.ListMessages(lan, cid, ms[0].Seq, 0, 10)
		}
		checkRun(t, seen, 1, 25)
	})
	t.Run("forwards while new messages arrive", func(t *testing.T) {
		// The first page is the oldest one (seqs start at 1); then forward.
		ms, _, err := e.svc.ListMessages(lan, cid, 8, 0, 7)
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
			ms, more, err := e.svc.ListMessages(lan, cid, 0, after, 7)
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
				if _, err := e.svc.SendMessage(lan, cid, fmt.Sprint("r", sent), false, fmt.Sprint("r", sent)); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if !more {
				break
			}
		}
		checkRun(t, seen, 1, 40)
	})
	t.Run("customers page without notes", func(t *testing.T) {
		if _, err := e.svc.SendMessage(lan, cid, "note", true, "note-1"); err != nil {
			t.Fatal(err)
		}
		ms, _, err := e.svc.ListCustomerMessages(context.Background(), cust, cid, 0, 0, 200)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 40 {
			t.Fatalf("customer sees %d messages, want 40", len(ms))
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
	cid := id(t, e.open(cust, "hello").Id)
	long := strings.Repeat("é", chat.MaxTextLen+1)
	cases := []struct {
		name string
		call func() error
		code apperr.Code
	}{
		{"empty text", func() error { _, err := e.svc.SendMessage(lan, cid, "  \n\t ", false, "a"); return err }, apperr.CodeInvalid},
		{"text over 4000 characters", func() error { _, err := e.svc.SendMessage(lan, cid, long, false, "a"); return err }, apperr.CodeInvalid},
		{"invalid UTF-8", func() error { _, err := e.svc.SendMessage(lan, cid, "bad \xff", false, "a"); return err }, apperr.CodeInvalid},
		{"control character", func() error { _, err := e.svc.SendMessage(lan, cid, "bell \a", false, "a"); return err }, apperr.CodeInvalid},
		{"carriage return", func() error { _, err := e.svc.SendMessage(lan, cid, "a\rb", false, "a"); return err }, apperr.CodeInvalid},
		{"missing client_message_id", func() error { _, err := e.svc.SendMessage(lan, cid, "hi", false, ""); return err }, apperr.CodeInvalid},
		{"client_message_id over 64", func() error {
			_, err := e.svc.SendMessage(lan, cid, "hi", false, strings.Repeat("k", 65))
			return err
		}, apperr.CodeInvalid},
		{"customer: empty text", func() error {
			_, _, err := e.svc.SendCustomerMessage(context.Background(), cust, e.widget, "", "a")
			return err
		}, apperr.CodeInvalid},
		{"customer: unknown customer", func() error {
			_, _, err := e.svc.SendCustomerMessage(context.Background(), uuid.New(), e.widget, "hi", "a")
			return err
		}, apperr.CodeNotFound},
		{"send to unknown conversation", func() error { _, err := e.svc.SendMessage(lan, uuid.New(), "hi", false, "a"); return err }, apperr.CodeNotFound},
		{"both cursors", func() error { _, _, err := e.svc.ListMessages(lan, cid, 5, 2, 0); return err }, apperr.CodeInvalid},
		{"negative cursor", func() error { _, _, err := e.svc.ListMessages(lan, cid, -1, 0, 0); return err }, apperr.CodeInvalid},
		{"message page over 200", func() error { _, _, err := e.svc.ListMessages(lan, cid, 0, 0, 201); return err }, apperr.CodeInvalid},
		{"messages of unknown conversation", func() error { _, _, err := e.svc.ListMessages(lan, uuid.New(), 0, 0, 0); return err }, apperr.CodeNotFound},
		{"conversation page over 100", func() error {
			_, err := e.svc.ListConversations(lan, &livechatv1.ListConversationsRequest{PageSize: 101})
			return err
		}, apperr.CodeInvalid},
		{"query over 200", func() error {
			_, err := e.svc.ListConversations(lan, &livechatv1.ListConversationsRequest{Query: strings.Repeat("q", 201)})
			return err
		}, apperr.CodeInvalid},
		{"NUL in the query", func() error {
			_, err := e.svc.ListConversations(lan, &livechatv1.ListConversationsRequest{Query: "order\x00"})
			return err
		}, apperr.CodeInvalid},
		{"malformed page token", func() error {
			_, err := e.svc.ListConversations(lan, &livechatv1.ListConversationsRequest{PageToken: "nope!"})
			return err
		}, apperr.CodeInvalid},
		{"unknown status filter", func() error {
			_, err := e.svc.ListConversations(lan, &livechatv1.ListConversationsRequest{Statuses: []livechatv1.ConversationStatus{99}})
			return err
		}, apperr.CodeInvalid},
		{"set status WAITING", func() error {
			_, err := e.svc.SetConversationStatus(lan, cid, livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING)
			return err
		}, apperr.CodeInvalid},
		{"set status UNSPECIFIED", func() error {
			_, err := e.svc.SetConversationStatus(lan, cid, livechatv1.ConversationStatus_CONVERSATION_STATUS_UNSPECIFIED)
			return err
		}, apperr.CodeInvalid},
		{"claim unknown conversation", func() error { _, err := e.svc.ClaimConversation(lan, uuid.New()); return err }, apperr.CodeNotFound},
		{"get unknown conversation", func() error { _, _, err := e.svc.GetConversation(lan, uuid.New()); return err }, apperr.CodeNotFound},
		{"typing in unknown conversation", func() error { return e.svc.SetTyping(lan, uuid.New(), true) }, apperr.CodeNotFound},
		{"mark read of unknown conversation", func() error { return e.svc.MarkRead(lan, uuid.New(), 0) }, apperr.CodeNotFound},
		{"mark read negative seq", func() error { return e.svc.MarkRead(lan, cid, -3) }, apperr.CodeInvalid},
		{"malformed id", func() error { _, err := chat.ParseID("conversation_id", "123"); return err }, apperr.CodeInvalid},
		{"missing id", func() error { _, err := chat.ParseID("conversation_id", ""); return err }, apperr.CodeInvalid},
		{"not an agent", func() error { _, err := e.svc.ClaimConversation(context.Background(), cid); return err }, apperr.CodeUnauthenticated},
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
	got, err := chat.CleanText("  line one\n\tline two  \n")
	if err != nil || got != "line one\n\tline two" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := chat.CleanText(strings.Repeat("é", chat.MaxTextLen)); err != nil {
		t.Fatalf("4000 characters refused: %v", err)
	}
}
