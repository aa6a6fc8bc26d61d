package chat

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/realtime"
)

// Service is the realtime hub's Loader.
var _ realtime.Loader = (*Service)(nil)

// LoadEvents implements realtime.Loader: it turns a batch of event rows into
// the events agents see, one per row in the same order, nil for a row whose
// subject is gone. It costs one query for all the messages and two for all
// the conversations of the batch, whatever its size, and never counts
// messages: conversation snapshots are the current state
// (at least as new as the event) with unread_count 0, since unread counts
// are per reader.
func (s *Service) LoadEvents(ctx context.Context, rows []realtime.EventRow) ([]*livechatv1.Event, error) {
	var msgIDs, convIDs []uuid.UUID
	seenConv := map[uuid.UUID]bool{}
	for _, r := range rows {
		switch r.Kind {
		case realtime.KindMessageCreated:
			if r.MessageID != nil {
				msgIDs = append(msgIDs, *r.MessageID)
			}
		case realtime.KindConversationCreated, realtime.KindConversationUpdated:
			if !seenConv[r.ConversationID] {
				seenConv[r.ConversationID] = true
				convIDs = append(convIDs, r.ConversationID)
			}
		}
	}
	msgs := map[uuid.UUID]*livechatv1.Message{}
	// Messages this instance just wrote need no query.
	missing := msgIDs[:0:0]
	for _, id := range msgIDs {
		if m := s.recent.get(id); m != nil {
			msgs[id] = m
		} else {
			missing = append(missing, id)
		}
	}
	msgIDs = missing
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
		cs, err := s.loadConversations(ctx, s.q, viewer{anyone: true}, convIDs)
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
		case realtime.KindMessageCreated:
			if r.MessageID == nil || msgs[*r.MessageID] == nil {
				continue
			}
			ev.Kind = &livechatv1.Event_MessageCreated{MessageCreated: msgs[*r.MessageID]}
		case realtime.KindConversationCreated:
			c := convs[r.ConversationID.String()]
			if c == nil {
				continue
			}
			ev.Kind = &livechatv1.Event_ConversationCreated{ConversationCreated: c}
		case realtime.KindConversationUpdated:
			c := convs[r.ConversationID.String()]
			if c == nil {
				continue
			}
			ev.Kind = &livechatv1.Event_ConversationUpdated{ConversationUpdated: c}
		case realtime.KindRead:
			ev = realtime.RowEvent(r) // a read marker is complete in its row
		default:
			continue
		}
		out[i] = ev
	}
	return out, nil
}
