package realtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/opensupport/livechat/db/dbq"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/metrics"
)

// readBatch is how many events the reader takes per query.
const readBatch = 500

// Committed tells the hub that a transaction which wrote events has
// committed. Call it after every such commit (not inside the transaction):
// this instance's streams get the events at once, and the other instances
// are notified in a batched NOTIFY. It never blocks.
func (h *Hub) Committed() {
	wake(h.readWake)
	h.notifyEvents.Store(true)
	wake(h.notifyWake)
}

// Mark is a place in the event log: where this instance's delivery stands
// (Hub.Mark), passed into a writer's statement so that it can tell whether
// its event directly follows it.
type Mark struct{ Tx, ID int64 }

// Mark returns the position up to which the hub has delivered every event.
func (h *Hub) Mark() Mark {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Mark{Tx: h.pos.tx, ID: h.pos.id}
}

// Written is one event a writer's statement committed, with what the
// statement learned about its place in the log.
type Written struct {
	// Mark is what Hub.Mark returned before the statement ran.
	Mark Mark
	// Tx is the event's transaction, Row the event.
	Tx  int64
	Row EventRow
	// Follows says that, as the statement began, no older transaction
	// was running and no event lay between Mark and this one: every event
	// before it is committed, and the hub, once at Mark, may deliver it
	// next without reading it back.
	Follows bool
}

// CommittedNext is Committed for a statement that wrote exactly one event
// (w). When the event directly follows the hub's position, this
// instance's streams get it at once, loaded without a query (the loader
// finds what its domain just wrote), instead of after the reader's query;
// the other instances are notified as after Committed. Otherwise, or when
// it cannot be loaded, it is Committed. Either way each stream still gets
// every event once, in (tx, id) order.
func (h *Hub) CommittedNext(ctx context.Context, w Written) {
	h.notifyEvents.Store(true)
	wake(h.notifyWake)
	if !w.Follows || !h.deliverNext(ctx, w) {
		wake(h.readWake)
		return
	}
	// Delivered. The reader need not read it back, unless it is reading
	// or found events waiting behind a running transaction (this one,
	// perhaps): then it must look again now, not at its next retry.
	if h.readBusy.Load() || h.readPending.Load() {
		wake(h.readWake)
	}
}

// deliverNext fans out w's event if it is the next one, and reports
// whether it is delivered (by this call or by the reader before it).
func (h *Hub) deliverNext(ctx context.Context, w Written) bool {
	pos := position{tx: w.Tx, id: w.Row.ID}
	h.mu.Lock()
	done := !h.pos.less(pos)
	h.mu.Unlock()
	if done {
		return true // the reader got there first
	}
	rows, positions := []EventRow{w.Row}, []position{pos}
	evs, err := h.load(context.WithoutCancel(ctx), rows, positions)
	if err != nil {
		return false // the reader loads it
	}
	if h.fanout(rows, positions, evs) > 0 {
		metrics.EventsDirect.Inc()
	}
	return true
}

// readLoop is the instance's one reader of the event log.
func (h *Hub) readLoop(ctx context.Context) {
	// The retry timer only runs while something is pending: rows waiting
	// behind a running transaction, or a failed read. Otherwise the loop
	// sleeps until woken.
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	var backoff time.Duration
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.readWake:
		case <-retry.C:
		}
		h.readBusy.Store(true)
		pending, err := h.readAvailable(ctx)
		h.readPending.Store(pending || err != nil)
		h.readBusy.Store(false)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			backoff = grow(backoff, 50*time.Millisecond, 5*time.Second)
			h.log.Error("realtime: read events", "err", err, "retry_in", backoff)
			retry.Reset(backoff)
		case pending:
			// Rows behind a running transaction: that transaction may not
			// write events, so nobody would wake us when it ends.
			backoff = grow(backoff, 10*time.Millisecond, time.Second)
			retry.Reset(backoff)
		default:
			backoff = 0
		}
	}
}

// grow doubles a backoff between min and max.
func grow(d, min, max time.Duration) time.Duration {
	d *= 2
	if d < min {
		d = min
	}
	if d > max {
		d = max
	}
	return d
}

// readAvailable delivers every event that can be delivered now and reports
// whether committed events still wait behind a running transaction.
func (h *Hub) readAvailable(ctx context.Context) (pending bool, err error) {
	for {
		h.mu.Lock()
		from := h.pos
		h.mu.Unlock()
		rows, err := h.q.ReadEvents(ctx, dbq.ReadEventsParams{AfterTx: from.tx, AfterID: from.id, MaxRows: readBatch})
		if err != nil {
			return false, err
		}
		pending = false
		if n := len(rows); n > 0 && rows[n-1].Kind == kindPending {
			pending, rows = true, rows[:n-1]
		}
		if len(rows) == 0 {
			return pending, nil
		}
		evRows := make([]EventRow, len(rows))
		positions := make([]position, len(rows))
		for i, r := range rows {
			evRows[i], positions[i] = fromDB(dbq.CatchUpEventsRow(r))
		}
		evs, err := h.load(ctx, evRows, positions)
		if err != nil {
			return false, err
		}
		h.fanout(evRows, positions, evs)
		if len(rows) < readBatch {
			return pending, nil
		}
	}
}

