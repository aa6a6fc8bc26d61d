// Package chat is the conversation domain: the lifecycle of conversations,
// messages and read markers, for agents and for visitors, and what a
// visitor may see of them (visibility.go). It speaks Go types (types.go),
// takes ctx first and the typed caller (principal.Agent or
// principal.Visitor) explicitly, and returns apperr errors; it knows
// nothing about Connect or the API's messages. The adapters are in
// package chatapi: the ConversationService handler, the visitor side the
// widget service calls, and the encoder that turns events into the API's.
//
// The caller's kind is the policy table's to check; the rules that depend
// on data ("only the assignee or an admin may transfer") are here.
//
// Durable changes are single SQL statements wherever they are on a hot path:
// a message send inserts the message, moves the conversation and writes its
// events row in one autocommit statement, so it costs about one INSERT
// commit. The realtime hub is told after commit (Hub.Committed), never by
// NOTIFY inside the statement, which would serialise commits cluster-wide.
package chat

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/realtime"
)

// Hub is what the domain tells the realtime hub (package realtime).
type Hub interface {
	// Committed says that durable events were committed: it wakes this
	// instance's subscribers and, batched, the other instances'.
	Committed()
	// PublishTyping fans an ephemeral typing indicator out to the agents
	// and, when the domain lets them see it, to the conversation's
	// customer.
	PublishTyping(ctx context.Context, t realtime.Typing)
	// PublishViewing fans an ephemeral viewing signal out to the agents
	// only.
	PublishViewing(ctx context.Context, v realtime.Viewing)
}

// directHub is a Hub that delivers an event its writer just committed
// without reading it back when nothing can come before it
// (realtime.Hub.CommittedNext): the hot send path uses it when the hub
// offers it.
type directHub interface {
	Mark() realtime.Mark
	CommittedNext(ctx context.Context, w realtime.Written)
}

// Service implements the conversation domain on PostgreSQL.
type Service struct {
	pool *db.Pool
	q    *dbq.Queries
	hub  Hub
	// recent are the messages this instance wrote last (see recent.go).
	recent recentMessages
	// Now is the clock, replaceable in tests.
	Now func() time.Time
	// EditWindow is how long after sending a sender may edit or delete a
	// message; zero means DefaultEditWindow (see edit.go).
	EditWindow time.Duration
	// files are the attachments of messages (attachments.go); nil: none.
	files *attachments.Service
	// Router, when set, hears of changes that may move the queue of
	// waiting conversations (see routing.go).
	Router Router
	// mail queues the mails a change causes, in its transaction; nil
	// sends none.
	mail Mail
}

// Mail is what the domain asks of the email domain (package mail), inside
// the transaction of the change that causes a mail.
type Mail interface {
	// CustomerOpened is told of a customer's message that opened or
	// reopened a conversation, to acknowledge it by mail when no agent is
	// online.
	CustomerOpened(ctx context.Context, q *dbq.Queries, conversationID uuid.UUID, text string) error
	// Resolved is told of a conversation an agent resolved, to send the
	// customer its transcript when the installation does so.
	Resolved(ctx context.Context, q *dbq.Queries, conversationID uuid.UUID) error
	// Assigned is told of a conversation given to assigneeID by actorID
	// (uuid.Nil for routing), to email the assignee when they asked to be.
	Assigned(ctx context.Context, q *dbq.Queries, conversationID, assigneeID, actorID uuid.UUID) error
}

// SetMail gives the domain the email domain (see Mail).
func (s *Service) SetMail(m Mail) { s.mail = m }

// New returns a Service on pool. hub may be nil (tests, tools): nobody is
// told of changes.
func New(pool *db.Pool, hub Hub) *Service {
	return &Service{
		pool: pool,
		q:    db.Queries(pool),
		hub:  hub,
		Now:  time.Now,
	}
}

// committed tells the hub that durable events were written.
func (s *Service) committed() {
	if s.hub != nil {
		s.hub.Committed()
	}
}

// tx runs fn in a transaction, for the rare multi-statement paths.
func (s *Service) tx(ctx context.Context, fn func(q *dbq.Queries) error) error {
	return db.Tx(ctx, s.pool, fn)
}

const conversationNotFound = "conversation not found"

// isNotFound reports whether err is the database edge's missing row.
func isNotFound(err error) bool { return apperr.Is(err, apperr.NotFound) }
