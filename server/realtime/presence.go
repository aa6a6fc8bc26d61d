package realtime

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/opensupport/livechat/db/dbq"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/metrics"
)

// Presence across instances
//
// An agent is online while their chosen status (agents.status) is online
// and a live instance holds a stream of theirs. An invisible agent is never
// online; agent streams see their status as INVISIBLE, visitors only see
// that they do not count. Each instance writes which
// agents stream on it into agent_streams, under its realtime_instances row,
// which it renews every InstanceTTL/3; an instance that dies stops renewing
// and its rows stop counting after InstanceTTL. When an agent's last stream
// on an instance ends, the row stays for PresenceGrace (one timer per
// instance, not per stream), so a reload or a reconnect to another instance
// does not flicker them offline.
//
// Every change is announced with a NOTIFY; each instance then re-reads the
// presence of all agents (one small query), compares it with what it had
// and sends PresenceEvents to its own streams. Instances also re-read on
// their renewal tick, which is how they notice a dead instance's rows
// expiring, and after their listener reconnects.

// Availability hears when an agent comes online on any instance, so that
// work waiting for someone (the routing queue) can move. AgentOnline must
// not block: it runs on the presence loop.
type Availability interface {
	AgentOnline()
}

// SetAvailability sets who hears that agents come online.
func (h *Hub) SetAvailability(a Availability) { h.availability.Store(&a) }

// agentPresence is what streams know of one agent.
type agentPresence struct {
	status livechatv1.AgentStatus
	online bool
}

type presence struct {
	h      *Hub
	wakeCh chan struct{}

	// mu guards the instance's own streams.
	mu     sync.Mutex
	local  map[uuid.UUID]int       // live streams per agent
	linger map[uuid.UUID]time.Time // agents without streams, until when they count
	timer  *time.Timer             // fires at the soonest linger deadline

	// syncMu serializes writes and re-reads; it guards written and renewed.
	syncMu  sync.Mutex
	written map[uuid.UUID]bool // this instance's rows in agent_streams
	renewed time.Time

	// viewMu guards the last presence read.
	viewMu    sync.RWMutex
	view      map[uuid.UUID]agentPresence
	anyOnline bool
}

func newPresence(h *Hub) *presence {
	return &presence{
		h:       h,
		wakeCh:  make(chan struct{}, 1),
		local:   map[uuid.UUID]int{},
		linger:  map[uuid.UUID]time.Time{},
		written: map[uuid.UUID]bool{},
		view:    map[uuid.UUID]agentPresence{},
	}
}

func (p *presence) wake() { wake(p.wakeCh) }

// IsOnline reports whether the agent is online: their status is online and
// they hold a Subscribe stream on some instance (or did, within the grace
// period).
func (h *Hub) IsOnline(agentID uuid.UUID) bool {
	h.presence.viewMu.RLock()
	defer h.presence.viewMu.RUnlock()
	return h.presence.view[agentID].online
}

// AgentsOnline reports whether at least one agent is online.
func (h *Hub) AgentsOnline() bool {
	h.presence.viewMu.RLock()
	defer h.presence.viewMu.RUnlock()
	return h.presence.anyOnline
}

// OnlineAgents returns the ids of the agents online now (never the
// invisible ones), in no order.
func (h *Hub) OnlineAgents() []uuid.UUID {
	h.presence.viewMu.RLock()
	defer h.presence.viewMu.RUnlock()
	var out []uuid.UUID
	for id, p := range h.presence.view {
		if p.online {
			out = append(out, id)
		}
	}
	return out
}

// StatusChanged tells the hub that an agent's status (or disabled flag)
// changed in the database. Call it after the change committed. When it
// returns, IsOnline on this instance reflects the change; streams on every
// instance get a PresenceEvent.
func (h *Hub) StatusChanged(ctx context.Context, agentID uuid.UUID) {
	h.notifyPresence()
	if err := h.presence.sync(ctx); err != nil && ctx.Err() == nil {
		h.log.Error("realtime: refresh presence", "agent", agentID, "err", err)
		h.presence.wake()
	}
}

// start registers the instance and reads the presence of all agents.
func (p *presence) start(ctx context.Context) error {
	return p.sync(ctx)
}

// acquire counts a new stream of the agent on this instance; the first one
// is written (and read back) before it returns, so the agent is online as
// soon as their stream is ready.
func (p *presence) acquire(ctx context.Context, agentID uuid.UUID) {
	p.mu.Lock()
	p.local[agentID]++
	delete(p.linger, agentID)
	p.mu.Unlock()

	p.syncMu.Lock()
	done := p.written[agentID]
	p.syncMu.Unlock()
	if done {
		return
	}
	if err := p.sync(ctx); err != nil && ctx.Err() == nil {
		p.h.log.Error("realtime: record agent stream", "agent", agentID, "err", err)
		p.wake()
	}
}

