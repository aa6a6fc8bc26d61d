// Package chat is the conversation domain: the lifecycle of conversations,
// messages and read markers, for agents (ConversationService) and for
// customers (called by the widget service). It returns apperr errors and
// the API's message types, and knows nothing about HTTP or Connect; the
// Connect adapter is Handler.
//
// Durable changes are single SQL statements wherever they are on a hot path:
// a message send inserts the message, moves the conversation and writes its
// events row in one autocommit statement, so it costs about one INSERT
// commit. The realtime hub is told after commit (Hub.Committed), never by
// NOTIFY inside the statement, which would serialise commits cluster-wide.
package chat

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/realtime"
)

// Hub is the realtime hub (package realtime) as this package sees it.
type Hub interface {
	// Committed says that durable events were committed: it wakes this
	// instance's subscribers and, batched, the other instances'.
	Committed()
	// PublishTyping fans an ephemeral typing indicator out to the agents
	// and to the conversation's customer.
	PublishTyping(ctx context.Context, conversationID, customerID uuid.UUID, ev *livechatv1.TypingEvent)
	// Subscribe streams the events a filter selects until ctx ends.
	Subscribe(ctx context.Context, f realtime.Filter, cursor string, send func(*livechatv1.Event) error) error
}

// TypingTTL is how long a typing indicator lasts unless repeated.
const TypingTTL = 6 * time.Second

// Service implements the conversation domain on PostgreSQL.
type Service struct {
	pool *pgxpool.Pool
	q    *dbq.Queries
	hub  Hub
	// recent are the messages this instance wrote last (see recent.go).
	recent recentMessages
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New returns a Service on pool. hub may be nil (tests, tools): nobody is
// told of changes and Subscribe is refused.
func New(pool *pgxpool.Pool, hub Hub) *Service {
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

// agent returns the calling agent, or Unauthenticated for anyone else. The
// auth interceptor already refuses them; this keeps the domain safe when
// called from elsewhere.
func agent(ctx context.Context) (principal.Principal, error) {
	p := principal.From(ctx)
	if !p.IsAgent() || p.AgentID == uuid.Nil {
		return p, apperr.New(apperr.SignInRequired, "sign in as an agent")
	}
	return p, nil
}

// ParseID parses an id from a request; what names the field in the message.
func ParseID(what, s string) (uuid.UUID, error) {
	if s == "" {
		return uuid.Nil, apperr.New(apperr.Required, "%s is required", what)
	}
	id, err := uuid.Parse(s)
	if err != nil || id == uuid.Nil {
		return uuid.Nil, apperr.New(apperr.MalformedID, "malformed %s", what)
	}
	return id, nil
}

// tx runs fn in a transaction, for the rare multi-statement paths.
func (s *Service) tx(ctx context.Context, fn func(q *dbq.Queries) error) error {
	return db.Tx(ctx, s.pool, fn)
}

func noRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

const conversationNotFound = "conversation not found"
