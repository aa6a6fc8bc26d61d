package webhooks

import (
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/realtime"
)

// EventType is the type of a payload, as Standard Webhooks names it
// ("message.created").
type EventType string

// The event types, in the order an event row yields them.
const (
	ConversationCreated  EventType = "conversation.created"
	ConversationUpdated  EventType = "conversation.updated"
	ConversationAssigned EventType = "conversation.assigned"
	ConversationResolved EventType = "conversation.resolved"
	MessageCreated       EventType = "message.created"
	MessageEdited        EventType = "message.edited"
	MessageDeleted       EventType = "message.deleted"
	CustomerCreated      EventType = "customer.created"
	CustomerUpdated      EventType = "customer.updated"
	// ConversationHandedOff: a bot's hold ended (HandOffConversation).
	ConversationHandedOff EventType = "conversation.handed_off"
	// CsatSubmitted: a customer rated a conversation, or changed the rating.
	CsatSubmitted EventType = "csat.submitted"
)

// The events rows only webhooks read: streams pass them over (their kinds
// are unknown to the chat domain's loader). Customer rows name the
// all-zero conversation.
const (
	KindCustomerCreated       = "customer_created"
	KindCustomerUpdated       = "customer_updated"
	KindConversationHandedOff = "conversation_handed_off"
	KindCsatSubmitted         = "csat_submitted"
)

// EventTypes lists every type.
var EventTypes = []EventType{
	ConversationCreated, ConversationUpdated, ConversationAssigned, ConversationResolved,
	MessageCreated, MessageEdited, MessageDeleted, CustomerCreated, CustomerUpdated,
	ConversationHandedOff, CsatSubmitted,
}

// Valid reports whether t is a known type.
func (t EventType) Valid() bool { return slices.Contains(EventTypes, t) }

// finished reports whether a conversation status is resolved or closed.
func finished(st *string) bool {
	return st != nil && (*st == string(chat.StatusResolved) || *st == string(chat.StatusClosed))
}

// logEvent is an events row as delivery needs it.
type logEvent struct {
	row realtime.EventRow
	tx  int64
	// prevStatus and prevAssignee are the state the conversation's
	// previous event recorded (conversation_updated only).
	prevStatus   *string
	prevAssignee *uuid.UUID
	// messageDeleted: a message_updated row that withdrew the message.
	messageDeleted bool
}

// types are the payload types an events row yields: a conversation update
// is also an assignment when its assignee changed to someone, and a
// resolution when it resolved or closed a conversation that was neither. Kinds delivery does not know
// (read markers) yield none.
func (e logEvent) types() []EventType {
	r := e.row
	switch r.Kind {
	case realtime.KindConversationCreated:
		return []EventType{ConversationCreated}
	case realtime.KindMessageCreated:
		return []EventType{MessageCreated}
	case realtime.KindConversationUpdated:
		out := []EventType{ConversationUpdated}
		if r.State == nil {
			return out
		}
		if a := r.State.AssigneeID; a != nil && (e.prevAssignee == nil || *e.prevAssignee != *a) {
			out = append(out, ConversationAssigned)
		}
		if finished(&r.State.Status) && !finished(e.prevStatus) {
			out = append(out, ConversationResolved)
		}
		return out
	case realtime.KindMessageUpdated:
		if e.messageDeleted {
			return []EventType{MessageDeleted}
		}
		return []EventType{MessageEdited}
	case KindCustomerCreated:
		return []EventType{CustomerCreated}
	case KindCustomerUpdated:
		return []EventType{CustomerUpdated}
	case KindConversationHandedOff:
		return []EventType{ConversationHandedOff}
	case KindCsatSubmitted:
		return []EventType{CsatSubmitted}
	}
	return nil
}

// messageID is the webhook-id of one type of one event: the same for every
// attempt, resend and replay, so receivers can de-duplicate.
func messageID(eventID int64, t EventType) string {
	return fmt.Sprintf("evt_%d_%s", eventID, t)
}

func eventFromRow(r dbq.WebhookEventsRow) logEvent {
	e := logEvent{row: realtime.EventRow{
		ID: r.ID, Kind: r.Kind, ConversationID: r.ConversationID, CustomerID: r.CustomerID,
		MessageID: r.MessageID, Internal: r.Internal, OccurredAt: r.OccurredAt,
	}, tx: r.Tx, prevStatus: r.PrevStatus, prevAssignee: r.PrevAssigneeID, messageDeleted: r.MessageDeleted}
	if r.ConversationStatus != nil {
		e.row.State = &realtime.ConversationState{
			Status: *r.ConversationStatus, AssigneeID: r.AssigneeID, WaitingSince: r.WaitingSince,
		}
		if r.LastSeq != nil {
			e.row.State.LastSeq = *r.LastSeq
		}
		if r.ConversationUpdatedAt != nil {
			e.row.State.UpdatedAt = *r.ConversationUpdatedAt
		}
		if r.LastMessageAt != nil {
			e.row.State.LastMessageAt = *r.LastMessageAt
		}
	}
	return e
}
