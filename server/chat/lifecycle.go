package chat

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
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
func systemLine(a Action, actor, targetName string) (kind livechatv1.SystemEventKind, text string) {
	who := actor
	if who == "" {
		who = "The customer"
	}
	switch a {
	case ActionClaim:
		return livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_CLAIMED, who + " claimed the conversation"
	case ActionAssign:
		return livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_ASSIGNED, who + " assigned the conversation to " + targetName
	case ActionResolve:
		return livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_RESOLVED, who + " resolved the conversation"
	case ActionClose:
		return livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_CLOSED, who + " closed the conversation"
	default:
		return livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_REOPENED, who + " reopened the conversation"
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
		SystemKind:     systemKindName(kind),
		SystemTarget:   m.assigneeName,
	})
	if err == nil {
		return dbq.Conversation(row), nil
	}
	if !noRows(err) {
		return dbq.Conversation{}, err
	}
	return dbq.Conversation{}, s.refusal(ctx, q, m)
}

// refusal explains why a move's guard refused it.
func (s *Service) refusal(ctx context.Context, q *dbq.Queries, m move) error {
	st, err := q.ConversationState(ctx, m.conversationID)
	if err != nil {
		return apperr.FromDB(err, conversationNotFound)
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
			return apperr.FromDB(err, "agent not found")
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

var systemKinds = map[livechatv1.SystemEventKind]string{
	livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_CLAIMED:  "claimed",
	livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_ASSIGNED: "assigned",
	livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_RESOLVED: "resolved",
	livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_CLOSED:   "closed",
	livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_REOPENED: "reopened",
}

func systemKindName(k livechatv1.SystemEventKind) string { return systemKinds[k] }

func systemKindOf(name string) livechatv1.SystemEventKind {
	for k, n := range systemKinds {
		if n == name {
			return k
		}
	}
	return livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_UNSPECIFIED
}

// ClaimConversation makes a WAITING conversation ACTIVE and assigns it to
// the calling agent. Of concurrent claimers exactly one wins; the others
// get FailedPrecondition naming the winner. NotFound for an unknown id.
func (s *Service) ClaimConversation(ctx context.Context, conversationID uuid.UUID) (*livechatv1.Conversation, error) {
	p, err := agent(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.apply(ctx, s.q, move{
		action: ActionClaim, conversationID: conversationID,
		actorID: p.AgentID, actorName: p.AgentName,
		assignee: p.AgentID, anyAssignee: true,
	})
	if err != nil {
		return nil, err
	}
	s.committed()
	return s.conversationForAgent(ctx, c.ID, p.AgentID)
}

// AssignConversation gives a WAITING or ACTIVE conversation to agentID and
// makes it ACTIVE. Only the current assignee or an admin may transfer an
// assigned conversation. Assigning it to its current assignee changes
// nothing. Errors: NotFound (conversation or agent), PermissionDenied,
// FailedPrecondition (resolved or closed, or a disabled agent).
func (s *Service) AssignConversation(ctx context.Context, conversationID, agentID uuid.UUID) (*livechatv1.Conversation, error) {
	p, err := agent(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.q.ConversationState(ctx, conversationID)
	if err != nil {
		return nil, apperr.FromDB(err, conversationNotFound)
	}
	to, err := s.q.AgentForAssignment(ctx, agentID)
	if err != nil {
		return nil, apperr.FromDB(err, "agent not found")
	}
	if to.Disabled {
		return nil, apperr.New(apperr.AgentDisabled, "agent %s is disabled", to.DisplayName)
	}
	if Status(st.Status) == StatusActive && st.AssigneeID != nil && *st.AssigneeID == agentID {
		// Already there: a retried assignment is not a new event.
		return s.conversationForAgent(ctx, conversationID, p.AgentID)
	}
	c, err := s.apply(ctx, s.q, move{
		action: ActionAssign, conversationID: conversationID,
		actorID: p.AgentID, actorName: p.AgentName,
		assignee: agentID, assigneeName: to.DisplayName,
		anyAssignee: p.IsAdmin(),
	})
	if err != nil {
		return nil, err
	}
	s.committed()
	return s.conversationForAgent(ctx, c.ID, p.AgentID)
}

// SetConversationStatus resolves (RESOLVED), closes (CLOSED) or reopens
// (ACTIVE) a conversation as the lifecycle table allows. Errors: Invalid for
// another status, FailedPrecondition for a move the table refuses, NotFound.
func (s *Service) SetConversationStatus(ctx context.Context, conversationID uuid.UUID, status livechatv1.ConversationStatus) (*livechatv1.Conversation, error) {
	p, err := agent(ctx)
	if err != nil {
		return nil, err
	}
	var action Action
	switch status {
	case livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED:
		action = ActionResolve
	case livechatv1.ConversationStatus_CONVERSATION_STATUS_CLOSED:
		action = ActionClose
	case livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE:
		action = ActionReopen
	default:
		return nil, apperr.New(apperr.InvalidValue, "status must be RESOLVED, CLOSED or ACTIVE (to reopen), not %s", status)
	}
	c, err := s.apply(ctx, s.q, move{
		action: action, conversationID: conversationID,
		actorID: p.AgentID, actorName: p.AgentName, anyAssignee: true,
	})
	if err != nil {
		return nil, err
	}
	s.committed()
	return s.conversationForAgent(ctx, c.ID, p.AgentID)
}

// statusFromProto maps an API status to the stored one.
func statusFromProto(st livechatv1.ConversationStatus) (Status, bool) {
	switch st {
	case livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING:
		return StatusWaiting, true
	case livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE:
		return StatusActive, true
	case livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED:
		return StatusResolved, true
	case livechatv1.ConversationStatus_CONVERSATION_STATUS_CLOSED:
		return StatusClosed, true
	}
	return "", false
}

// statusToProto maps a stored status to the API's.
func statusToProto(st string) livechatv1.ConversationStatus {
	for _, p := range []livechatv1.ConversationStatus{
		livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING,
		livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE,
		livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED,
		livechatv1.ConversationStatus_CONVERSATION_STATUS_CLOSED,
	} {
		if s, _ := statusFromProto(p); string(s) == st {
			return p
		}
	}
	return livechatv1.ConversationStatus_CONVERSATION_STATUS_UNSPECIFIED
}
