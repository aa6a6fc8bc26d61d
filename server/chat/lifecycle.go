package chat

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
)

// Status is a conversation's lifecycle state, as stored.
type Status string

// The statuses.
const (
	StatusWaiting  Status = "waiting"
	StatusActive   Status = "active"
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
)

// Action is something that moves a conversation through its lifecycle.
type Action int

// The actions of the lifecycle table.
const (
	// ActionClaim: an agent takes a waiting conversation.
	ActionClaim Action = iota + 1
	// ActionAssign: a conversation is given (or transferred) to an agent.
	ActionAssign
	// ActionResolve: SetConversationStatus(RESOLVED).
	ActionResolve
	// ActionClose: SetConversationStatus(CLOSED).
	ActionClose
	// ActionReopen: SetConversationStatus(ACTIVE) by an agent.
	ActionReopen
	// ActionCustomerWrites: the customer writes into a finished conversation.
	ActionCustomerWrites
)

// Actions lists every action, for tests that walk the whole table.
var Actions = []Action{ActionClaim, ActionAssign, ActionResolve, ActionClose, ActionReopen, ActionCustomerWrites}

// Statuses lists every status, for tests that walk the whole table.
var Statuses = []Status{StatusWaiting, StatusActive, StatusResolved, StatusClosed}

// transitions is the lifecycle table of conversation.proto, row for row.
// A conversation is created WAITING by its customer's first message; a
// customer writing into a waiting or active conversation changes nothing.
// Any move not listed here is refused with FailedPrecondition.
var transitions = map[Status]map[Action]Status{
	StatusWaiting: {
		ActionClaim:  StatusActive,
		ActionAssign: StatusActive,
	},
	StatusActive: {
		ActionAssign:  StatusActive, // a transfer
		ActionResolve: StatusResolved,
		ActionClose:   StatusClosed,
	},
	StatusResolved: {
		ActionClose:          StatusClosed,
		ActionReopen:         StatusActive,
		ActionCustomerWrites: StatusWaiting,
	},
	StatusClosed: {
		ActionReopen:         StatusActive,
		ActionCustomerWrites: StatusWaiting,
	},
}

// valid reports whether st is one of the statuses.
func (st Status) valid() bool {
	_, ok := transitions[st]
	return ok
}

// Next returns where action takes a conversation in status from, and
// whether the table allows it at all.
func Next(from Status, action Action) (Status, bool) {
	to, ok := transitions[from][action]
	return to, ok
}

// sources lists the statuses action may start from, for the guard of the
// update statement.
func sources(action Action) []string {
	var from []string
	for _, st := range Statuses {
		if _, ok := transitions[st][action]; ok {
			from = append(from, string(st))
		}
	}
	return from
}

// target is the single status an action leads to from every source.
func target(action Action) Status {
	var to Status
	for _, st := range Statuses {
		if t, ok := transitions[st][action]; ok {
			if to != "" && to != t {
				panic(fmt.Sprintf("chat: action %d leads to several statuses", action))
			}
			to = t
		}
	}
	return to
}

// verb names an action in refusals ("cannot claim …").
func (a Action) verb() string {
	switch a {
	case ActionClaim:
		return "claim"
	case ActionAssign:
		return "assign"
	case ActionResolve:
		return "resolve"
	case ActionClose:
		return "close"
	case ActionReopen:
		return "reopen"
	case ActionCustomerWrites:
		return "reopen"
	}
	return "change"
}

// systemLine is what a move writes into the timeline.
func systemLine(a Action, actor, targetName string) (kind SystemKind, text string) {
	who := actor
	if who == "" {
		who = "The customer"
	}
	switch a {
	case ActionClaim:
		return SystemClaimed, who + " claimed the conversation"
	case ActionAssign:
		if actor == targetName {
			return SystemAssigned, "The conversation was assigned to " + targetName
		}
		return SystemAssigned, who + " assigned the conversation to " + targetName
	case ActionResolve:
		return SystemResolved, who + " resolved the conversation"
	case ActionClose:
		return SystemClosed, who + " closed the conversation"
	default:
		return SystemReopened, who + " reopened the conversation"
	}
}

// move is one requested lifecycle change.
type move struct {
	action         Action
	conversationID uuid.UUID
	// actorID is the acting agent (uuid.Nil for the customer).
	actorID   uuid.UUID
	actorName string
	// assignee is the new assignee for claim and assign.
	assignee     uuid.UUID
	assigneeName string
	// anyAssignee lifts the rule that only the assignee may transfer.
	anyAssignee bool
}

