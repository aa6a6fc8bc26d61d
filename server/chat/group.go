package chat

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/realtime"
)

// Group commit of agents' sends.
//
// Agents' replies without files are sent through one group per instance:
// a send that finds no group committing goes at once, alone; sends that
// arrive while a group is committing wait for it and then go together, as
// one batch of InsertAgentMessage statements in one round trip and one
// transaction. Nothing waits for a timer: under light load every send is
// its own group, and under load a group holds what arrived during the
// previous commit, so PostgreSQL does one commit (one WAL flush, one
// backend's work) for many sends instead of one each.
//
// Each send keeps its own outcome. A send into a missing, closed or
// waiting conversation finds no row, which fails that statement only. An
// error that undoes the transaction (a reused idempotency key, a lost
// connection) is not the others' to bear: the group's sends are then
// sent again one by one, each in its own transaction, so each gets its own
// answer. Within a group the sends into one conversation keep their order
// of arrival (each takes the next seq under the conversation's row lock),
// and the group takes the conversations' locks in id order, so that two
// instances' groups never wait on each other in a circle. The events of a
// group are one transaction's, consecutive in the log's (tx, id) order:
// the hub delivers them together (realtime.Hub.CommittedNext).

// groupsInFlight is how many groups commit at once: a send waits only
// when that many are committing.
const groupsInFlight = 1

// maxGroup bounds how many sends go in one transaction, so that one group
// holds its conversations' locks only briefly.
const maxGroup = 64

// sendGroup is where sends wait while a group commits.
type sendGroup struct {
	mu sync.Mutex
	// running counts the groups committing; queue holds the sends that
	// arrived while groupsInFlight were, in order of arrival.
	running int
	queue   []*groupedSend
}

// groupedSend is one send and, once done is closed, its outcome.
type groupedSend struct {
	ctx    context.Context
	params dbq.InsertAgentMessageParams
	msg    Message
	err    error
	done   chan struct{}
}

// sendGrouped stores an agent's message that names no files and tells the
// hub, as part of a group (see above). Errors are InsertAgentMessage's:
// NotFound when no row was written, a violation of messages_agent_key for
// a reused key, Unavailable.
func (s *Service) sendGrouped(ctx context.Context, p dbq.InsertAgentMessageParams) (Message, error) {
	g := &groupedSend{ctx: ctx, params: p, done: make(chan struct{})}
	s.group.mu.Lock()
	if s.group.running >= groupsInFlight {
		s.group.queue = append(s.group.queue, g)
		s.group.mu.Unlock()
		<-g.done
		return g.msg, g.err
	}
	s.group.running++
	s.group.mu.Unlock()
	s.commitGroups([]*groupedSend{g})
	return g.msg, g.err
}

// commitGroups commits one group, then hands what queued meanwhile to the
// next group, committed by a goroutine of its own so that this group's
// callers are answered at once.
func (s *Service) commitGroups(group []*groupedSend) {
	s.commitGroup(group)
	s.group.mu.Lock()
	n := min(len(s.group.queue), maxGroup)
	next := slices.Clone(s.group.queue[:n])
	s.group.queue = slices.Delete(s.group.queue, 0, n)
	if n == 0 {
		s.group.running--
	}
	s.group.mu.Unlock()
	if n > 0 {
		go s.commitGroups(next)
	}
}

