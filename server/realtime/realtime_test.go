package realtime

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const wait = 5 * time.Second

func testLogger() *slog.Logger {
	level := slog.LevelError + 1
	if os.Getenv("LIVECHAT_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// startHub runs a hub until the test ends and waits for its listener.
func startHub(t *testing.T, pool *pgxpool.Pool, opts Options) *Hub {
	t.Helper()
	h := New(pool, testLogger(), opts)
	if err := h.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(h.Close)
	select {
	case <-h.listening:
	case <-time.After(wait):
		t.Fatal("listener did not start")
	}
	return h
}

// stream is a Subscribe call running in the background.
type stream struct {
	events chan *livechatv1.Event
	done   chan error
	cancel context.CancelFunc
	// sawReady is set once next has seen READY, matched or skipped.
	sawReady bool
}

func subscribe(t *testing.T, h *Hub, f Filter, cursor string) *stream {
	t.Helper()
	return subscribeWith(t, h, f, cursor, nil)
}

// subscribeWith lets a test block the stream's sends (block is closed to
// release them).
func subscribeWith(t *testing.T, h *Hub, f Filter, cursor string, block chan struct{}) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &stream{events: make(chan *livechatv1.Event, 10000), done: make(chan error, 1), cancel: cancel}
	go func() {
		s.done <- h.Subscribe(ctx, f, cursor, func(ev *livechatv1.Event) error {
			if block != nil {
				<-block
			}
			s.events <- ev
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	return s
}

// next returns the next event that match accepts, failing after a while.
func (s *stream) next(t *testing.T, match func(*livechatv1.Event) bool) *livechatv1.Event {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case ev := <-s.events:
			s.sawReady = s.sawReady || isReady(ev)
			if match(ev) {
				return ev
			}
		case err := <-s.done:
			s.done <- err // for the cleanup
			t.Fatalf("stream ended: %v", err)
		case <-timeout:
			t.Fatal("timed out waiting for an event")
		}
	}
}

func isReady(ev *livechatv1.Event) bool   { return ev.GetReady() != nil }
func isMessage(ev *livechatv1.Event) bool { return ev.GetMessageCreated() != nil }
func isTyping(ev *livechatv1.Event) bool  { return ev.GetTyping() != nil }

// messages collects the ids of the next n messages, failing on anything
// durable that is not a message.
func (s *stream) messages(t *testing.T, n int) (ids []string, cursors []string) {
	t.Helper()
	for len(ids) < n {
		ev := s.next(t, func(ev *livechatv1.Event) bool { return ev.Cursor != "" })
		ids = append(ids, ev.GetMessageCreated().GetId())
		cursors = append(cursors, ev.Cursor)
	}
	return ids, cursors
}

// quiet checks that no message arrives for a short while.
func (s *stream) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev := <-s.events:
			if ev.Cursor != "" || ev.GetTyping() != nil {
				t.Fatalf("unexpected event %v", ev)
			}
		case <-timeout:
			return
		}
	}
}

// insertMessage writes one message_created event the way writers do: in
// its own transaction, then Committed.
func insertMessage(t *testing.T, h *Hub, customer uuid.UUID, internal bool) string {
	t.Helper()
	id := uuid.New()
	_, err := h.pool.Exec(context.Background(),
		`INSERT INTO events (kind, conversation_id, customer_id, message_id, internal) VALUES ('message_created', $1, $2, $3, $4)`,
		uuid.New(), customer, id, internal)
	if err != nil {
		t.Fatalf("insert event: %v", err)
	}
	h.Committed()
	return id.String()
}

