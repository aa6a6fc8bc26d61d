package realtime

import (
	"context"
	"encoding/base64"
	"sync"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/metrics"
)

// typingKey is one sender's indicator of one kind in one conversation.
type typingKey struct {
	conversation string
	sender       string
	// viewing: the key of a viewing signal, else of a typing indicator.
	viewing bool
}

// indicatorKey returns the key of a typing or viewing event; ok is false
// for any other event.
func indicatorKey(event *livechatv1.Event) (k typingKey, active, ok bool) {
	if ev := event.GetTyping(); ev != nil {
		return typingKey{conversation: ev.ConversationId, sender: ev.SenderId}, ev.Typing, true
	}
	if ev := event.GetViewing(); ev != nil {
		return typingKey{conversation: ev.ConversationId, sender: ev.AgentId, viewing: true}, ev.Viewing, true
	}
	return typingKey{}, false, false
}

// lapsedEvent is the event that clears an indicator: a copy of ev saying
// typing (or viewing) false, without expiry.
func lapsedEvent(ev *livechatv1.Event, at time.Time) *livechatv1.Event {
	out := &livechatv1.Event{OccurredAt: timestamppb.New(at)}
	if v := ev.GetViewing(); v != nil {
		c := proto.CloneOf(v)
		c.Viewing, c.ExpiresAt = false, nil
		out.Kind = &livechatv1.Event_Viewing{Viewing: c}
		return out
	}
	c := proto.CloneOf(ev.GetTyping())
	c.Typing, c.ExpiresAt = false, nil
	out.Kind = &livechatv1.Event_Typing{Typing: c}
	return out
}

// ttl is how long an indicator of the key's kind lasts unless repeated.
func (t *typing) ttl(k typingKey) time.Duration {
	if k.viewing {
		return t.h.opts.ViewingTTL
	}
	return t.h.opts.TypingTTL
}

// shownTyping is an indicator this instance's streams show.
type shownTyping struct {
	deadline time.Time
	customer uuid.UUID
	ev       *livechatv1.Event
}

// typing throttles, forwards and expires typing indicators and viewing
// signals (which work the same way, for agents only). Indicators are
// never stored. Each instance expires the indicators its own streams show,
// with one timer for all of them.
type typing struct {
	h  *Hub
	mu sync.Mutex
	// last is when each sender's last typing=true was forwarded.
	last  map[typingKey]time.Time
	shown map[typingKey]shownTyping
	timer *time.Timer
	// next is when the timer fires; zero when it is stopped.
	next    time.Time
	stopped bool
}

func newTyping(h *Hub) *typing {
	return &typing{h: h, last: map[typingKey]time.Time{}, shown: map[typingKey]shownTyping{}}
}

// Typing is a typing indicator to show: someone typing in a conversation,
// or stopping.
type Typing struct {
	ConversationID uuid.UUID
	// CustomerID is the conversation's customer.
	CustomerID uuid.UUID
	// VisitorSees says whether the customer's streams get the indicator.
	// The domain decides (a visitor is not shown their own typing); agent
	// streams always get it.
	VisitorSees bool
	// SenderIsCustomer: the customer types, else the agent SenderID.
	SenderIsCustomer bool
	SenderID         uuid.UUID
	SenderName       string
	// Typing false clears the indicator.
	Typing bool
}

// PublishTyping shows t (someone typing, or stopping) to every agent stream
// and, when t.VisitorSees, to the visitor streams of t.CustomerID, on every
// instance. It never blocks and stores nothing.
//
// Typing=true from one sender in one conversation is forwarded at most once
// per TypingInterval (1 s); repeats in between are dropped, which is safe
// because the indicator lasts TypingTTL (6 s). expires_at is set to now +
// TypingTTL. When an indicator lapses without a repeat or a typing=false,
// every instance sends typing=false (without expires_at) to its streams,
// so clients that ignore expires_at still clear it. Typing=false is always
// forwarded at once.
func (h *Hub) PublishTyping(ctx context.Context, in Typing) {
	now := h.opts.Now()
	ev := &livechatv1.TypingEvent{
		ConversationId: in.ConversationID.String(),
		SenderType:     livechatv1.SenderType_SENDER_TYPE_AGENT,
		SenderId:       in.SenderID.String(),
		SenderName:     in.SenderName,
		Typing:         in.Typing,
	}
	if in.SenderIsCustomer {
		ev.SenderType = livechatv1.SenderType_SENDER_TYPE_CUSTOMER
	}
	// The visitor streams to reach: none (uuid.Nil names no customer)
	// unless the domain lets the customer see it.
	visitors := uuid.Nil
	if in.VisitorSees {
		visitors = in.CustomerID
	}
	event := &livechatv1.Event{OccurredAt: timestamppb.New(now), Kind: &livechatv1.Event_Typing{Typing: ev}}
	if ev.Typing {
		ev.ExpiresAt = timestamppb.New(now.Add(h.opts.TypingTTL))
	}
	h.publishIndicator(visitors, event)
}

