package realtime

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/metrics"
)

// delivery is one event on its way to the streams, shared by all of them.
type delivery struct {
	// pos is set for durable events, zero for ephemeral ones.
	pos position
	// at is when a durable event was written, for the fan-out lag metric.
	at time.Time
	// agent is what agent streams get, visitor what visitor streams get;
	// nil skips that kind of stream.
	agent   *livechatv1.Event
	visitor *livechatv1.Event
}

// heartbeat is sent to every idle stream; proto messages are safe to
// marshal concurrently as long as nobody modifies them.
var heartbeat = &delivery{
	agent:   &livechatv1.Event{Kind: &livechatv1.Event_Heartbeat{Heartbeat: &livechatv1.HeartbeatEvent{}}},
	visitor: &livechatv1.Event{Kind: &livechatv1.Event_Heartbeat{Heartbeat: &livechatv1.HeartbeatEvent{}}},
}

var readyEvent = &livechatv1.Event{Kind: &livechatv1.Event_Ready{Ready: &livechatv1.ReadyEvent{}}}

// subscriber is one open stream. It is kept small: an idle stream holds no
// buffer, and its handler goroutine is the only one serving it.
type subscriber struct {
	visitor  bool
	customer uuid.UUID
	// cred is the credential the stream was opened with (Filter.Credential).
	cred uuid.UUID
	// token: cred is an API token (Filter.TokenCredential).
	token bool
	wake  chan struct{}
	// slot is the stream's turn in the heartbeat cycle (see heartbeatLoop).
	slot uint8
	// active is set when the stream sent something since the last
	// heartbeat tick, which then skips it.
	active atomic.Bool

	mu    sync.Mutex
	queue []*delivery
	// catchingUp: the stream is still reading history; an overflow then
	// only means "read more history", not "drop".
	catchingUp bool
	overflowed bool
	err        error
}

// push queues d for the stream. It reports true when the stream just
// overflowed and must be removed from the hub.
func (s *subscriber) push(d *delivery, limit int) (dropped bool) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return false
	}
	if len(s.queue) >= limit {
		if s.catchingUp {
			// The history read will reach past everything dropped here.
			s.overflowed = true
			s.queue = nil
			s.mu.Unlock()
			return false
		}
		s.err = errFellBehind
		s.queue = nil
		s.mu.Unlock()
		wake(s.wake)
		metrics.SubscribersDropped.Inc()
		return true
	}
	s.queue = append(s.queue, d)
	s.mu.Unlock()
	wake(s.wake)
	return false
}

// fail ends the stream with err.
func (s *subscriber) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
		s.queue = nil
	}
	s.mu.Unlock()
	wake(s.wake)
}

// take returns the queued events and the stream's error, leaving spare as
// the new (empty) queue so that a busy stream reuses two arrays.
func (s *subscriber) take(spare []*delivery) ([]*delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queue
	s.queue = spare
	return q, s.err
}

// Subscribe streams the events f selects through send until ctx ends, the
// stream falls behind (RESOURCE_EXHAUSTED) or the hub closes (UNAVAILABLE).
// send is called from the calling goroutine only.
//
// With a cursor, every durable event after it is sent first, exactly once
// and in order, then READY, then live events; a malformed cursor is
// INVALID_ARGUMENT and one no longer retained is FAILED_PRECONDITION.
// Without a cursor READY comes first. After READY the stream gets the
// current presence: a PresenceEvent per enabled agent on agent streams, one
// with agents_online on visitor streams.
func (h *Hub) Subscribe(ctx context.Context, f Filter, cursor string, send func(*livechatv1.Event) error) error {
	visitor := f.CustomerID != uuid.Nil
	if visitor == (f.AgentID != uuid.Nil) {
		return apperr.New(apperr.InvalidValue, "a stream belongs to either an agent or a visitor")
	}
	resume := cursor != ""
	var last position
	if resume {
		err := offStack(func() (err error) {
			last, err = h.checkCursor(ctx, cursor)
			return err
		})
		if err != nil {
			return err
		}
	}
	s := &subscriber{visitor: visitor, customer: f.CustomerID, cred: f.Credential, token: f.TokenCredential, wake: make(chan struct{}, 1), catchingUp: resume}
	upto, err := h.register(s)
	if err != nil {
		return err
	}
	defer h.unregister(s)
	if !visitor && !f.NoPresence {
		_ = offStack(func() error {
			h.presence.acquire(ctx, f.AgentID)
			return nil
		})
		defer h.presence.release(f.AgentID)
	}
	if resume {
		if err := offStack(func() error { return h.catchUpAll(ctx, s, &last, upto, send) }); err != nil {
			return err
		}
	}

	st := &streamState{visitor: visitor, last: last}
	for {
		batch, err := s.take(st.spare[:0])
		if len(batch) > 0 || !st.ready {
			if serr := offStack(func() error { return h.deliver(st, batch, err, send) }); serr != nil {
				return serr
			}
		}
		if len(batch) > 0 {
			s.active.Store(true)
		}
		clear(batch)
		// Keep the array for the next batch unless a burst grew it: an idle
		// stream must stay small.
		if cap(batch) <= 16 {
			st.spare = batch[:0]
		} else {
			st.spare = nil
		}
		if err != nil {
			return err
		}
		if st.justReady {
			st.justReady = false
			continue // send what queued meanwhile before waiting
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.wake:
		}
	}
}