// kindPending marks ReadEvents' extra row saying that committed events
// wait behind a running transaction.
const kindPending = "pending"

// fanout pushes one batch of durable events to the matching streams and
// moves the hub's position past it, in one critical section: a stream
// registering at position p gets exactly the events after p. It returns
// how many events were new.
func (h *Hub) fanout(rows []EventRow, positions []position, evs []Views) (n int) {
	// A stream is behind when it still holds Buffer events as this batch
	// arrives; the batch itself is slack, or a burst larger than Buffer
	// read in one query would drop every healthy stream.
	limit := h.opts.Buffer + len(evs)
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, ev := range evs {
		// An event this instance delivered as it committed it
		// (CommittedNext) may be read again; the position only moves on.
		if !h.pos.less(positions[i]) {
			continue
		}
		h.pos = positions[i]
		n++
		if ev.Agent == nil {
			continue
		}
		metrics.EventsPublished.Inc()
		d := &delivery{pos: positions[i], at: rows[i].OccurredAt, agent: ev.Agent}
		for s := range h.agents {
			if s.push(d, limit) {
				h.removeLocked(s)
			}
		}
		if rows[i].Internal || ev.Visitor == nil {
			continue
		}
		d.visitor = ev.Visitor
		for s := range h.visitors[rows[i].CustomerID] {
			if s.push(d, limit) {
				h.removeLocked(s)
			}
		}
	}
	return n
}

// catchUpRows reads one page of the history a stream may see.
func (h *Hub) catchUpRows(ctx context.Context, s *subscriber, from, upto position, limit int32) ([]EventRow, []position, error) {
	var rows []EventRow
	var positions []position
	if s.visitor {
		rs, err := h.q.CatchUpCustomerEvents(ctx, dbq.CatchUpCustomerEventsParams{
			CustomerID: s.customer, AfterTx: from.tx, AfterID: from.id, UptoTx: upto.tx, UptoID: upto.id, MaxRows: limit,
		})
		if err != nil {
			return nil, nil, err
		}
		rows = make([]EventRow, len(rs))
		positions = make([]position, len(rs))
		for i, r := range rs {
			rows[i], positions[i] = fromDB(dbq.CatchUpEventsRow(r))
		}
	} else {
		rs, err := h.q.CatchUpEvents(ctx, dbq.CatchUpEventsParams{
			AfterTx: from.tx, AfterID: from.id, UptoTx: upto.tx, UptoID: upto.id, MaxRows: limit,
		})
		if err != nil {
			return nil, nil, err
		}
		rows = make([]EventRow, len(rs))
		positions = make([]position, len(rs))
		for i, r := range rs {
			rows[i], positions[i] = fromDB(r)
		}
	}
	return rows, positions, nil
}

// fromDB converts a row of the event queries, which all share one shape.
func fromDB(r dbq.CatchUpEventsRow) (EventRow, position) {
	row := EventRow{
		ID: r.ID, Kind: r.Kind, ConversationID: r.ConversationID, CustomerID: r.CustomerID,
		MessageID: r.MessageID, Internal: r.Internal, ReaderType: r.ReaderType, ReaderID: r.ReaderID,
		ReadSeq: r.ReadSeq, OccurredAt: r.OccurredAt,
	}
	if r.ConversationStatus != nil && r.LastSeq != nil && r.ConversationUpdatedAt != nil && r.LastMessageAt != nil {
		row.State = &ConversationState{
			Status: *r.ConversationStatus, AssigneeID: r.AssigneeID, LastSeq: *r.LastSeq,
			WaitingSince: r.WaitingSince, UpdatedAt: *r.ConversationUpdatedAt, LastMessageAt: *r.LastMessageAt,
		}
	}
	return row, position{tx: r.Tx, id: r.ID}
}

// load turns rows into their views with their cursors. A batch the loader
// rejects is retried row by row, so one bad row cannot hold up the stream:
// a row that still fails is delivered to agents as its minimal RowEvent
// and to nobody else (what a visitor may see of it is the loader's to say).
func (h *Hub) load(ctx context.Context, rows []EventRow, positions []position) ([]Views, error) {
	var evs []Views
	lp := h.loader.Load()
	if lp == nil {
		evs = make([]Views, len(rows))
		for i, r := range rows {
			ev := RowEvent(r)
			evs[i] = Views{Agent: ev, Visitor: ev}
		}
	} else {
		var err error
		evs, err = (*lp).LoadEvents(ctx, rows)
		if err == nil && len(evs) != len(rows) {
			err = fmt.Errorf("loader returned %d events for %d rows", len(evs), len(rows))
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if evs, err = h.loadOneByOne(ctx, *lp, rows, err); err != nil {
				return nil, err
			}
		}
	}
	for i, v := range evs {
		if v.Agent == nil {
			evs[i].Visitor = nil
			continue
		}
		for _, ev := range []*livechatv1.Event{v.Agent, v.Visitor} {
			if ev == nil {
				continue
			}
			ev.Cursor = positions[i].cursor()
			if ev.OccurredAt == nil {
				ev.OccurredAt = timestamppb.New(rows[i].OccurredAt)
			}
		}
	}
	return evs, nil
}

