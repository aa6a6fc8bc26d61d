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

// typingKey is one sender's indicator in one conversation.
type typingKey struct {
	conversation string
	sender       string
}

// shownTyping is an indicator this instance's streams show.
type shownTyping struct {
	deadline time.Time
	customer uuid.UUID
	ev       *livechatv1.TypingEvent
}

// typing throttles, forwards and expires typing indicators. Indicators are
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
	t := h.typing
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
	key := typingKey{conversation: ev.ConversationId, sender: ev.SenderId}
	t.mu.Lock()
	if ev.Typing {
		if last, ok := t.last[key]; ok && now.Sub(last) < h.opts.TypingInterval {
			t.mu.Unlock()
			return
		}
		t.last[key] = now
		ev.ExpiresAt = timestamppb.New(now.Add(h.opts.TypingTTL))
	} else {
		delete(t.last, key)
	}
	t.mu.Unlock()
	event := &livechatv1.Event{OccurredAt: timestamppb.New(now), Kind: &livechatv1.Event_Typing{Typing: ev}}
	t.apply(visitors, event)
	raw, err := proto.Marshal(event)
	if err != nil {
		return
	}
	h.notifyEphemeral("t " + h.opts.InstanceID.String() + " " + visitors.String() + " " + base64.StdEncoding.EncodeToString(raw))
}

// apply shows a typing event on this instance's streams (the visitor
// streams of customer only; uuid.Nil reaches none) and tracks its expiry.
func (t *typing) apply(customer uuid.UUID, event *livechatv1.Event) {
	ev := event.GetTyping()
	key := typingKey{conversation: ev.ConversationId, sender: ev.SenderId}
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return
	}
	if ev.Typing {
		// The local clock decides: instances' clocks may differ a little.
		deadline := t.h.opts.Now().Add(t.h.opts.TypingTTL)
		t.shown[key] = shownTyping{deadline: deadline, customer: customer, ev: ev}
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
		ev := proto.CloneOf(s.ev)
		ev.Typing = false
		ev.ExpiresAt = nil
		out = append(out, lapsed{s.customer, &livechatv1.Event{OccurredAt: timestamppb.New(now), Kind: &livechatv1.Event_Typing{Typing: ev}}})
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
