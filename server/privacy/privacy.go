// Package privacy exports and erases what the installation stores about a
// customer: one JSON archive of everything stored about them, their files'
// bytes included (Export), and the irreversible anonymisation of all of it
// (Erase), which keeps the rows, so conversation and message counts and
// times still add up, deletes their files from the store, and ends the
// customer's sessions and streams. Both are recorded in the audit log,
// without the personal data. It also applies the retention policies
// (retention.go): conversation text, files, visitor sessions and page
// histories older than the installation's or their widget's periods.
//
// Service speaks Go types and knows nothing about Connect; package
// privacyapi adapts it to livechatv1connect.PrivacyServiceHandler.
package privacy

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/settings"
)

// Hub is the realtime hub as this package sees it: told after an erasure
// revoked visitor sessions, so their open streams end.
type Hub interface {
	CredentialsRevoked()
}

// Files is the attachment store as this package sees it
// (*attachments.Service): it reads a file's bytes for the export, and
// deletes from the store the bytes of the files the database queued as
// deleted or removed (an erasure, a retention run).
type Files interface {
	ReadFile(ctx context.Context, id uuid.UUID) (io.ReadCloser, error)
	Sweep(ctx context.Context) (int, error)
}

// Service exports and erases customers.
type Service struct {
	pool     *db.Pool
	q        *dbq.Queries
	hub      Hub
	files    Files
	audit    *audit.Service
	settings *settings.Store
	log      *slog.Logger
	now      func() time.Time
}

// Options are what a Service needs besides the pool; every field may be
// zero (no streams to end, nothing recorded, no retention settings).
type Options struct {
	Hub Hub
	// Files, when set, puts the files' bytes into exports and deletes
	// them from the store as soon as an erasure or retention run removed
	// them (else the attachment sweep does, within minutes).
	Files    Files
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
	return &Service{pool: pool, q: db.Queries(pool), hub: opts.Hub, files: opts.Files, audit: opts.Audit, settings: opts.Settings, log: opts.Log, now: opts.Now}
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
// and catches anything written meanwhile. Their files are deleted, rows
// and bytes. The audit log records that the
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
	// The erasure deleted the rows of their files; their bytes leave the
	// store now, not at the next sweep.
	if err := s.purgeFiles(ctx); err != nil {
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