func (h *Hub) loadOneByOne(ctx context.Context, l Loader, rows []EventRow, batchErr error) ([]Views, error) {
	evs := make([]Views, len(rows))
	failed := 0
	var lastErr error
	for i := range rows {
		one, err := l.LoadEvents(ctx, rows[i:i+1])
		if err == nil && len(one) != 1 {
			err = errors.New("loader returned a wrong number of events")
		}
		if err != nil {
			failed++
			lastErr = err
			evs[i] = Views{Agent: RowEvent(rows[i])}
			continue
		}
		evs[i] = one[0]
	}
	if failed == len(rows) {
		// Nothing loads: most likely the database, not the rows.
		return nil, fmt.Errorf("load events: %w (batch: %v)", lastErr, batchErr)
	}
	if failed > 0 {
		h.log.Error("realtime: some events could not be loaded; sent to agents with ids only", "failed", failed, "err", lastErr)
	}
	return evs, nil
}

// RowEvent is the event a row alone can describe: complete for read
// markers, ids only for messages and conversations. Loaders may use it for
// read markers.
func RowEvent(r EventRow) *livechatv1.Event {
	ev := &livechatv1.Event{OccurredAt: timestamppb.New(r.OccurredAt)}
	conv := r.ConversationID.String()
	switch r.Kind {
	case KindMessageCreated, KindMessageUpdated:
		m := &livechatv1.Message{ConversationId: conv, Internal: r.Internal}
		if r.MessageID != nil {
			m.Id = r.MessageID.String()
		}
		if r.Kind == KindMessageUpdated {
			ev.Kind = &livechatv1.Event_MessageUpdated{MessageUpdated: m}
		} else {
			ev.Kind = &livechatv1.Event_MessageCreated{MessageCreated: m}
		}
	case KindConversationCreated:
		ev.Kind = &livechatv1.Event_ConversationCreated{ConversationCreated: &livechatv1.Conversation{Id: conv, CustomerId: r.CustomerID.String()}}
	case KindConversationUpdated:
		ev.Kind = &livechatv1.Event_ConversationUpdated{ConversationUpdated: &livechatv1.Conversation{Id: conv, CustomerId: r.CustomerID.String()}}
	case KindRead:
		re := &livechatv1.ReadEvent{ConversationId: conv}
		if r.ReaderType != nil {
			switch *r.ReaderType {
			case "agent":
				re.ReaderType = livechatv1.SenderType_SENDER_TYPE_AGENT
			case "customer":
				re.ReaderType = livechatv1.SenderType_SENDER_TYPE_CUSTOMER
			}
		}
		if r.ReaderID != nil {
			re.ReaderId = r.ReaderID.String()
		}
		if r.ReadSeq != nil {
			re.Seq = *r.ReadSeq
		}
		ev.Kind = &livechatv1.Event_Read{Read: re}
	default:
		return nil
	}
	return ev
}

// heartbeatLoop sends a heartbeat to every stream that sent nothing since
// the previous tick, from one ticker for all streams.
//
// Streams are spread over heartbeatSlots slots, one slot a tick, so that
// tens of thousands of idle streams do not all wake and write in the same
// instant every interval: that burst delays every live event behind it.
func (h *Hub) heartbeatLoop(ctx context.Context) {
	t := time.NewTicker(max(h.opts.Heartbeat/heartbeatSlots, time.Millisecond))
	defer t.Stop()
	var slot uint8
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		slot = (slot + 1) % heartbeatSlots
		h.mu.Lock()
		for s := range h.agents {
			if s.slot == slot {
				h.beat(s)
			}
		}
		for _, set := range h.visitors {
			for s := range set {
				if s.slot == slot {
					h.beat(s)
				}
			}
		}
		h.mu.Unlock()
	}
}

// heartbeatSlots is how many groups the streams' heartbeats are spread
// over within one interval.
const heartbeatSlots = 16

func (h *Hub) beat(s *subscriber) {
	if s.active.Swap(false) {
		return
	}
	if s.push(heartbeat, h.opts.Buffer) {
		h.removeLocked(s)
	}
}

// pruneLoop deletes events older than the retention. Every instance runs
// it; the deletes are idempotent.
func (h *Hub) pruneLoop(ctx context.Context) {
	t := time.NewTimer(min(time.Minute, h.opts.PruneEvery))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := h.prune(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("realtime: prune old events", "err", err)
		} else if n > 0 {
			h.log.Info("realtime: pruned old events", "count", n)
		}
		t.Reset(h.opts.PruneEvery)
	}
}

// prune deletes events older than the retention in small batches, so it
// never holds long locks.
func (h *Hub) prune(ctx context.Context) (int64, error) {
	const batch = 5000
	var total int64
	for {
		n, err := h.q.PruneEvents(ctx, dbq.PruneEventsParams{RetentionSeconds: h.opts.Retention.Seconds(), MaxRows: batch})
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}
