package chat

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// Event kinds as stored in events.kind.
const (
	eventMessageCreated      = "message_created"
	eventConversationCreated = "conversation_created"
	eventConversationUpdated = "conversation_updated"
	eventRead                = "read"
)

// EventRow is one row of the events table, as the realtime hub reads it.
type EventRow struct {
	ID             int64
	Kind           string
	ConversationID uuid.UUID
	CustomerID     uuid.UUID
	MessageID      *uuid.UUID
	Internal       bool
	ReaderType     *string
	ReaderID       *uuid.UUID
	ReadSeq        *int64
	OccurredAt     time.Time
}

// LoadEventRows turns a batch of event rows into the events agents see, one
// per row in the same order, nil for a row whose subject is gone. It costs
// one query for all the messages and two for all the conversations of the
// batch, whatever its size. Conversation snapshots are the current state
// (at least as new as the event) with unread_count 0, since unread counts
// are per reader.
func (s *Service) LoadEventRows(ctx context.Context, rows []EventRow) ([]*livechatv1.Event, error) {
	var msgIDs, convIDs []uuid.UUID
	seenConv := map[uuid.UUID]bool{}
	for _, r := range rows {
		switch r.Kind {
		case eventMessageCreated:
			if r.MessageID != nil {
				msgIDs = append(msgIDs, *r.MessageID)
			}
		case eventConversationCreated, eventConversationUpdated:
			if !seenConv[r.ConversationID] {
				seenConv[r.ConversationID] = true
				convIDs = append(convIDs, r.ConversationID)
			}
		}
	}
	msgs := map[uuid.UUID]*livechatv1.Message{}
	if len(msgIDs) > 0 {
		ms, err := s.q.MessagesByIDs(ctx, msgIDs)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			msgs[m.ID] = messageProto(m)
		}
	}
	convs := map[string]*livechatv1.Conversation{}
	if len(convIDs) > 0 {
		cs, err := s.loadConversations(ctx, s.q, viewer{}, convIDs)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			c.UnreadCount = 0
			convs[c.Id] = c
		}
	}
	out := make([]*livechatv1.Event, len(rows))
	for i, r := range rows {
		ev := &livechatv1.Event{OccurredAt: timestamppb.New(r.OccurredAt)}
		switch r.Kind {
		case eventMessageCreated:
			if r.MessageID == nil || msgs[*r.MessageID] == nil {
				continue
			}
			ev.Kind = &livechatv1.Event_MessageCreated{MessageCreated: msgs[*r.MessageID]}
		case eventConversationCreated:
			c := convs[r.ConversationID.String()]
			if c == nil {
				continue
			}
			ev.Kind = &livechatv1.Event_ConversationCreated{ConversationCreated: c}
		case eventConversationUpdated:
			c := convs[r.ConversationID.String()]
			if c == nil {
				continue
			}
			ev.Kind = &livechatv1.Event_ConversationUpdated{ConversationUpdated: c}
		case eventRead:
			re := &livechatv1.ReadEvent{ConversationId: r.ConversationID.String()}
			if r.ReaderType != nil {
				re.ReaderType = senderTypes[*r.ReaderType]
			}
			if r.ReaderID != nil {
				re.ReaderId = r.ReaderID.String()
			}
			if r.ReadSeq != nil {
				re.Seq = *r.ReadSeq
			}
			ev.Kind = &livechatv1.Event_Read{Read: re}
		default:
			continue
		}
		out[i] = ev
	}
	return out, nil
}
