// Package privacy exports and erases what the installation stores about a
// customer: one JSON archive of their profile, conversations, messages and
// visitor sessions (Export), and the irreversible anonymisation of all of
// it (Erase), which keeps the rows, so conversation and message counts and
// times still add up, and ends the customer's sessions and streams. Both
// are recorded in the audit log, without the personal data.
//
// Service speaks Go types and knows nothing about Connect; package
// privacyapi adapts it to livechatv1connect.PrivacyServiceHandler.
package privacy

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/settings"
)

// Hub is the realtime hub as this package sees it: told after an erasure
// revoked visitor sessions, so their open streams end.
type Hub interface {
	CredentialsRevoked()
}

// Service exports and erases customers.
type Service struct {
	pool     *db.Pool
	q        *dbq.Queries
	hub      Hub
	audit    *audit.Service
	settings *settings.Store
	log      *slog.Logger
	now      func() time.Time
}

// Options are what a Service needs besides the pool; every field may be
// zero (no streams to end, nothing recorded, no retention settings).
type Options struct {
	Hub      Hub
	Audit    *audit.Service
	Settings *settings.Store
	Log      *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// New returns the service over pool.
func New(pool *db.Pool, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{pool: pool, q: db.Queries(pool), hub: opts.Hub, audit: opts.Audit, settings: opts.Settings, log: opts.Log, now: opts.Now}
}

// Format names the archive layout (docs/privacy.md); a change that is not
// an addition gets a new name.
const Format = "livechat.customer-export.v1"

// Archive is the export of one customer, in the documented JSON layout.
type Archive struct {
	Format          string           `json:"format"`
	ExportedAt      time.Time        `json:"exported_at"`
	Customer        Customer         `json:"customer"`
	Conversations   []Conversation   `json:"conversations"`
	VisitorSessions []VisitorSession `json:"visitor_sessions"`
}

// Customer is the stored profile.
type Customer struct {
	ID             string          `json:"id"`
	WidgetID       string          `json:"widget_id"`
	WidgetName     string          `json:"widget_name"`
	Name           string          `json:"name"`
	Email          string          `json:"email"`
	Phone          string          `json:"phone"`
	Attributes     json.RawMessage `json:"attributes"`
	VerifiedUserID *string         `json:"verified_user_id"`
	CreatedAt      time.Time       `json:"created_at"`
	LastSeenAt     time.Time       `json:"last_seen_at"`
	ErasedAt       *time.Time      `json:"erased_at"`
}

// Conversation is one of the customer's conversations with its messages.
type Conversation struct {
	ID            string    `json:"id"`
	Status        string    `json:"status"`
	AssigneeID    *string   `json:"assignee_id"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	LastMessageAt time.Time `json:"last_message_at"`
	Messages      []Message `json:"messages"`
}

// Message is one message, internal notes included (flagged).
type Message struct {
	Seq        int64     `json:"seq"`
	SenderType string    `json:"sender_type"`
	SenderName string    `json:"sender_name"`
	Text       string    `json:"text"`
	Internal   bool      `json:"internal"`
	SystemKind *string   `json:"system_kind,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// VisitorSession is one widget session of the customer (the token itself
// is stored only hashed and is not exported).
type VisitorSession struct {
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func errCustomerNotFound(err error) error {
	return apperr.NotFoundAs(err, apperr.NotFound, "customer not found")
}

// Export returns everything stored about the customer, read in one
// snapshot, and records that caller exported it.
// Errors: NotFound for an unknown customer.
func (s *Service) Export(ctx context.Context, caller principal.Agent, customerID uuid.UUID) (Archive, error) {
	var a Archive
	err := db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		c, err := q.ExportCustomer(ctx, customerID)
		if err != nil {
			return errCustomerNotFound(err)
		}
		a = Archive{Format: Format, ExportedAt: s.now().UTC(), Customer: Customer{
			ID: c.ID.String(), WidgetID: c.WidgetID.String(), WidgetName: c.WidgetName, Name: c.Name, Email: c.Email,
			Phone: c.Phone, Attributes: json.RawMessage(c.Attributes), VerifiedUserID: c.VerifiedUserID,
			CreatedAt: c.CreatedAt, LastSeenAt: c.LastSeenAt, ErasedAt: c.ErasedAt,
		}, Conversations: []Conversation{}, VisitorSessions: []VisitorSession{}}
		convs, err := q.ExportConversations(ctx, customerID)
		if err != nil {
			return err
		}
		index := map[uuid.UUID]int{}
		for _, cv := range convs {
			out := Conversation{ID: cv.ID.String(), Status: cv.Status, CreatedAt: cv.CreatedAt, UpdatedAt: cv.UpdatedAt,
				LastMessageAt: cv.LastMessageAt, Messages: []Message{}}
			if cv.AssigneeID != nil {
				id := cv.AssigneeID.String()
				out.AssigneeID = &id
			}
			index[cv.ID] = len(a.Conversations)
			a.Conversations = append(a.Conversations, out)
		}
		msgs, err := q.ExportMessages(ctx, customerID)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			i := index[m.ConversationID]
			a.Conversations[i].Messages = append(a.Conversations[i].Messages, Message{
				Seq: m.Seq, SenderType: m.SenderType, SenderName: m.SenderName, Text: m.Text, Internal: m.Internal,
				SystemKind: m.SystemKind, CreatedAt: m.CreatedAt,
			})
		}
		sessions, err := q.ExportVisitorSessions(ctx, customerID)
		if err != nil {
			return err
		}
		for _, v := range sessions {
			a.VisitorSessions = append(a.VisitorSessions, VisitorSession{CreatedAt: v.CreatedAt, LastSeenAt: v.LastSeenAt, RevokedAt: v.RevokedAt})
		}
		return nil
	})
	if err != nil {
		return Archive{}, err
	}
	s.audit.Record(ctx, caller, audit.CustomerExported, customerTarget(customerID), audit.Details{
		"conversations": len(a.Conversations),
	})
	return a, nil
}