func insertAgent(t *testing.T, pool *pgxpool.Pool, status string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := pool.QueryRow(context.Background(),
		`INSERT INTO agents (username, display_name, role, password_hash, status) VALUES ($1, 'Agent', 'agent', 'x', $2) RETURNING id`,
		fmt.Sprintf("a%d", time.Now().UnixNano()), status).Scan(&id)
	if err != nil {
		t.Fatalf("insert agent: %v", err)
	}
	return id
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStreams(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := startHub(t, pool, Options{})
	custA, custB := uuid.New(), uuid.New()
	agent := subscribe(t, h, Filter{AgentID: uuid.New(), NoPresence: true}, "")
	visA := subscribe(t, h, Filter{CustomerID: custA}, "")
	visB := subscribe(t, h, Filter{CustomerID: custB}, "")
	for _, s := range []*stream{agent, visA, visB} {
		s.next(t, isReady)
	}

	m1 := insertMessage(t, h, custA, false)
	note := insertMessage(t, h, custA, true)
	m2 := insertMessage(t, h, custB, false)

	t.Run("agents see everything, internal notes included", func(t *testing.T) {
		ids, cursors := agent.messages(t, 3)
		if !equal(ids, []string{m1, note, m2}) {
			t.Fatalf("agent got %v, want %v", ids, []string{m1, note, m2})
		}
		for _, c := range cursors {
			if c == "" {
				t.Fatal("durable event without cursor")
			}
		}
	})
	t.Run("visitors see only their own, never internal notes", func(t *testing.T) {
		if ids, _ := visA.messages(t, 1); ids[0] != m1 {
			t.Fatalf("visitor A got %v, want %v", ids, m1)
		}
		if ids, _ := visB.messages(t, 1); ids[0] != m2 {
			t.Fatalf("visitor B got %v, want %v", ids, m2)
		}
		visA.quiet(t, 100*time.Millisecond)
	})
	t.Run("internal notes never in a visitor's history", func(t *testing.T) {
		first := insertMessage(t, h, custA, false)
		_, cursors := visA.messages(t, 1)
		insertMessage(t, h, custA, true)
		m3 := insertMessage(t, h, custA, false)
		visA.messages(t, 1)
		_ = first
		again := subscribe(t, h, Filter{CustomerID: custA}, cursors[0])
		ids, _ := again.messages(t, 1)
		if ids[0] != m3 {
			t.Fatalf("resumed visitor got %v, want %v", ids, m3)
		}
		again.next(t, isReady)
	})
	t.Run("a filter names an agent or a visitor", func(t *testing.T) {
		err := h.Subscribe(context.Background(), Filter{}, "", nil)
		if !apperr.HasCode(err, apperr.CodeInvalid) {
			t.Fatalf("got %v, want Invalid", err)
		}
	})
}

func TestResume(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := startHub(t, pool, Options{})
	cust := uuid.New()
	f := Filter{AgentID: uuid.New(), NoPresence: true}

	t.Run("events committed during the gap, each once, in order", func(t *testing.T) {
		s := subscribe(t, h, f, "")
		s.next(t, isReady)
		var want []string
		for range 3 {
			want = append(want, insertMessage(t, h, cust, false))
		}
		_, cursors := s.messages(t, 3)
		s.cancel()
		<-s.done
		s.done <- nil // for the cleanup
		for range 3 {
			want = append(want, insertMessage(t, h, cust, false))
		}
		r := subscribe(t, h, f, cursors[1])
		got, _ := r.messages(t, 4)
		if !equal(got, want[2:]) {
			t.Fatalf("resumed with %v, want %v", got, want[2:])
		}
		// READY follows the history; events the hub had not read yet when
		// the stream joined may come after it, as live ones.
		if !r.sawReady {
			r.next(t, isReady)
		}
		live := insertMessage(t, h, cust, false)
		if got, _ := r.messages(t, 1); got[0] != live {
			t.Fatalf("live event %v, want %v", got[0], live)
		}
	})

	t.Run("resubscribing while events keep coming: none lost, none twice", func(t *testing.T) {
		s := subscribe(t, h, f, "")
		s.next(t, isReady)
		first := insertMessage(t, h, cust, false)
		_, cursors := s.messages(t, 1)
		const n = 150
		var mu sync.Mutex
		var want []string
		writer := make(chan struct{})
		go func() {
			defer close(writer)
			for range n {
				id := insertMessage(t, h, cust, false)
				mu.Lock()
				want = append(want, id)
				mu.Unlock()
			}
		}()
		// Reconnect a few times while the writer runs, each time from the
		// last cursor received.
		var got []string
		cursor := cursors[0]
		for round := 0; len(got) < n; round++ {
			r := subscribe(t, h, f, cursor)
			k := min(n-len(got), 40)
			if round > 3 {
				k = n - len(got)
			}
			ids, cs := r.messages(t, k)
			got = append(got, ids...)
			cursor = cs[len(cs)-1]
			r.cancel()
		}
		<-writer
		_ = first
		if !equal(got, want) {
			t.Fatalf("got %d events, want %d in the same order", len(got), len(want))
		}
	})
}

func TestCursorErrors(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := startHub(t, pool, Options{Retention: time.Hour})
	f := Filter{AgentID: uuid.New(), NoPresence: true}
	s := subscribe(t, h, f, "")
	s.next(t, isReady)
	insertMessage(t, h, uuid.New(), false)
	_, cursors := s.messages(t, 1)

	for _, tc := range []struct {
		name, cursor string
		code         apperr.Code
	}{
		{"malformed", "not a cursor", apperr.CodeInvalid},
		{"negative", "-1.-1", apperr.CodeInvalid},
		{"beyond the newest event", position{tx: 1 << 40, id: 1 << 40}.cursor(), apperr.CodeFailedPrecondition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := h.Subscribe(context.Background(), f, tc.cursor, func(*livechatv1.Event) error { return nil })
			if !apperr.HasCode(err, tc.code) {
				t.Fatalf("got %v, want code %v", err, tc.code)
			}
		})
	}
	t.Run("older than the retention", func(t *testing.T) {
		if _, err := pool.Exec(context.Background(), `UPDATE events SET occurred_at = now() - interval '2 hours'`); err != nil {
			t.Fatal(err)
		}
		if n, err := h.prune(context.Background()); err != nil || n != 1 {
			t.Fatalf("prune: %d, %v", n, err)
		}
		err := h.Subscribe(context.Background(), f, cursors[0], func(*livechatv1.Event) error { return nil })
		if !apperr.HasCode(err, apperr.CodeFailedPrecondition) {
			t.Fatalf("got %v, want FailedPrecondition", err)
		}
	})
}

