package chat

import (
	"context"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/tags"
)

// SetConversationTags replaces a conversation's tags with tagIDs (repeats
// count once; none removes them all). Any agent may tag any conversation.
// When the set changes, one statement writes it with a
// conversation_updated event, so every agent's inbox shows the new tags;
// the same set again writes nothing.
// Errors: TooManyItems (field "tag_ids") over limits.ConversationTags
// distinct tags; ConversationNotFound; NotFound (field "tag_ids") for an
// unknown tag.
func (s *Service) SetConversationTags(ctx context.Context, agent principal.Agent, conversationID uuid.UUID, tagIDs []uuid.UUID) (Conversation, error) {
	ids := tags.Distinct(tagIDs)
	if len(ids) > limits.ConversationTags {
		return Conversation{}, apperr.New(apperr.TooManyItems, "a conversation carries at most %d tags", limits.ConversationTags).WithField("tag_ids")
	}
	if _, err := s.q.ConversationCustomerID(ctx, conversationID); err != nil {
		return Conversation{}, apperr.NotFoundAs(err, apperr.ConversationNotFound, conversationNotFound)
	}
	if len(ids) > 0 {
		n, err := s.q.CountTags(ctx, ids)
		if err != nil {
			return Conversation{}, err
		}
		if int(n) != len(ids) {
			return Conversation{}, apperr.New(apperr.NotFound, "tag not found").WithField("tag_ids")
		}
	}
	// A tag deleted between the check and the statement is simply not set.
	changed, err := s.q.SetConversationTags(ctx, dbq.SetConversationTagsParams{ConversationID: conversationID, TagIds: ids})
	if err != nil {
		return Conversation{}, err
	}
	if changed > 0 {
		s.committed()
	}
	return s.conversationFor(ctx, agentViewer(agent.ID), conversationID)
}
