package chat_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/realtime"
)

// TestEventsLog checks that every durable change wrote its events row with
// the customer set, that LoadEvents turns a whole batch into full snapshots
// in row order, and that the hub was told after each commit.
func TestEventsLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, lanID := e.agent("Lan", principal.RoleAgent)
	cust := e.customer("Ann", "ann@example.com")
	cid := e.open(cust, "hello").ID
	if _, err := e.svc.ClaimConversation(bg, lan, cid); err != nil {
		t.Fatal(err)
	}
	if _, err := e.send(lan, cid, "a note", true, "n1"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.MarkRead(bg, lan, cid, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.MarkRead(bg, lan, cid, 1); err != nil { // backwards: no event
		t.Fatal(err)
	}
	if err := e.svc.VisitorMarkRead(context.Background(), e.visitor(cust), 0); err != nil {
		t.Fatal(err)
	}
	if got := e.hub.commits(); got != 5 {
		t.Errorf("Committed called %d times, want 5 (open, claim, note, two reads)", got)
	}

	rows := eventRows(t, e)
	want := []struct {
		kind     string
		internal bool
	}{
		{realtime.KindConversationCreated, false},
		{realtime.KindMessageCreated, false}, // "hello"
		{"", false},                          // claim: conversation_updated and the system line, in either order
		{"", false},
		{realtime.KindMessageCreated, true}, // the note
		{realtime.KindRead, false},          // the agent's marker: customers see it, without who
		{realtime.KindRead, false},          // the customer's marker
	}
	if len(rows) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		if w.kind != "" && (rows[i].Kind != w.kind || rows[i].Internal != w.internal) {
			t.Errorf("event %d: %s internal=%v, want %s internal=%v", i, rows[i].Kind, rows[i].Internal, w.kind, w.internal)
		}
		if rows[i].CustomerID != cust || rows[i].ConversationID != cid {
			t.Errorf("event %d: customer %s conversation %s", i, rows[i].CustomerID, rows[i].ConversationID)
		}
	}

	evs, err := e.svc.LoadEvents(context.Background(), rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != len(rows) {
		t.Fatalf("%d events for %d rows", len(evs), len(rows))
	}
	if c := evs[0].Conversation; c == nil || !evs[0].Created || c.CustomerName != "Ann" || !c.AssignedTo(lanID) {
		t.Errorf("conversation_created: %+v", evs[0])
	}
	if m := evs[1].Message; m == nil || m.Text != "hello" || m.SenderType != chat.SenderCustomer {
		t.Errorf("message_created: %+v", evs[1])
	}
	if m := evs[4].Message; m == nil || !m.Internal || m.Text != "a note" {
		t.Errorf("note: %+v", evs[4])
	}
	if r := evs[5].Read; r == nil || r.Seq != 3 || r.ReaderID != lanID || r.ReaderType != chat.SenderAgent {
		t.Errorf("read: %+v", evs[5])
	}
	if r := evs[6].Read; r == nil || r.ReaderType != chat.SenderCustomer {
		t.Errorf("customer read: %+v", evs[6])
	}

	t.Run("a row whose message is gone loads as nil", func(t *testing.T) {
		gone := uuid.New()
		evs, err := e.svc.LoadEvents(context.Background(), []realtime.EventRow{{Kind: realtime.KindMessageCreated, MessageID: &gone}})
		if err != nil || len(evs) != 1 || evs[0] != (chat.Event{}) {
			t.Fatalf("got %v, %v", evs, err)
		}
	})
}

func TestTyping(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, _ := e.agent("Lan", principal.RoleAgent)
	cust := e.customer("Ann", "")
	cid := e.open(cust, "hello").ID
	if err := e.svc.SetTyping(bg, lan, cid, true); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.VisitorTyping(context.Background(), e.visitor(cust), true); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.VisitorTyping(context.Background(), e.visitor(e.customer("New", "")), true); err != nil {
		t.Fatalf("typing before the first message: %v", err)
	}
	e.hub.mu.Lock()
	defer e.hub.mu.Unlock()
	if len(e.hub.typing) != 2 {
		t.Fatalf("%d typing events, want 2", len(e.hub.typing))
	}
	a, c := e.hub.typing[0], e.hub.typing[1]
	// The hub sets the expiry (realtime's TestTyping); the domain says who
	// types and who may see it: the customer sees the agent, not themself.
	if a.SenderName != "Lan" || a.SenderIsCustomer || !a.Typing || a.ConversationID != cid || a.CustomerID != cust || !a.VisitorSees {
		t.Errorf("agent typing %+v", a)
	}
	if c.SenderName != "Ann" || !c.SenderIsCustomer || c.VisitorSees {
		t.Errorf("customer typing %+v", c)
	}
}

func eventRows(t *testing.T, e *env) []realtime.EventRow {
	t.Helper()
	rs, err := e.pool.Query(context.Background(), `SELECT id, kind, conversation_id, customer_id, message_id, internal,
		reader_type, reader_id, read_seq, occurred_at FROM events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []realtime.EventRow
	for rs.Next() {
		var r realtime.EventRow
		if err := rs.Scan(&r.ID, &r.Kind, &r.ConversationID, &r.CustomerID, &r.MessageID, &r.Internal,
			&r.ReaderType, &r.ReaderID, &r.ReadSeq, &r.OccurredAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReplayedEventsShowTheirOwnState loads events as a stream resuming
// from an old cursor does, long after they happened: each conversation
// event shows the state it announced, whichever writer recorded it.
func TestReplayedEventsShowTheirOwnState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, lanID := e.agent("Lan", principal.RoleAgent)
	cust := e.customer("Ann", "")
	cid := e.open(cust, "hello").ID
	if _, err := e.svc.ClaimConversation(bg, lan, cid); err != nil {
		t.Fatal(err)
	}
	// The visitor changes their name (the widget service's statement).
	if _, err := db.Queries(e.pool).UpdateVisitorCustomer(bg, dbq.UpdateVisitorCustomerParams{
		ID: cust, Name: "Ann Lee", Attributes: []byte(`{}`),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetConversationStatus(bg, lan, cid, chat.StatusResolved); err != nil {
		t.Fatal(err)
	}

	evs, err := e.svc.LoadEvents(bg, recordedRows(t, e))
	if err != nil {
		t.Fatal(err)
	}
	type state struct {
		status   chat.Status
		assigned bool
		lastSeq  int64
	}
	var got []state
	for _, ev := range evs {
		if c := ev.Conversation; c != nil {
			got = append(got, state{c.Status, c.AssignedTo(lanID), c.LastSeq})
		}
	}
	want := []state{
		{chat.StatusWaiting, false, 0}, // created, before its first message
		{chat.StatusActive, true, 2},   // claimed
		{chat.StatusActive, true, 2},   // renamed while active
		{chat.StatusResolved, true, 3}, // resolved
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("replayed %v, want %v", got, want)
	}
}

// recordedRows reads the event log with the state each row recorded, as
// the realtime hub does.
func recordedRows(t *testing.T, e *env) []realtime.EventRow {
	t.Helper()
	rows := eventRows(t, e)
	for i := range rows {
		var st realtime.ConversationState
		var status *string
		err := e.pool.QueryRow(bg, `SELECT conversation_status, assignee_id, COALESCE(last_seq, 0), waiting_since,
			COALESCE(conversation_updated_at, now()), COALESCE(last_message_at, now()) FROM events WHERE id = $1`, rows[i].ID).
			Scan(&status, &st.AssigneeID, &st.LastSeq, &st.WaitingSince, &st.UpdatedAt, &st.LastMessageAt)
		if err != nil {
			t.Fatal(err)
		}
		if status != nil {
			st.Status = *status
			rows[i].State = &st
		}
	}
	return rows
}
