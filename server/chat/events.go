package chat

import (
	"context"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/realtime"
)

// LoadEvents turns a batch of event rows into the events agents see, one
// per row in the same order; the zero Event for a row whose subject is
// gone or whose kind is unknown. VisitorEvent says what visitors see of
// each.
//
// A conversation event shows the conversation as it was at the event:
// its status, assignee, newest message and times as the row recorded them
// (see 00008_event_state), so a stream resuming from an old cursor replays
// what happened. The names (customer, assignee, widget) and the tags are
// today's. A row
// that recorded no state (written before the record existed) shows the
// current state. Snapshots carry no unread count, which is per reader.
//
// A message event shows the message as it is now: a replayed creation of
// a message edited since shows the edited text (and never the replaced
// one, which only admins read), followed by the replayed change.
//
// It costs one query for all the messages and two for all the
// conversations of the batch, whatever its size, and one more for the
// previews and assignees of replayed states that differ from today's.
func (s *Service) LoadEvents(ctx context.Context, rows []realtime.EventRow) ([]Event, error) {
	var msgIDs, convIDs []uuid.UUID
	seenConv := map[uuid.UUID]bool{}
	for _, r := range rows {
		switch r.Kind {
		case realtime.KindMessageCreated:
			if r.MessageID != nil {
				msgIDs = append(msgIDs, *r.MessageID)
			}
		case realtime.KindMessageUpdated:
			// A changed message is read from the database, here and by
			// any later replay of its creation on this instance.
			if r.MessageID != nil {
				s.recent.forget(*r.MessageID)
				msgIDs = append(msgIDs, *r.MessageID)
			}
		case realtime.KindConversationCreated, realtime.KindConversationUpdated:
			if !seenConv[r.ConversationID] {
				seenConv[r.ConversationID] = true
				convIDs = append(convIDs, r.ConversationID)
			}
		}
	}
	msgs := map[uuid.UUID]Message{}
	// Messages this instance just wrote need no query.
	var missing []uuid.UUID
	for _, id := range msgIDs {
		if m, ok := s.recent.get(id); ok {
			msgs[id] = m
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		ms, err := s.q.MessagesByIDs(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			msgs[m.ID] = s.editable(messageFromRow(m))
		}
	}
	if err := s.filesOf(ctx, msgs); err != nil {
		return nil, err
	}
	convs := map[uuid.UUID]Conversation{}
	if len(convIDs) > 0 {
		cs, err := s.loadConversations(ctx, s.q, sharedViewer, convIDs)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			c.UnreadCount = 0
			convs[c.ID] = c
		}
	}
	past, err := s.pastStates(ctx, rows, convs)
	if err != nil {
		return nil, err
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		ev := Event{OccurredAt: r.OccurredAt}
		switch r.Kind {
		case realtime.KindMessageCreated, realtime.KindMessageUpdated:
			if r.MessageID == nil {
				continue
			}
			m, ok := msgs[*r.MessageID]
			if !ok {
				continue
			}
			ev.Message = &m
			ev.Updated = r.Kind == realtime.KindMessageUpdated
		case realtime.KindConversationCreated, realtime.KindConversationUpdated:
			c, ok := convs[r.ConversationID]
			if !ok {
				continue
			}
			if r.State != nil {
				c = past.at(c, *r.State)
			}
			ev.Conversation = &c
			ev.Created = r.Kind == realtime.KindConversationCreated
		case realtime.KindRead:
			ev.Read = readFromRow(r)
		default:
			continue
		}
		out[i] = ev
	}
	return out, nil
}

// readFromRow is a read marker, which its row holds entirely.
func readFromRow(r realtime.EventRow) *Read {
	rd := &Read{ConversationID: r.ConversationID}
	if r.ReaderType != nil {
		rd.ReaderType = SenderType(*r.ReaderType)
	}
	if r.ReaderID != nil {
		rd.ReaderID = *r.ReaderID
	}
	if r.ReadSeq != nil {
		rd.Seq = *r.ReadSeq
	}
	return rd
}

// past holds what replayed conversation states need beyond today's
// snapshot: the previews at their seq and their assignees' names.
type past struct {
	previews map[previewKey]Message
	names    map[uuid.UUID]string
}

type previewKey struct {
	conversation uuid.UUID
	seq          int64
}

// pastStates loads, in one query each, the previews and assignee names of
// the recorded states that differ from today's snapshots.
func (s *Service) pastStates(ctx context.Context, rows []realtime.EventRow, now map[uuid.UUID]Conversation) (past, error) {
	p := past{previews: map[previewKey]Message{}, names: map[uuid.UUID]string{}}
	var convIDs []uuid.UUID
	var seqs []int64
	var agents []uuid.UUID
	for _, r := range rows {
		c, ok := now[r.ConversationID]
		if r.State == nil || !ok {
			continue
		}
		k := previewKey{r.ConversationID, r.State.LastSeq}
		if _, seen := p.previews[k]; !seen && r.State.LastSeq != c.LastSeq {
			p.previews[k] = Message{}
			convIDs, seqs = append(convIDs, k.conversation), append(seqs, k.seq)
		}
		if a := r.State.AssigneeID; a != nil && !c.AssignedTo(*a) {
			if _, seen := p.names[*a]; !seen {
				p.names[*a] = ""
				agents = append(agents, *a)
			}
		}
	}
	if len(convIDs) > 0 {
		ms, err := s.q.MessagesAtSeqs(ctx, dbq.MessagesAtSeqsParams{ConversationIds: convIDs, Seqs: seqs})
		if err != nil {
			return p, err
		}
		for _, m := range ms {
			p.previews[previewKey{m.ConversationID, m.Seq}] = messageFromRow(m)
		}
	}
	for _, id := range agents {
		a, err := s.q.AgentForAssignment(ctx, id)
		if err != nil && !isNotFound(err) {
			return p, err
		}
		p.names[id] = a.DisplayName
	}
	return p, nil
}

// at returns the snapshot c as the recorded state st describes it.
func (p past) at(c Conversation, st realtime.ConversationState) Conversation {
	if st.LastSeq != c.LastSeq {
		c.LastMessage = nil
		if m, ok := p.previews[previewKey{c.ID, st.LastSeq}]; ok && m.ID != uuid.Nil {
			c.LastMessage = &m
		}
	}
	if st.AssigneeID == nil {
		c.AssigneeName = ""
	} else if !c.AssignedTo(*st.AssigneeID) {
		c.AssigneeName = p.names[*st.AssigneeID]
	}
	c.Status = Status(st.Status)
	c.AssigneeID = st.AssigneeID
	c.LastSeq = st.LastSeq
	c.WaitingSince = st.WaitingSince
	c.UpdatedAt = st.UpdatedAt
	c.LastMessageAt = st.LastMessageAt
	return c
}
