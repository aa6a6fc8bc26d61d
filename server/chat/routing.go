package chat

import (
	"context"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
)

// Router is told when the queue of waiting conversations may move: a
// conversation started or came back, or an agent's load went down. It must
// not block (package routing queues the work).
type Router interface {
	Kick()
}

// kick tells the router, if there is one, that the queue may move.
func (s *Service) kick() {
	if s.Router != nil {
		s.Router.Kick()
	}
}

// AssignQueued gives a WAITING conversation that nobody has to agentID on
// behalf of automatic routing, with the usual system line and events, in
// the caller's transaction q. It reports false, with no error, when the
// conversation is no longer waiting for someone (an agent claimed it
// meanwhile) or the agent was disabled: the router then moves on. The
// caller tells the hub after commit.
func (s *Service) AssignQueued(ctx context.Context, q *dbq.Queries, conversationID, agentID uuid.UUID, agentName string) (bool, error) {
	// The agent is both actor and target: the visitor reads "Lan joined
	// the conversation", agents "The conversation was assigned to Lan".
	_, err := s.apply(ctx, q, move{
		action: ActionAssign, conversationID: conversationID,
		actorName: agentName, assignee: agentID, assigneeName: agentName,
	})
	switch {
	case err == nil:
		return true, nil
	case apperr.Is(err, apperr.InvalidTransition), apperr.Is(err, apperr.ConversationChanged),
		apperr.Is(err, apperr.NotAssignee), apperr.Is(err, apperr.AgentDisabled):
		return false, nil
	}
	return false, err
}
