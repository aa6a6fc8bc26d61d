package chat

import (
	"context"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
)

// Opener is an agent's first message to a visitor who has not written
// (a proactive chat).
type Opener struct {
	AgentID   uuid.UUID
	AgentName string
	Text      string
	// Key makes the opener idempotent: the same key adds the message once
	// per conversation.
	Key string
}

// OpenForAgent stores an agent's proactive message for the visitor: in
// their open (waiting or active) conversation, else in a new conversation
// on the visitor's widget. A waiting conversation is assigned to the agent
// first (as routing would), so the agent's message is a reply. It returns
// the conversation as the visitor sees it. Errors: TextEmpty, TextTooLong,
// TextInvalid; CustomerNotFound; InvitationInvalid when the agent can no
// longer take the conversation (disabled).
func (s *Service) OpenForAgent(ctx context.Context, v principal.Visitor, o Opener) (Conversation, error) {
	text, err := cleanContent(o.Text, nil)
	if err != nil {
		return Conversation{}, err
	}
	if err := checkClientMessageID(o.Key); err != nil {
		return Conversation{}, err
	}
	var convID uuid.UUID
	stored := false
	err = s.tx(ctx, func(q *dbq.Queries) error {
		if _, err := q.LockCustomer(ctx, v.CustomerID); err != nil {
			return apperr.NotFoundAs(err, apperr.CustomerNotFound, "customer not found")
		}
		latest, err := q.LatestCustomerConversation(ctx, v.CustomerID)
		waiting := true
		switch {
		case apperr.Is(err, apperr.NotFound),
			err == nil && (Status(latest.Status) == StatusResolved || Status(latest.Status) == StatusClosed):
			c, err := q.CreateConversation(ctx, dbq.CreateConversationParams{CustomerID: v.CustomerID, WidgetID: v.WidgetID})
			if err != nil {
				return err
			}
			convID = c.ID
		case err != nil:
			return err
		default:
			convID = latest.ID
			_, err := q.MessageByAgentKey(ctx, dbq.MessageByAgentKeyParams{ConversationID: convID, SenderID: &o.AgentID, ClientMessageID: &o.Key})
			if err == nil {
				return nil // accepted before
			}
			if !apperr.Is(err, apperr.NotFound) {
				return err
			}
			waiting = Status(latest.Status) == StatusWaiting
		}
		if waiting {
			ok, err := s.AssignQueued(ctx, q, convID, o.AgentID, o.AgentName)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.New(apperr.InvitationInvalid, "the agent can no longer take this conversation")
			}
		}
		_, err = q.InsertAgentMessage(ctx, dbq.InsertAgentMessageParams{
			ConversationID: convID, SenderID: o.AgentID, SenderName: o.AgentName, Text: text, ClientMessageID: o.Key,
		})
		stored = err == nil
		return err
	})
	if err != nil {
		return Conversation{}, err
	}
	if stored {
		s.committed()
	}
	return s.conversationFor(ctx, visitorViewer(v.CustomerID), convID)
}