// commitGroup stores group's sends and closes their done channels.
func (s *Service) commitGroup(group []*groupedSend) {
	defer func() {
		for _, g := range group {
			close(g.done)
		}
	}()
	// A send whose caller has gone is not stored (as a send whose request
	// is cancelled before its statement runs); the caller retries with the
	// same key.
	live := make([]*groupedSend, 0, len(group))
	for _, g := range group {
		if g.err = g.ctx.Err(); g.err == nil {
			live = append(live, g)
		}
	}
	if len(live) == 0 {
		return
	}
	// The conversations' row locks in one order; a stable sort keeps the
	// order of arrival within a conversation.
	slices.SortStableFunc(live, func(a, b *groupedSend) int {
		return bytes.Compare(a.params.ConversationID[:], b.params.ConversationID[:])
	})
	ctx, cancel := groupContext(live)
	defer cancel()
	if s.insertGroup(ctx, live) {
		return
	}
	// The transaction was undone: each send on its own, a conversation's
	// in their order, different conversations' side by side. Should the
	// error have hidden a commit, the reader finds its events.
	s.committed()
	var wg sync.WaitGroup
	for i := 0; i < len(live); {
		n := 1
		for i+n < len(live) && live[i+n].params.ConversationID == live[i].params.ConversationID {
			n++
		}
		run := live[i : i+n]
		wg.Go(func() {
			for _, g := range run {
				s.insertGroup(g.ctx, []*groupedSend{g})
			}
		})
		i += n
	}
	wg.Wait()
}

// groupContext is the context of a group's statements: the first send's
// values, cancelled once every send's caller has gone (not when one has,
// which would undo the others' sends).
func groupContext(group []*groupedSend) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(group[0].ctx))
	var left atomic.Int64
	left.Store(int64(len(group)))
	stops := make([]func() bool, len(group))
	for i, g := range group {
		stops[i] = context.AfterFunc(g.ctx, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		})
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}

// insertGroup sends group's statements in one transaction (a group of one:
// one autocommit statement), records each send's outcome and tells the hub.
// It returns false, recording nothing, when a group of several was undone.
func (s *Service) insertGroup(ctx context.Context, group []*groupedSend) bool {
	direct, _ := s.hub.(directHub)
	var mark realtime.Mark
	if direct != nil {
		mark = direct.Mark()
	}
	params := make([]dbq.InsertAgentMessageParams, len(group))
	for i, g := range group {
		params[i] = g.params
		params[i].AfterTx, params[i].AfterID = mark.Tx, mark.ID
	}
	rows := make([]dbq.InsertAgentMessageRow, len(group))
	errs := make([]error, len(group))
	res := s.q.InsertAgentMessage(ctx, params)
	res.QueryRow(func(i int, r dbq.InsertAgentMessageRow, err error) { rows[i], errs[i] = r, err })
	// The commit's own error, if any (Close again returns it).
	undone := res.Close()
	for _, err := range errs {
		if undone == nil && err != nil && !isNotFound(err) {
			undone = err
		}
	}
	if undone != nil {
		if len(group) > 1 {
			return false
		}
		group[0].err = undone
		return true
	}
	w := realtime.Written{Mark: mark, Follows: true}
	for i, g := range group {
		if g.err = errs[i]; g.err != nil {
			continue // no row: this send only
		}
		r := rows[i]
		// No files: nothing to read back. Kept in recent before the hub
		// is told: the hub loads the event from there.
		m := s.editable(messageFromRow(agentMessageRow(r)))
		m.filesKnown = true
		m.SenderAvatarURL = attachments.AvatarURL(&r.SenderAvatar)
		s.recent.add(m)
		g.msg = m
		w.Tx, w.Follows = r.EventTx, w.Follows && r.EventFollows
		w.Rows = append(w.Rows, realtime.EventRow{
			ID: r.EventID, Kind: realtime.KindMessageCreated, ConversationID: r.ConversationID,
			CustomerID: r.EventCustomerID, MessageID: &g.msg.ID, Internal: r.Internal, OccurredAt: r.EventOccurredAt,
		})
	}
	switch {
	case len(w.Rows) == 0:
	case direct != nil:
		direct.CommittedNext(ctx, w)
	default:
		s.committed()
	}
	return true
}

// insertAgentMessage runs InsertAgentMessage for one send on q (inside a
// transaction, where it is one statement of it).
func insertAgentMessage(ctx context.Context, q *dbq.Queries, p dbq.InsertAgentMessageParams) (dbq.InsertAgentMessageRow, error) {
	var row dbq.InsertAgentMessageRow
	var err error
	res := q.InsertAgentMessage(ctx, []dbq.InsertAgentMessageParams{p})
	res.QueryRow(func(_ int, r dbq.InsertAgentMessageRow, e error) { row, err = r, e })
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	return row, err
}