// release uncounts a stream; after the last one the agent lingers for the
// grace period.
func (p *presence) release(agentID uuid.UUID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.local[agentID]--; p.local[agentID] > 0 {
		return
	}
	delete(p.local, agentID)
	deadline := p.h.opts.Now().Add(p.h.opts.PresenceGrace)
	p.linger[agentID] = deadline
	if p.timer == nil {
		p.timer = time.AfterFunc(p.h.opts.PresenceGrace, p.wake)
	} else {
		p.timer.Reset(p.nextLingerLocked())
	}
}

// nextLingerLocked is how long until the soonest linger deadline.
func (p *presence) nextLingerLocked() time.Duration {
	now := p.h.opts.Now()
	var soonest time.Duration = -1
	for _, at := range p.linger {
		if d := at.Sub(now); soonest < 0 || d < soonest {
			soonest = d
		}
	}
	return max(soonest, 0)
}

// desired is the set of agents this instance should have rows for.
func (p *presence) desired() map[uuid.UUID]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.h.opts.Now()
	want := make(map[uuid.UUID]bool, len(p.local)+len(p.linger))
	for id := range p.local {
		want[id] = true
	}
	for id, at := range p.linger {
		if now.Before(at) {
			want[id] = true
		} else {
			delete(p.linger, id)
		}
	}
	if len(p.linger) > 0 {
		p.timer.Reset(p.nextLingerLocked())
	}
	return want
}

// sync writes this instance's rows, renews it when due, and re-reads the
// presence of all agents, sending events for what changed.
func (p *presence) sync(ctx context.Context) error {
	p.syncMu.Lock()
	defer p.syncMu.Unlock()
	h := p.h
	want := p.desired()
	var add, remove []uuid.UUID
	for id := range want {
		if !p.written[id] {
			add = append(add, id)
		}
	}
	for id := range p.written {
		if !want[id] {
			remove = append(remove, id)
		}
	}
	inst := h.opts.InstanceID
	now := h.opts.Now()
	if now.Sub(p.renewed) >= h.opts.InstanceTTL/3 {
		if err := h.q.RenewInstance(ctx, dbq.RenewInstanceParams{ID: inst, TtlSeconds: h.opts.InstanceTTL.Seconds()}); err != nil {
			return err
		}
		if err := h.q.DeleteExpiredInstances(ctx); err != nil {
			return err
		}
		// Rewrite every row: they are gone if this instance was taken for
		// dead (a long pause or database outage) and its row deleted.
		add = add[:0]
		for id := range want {
			add = append(add, id)
		}
		p.renewed = now
	}
	if len(add) > 0 {
		if err := h.q.AddAgentStreams(ctx, dbq.AddAgentStreamsParams{InstanceID: inst, AgentIds: add}); err != nil {
			p.renewed = time.Time{} // maybe our instance row is gone: renew next time
			return err
		}
	}
	if len(remove) > 0 {
		if err := h.q.RemoveAgentStreams(ctx, dbq.RemoveAgentStreamsParams{InstanceID: inst, AgentIds: remove}); err != nil {
			return err
		}
	}
	changed := false
	for _, id := range add {
		changed = changed || !p.written[id]
	}
	changed = changed || len(remove) > 0
	p.written = want
	if changed {
		h.notifyPresence()
	}
	return p.refresh(ctx)
}