func TestSlowConsumer(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := startHub(t, pool, Options{Buffer: 8})
	cust := uuid.New()
	block := make(chan struct{})
	slow := subscribeWith(t, h, Filter{CustomerID: cust}, "", block)
	fast := subscribe(t, h, Filter{AgentID: uuid.New(), NoPresence: true}, "")
	fast.next(t, isReady)

	// One event at a time, each delivered to the fast stream before the
	// next is written: the stuck stream falls further behind with each.
	start := time.Now()
	for i := range 30 {
		want := insertMessage(t, h, cust, false)
		if got, _ := fast.messages(t, 1); got[0] != want {
			t.Fatalf("fast stream got %v as message %d, want %v", got, i, want)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("fast stream took %v for 30 messages", d)
	}
	// The stuck stream was dropped without holding anyone up; once its
	// send returns it ends with the resume error.
	close(block)
	select {
	case err := <-slow.done:
		slow.done <- err
		if !apperr.HasCode(err, apperr.CodeResourceExhausted) {
			t.Fatalf("slow stream ended with %v, want ResourceExhausted", err)
		}
	case <-time.After(wait):
		t.Fatal("slow stream was not dropped")
	}
}

// TestBurstLargerThanBuffer: many events committed at once reach a healthy
// stream in one read; it must not be taken for a slow one.
func TestBurstLargerThanBuffer(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := startHub(t, pool, Options{Buffer: 4})
	s := subscribe(t, h, Filter{AgentID: uuid.New(), NoPresence: true}, "")
	s.next(t, isReady)
	cust := uuid.New()
	var want []string
	tx, err := pool.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		id := uuid.New()
		if _, err := tx.Exec(context.Background(),
			`INSERT INTO events (kind, conversation_id, customer_id, message_id) VALUES ('message_created', $1, $2, $3)`,
			uuid.New(), cust, id); err != nil {
			t.Fatal(err)
		}
		want = append(want, id.String())
	}
	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.Committed()
	if got, _ := s.messages(t, 50); !equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestCatchUpFasterThanLive(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	// A buffer smaller than the live traffic during catch-up: the stream
	// must re-read history instead of failing or losing events.
	h := startHub(t, pool, Options{Buffer: 4})
	cust := uuid.New()
	f := Filter{AgentID: uuid.New(), NoPresence: true}
	s := subscribe(t, h, f, "")
	s.next(t, isReady)
	insertMessage(t, h, cust, false)
	_, cursors := s.messages(t, 1)
	var want []string
	for range 20 {
		want = append(want, insertMessage(t, h, cust, false))
	}
	// The hub has read them, so the new stream finds them in its history
	// and is still sending it (blocked) while the next 20 arrive live.
	hubAtLastEvent := func() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.pos.id >= lastEventID(t, pool) }
	waitFor(t, hubAtLastEvent)
	block := make(chan struct{})
	r := subscribeWith(t, h, f, cursors[0], block)
	for range 20 {
		want = append(want, insertMessage(t, h, cust, false))
	}
	waitFor(t, hubAtLastEvent)
	close(block)
	got, _ := r.messages(t, 40)
	if !equal(got, want) {
		t.Fatalf("got %d events, want %d in order", len(got), len(want))
	}
	if !r.sawReady {
		r.next(t, isReady)
	}
}

