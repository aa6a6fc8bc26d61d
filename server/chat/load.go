package chat

import (
	"context"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/csat"
)

// loadConversations builds conversation snapshots for ids, as v sees
// them, in one query for the rows and one for the previews, in the order
// of ids; unknown ids are skipped.
func (s *Service) loadConversations(ctx context.Context, q *dbq.Queries, v viewer, ids []uuid.UUID) ([]Conversation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := q.ConversationsByIDs(ctx, dbq.ConversationsByIDsParams{
		CountUnread: !v.anyone, ReaderID: v.readerID, ReaderIsCustomer: v.visitor, Ids: ids,
	})
	if err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]dbq.ConversationsByIDsRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	ordered := make([]dbq.ConversationsByIDsRow, 0, len(rows))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			ordered = append(ordered, r)
			delete(byID, id) // a repeated id yields one snapshot
		}
	}
	return s.withPreviews(ctx, q, v, ordered)
}

// withPreviews converts rows and attaches each one's newest message the
// viewer may see, and its tags when the viewer sees tags.
func (s *Service) withPreviews(ctx context.Context, q *dbq.Queries, v viewer, rows []dbq.ConversationsByIDsRow) ([]Conversation, error) {
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	previews := map[uuid.UUID]Message{}
	if len(ids) > 0 {
		last, err := v.lastMessages(ctx, q, ids)
		if err != nil {
			return nil, err
		}
		for _, m := range last {
			previews[m.ConversationID] = messageFromRow(m)
		}
	}
	tagsOf, err := v.tags(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	ratings, err := csat.Of(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	bots, err := botHolds(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Conversation, len(rows))
	for i, r := range rows {
		out[i] = conversationFromRow(r)
		if m, ok := previews[r.ID]; ok {
			out[i].LastMessage = &m
		}
		out[i].Tags = tagsOf[r.ID]
		out[i].Rating = ratings[r.ID]
		if b := bots[r.ID]; b != nil {
			bot := *b
			if v.visitor {
				bot.TokenID = uuid.Nil
			}
			out[i].Bot = &bot
		}
	}
	return out, nil
}

// conversationFor loads one conversation as v sees it. A visitor's viewer
// finds only their own customer's conversations: another's is
// ConversationNotFound, as is an unknown id.
func (s *Service) conversationFor(ctx context.Context, v viewer, id uuid.UUID) (Conversation, error) {
	cs, err := s.loadConversations(ctx, s.q, v, []uuid.UUID{id})
	if err != nil {
		return Conversation{}, err
	}
	if len(cs) == 0 || (v.visitor && cs[0].CustomerID != v.readerID) {
		return Conversation{}, apperr.New(apperr.ConversationNotFound, conversationNotFound)
	}
	return cs[0], nil
}