// Viewing is an agent opening (or, with Viewing false, leaving) a
// conversation.
type Viewing struct {
	ConversationID uuid.UUID
	AgentID        uuid.UUID
	AgentName      string
	Viewing        bool
}

// PublishViewing shows v to every agent stream on every instance, never to
// a visitor. Like PublishTyping it stores nothing and coalesces repeats
// within TypingInterval; the signal lasts ViewingTTL (20 s) unless
// repeated, then every instance sends viewing=false.
func (h *Hub) PublishViewing(ctx context.Context, v Viewing) {
	now := h.opts.Now()
	ev := &livechatv1.ViewingEvent{
		ConversationId: v.ConversationID.String(),
		AgentId:        v.AgentID.String(),
		AgentName:      v.AgentName,
		Viewing:        v.Viewing,
	}
	if v.Viewing {
		ev.ExpiresAt = timestamppb.New(now.Add(h.opts.ViewingTTL))
	}
	// uuid.Nil: no visitor stream is reached.
	h.publishIndicator(uuid.Nil, &livechatv1.Event{OccurredAt: timestamppb.New(now), Kind: &livechatv1.Event_Viewing{Viewing: ev}})
}

// publishIndicator throttles a typing or viewing event, shows it on this
// instance's streams and announces it to the other instances.
func (h *Hub) publishIndicator(visitors uuid.UUID, event *livechatv1.Event) {
	t := h.typing
	now := h.opts.Now()
	key, active, _ := indicatorKey(event)
	t.mu.Lock()
	if active {
		if last, ok := t.last[key]; ok && now.Sub(last) < h.opts.TypingInterval {
			t.mu.Unlock()
			return
		}
		t.last[key] = now
	} else {
		delete(t.last, key)
	}
	t.mu.Unlock()
	t.apply(visitors, event)
	raw, err := proto.Marshal(event)
	if err != nil {
		return
	}
	h.notifyEphemeral("t " + h.opts.InstanceID.String() + " " + visitors.String() + " " + base64.StdEncoding.EncodeToString(raw))
}

// apply shows a typing or viewing event on this instance's streams (the
// visitor streams of customer only; uuid.Nil reaches none) and tracks its
// expiry.
func (t *typing) apply(customer uuid.UUID, event *livechatv1.Event) {
	key, active, ok := indicatorKey(event)
	if !ok {
		return
	}
	if key.viewing {
		customer = uuid.Nil // viewing is for agents only, whatever the sender said
	}
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return
	}
	if active {
		// The local clock decides: instances' clocks may differ a little.
		deadline := t.h.opts.Now().Add(t.ttl(key))
		t.shown[key] = shownTyping{deadline: deadline, customer: customer, ev: event}
		t.scheduleLocked(deadline)
	} else {
		delete(t.shown, key)
	}
	t.mu.Unlock()
	t.h.fanoutEphemeral(customer, event)
}

// scheduleLocked makes the timer fire no later than at.
func (t *typing) scheduleLocked(at time.Time) {
	if !t.next.IsZero() && !at.Before(t.next) {
		return
	}
	t.next = at
	d := at.Sub(t.h.opts.Now())
	if t.timer == nil {
		t.timer = time.AfterFunc(d, t.expire)
	} else {
		t.timer.Reset(d)
	}
}

// expire sends typing=false for every lapsed indicator.
func (t *typing) expire() {
	now := t.h.opts.Now()
	type lapsed struct {
		customer uuid.UUID
		event    *livechatv1.Event
	}
	var out []lapsed
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return
	}
	t.next = time.Time{}
	var soonest time.Time
	for k, s := range t.shown {
		if now.Before(s.deadline) {
			if soonest.IsZero() || s.deadline.Before(soonest) {
				soonest = s.deadline
			}
			continue
		}
		delete(t.shown, k)
		out = append(out, lapsed{s.customer, lapsedEvent(s.ev, now)})
	}
	for k, at := range t.last {
		if now.Sub(at) >= t.h.opts.TypingInterval {
			delete(t.last, k)
		}
	}
	if !soonest.IsZero() {
		t.scheduleLocked(soonest)
	}
	t.mu.Unlock()
	for _, l := range out {
		t.h.fanoutEphemeral(l.customer, l.event)
	}
}

func (t *typing) stop() {
	t.mu.Lock()
	t.stopped = true
	if t.timer != nil {
		t.timer.Stop()
	}
	t.mu.Unlock()
}

// fanoutEphemeral pushes an event without cursor to every agent stream and
// to the visitor streams of customer (none for uuid.Nil).
func (h *Hub) fanoutEphemeral(customer uuid.UUID, ev *livechatv1.Event) {
	metrics.EventsPublished.Inc()
	d := &delivery{agent: ev, visitor: ev}
	limit := h.opts.Buffer
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.agents {
		if s.push(d, limit) {
			h.removeLocked(s)
		}
	}
	for s := range h.visitors[customer] {
		if s.push(d, limit) {
			h.removeLocked(s)
		}
	}
}