func lastEventID(t *testing.T, pool *pgxpool.Pool) int64 {
	var id int64
	if err := pool.QueryRow(context.Background(), `SELECT max(id) FROM events`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// waitFor polls a condition that has no channel to wait on.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLateCommitInIDOrder: a transaction holding a smaller id commits after
// one holding a larger id; neither event may be lost.
func TestLateCommitInIDOrder(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := startHub(t, pool, Options{})
	s := subscribe(t, h, Filter{AgentID: uuid.New(), NoPresence: true}, "")
	s.next(t, isReady)
	ctx := context.Background()
	cust := uuid.New()
	ins := `INSERT INTO events (kind, conversation_id, customer_id, message_id) VALUES ('message_created', $1, $2, $3)`

	t1, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer t1.Rollback(ctx)
	t2, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer t2.Rollback(ctx)
	// t1 gets the older xid, t2 the smaller event id.
	if _, err := t1.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	if _, err := t2.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	late, early := uuid.New(), uuid.New()
	if _, err := t2.Exec(ctx, ins, uuid.New(), cust, late); err != nil {
		t.Fatal(err)
	}
	if _, err := t1.Exec(ctx, ins, uuid.New(), cust, early); err != nil {
		t.Fatal(err)
	}
	if err := t1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	h.Committed()
	if ids, _ := s.messages(t, 1); ids[0] != early.String() {
		t.Fatalf("got %v, want %v", ids[0], early)
	}
	if err := t2.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	h.Committed()
	if ids, _ := s.messages(t, 1); ids[0] != late.String() {
		t.Fatalf("got %v, want %v", ids[0], late)
	}
}

// TestBlockedByUnrelatedTransaction: events waiting behind a transaction
// that writes no events (so nobody calls Committed when it ends) are still
// delivered once it ends.
func TestBlockedByUnrelatedTransaction(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := startHub(t, pool, Options{})
	s := subscribe(t, h, Filter{AgentID: uuid.New(), NoPresence: true}, "")
	s.next(t, isReady)
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	id := insertMessage(t, h, uuid.New(), false)
	s.quiet(t, 50*time.Millisecond)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if ids, _ := s.messages(t, 1); ids[0] != id {
		t.Fatalf("got %v, want %v", ids[0], id)
	}
}

func TestTwoInstances(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a := startHub(t, pool, Options{})
	b := startHub(t, pool, Options{})
	cust := uuid.New()
	onB := subscribe(t, b, Filter{CustomerID: cust}, "")
	onA := subscribe(t, a, Filter{AgentID: uuid.New(), NoPresence: true}, "")
	onB.next(t, isReady)
	onA.next(t, isReady)

	t.Run("durable events", func(t *testing.T) {
		fromA := insertMessage(t, a, cust, false)
		fromB := insertMessage(t, b, cust, false)
		gotB, _ := onB.messages(t, 2)
		gotA, _ := onA.messages(t, 2)
		for _, got := range [][]string{gotA, gotB} {
			if !equal(got, []string{fromA, fromB}) {
				t.Fatalf("got %v, want %v", got, []string{fromA, fromB})
			}
		}
	})
	t.Run("typing", func(t *testing.T) {
		conv := uuid.New()
		a.PublishTyping(context.Background(), Typing{
			ConversationID: conv, CustomerID: cust, VisitorSees: true, SenderID: uuid.New(), Typing: true,
		})
		ev := onB.next(t, isTyping).GetTyping()
		if ev.ConversationId != conv.String() || !ev.Typing || ev.ExpiresAt == nil {
			t.Fatalf("got %v", ev)
		}
	})

	t.Run("listener killed: events committed meanwhile arrive", func(t *testing.T) {
		down := make(chan struct{})
		resume := make(chan struct{})
		var once sync.Once
		b.beforeReconnect = func() {
			once.Do(func() {
				close(down)
				<-resume
			})
		}
		pid := b.listenerPID.Load()
		if _, err := pool.Exec(context.Background(), `SELECT pg_terminate_backend($1)`, int32(pid)); err != nil {
			t.Fatal(err)
		}
		<-down
		var want []string
		for range 3 {
			want = append(want, insertMessage(t, a, cust, false))
		}
		close(resume)
		got, _ := onB.messages(t, 3)
		if !equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		waitFor(t, func() bool { return b.listenerPID.Load() != pid })
		live := insertMessage(t, a, cust, false)
		if got, _ := onB.messages(t, 1); got[0] != live {
			t.Fatalf("after reconnect got %v, want %v", got, live)
		}
	})
}

func TestTyping(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := startHub(t, pool, Options{TypingTTL: 150 * time.Millisecond, TypingInterval: time.Hour})
	cust := uuid.New()
	conv := uuid.New()
	agent := subscribe(t, h, Filter{AgentID: uuid.New(), NoPresence: true}, "")
	visitor := subscribe(t, h, Filter{CustomerID: cust}, "")
	agent.next(t, isReady)
	visitor.next(t, isReady)
	// The domain hides a visitor's own typing from them (VisitorSees false);
	// the hub delivers as it is told.
	typing := func(senderType livechatv1.SenderType, sender string, on bool) {
		customer := senderType == livechatv1.SenderType_SENDER_TYPE_CUSTOMER
		h.PublishTyping(context.Background(), Typing{
			ConversationID: conv, CustomerID: cust, VisitorSees: !customer,
			SenderIsCustomer: customer, SenderID: uuid.MustParse(sender), Typing: on,
		})
	}
	agent7 := uuid.NewString()

	t.Run("throttled per sender", func(t *testing.T) {
		typing(livechatv1.SenderType_SENDER_TYPE_CUSTOMER, cust.String(), true)
		typing(livechatv1.SenderType_SENDER_TYPE_CUSTOMER, cust.String(), true)
		typing(livechatv1.SenderType_SENDER_TYPE_CUSTOMER, cust.String(), false)
		first := agent.next(t, isTyping).GetTyping()
		second := agent.next(t, isTyping).GetTyping()
		if !first.Typing || second.Typing {
			t.Fatalf("got typing=%v then %v, want the repeat coalesced and then false", first.Typing, second.Typing)
		}
	})
	t.Run("visitors do not get their own typing", func(t *testing.T) {
		visitor.quiet(t, 50*time.Millisecond)
	})
	t.Run("expires by itself", func(t *testing.T) {
		typing(livechatv1.SenderType_SENDER_TYPE_AGENT, agent7, true)
		on := visitor.next(t, isTyping).GetTyping()
		if !on.Typing || on.SenderId != agent7 || on.ExpiresAt == nil {
			t.Fatalf("got %v", on)
		}
		start := time.Now()
		off := visitor.next(t, isTyping).GetTyping()
		if off.Typing || off.SenderId != agent7 {
			t.Fatalf("got %v, want typing=false", off)
		}
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Fatalf("expired after %v, before its TTL", d)
		}
	})
}

func TestHeartbeatAndClose(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := New(pool, testLogger(), Options{Heartbeat: 20 * time.Millisecond})
	if err := h.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	s := subscribe(t, h, Filter{CustomerID: uuid.New()}, "")
	s.next(t, isReady)
	for range 2 {
		s.next(t, func(ev *livechatv1.Event) bool { return ev.GetHeartbeat() != nil })
	}
	h.Close()
	select {
	case err := <-s.done:
		s.done <- err
		if !apperr.HasCode(err, apperr.CodeUnavailable) {
			t.Fatalf("got %v, want Unavailable", err)
		}
	case <-time.After(wait):
		t.Fatal("stream did not end")
	}
	err := h.Subscribe(context.Background(), Filter{CustomerID: uuid.New()}, "", nil)
	if !apperr.HasCode(err, apperr.CodeUnavailable) {
		t.Fatalf("subscribe after close: %v", err)
	}
}

func TestPresence(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	opts := Options{PresenceGrace: 200 * time.Millisecond, InstanceTTL: 600 * time.Millisecond}
	a := startHub(t, pool, opts)
	b := startHub(t, pool, opts)
	agentID := insertAgent(t, pool, "online")
	// Streams may hold older presence events (the snapshot after READY, or
	// the previous step's): each step waits for the state it expects.
	agentsOnline := func(want bool) func(*livechatv1.Event) bool {
		return func(ev *livechatv1.Event) bool {
			p := ev.GetPresence()
			return p != nil && p.AgentId == "" && p.AgentsOnline == want
		}
	}
	agentOnline := func(id uuid.UUID, want bool) func(*livechatv1.Event) bool {
		return func(ev *livechatv1.Event) bool {
			p := ev.GetPresence()
			return p != nil && p.AgentId == id.String() && p.Online == want
		}
	}

	visitor := subscribe(t, b, Filter{CustomerID: uuid.New()}, "")
	visitor.next(t, isReady)
	if ev := visitor.next(t, func(ev *livechatv1.Event) bool { return ev.GetPresence() != nil }).GetPresence(); ev.AgentsOnline || ev.AgentId != "" {
		t.Fatalf("initial presence %v, want nobody online", ev)
	}
	watcher := subscribe(t, b, Filter{AgentID: uuid.New(), NoPresence: true}, "")
	watcher.next(t, isReady)

	t.Run("a stream on A makes the agent online on B", func(t *testing.T) {
		s := subscribe(t, a, Filter{AgentID: agentID}, "")
		s.next(t, isReady)
		if !a.IsOnline(agentID) {
			t.Fatal("not online on its own instance once ready")
		}
		visitor.next(t, agentsOnline(true))
		ev := watcher.next(t, agentOnline(agentID, true)).GetPresence()
		if ev.Status != livechatv1.AgentStatus_AGENT_STATUS_ONLINE || !ev.AgentsOnline {
			t.Fatalf("agent stream got %v", ev)
		}
		if !b.IsOnline(agentID) || !b.AgentsOnline() {
			t.Fatal("B does not see the agent online")
		}

		t.Run("status away is offline", func(t *testing.T) {
			if _, err := pool.Exec(context.Background(), `UPDATE agents SET status = 'away' WHERE id = $1`, agentID); err != nil {
				t.Fatal(err)
			}
			a.StatusChanged(context.Background(), agentID)
			if a.IsOnline(agentID) {
				t.Fatal("still online after going away")
			}
			ev := watcher.next(t, agentOnline(agentID, false)).GetPresence()
			if ev.Status != livechatv1.AgentStatus_AGENT_STATUS_AWAY {
				t.Fatalf("got %v", ev)
			}
			visitor.next(t, agentsOnline(false))
			if _, err := pool.Exec(context.Background(), `UPDATE agents SET status = 'online' WHERE id = $1`, agentID); err != nil {
				t.Fatal(err)
			}
			a.StatusChanged(context.Background(), agentID)
			watcher.next(t, agentOnline(agentID, true))
			visitor.next(t, agentsOnline(true))
		})

		s.cancel()
	})
	t.Run("offline after the grace period", func(t *testing.T) {
		ended := time.Now()
		visitor.next(t, agentsOnline(false))
		if d := time.Since(ended); d < opts.PresenceGrace*3/4 {
			t.Fatalf("offline after %v, within the grace period", d)
		}
		watcher.next(t, agentOnline(agentID, false))
		waitFor(t, func() bool { return !a.IsOnline(agentID) && !b.IsOnline(agentID) })
	})
	t.Run("a reconnect within the grace period does not flicker", func(t *testing.T) {
		s := subscribe(t, a, Filter{AgentID: agentID}, "")
		s.next(t, isReady)
		watcher.next(t, agentOnline(agentID, true))
		s.cancel()
		s2 := subscribe(t, b, Filter{AgentID: agentID}, "")
		s2.next(t, isReady)
		watcher.quietPresence(t, 2*opts.PresenceGrace)
		if !b.IsOnline(agentID) {
			t.Fatal("offline although streaming on B")
		}
	})
	t.Run("a dead instance's streams expire", func(t *testing.T) {
		c := New(pool, testLogger(), opts)
		if err := c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		other := insertAgent(t, pool, "online")
		s := subscribe(t, c, Filter{AgentID: other}, "")
		s.next(t, isReady)
		waitFor(t, func() bool { return b.IsOnline(other) })
		// Stop c without its shutdown: as if the process died.
		c.cancel()
		c.wg.Wait()
		waitFor(t, func() bool { return !b.IsOnline(other) })
	})
}

// quietPresence checks that no agent goes offline for a while.
func (s *stream) quietPresence(t *testing.T, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev := <-s.events:
			if p := ev.GetPresence(); p != nil && !p.Online {
				t.Fatalf("unexpected %v", p)
			}
		case <-timeout:
			return
		}
	}
}

