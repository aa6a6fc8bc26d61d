package chat

import (
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/csat"
	"github.com/opensupport/livechat/server/tags"
)

// Conversation is a chat between one customer and the agents, as one
// reader sees it (see visibility.go): LastMessage is the newest message
// that reader may see, UnreadCount counts the other side's messages after
// the reader's marker.
type Conversation struct {
	ID            uuid.UUID
	Status        Status
	CustomerID    uuid.UUID
	CustomerName  string
	CustomerEmail string
	// AssigneeID is nil when the conversation is unassigned.
	AssigneeID    *uuid.UUID
	AssigneeName  string
	WidgetID      uuid.UUID
	WidgetName    string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastMessageAt time.Time
	// WaitingSince is set while the customer waits for an answer.
	WaitingSince *time.Time
	LastMessage  *Message
	UnreadCount  int32
	LastSeq      int64
	// Tags are the conversation's tags by name; never loaded for visitors.
	Tags []tags.Tag
	// Rating is the customer's satisfaction rating; nil until given.
	Rating *csat.Rating
	// Bot is the bot holding the conversation (see bots.go); nil when none
	// does. Visitors see its name, not its token.
	Bot *Bot
}

// AssignedTo reports whether agentID is the conversation's assignee.
func (c Conversation) AssignedTo(agentID uuid.UUID) bool {
	return c.AssigneeID != nil && *c.AssigneeID == agentID
}

// SenderType says who wrote a message, as stored.
type SenderType string

// The senders.
const (
	SenderCustomer SenderType = "customer"
	SenderAgent    SenderType = "agent"
	SenderSystem   SenderType = "system"
)

// SystemKind says what a system message records, as stored.
type SystemKind string

// The system message kinds, one per lifecycle action.
const (
	SystemClaimed  SystemKind = "claimed"
	SystemAssigned SystemKind = "assigned"
	SystemResolved SystemKind = "resolved"
	SystemClosed   SystemKind = "closed"
	SystemReopened SystemKind = "reopened"
)

// Message is one line of a conversation's timeline.
type Message struct {
	ID             uuid.UUID
	ConversationID uuid.UUID
	Seq            int64
	SenderType     SenderType
	// SenderID is the agent's or customer's id; nil for system messages.
	SenderID   *uuid.UUID
	SenderName string
	// SenderAvatarURL is an agent sender's avatar now; "" for none.
	SenderAvatarURL string
	Text            string
	// Internal notes are for agents only.
	Internal        bool
	ClientMessageID string
	CreatedAt       time.Time
	// System details a system message; nil for the others.
	System *SystemEvent
	// EditedAt is when the sender last changed the text; nil if never.
	EditedAt *time.Time
	// DeletedAt is when the sender deleted it (the text is then ""); nil
	// if not deleted.
	DeletedAt *time.Time
	// EditableUntil is when the sender's edit window closes; nil for
	// system messages and deleted ones (see edit.go).
	EditableUntil *time.Time
	// Attachments are the files sent with it, with fresh links.
	Attachments []attachments.Attachment
	// filesKnown: Attachments are all the message's files (set by the send
	// that stored it), so loading them again is not needed.
	filesKnown bool
}

// SystemEvent details a system message.
type SystemEvent struct {
	Kind SystemKind
	// ActorName is who did it: an agent's display name or the customer's
	// name.
	ActorName string
	// TargetName is the new assignee's display name, for SystemAssigned.
	TargetName string
}

// Customer is a website visitor who chats through a widget.
type Customer struct {
	ID         uuid.UUID
	Name       string
	Email      string
	Phone      string
	Attributes map[string]string
	// VerifiedUserID is the host site's user id when the identity was
	// verified, else "".
	VerifiedUserID string
	WidgetID       uuid.UUID
	WidgetName     string
	FirstSeenAt    time.Time
	LastSeenAt     time.Time
	// Company is what agents recorded (package customers).
	Company string
}

// Assignment narrows an inbox query by assignee.
type Assignment int

// The assignment filters.
const (
	AssignmentAll Assignment = iota
	// AssignmentMine: assigned to the caller.
	AssignmentMine
	AssignmentUnassigned
)

// ListFilter selects and pages the inbox.
type ListFilter struct {
	// Statuses keeps only these; empty means all.
	Statuses   []Status
	Assignment Assignment
	// Query searches the customer's name and email and the messages' text.
	Query string
	// AssigneeID keeps only one agent's conversations; with Assignment
	// AssignmentAll only.
	AssigneeID *uuid.UUID
	// TagIDs keeps conversations carrying any of them.
	TagIDs []uuid.UUID
	// WidgetID keeps one widget's conversations.
	WidgetID *uuid.UUID
	// TeamID keeps the conversations of the widgets routed to a team.
	TeamID *uuid.UUID
	// CreatedAfter (inclusive) and CreatedBefore (exclusive) bound the
	// creation time.
	CreatedAfter, CreatedBefore *time.Time
	// CustomerID keeps one customer's conversations.
	CustomerID *uuid.UUID
	// UpdatedSince keeps conversations changed at or after it.
	UpdatedSince *time.Time
	// HeldByBot keeps conversations a bot holds (see bots.go).
	HeldByBot bool
	// PageSize is 1–100; 0 means 30.
	PageSize int32
	// PageToken is a previous page's NextPageToken.
	PageToken string
}

// ConversationPage is one page of the inbox.
type ConversationPage struct {
	Conversations []Conversation
	// NextPageToken is "" on the last page.
	NextPageToken string
}

// InboxCounts counts the conversations of each inbox queue for one agent.
type InboxCounts struct {
	Waiting, Mine, Unassigned, Open, Resolved, Closed int32
}

// MessageQuery pages a timeline: messages after AfterSeq (forward), else
// before BeforeSeq (back), else the newest; at most PageSize (1–200; 0
// means 50).
type MessageQuery struct {
	BeforeSeq int64
	AfterSeq  int64
	PageSize  int32
}

// MessagePage is one page of a timeline, in ascending seq order.
type MessagePage struct {
	Messages []Message
	// HasMore says whether more exist in the direction paged.
	HasMore bool
	// AgentsReadSeq is, on a visitor's page, the highest seq any agent has
	// read in the conversation (which agent is not told); 0 when none has,
	// and on agents' pages.
	AgentsReadSeq int64
}

// NewMessage is an agent's reply or internal note.
type NewMessage struct {
	Text string
	// Internal makes it a note no customer ever sees.
	Internal bool
	// ClientMessageID is the sender's idempotency key.
	ClientMessageID string
	// AttachmentIDs are the agent's uploads to send with it; the text may
	// then be empty.
	AttachmentIDs []uuid.UUID
}

// Read is a reader's marker moving forward.
type Read struct {
	ConversationID uuid.UUID
	// ReaderType is SenderAgent or SenderCustomer.
	ReaderType SenderType
	// ReaderID is the agent or customer; uuid.Nil when hidden from the
	// reader of the event (see visibility.go).
	ReaderID uuid.UUID
	Seq      int64
}

// Event is one durable event as agents see it: exactly one of Message,
// Conversation (with Created telling created from updated) and Read is set.
type Event struct {
	OccurredAt   time.Time
	Message      *Message
	Conversation *Conversation
	// Created: Conversation was created, else updated.
	Created bool
	Read    *Read
	// Updated: Message was edited or deleted, else created.
	Updated bool
}