// offStack runs fn on a goroutine of its own and waits for it. A stream's
// goroutine lives as long as the stream and is idle nearly all that time;
// the deep calls it makes now and then (encoding and framing an event,
// reading history from the database) would double its stack for good, and
// across tens of thousands of idle streams that doubling is most of their
// memory. fn's goroutine takes the depth and ends; the stream's stays small.
func offStack(fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	return <-done
}

// streamState is what a stream's delivery remembers between batches.
type streamState struct {
	visitor bool
	// last is the position of the last durable event sent.
	last  position
	spare []*delivery
	// ready is set once READY and the presence snapshot were sent;
	// justReady for the one round in which that happened.
	ready, justReady bool
}

// deliver sends a batch taken from the stream's queue, skipping what
// history already sent, then READY and the presence snapshot if not yet.
// Nothing is sent once the stream has failed (err).
func (h *Hub) deliver(st *streamState, batch []*delivery, err error, send func(*livechatv1.Event) error) error {
	for _, d := range batch {
		if !d.pos.isZero() {
			if !st.last.less(d.pos) {
				continue // already sent from history
			}
			st.last = d.pos
		}
		ev := d.agent
		if st.visitor {
			ev = d.visitor
		}
		if ev == nil || err != nil {
			continue
		}
		if serr := send(ev); serr != nil {
			return serr
		}
		metrics.EventsDelivered.Inc()
		metrics.ObserveFanoutLag(d.at)
	}
	if st.ready || err != nil {
		return nil
	}
	st.ready, st.justReady = true, true
	if err := send(readyEvent); err != nil {
		return err
	}
	for _, ev := range h.presence.snapshot(st.visitor) {
		if err := send(ev); err != nil {
			return err
		}
	}
	return nil
}

// catchUpAll sends the history a resuming stream missed, up to where the
// hub was when it registered, and again up to where it is now for as long
// as live events overflowed the stream's buffer meanwhile.
func (h *Hub) catchUpAll(ctx context.Context, s *subscriber, last *position, upto position, send func(*livechatv1.Event) error) error {
	for {
		var err error
		if *last, err = h.catchUp(ctx, s, *last, upto, send); err != nil {
			return err
		}
		s.mu.Lock()
		if !s.overflowed || s.err != nil {
			s.catchingUp = false
			s.mu.Unlock()
			return nil
		}
		// Live events came faster than history could be sent and some
		// were discarded: read history again up to where the hub is now.
		s.overflowed = false
		s.mu.Unlock()
		h.mu.Lock()
		upto = h.pos
		h.mu.Unlock()
	}
}

// register adds s to the live set and returns the position it joins at:
// every event after it will be pushed to s.
func (h *Hub) register(s *subscriber) (position, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return position{}, errShutdown
	}
	h.nextSlot = (h.nextSlot + 1) % heartbeatSlots
	s.slot = h.nextSlot
	if s.visitor {
		set := h.visitors[s.customer]
		if set == nil {
			set = make(map[*subscriber]struct{}, 1)
			h.visitors[s.customer] = set
		}
		set[s] = struct{}{}
	} else {
		h.agents[s] = struct{}{}
	}
	return h.pos, nil
}

func (h *Hub) unregister(s *subscriber) {
	h.mu.Lock()
	h.removeLocked(s)
	h.mu.Unlock()
}

func (h *Hub) removeLocked(s *subscriber) {
	if !s.visitor {
		delete(h.agents, s)
		return
	}
	if set := h.visitors[s.customer]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.visitors, s.customer)
		}
	}
}

// catchUp sends the durable events s may see in (from, upto] and returns
// the position of the last one read.
func (h *Hub) catchUp(ctx context.Context, s *subscriber, from, upto position, send func(*livechatv1.Event) error) (position, error) {
	const page = 500
	for from.less(upto) {
		rows, positions, err := h.catchUpRows(ctx, s, from, upto, page)
		if err != nil {
			return from, err
		}
		if len(rows) == 0 {
			break
		}
		evs, err := h.load(ctx, rows, positions)
		if err != nil {
			return from, err
		}
		for i, v := range evs {
			from = positions[i]
			ev := v.Agent
			if s.visitor {
				ev = v.Visitor
			}
			if ev == nil {
				continue
			}
			if err := send(ev); err != nil {
				return from, err
			}
			metrics.EventsDelivered.Inc()
		}
		if len(rows) < page {
			break
		}
	}
	return from, nil
}