// fakeCredentials revokes the ids it is told to.
type fakeCredentials struct {
	mu      sync.Mutex
	revoked map[uuid.UUID]bool
}

func (f *fakeCredentials) revoke(id uuid.UUID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.revoked == nil {
		f.revoked = map[uuid.UUID]bool{}
	}
	f.revoked[id] = true
}

func (f *fakeCredentials) pick(ids []uuid.UUID) []uuid.UUID {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []uuid.UUID
	for _, id := range ids {
		if f.revoked[id] {
			out = append(out, id)
		}
	}
	return out
}

func (f *fakeCredentials) RevokedAgentCredentials(_ context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	return f.pick(ids), nil
}

func (f *fakeCredentials) RevokedVisitorSessions(_ context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	return f.pick(ids), nil
}

func (f *fakeCredentials) Forget() {}

func TestRevokedCredentialsEndStreams(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	creds := &fakeCredentials{}
	a := startHub(t, pool, Options{})
	b := startHub(t, pool, Options{})
	for _, h := range []*Hub{a, b} {
		h.SetCredentials(creds)
	}
	ends := func(t *testing.T, s *stream) {
		t.Helper()
		select {
		case err := <-s.done:
			s.done <- err // for the cleanup
			if !apperr.HasCode(err, apperr.CodeUnauthenticated) {
				t.Fatalf("stream ended with %v, want Unauthenticated", err)
			}
		case <-time.After(wait):
			t.Fatal("stream not ended")
		}
	}

	t.Run("a revocation announced on one instance ends streams on another", func(t *testing.T) {
		session, token, visitorSession := uuid.New(), uuid.New(), uuid.New()
		agent := subscribe(t, b, Filter{AgentID: uuid.New(), Credential: session, NoPresence: true}, "")
		other := subscribe(t, b, Filter{AgentID: uuid.New(), Credential: token, NoPresence: true}, "")
		visitor := subscribe(t, b, Filter{CustomerID: uuid.New(), Credential: visitorSession}, "")
		for _, s := range []*stream{agent, other, visitor} {
			s.next(t, isReady)
		}
		creds.revoke(session)
		creds.revoke(visitorSession)
		a.CredentialsRevoked()
		ends(t, agent)
		ends(t, visitor)
		// The other stream still gets events.
		id := insertMessage(t, a, uuid.New(), false)
		if got, _ := other.messages(t, 1); got[0] != id {
			t.Fatalf("got %v, want %v", got, id)
		}
	})
	t.Run("expiry is caught by the periodic check", func(t *testing.T) {
		c := startHub(t, pool, Options{RevalidateEvery: 50 * time.Millisecond})
		c.SetCredentials(creds)
		cred := uuid.New()
		s := subscribe(t, c, Filter{AgentID: uuid.New(), Credential: cred, NoPresence: true}, "")
		s.next(t, isReady)
		creds.revoke(cred) // as if it expired: nobody announces it
		ends(t, s)
	})
}