// apply runs the move as one guarded statement (conversation update, system
// message and events together). When the guard refuses, it reads the
// conversation to return the precise reason.
func (s *Service) apply(ctx context.Context, q *dbq.Queries, m move) (dbq.Conversation, error) {
	mode := "keep"
	switch m.action {
	case ActionClaim, ActionAssign:
		mode = "set"
	case ActionCustomerWrites:
		mode = "clear"
	}
	assignee := m.assignee
	if mode == "keep" {
		// Reopening a conversation nobody has gives it to the agent doing it:
		// an ACTIVE conversation always has someone handling it.
		assignee = m.actorID
	}
	kind, text := systemLine(m.action, m.actorName, m.assigneeName)
	row, err := q.TransitionConversation(ctx, dbq.TransitionConversationParams{
		ToStatus:       string(target(m.action)),
		AssigneeMode:   mode,
		AssigneeID:     assignee,
		ConversationID: m.conversationID,
		FromStatuses:   sources(m.action),
		AnyAssignee:    m.anyAssignee,
		CallerID:       m.actorID,
		ActorName:      m.actorName,
		Text:           text,
		SystemKind:     string(kind),
		SystemTarget:   m.assigneeName,
	})
	if err == nil {
		if mode == "set" {
			// Someone has it now: a bot that held it no longer does.
			if err := q.ReleaseBotHold(ctx, m.conversationID); err != nil {
				return dbq.Conversation{}, err
			}
		}
		if m.action == ActionAssign && s.mail != nil {
			// The assignee's notification commits with the assignment.
			if err := s.mail.Assigned(ctx, q, m.conversationID, assignee, m.actorID); err != nil {
				return dbq.Conversation{}, err
			}
		}
		return dbq.Conversation(row), nil
	}
	if !apperr.Is(err, apperr.NotFound) {
		return dbq.Conversation{}, err
	}
	return dbq.Conversation{}, s.refusal(ctx, q, m)
}

// refusal explains why a move's guard refused it.
func (s *Service) refusal(ctx context.Context, q *dbq.Queries, m move) error {
	st, err := q.ConversationState(ctx, m.conversationID)
	if err != nil {
		return apperr.NotFoundAs(err, apperr.ConversationNotFound, conversationNotFound)
	}
	status := Status(st.Status)
	if _, ok := Next(status, m.action); !ok {
		return apperr.New(apperr.InvalidTransition, "cannot %s: %s", m.action.verb(), describe(status, st.AssigneeName))
	}
	if m.action == ActionAssign && !m.anyAssignee && st.AssigneeID != nil && *st.AssigneeID != m.actorID {
		return apperr.New(apperr.NotAssignee, "only the assignee (%s) or an admin may transfer this conversation", st.AssigneeName)
	}
	if m.action == ActionAssign || m.action == ActionClaim {
		a, err := q.AgentForAssignment(ctx, m.assignee)
		if err != nil {
			return apperr.NotFoundAs(err, apperr.AgentNotFound, "agent not found")
		}
		if a.Disabled {
			return apperr.New(apperr.AgentDisabled, "agent %s is disabled", a.DisplayName)
		}
	}
	// The conversation changed between the statement and this read; the
	// caller sees the state it changed to.
	return apperr.New(apperr.ConversationChanged, "cannot %s: the conversation just changed; it is %s", m.action.verb(), describe(status, st.AssigneeName))
}

// describe words a conversation's state for refusals, naming who has it.
func describe(status Status, assigneeName string) string {
	if assigneeName != "" && status != StatusWaiting {
		return fmt.Sprintf("the conversation is %s, assigned to %s", status, assigneeName)
	}
	return fmt.Sprintf("the conversation is %s", status)
}

// ClaimConversation makes a WAITING conversation ACTIVE and assigns it to
// the agent. Of concurrent claimers exactly one wins; the others get
// InvalidTransition or ConversationChanged naming the winner.
// ConversationNotFound for an unknown id.
func (s *Service) ClaimConversation(ctx context.Context, agent principal.Agent, conversationID uuid.UUID) (Conversation, error) {
	if _, err := s.claim(ctx, agent, conversationID); err != nil {
		return Conversation{}, err
	}
	s.committed()
	return s.conversationFor(ctx, agentViewer(agent.ID), conversationID)
}

