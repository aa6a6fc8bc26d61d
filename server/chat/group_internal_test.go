package chat

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/realtime"
)

// groupEnv is a Service on a real hub, with one agent and conversations to
// reply to.
type groupEnv struct {
	t     *testing.T
	pool  *pgxpool.Pool
	svc   *Service
	hub   *realtime.Hub
	agent principal.Agent
	// events receives the message ids an agent's stream gets, in order.
	events chan string
}

func newGroupEnv(t *testing.T) *groupEnv {
	t.Helper()
	pool := dbtest.New(t)
	hub := realtime.New(pool, slog.New(slog.NewTextHandler(io.Discard, nil)), realtime.Options{})
	if err := hub.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	e := &groupEnv{t: t, pool: pool, svc: New(pool, hub), hub: hub, events: make(chan string, 1000)}
	err := pool.QueryRow(t.Context(),
		`INSERT INTO agents (username, display_name, role, password_hash) VALUES ('lan', 'Lan', 'agent', 'x') RETURNING id`).Scan(&e.agent.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.agent.Name, e.agent.Role = "Lan", principal.RoleAgent
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hub.Subscribe(ctx, realtime.Filter{AgentID: e.agent.ID, NoPresence: true}, "", func(ev *livechatv1.Event) error {
			if ev.GetReady() != nil {
				close(ready)
			}
			if m := ev.GetMessageCreated(); m != nil {
				e.events <- m.GetId()
			}
			return nil
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not start")
	}
	return e
}

// conversation adds a customer and a conversation in status.
func (e *groupEnv) conversation(status string) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	err := e.pool.QueryRow(e.t.Context(), `
WITH w AS (INSERT INTO widgets (site_key, name, identity_secret) VALUES ($1, 'Shop', 'secret') RETURNING id),
     c AS (INSERT INTO customers (widget_id, name) SELECT id, 'Ann' FROM w RETURNING id, widget_id)
INSERT INTO conversations (customer_id, widget_id, status, assignee_id)
SELECT c.id, c.widget_id, $2, CASE WHEN $2 = 'active' THEN $3::uuid END FROM c RETURNING id`,
		"site_"+uuid.NewString(), status, e.agent.ID).Scan(&id)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// hold makes sends queue as if a group were committing; release commits
// what queued, as the end of that group would.
func (e *groupEnv) hold() {
	e.svc.group.mu.Lock()
	e.svc.group.running = groupsInFlight
	e.svc.group.mu.Unlock()
}

func (e *groupEnv) release() {
	e.svc.group.mu.Lock()
	e.svc.group.running = 1
	e.svc.group.mu.Unlock()
	e.svc.commitGroups(nil)
}

// queue starts a send that waits in the group's queue, in this order.
func (e *groupEnv) queue(conv uuid.UUID, text, key string) <-chan sent {
	e.t.Helper()
	out := make(chan sent, 1)
	e.svc.group.mu.Lock()
	n := len(e.svc.group.queue)
	e.svc.group.mu.Unlock()
	go func() {
		m, err := e.svc.SendMessage(context.Background(), e.agent, conv, NewMessage{Text: text, ClientMessageID: key})
		out <- sent{m, err}
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		e.svc.group.mu.Lock()
		queued := len(e.svc.group.queue) > n
		e.svc.group.mu.Unlock()
		if queued {
			return out
		}
		if time.Now().After(deadline) {
			e.t.Fatal("the send did not queue")
		}
	}
}

type sent struct {
	m   Message
	err error
}

func (e *groupEnv) result(c <-chan sent) (Message, error) {
	e.t.Helper()
	select {
	case r := <-c:
		return r.m, r.err
	case <-time.After(10 * time.Second):
		e.t.Fatal("the send did not finish")
		return Message{}, nil
	}
}

// stream returns the next n message ids the agent's stream got.
func (e *groupEnv) stream(n int) []string {
	e.t.Helper()
	var ids []string
	for len(ids) < n {
		select {
		case id := <-e.events:
			ids = append(ids, id)
		case <-time.After(10 * time.Second):
			e.t.Fatalf("the stream got %v, want %d messages", ids, n)
		}
	}
	return ids
}

// txOf returns the transaction that wrote a message's event.
func (e *groupEnv) txOf(m Message) string {
	e.t.Helper()
	var tx string
	if err := e.pool.QueryRow(e.t.Context(), `SELECT tx::text FROM events WHERE message_id = $1`, m.ID).Scan(&tx); err != nil {
		e.t.Fatal(err)
	}
	return tx
}

// TestSendGroups: sends that queue behind a committing group go together
// in one transaction, each with its own outcome, each conversation's in
// order of arrival, each key stored once, and each event delivered once in
// log order.
func TestSendGroups(t *testing.T) {
	e := newGroupEnv(t)
	a, b, closed := e.conversation("active"), e.conversation("active"), e.conversation("closed")

	t.Run("one transaction; a send that finds no row fails alone", func(t *testing.T) {
		e.hold()
		a1 := e.queue(a, "a1", "a1")
		b1 := e.queue(b, "b1", "b1")
		c1 := e.queue(closed, "c1", "c1")
		a2 := e.queue(a, "a2", "a2")
		e.release()
		ma1, err := e.result(a1)
		if err != nil {
			t.Fatal(err)
		}
		mb1, err := e.result(b1)
		if err != nil {
			t.Fatal(err)
		}
		ma2, err := e.result(a2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.result(c1); !apperr.Is(err, apperr.ConversationClosed) {
			t.Fatalf("send into a closed conversation: %v, want ConversationClosed", err)
		}
		if ma2.Seq != ma1.Seq+1 {
			t.Fatalf("seqs %d, %d: want a conversation's sends in order of arrival", ma1.Seq, ma2.Seq)
		}
		if tx := e.txOf(ma1); e.txOf(mb1) != tx || e.txOf(ma2) != tx {
			t.Fatal("the group's sends were not one transaction")
		}
		got := e.stream(3)
		seen := map[string]bool{}
		for _, id := range got {
			seen[id] = true
		}
		if len(seen) != 3 || !seen[ma1.ID.String()] || !seen[mb1.ID.String()] || !seen[ma2.ID.String()] {
			t.Fatalf("stream got %v, want %v, %v, %v once each", got, ma1.ID, mb1.ID, ma2.ID)
		}
		if indexOf(got, ma1.ID.String()) > indexOf(got, ma2.ID.String()) {
			t.Fatalf("stream got %v: a2 before a1", got)
		}
	})

	t.Run("a reused key undoes the group; every send still gets its own answer", func(t *testing.T) {
		first, err := e.svc.SendMessage(t.Context(), e.agent, a, NewMessage{Text: "first", ClientMessageID: "k"})
		if err != nil {
			t.Fatal(err)
		}
		e.stream(1)
		e.hold()
		a3 := e.queue(a, "a3", "a3")
		retry := e.queue(a, "first again", "k")
		b2 := e.queue(b, "b2", "b2")
		twice := e.queue(b, "b3", "b3")
		again := e.queue(b, "b3", "b3")
		e.release()
		ma3, err := e.result(a3)
		if err != nil {
			t.Fatal(err)
		}
		mr, err := e.result(retry)
		if err != nil || mr.ID != first.ID || mr.Text != "first" {
			t.Fatalf("retry: %v, %v; want the first message %v", mr, err, first.ID)
		}
		mb2, err := e.result(b2)
		if err != nil {
			t.Fatal(err)
		}
		m1, err1 := e.result(twice)
		m2, err2 := e.result(again)
		if err1 != nil || err2 != nil || m1.ID != m2.ID {
			t.Fatalf("the same key twice in one group: %v %v, %v %v", m1.ID, err1, m2.ID, err2)
		}
		for _, k := range []string{"k", "a3", "b2", "b3"} {
			var n int
			if err := e.pool.QueryRow(t.Context(), `SELECT count(*) FROM messages WHERE client_message_id = $1`, k).Scan(&n); err != nil || n != 1 {
				t.Fatalf("key %s stored %d times (%v), want once", k, n, err)
			}
		}
		got := e.stream(3)
		if indexOf(got, mb2.ID.String()) > indexOf(got, m1.ID.String()) {
			t.Fatalf("stream got %v: b3 before b2", got)
		}
		for _, m := range []Message{ma3, mb2, m1} {
			if indexOf(got, m.ID.String()) < 0 {
				t.Fatalf("stream got %v, missing %v", got, m.ID)
			}
		}
	})

	t.Run("many senders at once: each key once, each conversation in order, no gaps", func(t *testing.T) {
		convs := []uuid.UUID{a, b, e.conversation("active"), e.conversation("active")}
		const perConv = 25
		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		for ci, conv := range convs {
			// One agent per conversation sends in order; a second sends
			// every key again at the same time, as a retrying client.
			for range 2 {
				wg.Go(func() {
					for j := range perConv {
						key := fmt.Sprintf("m-%d-%d", ci, j)
						if _, err := e.svc.SendMessage(context.Background(), e.agent, conv, NewMessage{Text: key, ClientMessageID: key}); err != nil {
							errs <- err
						}
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		order := map[uuid.UUID][]uuid.UUID{}
		for ci, conv := range convs {
			rows, err := e.pool.Query(t.Context(), `SELECT client_message_id FROM messages WHERE conversation_id = $1 AND client_message_id LIKE 'm-%' ORDER BY seq`, conv)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, k)
			}
			if len(keys) != perConv {
				t.Fatalf("conversation %d: %d messages, want %d", ci, len(keys), perConv)
			}
			for j, k := range keys {
				if k != fmt.Sprintf("m-%d-%d", ci, j) {
					t.Fatalf("conversation %d: %v, want its keys in order", ci, keys)
				}
			}
			// Delivered in the conversation's order too.
			var ids []uuid.UUID
			if err := e.pool.QueryRow(t.Context(), `SELECT array_agg(id ORDER BY seq) FROM messages WHERE conversation_id = $1 AND client_message_id LIKE 'm-%'`, conv).Scan(&ids); err != nil {
				t.Fatal(err)
			}
			order[conv] = ids
			var gaps int
			if err := e.pool.QueryRow(t.Context(), `
SELECT count(*) FROM (SELECT seq - lag(seq) OVER (ORDER BY seq) AS d FROM messages WHERE conversation_id = $1) s WHERE d <> 1`, conv).Scan(&gaps); err != nil || gaps != 0 {
				t.Fatalf("conversation %d: %d gaps in seq (%v)", ci, gaps, err)
			}
		}
		got := e.stream(len(convs) * perConv)
		seen := map[string]bool{}
		for _, id := range got {
			if seen[id] {
				t.Fatalf("message %s delivered twice", id)
			}
			seen[id] = true
		}
		for conv, ids := range order {
			for j := 1; j < len(ids); j++ {
				if indexOf(got, ids[j-1].String()) > indexOf(got, ids[j].String()) {
					t.Fatalf("conversation %v: seq %d delivered after seq %d", conv, j-1, j)
				}
			}
		}
		select {
		case id := <-e.events:
			t.Fatalf("an extra delivery: %s", id)
		case <-time.After(100 * time.Millisecond):
		}
	})
}

func indexOf(ids []string, id string) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}