// refresh re-reads every agent's presence and sends what changed.
func (p *presence) refresh(ctx context.Context) error {
	rows, err := p.h.q.ListAgentPresence(ctx)
	if err != nil {
		return err
	}
	view := make(map[uuid.UUID]agentPresence, len(rows))
	anyOnline := false
	for _, r := range rows {
		st := livechatv1.AgentStatus_AGENT_STATUS_AWAY
		switch r.Status {
		case "online":
			st = livechatv1.AgentStatus_AGENT_STATUS_ONLINE
		case "invisible":
			st = livechatv1.AgentStatus_AGENT_STATUS_INVISIBLE
		}
		// Invisible agents stream and work but are never online: not for
		// visitors' agents_online, nor for any availability count.
		ap := agentPresence{status: st, online: r.Streaming && st == livechatv1.AgentStatus_AGENT_STATUS_ONLINE}
		view[r.ID] = ap
		anyOnline = anyOnline || ap.online
	}
	p.viewMu.Lock()
	old, oldAny := p.view, p.anyOnline
	p.view, p.anyOnline = view, anyOnline
	p.viewMu.Unlock()

	now := timestamppb.New(p.h.opts.Now())
	var agentEvents []*livechatv1.Event
	cameOnline := false
	for id, ap := range view {
		if prev, ok := old[id]; !ok || prev != ap {
			agentEvents = append(agentEvents, presenceEvent(now, id, ap, anyOnline))
			cameOnline = cameOnline || (ap.online && !prev.online)
		}
	}
	if a := p.h.availability.Load(); a != nil && cameOnline {
		(*a).AgentOnline()
	}
	for id, prev := range old {
		if _, ok := view[id]; !ok && prev.online {
			// Disabled (or deleted) while online.
			agentEvents = append(agentEvents, presenceEvent(now, id, agentPresence{status: prev.status}, anyOnline))
		}
	}
	var visitorEvent *livechatv1.Event
	if anyOnline != oldAny {
		visitorEvent = &livechatv1.Event{OccurredAt: now, Kind: &livechatv1.Event_Presence{Presence: &livechatv1.PresenceEvent{AgentsOnline: anyOnline}}}
	}
	p.h.fanoutPresence(agentEvents, visitorEvent)
	return nil
}

func presenceEvent(at *timestamppb.Timestamp, id uuid.UUID, ap agentPresence, anyOnline bool) *livechatv1.Event {
	return &livechatv1.Event{OccurredAt: at, Kind: &livechatv1.Event_Presence{Presence: &livechatv1.PresenceEvent{
		AgentId: id.String(), Status: ap.status, Online: ap.online, AgentsOnline: anyOnline,
	}}}
}

// snapshot is the current presence as a new stream gets it after READY.
func (p *presence) snapshot(visitor bool) []*livechatv1.Event {
	p.viewMu.RLock()
	defer p.viewMu.RUnlock()
	now := timestamppb.New(p.h.opts.Now())
	if visitor {
		return []*livechatv1.Event{{OccurredAt: now, Kind: &livechatv1.Event_Presence{Presence: &livechatv1.PresenceEvent{AgentsOnline: p.anyOnline}}}}
	}
	ids := make([]uuid.UUID, 0, len(p.view))
	for id := range p.view {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	evs := make([]*livechatv1.Event, len(ids))
	for i, id := range ids {
		evs[i] = presenceEvent(now, id, p.view[id], p.anyOnline)
	}
	return evs
}

// fanoutPresence sends presence events: agent streams get one per changed
// agent, every visitor stream gets visitor (when not nil).
func (h *Hub) fanoutPresence(agentEvents []*livechatv1.Event, visitor *livechatv1.Event) {
	if len(agentEvents) == 0 && visitor == nil {
		return
	}
	metrics.EventsPublished.Add(float64(len(agentEvents)))
	if visitor != nil {
		metrics.EventsPublished.Inc()
	}
	limit := h.opts.Buffer
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ev := range agentEvents {
		d := &delivery{agent: ev}
		for s := range h.agents {
			if s.push(d, limit) {
				h.removeLocked(s)
			}
		}
	}
	if visitor == nil {
		return
	}
	d := &delivery{visitor: visitor}
	for _, set := range h.visitors {
		for s := range set {
			if s.push(d, limit) {
				h.removeLocked(s)
			}
		}
	}
}

// loop keeps presence current: on changes here or elsewhere, when a grace
// period ends, and on the renewal tick.
func (p *presence) loop(ctx context.Context) {
	t := time.NewTicker(p.h.opts.InstanceTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.wakeCh:
		}
		if err := p.sync(ctx); err != nil && ctx.Err() == nil {
			p.h.log.Error("realtime: sync presence", "err", err)
		}
	}
}

// shutdown lets this instance's rows count for the grace period only, so
// its agents have time to reconnect elsewhere before they go offline.
func (p *presence) shutdown(ctx context.Context) {
	p.mu.Lock()
	if p.timer != nil {
		p.timer.Stop()
	}
	p.mu.Unlock()
	ttl := min(p.h.opts.PresenceGrace, p.h.opts.InstanceTTL)
	if err := p.h.q.RenewInstance(ctx, dbq.RenewInstanceParams{ID: p.h.opts.InstanceID, TtlSeconds: ttl.Seconds()}); err != nil {
		p.h.log.Warn("realtime: shorten instance presence", "err", err)
	}
}