// claim is ClaimConversation without telling the hub or reading back.
func (s *Service) claim(ctx context.Context, agent principal.Agent, conversationID uuid.UUID) (dbq.Conversation, error) {
	return s.apply(ctx, s.q, move{
		action: ActionClaim, conversationID: conversationID,
		actorID: agent.ID, actorName: agent.Name,
		assignee: agent.ID, anyAssignee: true,
	})
}

// AssignConversation gives a WAITING or ACTIVE conversation to agentID and
// makes it ACTIVE. Only the current assignee or an admin may transfer an
// assigned conversation, also to the agent who already has it (which
// changes nothing). Errors: ConversationNotFound, AgentNotFound,
// NotAssignee, InvalidTransition (resolved or closed), AgentDisabled.
func (s *Service) AssignConversation(ctx context.Context, agent principal.Agent, conversationID, agentID uuid.UUID) (Conversation, error) {
	st, err := s.q.ConversationState(ctx, conversationID)
	if err != nil {
		return Conversation{}, apperr.NotFoundAs(err, apperr.ConversationNotFound, conversationNotFound)
	}
	to, err := s.q.AgentForAssignment(ctx, agentID)
	if err != nil {
		return Conversation{}, apperr.NotFoundAs(err, apperr.AgentNotFound, "agent not found")
	}
	if to.Disabled {
		return Conversation{}, apperr.New(apperr.AgentDisabled, "agent %s is disabled", to.DisplayName)
	}
	if Status(st.Status) == StatusActive && st.AssigneeID != nil && *st.AssigneeID == agentID {
		// Already there: a retried assignment is not a new event. It is
		// still a transfer, which only the assignee or an admin may make:
		// anyone else learns it is not theirs, not that it worked.
		if *st.AssigneeID != agent.ID && !agent.IsAdmin() {
			return Conversation{}, apperr.New(apperr.NotAssignee, "only the assignee (%s) or an admin may transfer this conversation", st.AssigneeName)
		}
		return s.conversationFor(ctx, agentViewer(agent.ID), conversationID)
	}
	var c dbq.Conversation
	err = s.tx(ctx, func(q *dbq.Queries) error {
		// In one transaction with the assignee's notification mail, if any.
		c, err = s.apply(ctx, q, move{
			action: ActionAssign, conversationID: conversationID,
			actorID: agent.ID, actorName: agent.Name,
			assignee: agentID, assigneeName: to.DisplayName,
			anyAssignee: agent.IsAdmin(),
		})
		return err
	})
	if err != nil {
		return Conversation{}, err
	}
	s.committed()
	s.kick() // a transfer frees the previous assignee's capacity
	return s.conversationFor(ctx, agentViewer(agent.ID), c.ID)
}

// SetConversationStatus resolves (StatusResolved), closes (StatusClosed)
// or reopens (StatusActive) a conversation as the lifecycle table allows.
// Errors: InvalidValue for another status, InvalidTransition for a move
// the table refuses, ConversationNotFound.
func (s *Service) SetConversationStatus(ctx context.Context, agent principal.Agent, conversationID uuid.UUID, status Status) (Conversation, error) {
	var action Action
	switch status {
	case StatusResolved:
		action = ActionResolve
	case StatusClosed:
		action = ActionClose
	case StatusActive:
		action = ActionReopen
	default:
		return Conversation{}, apperr.New(apperr.InvalidValue, "status must be RESOLVED, CLOSED or ACTIVE (to reopen), not %q", status).WithField("status")
	}
	m := move{
		action: action, conversationID: conversationID,
		actorID: agent.ID, actorName: agent.Name, anyAssignee: true,
	}
	var c dbq.Conversation
	var err error
	if action == ActionResolve && s.mail != nil {
		// A transcript sent at resolve commits with the resolve, or neither.
		err = s.tx(ctx, func(q *dbq.Queries) error {
			if c, err = s.apply(ctx, q, m); err != nil {
				return err
			}
			return s.mail.Resolved(ctx, q, conversationID)
		})
	} else {
		c, err = s.apply(ctx, s.q, m)
	}
	if err != nil {
		return Conversation{}, err
	}
	s.committed()
	s.kick() // resolving or closing frees the assignee's capacity
	return s.conversationFor(ctx, agentViewer(agent.ID), c.ID)
}