// Erasure is what Erase did.
type Erasure struct {
	// ErasedAt is when the customer was first erased.
	ErasedAt time.Time
	// Already: the customer had been erased before; this call only made
	// sure nothing had come back.
	Already bool
}

// Erase irreversibly anonymises the customer: their name, email, phone,
// attributes and verified id, the text of every message of their
// conversations and their name on their messages. Rows stay, so counts and
// times still add up; the customer keeps an erased_at. Their visitor
// sessions end, and with them any open stream. Erasing again is harmless
// and catches anything written meanwhile. The audit log records that the
// customer (by id) was erased, not what was erased.
// Errors: NotFound for an unknown customer.
func (s *Service) Erase(ctx context.Context, caller principal.Agent, customerID uuid.UUID) (Erasure, error) {
	var out Erasure
	scrub := func(first bool) error {
		return db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
			erasedAt, err := q.LockCustomerForErasure(ctx, customerID)
			if err != nil {
				return errCustomerNotFound(err)
			}
			if first {
				out.Already = erasedAt != nil
			}
			if _, err := q.LockCustomerConversations(ctx, customerID); err != nil {
				return err
			}
			now := s.now().UTC()
			if _, err := q.EraseCustomerOutbox(ctx, customerID); err != nil {
				return err
			}
			if err := q.EraseCustomerMailState(ctx, customerID); err != nil {
				return err
			}
			if err := q.EraseCustomerRecords(ctx, customerID); err != nil {
				return err
			}
			if err := q.EraseCustomerProfile(ctx, dbq.EraseCustomerProfileParams{ID: customerID, Now: &now}); err != nil {
				return err
			}
			if _, err := q.EraseCustomerMessages(ctx, customerID); err != nil {
				return err
			}
			if _, err := q.RevokeCustomerSessions(ctx, dbq.RevokeCustomerSessionsParams{CustomerID: customerID, Now: &now}); err != nil {
				return err
			}
			if erasedAt != nil {
				out.ErasedAt = *erasedAt
			} else {
				out.ErasedAt = now
			}
			return nil
		})
	}
	if err := scrub(true); err != nil {
		return Erasure{}, err
	}
	if s.hub != nil {
		s.hub.CredentialsRevoked()
	}
	// A message accepted just before the sessions ended may commit after
	// the first pass (its sender's session was checked earlier): a second
	// pass, after the streams were told, blanks it too.
	if err := scrub(false); err != nil {
		return Erasure{}, err
	}
	s.audit.Record(ctx, caller, audit.CustomerErased, customerTarget(customerID), audit.Details{"already_erased": out.Already})
	return out, nil
}

// customerTarget names a customer in the audit log by id only: the log
// must hold nothing an erasure would have to remove.
func customerTarget(id uuid.UUID) audit.Target {
	return audit.Target{Type: "customer", ID: id.String()}
}