// TestRestoredFromAnotherCluster: a dump restored into a new cluster holds
// events with transaction ids beyond the new cluster's counter. The hub
// moves them first, so live events still follow them, and a client
// resuming from one of them reloads once instead of missing everything.
func TestRestoredFromAnotherCluster(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	var id int64
	const foreignTx = 900_000_000_000
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO events (tx, kind, conversation_id, customer_id, message_id) VALUES ($1::bigint::text::xid8, 'message_created', $2, $3, $4) RETURNING id`,
		foreignTx, uuid.New(), uuid.New(), uuid.New()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	oldCursor := position{tx: foreignTx, id: id}.cursor()
	h := startHub(t, pool, Options{})

	s := subscribe(t, h, Filter{AgentID: uuid.New(), NoPresence: true}, oldCursor)
	select {
	case err := <-s.done:
		s.done <- err
		if !apperr.HasCode(err, apperr.CodeFailedPrecondition) {
			t.Fatalf("resuming from a restored event: %v, want FailedPrecondition (reload)", err)
		}
	case <-time.After(wait):
		t.Fatal("resuming from a restored event did not fail")
	}
	live := subscribe(t, h, Filter{AgentID: uuid.New(), NoPresence: true}, "")
	live.next(t, isReady)
	want := insertMessage(t, h, uuid.New(), false)
	if got, _ := live.messages(t, 1); got[0] != want {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// writeNext writes one message_created event the way the send path does
// (chat's InsertAgentMessage): the statement says whether its event
// directly follows the hub's mark, and CommittedNext is told.
func writeNext(t *testing.T, h *Hub, customer uuid.UUID, mark Mark) (id string, follows bool) {
	t.Helper()
	msg, conv := uuid.New(), uuid.New()
	var row EventRow
	var tx int64
	err := h.pool.QueryRow(context.Background(), `
WITH e AS (
    INSERT INTO events (kind, conversation_id, customer_id, message_id) VALUES ('message_created', $1, $2, $3)
    RETURNING id, tx, occurred_at)
SELECT e.id, e.tx::text::bigint, e.occurred_at,
       pg_snapshot_xmin(pg_current_snapshot()) = e.tx
       AND NOT EXISTS (SELECT 1 FROM events p WHERE (p.tx, p.id) > ($4::bigint::text::xid8, $5::bigint) AND p.tx < e.tx)
FROM e`, conv, customer, msg, mark.Tx, mark.ID).Scan(&row.ID, &tx, &row.OccurredAt, &follows)
	if err != nil {
		t.Fatalf("insert event: %v", err)
	}
	row.Kind, row.ConversationID, row.CustomerID, row.MessageID = KindMessageCreated, conv, customer, &msg
	h.CommittedNext(context.Background(), Written{Mark: mark, Tx: tx, Row: row, Follows: follows})
	return msg.String(), follows
}

// TestCommittedNext: events delivered as their writer commits them reach
// agent and visitor streams once each and in log order, also when an older
// transaction or another instance's event comes before them. Not parallel:
// any transaction of the cluster, in any database, keeps an event from
// following the mark, and the test wants some that do.
func TestCommittedNext(t *testing.T) {
	pool := dbtest.New(t)
	h := startHub(t, pool, Options{})
	cust := uuid.New()
	agent := subscribe(t, h, Filter{AgentID: uuid.New(), NoPresence: true}, "")
	agent.next(t, isReady)
	visitor := subscribe(t, h, Filter{CustomerID: cust}, "")
	visitor.next(t, isReady)
	ctx := context.Background()

	// Back to back: each follows the one before.
	var want []string
	direct := 0
	for range 20 {
		id, follows := writeNext(t, h, cust, h.Mark())
		want = append(want, id)
		if follows {
			direct++
		}
	}
	if direct == 0 {
		t.Fatal("no event followed the hub's mark")
	}
	for _, s := range []*stream{agent, visitor} {
		if got, _ := s.messages(t, len(want)); !equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	}

	// An older transaction still running: the event does not follow, and
	// comes after the older transaction's event.
	older, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer older.Rollback(ctx)
	if _, err := older.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	late, follows := writeNext(t, h, cust, h.Mark())
	if follows {
		t.Fatal("an event behind a running older transaction followed the mark")
	}
	early := uuid.New()
	if _, err := older.Exec(ctx, `INSERT INTO events (kind, conversation_id, customer_id, message_id) VALUES ('message_created', $1, $2, $3)`,
		uuid.New(), cust, early); err != nil {
		t.Fatal(err)
	}
	agent.quiet(t, 50*time.Millisecond)
	if err := older.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	h.Committed()
	want = []string{early.String(), late}
	for _, s := range []*stream{agent, visitor} {
		if got, _ := s.messages(t, 2); !equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	}

	// Another instance's event committed after the mark was taken and
	// before the statement: the event does not follow, and comes second.
	mark := h.Mark()
	other := uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO events (kind, conversation_id, customer_id, message_id) VALUES ('message_created', $1, $2, $3)`,
		uuid.New(), cust, other); err != nil {
		t.Fatal(err)
	}
	mine, follows := writeNext(t, h, cust, mark)
	if follows {
		t.Fatal("an event after an undelivered one followed the mark")
	}
	want = []string{other.String(), mine}
	for _, s := range []*stream{agent, visitor} {
		if got, _ := s.messages(t, 2); !equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	// Nothing twice.
	agent.quiet(t, 100*time.Millisecond)
	visitor.quiet(t, 100*time.Millisecond)
}
