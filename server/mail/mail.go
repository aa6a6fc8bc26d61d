// Package mail is the email domain: the durable outbox every mail goes
// through (outbox.go), sending it over SMTP (smtp.go), the mail settings
// admins change in the dashboard (settings.go), the mails a customer gets
// (templates.go: replies they have not seen, acknowledgements; English and
// Vietnamese) and unsubscribing (suppress.go).
//
// A mail is queued in the same transaction as the change that causes it
// (Enqueue takes that transaction's queries) and sent later by the worker
// (Run) of any instance: a due mail is claimed with FOR UPDATE SKIP LOCKED,
// so one instance sends it, retried with backoff while the SMTP server
// fails temporarily and given up with the reason after GiveUpAfter.
//
// Service speaks Go types and knows nothing about Connect; package mailapi
// adapts it to livechatv1connect.MailServiceHandler.
package mail

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
)

// Config is what the server's flags and environment say about mail. The
// SMTP fields are the defaults the dashboard's settings override.
type Config struct {
	// SMTP is the outgoing server from the flags; its Password is given
	// only in configuration, never stored.
	SMTP SMTP
	// PublicURL is the server's public address, for unsubscribe links.
	PublicURL string
	// PollInterval is how often the worker looks for due mail (default 5s).
	PollInterval time.Duration
	// GiveUpAfter is how long a mail is retried before it is marked failed
	// (default 24h).
	GiveUpAfter time.Duration
	// RetryBase and RetryMax bound the backoff between attempts (defaults
	// 30s and 30m): RetryBase doubled per attempt, at most RetryMax.
	RetryBase, RetryMax time.Duration
	// Lease is how long a claimed mail stays with the instance sending it
	// before another may try (default 2m); longer than one SMTP send.
	Lease time.Duration
	// SendTimeout bounds one SMTP conversation (default 30s).
	SendTimeout time.Duration
	// Now is the clock (default time.Now); tests move it.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PollInterval, 5*time.Second)
	def(&c.GiveUpAfter, 24*time.Hour)
	def(&c.RetryBase, 30*time.Second)
	def(&c.RetryMax, 30*time.Minute)
	def(&c.Lease, 2*time.Minute)
	def(&c.SendTimeout, 30*time.Second)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// SettingsStore is the installation's settings store (package settings):
// one JSON document per section.
type SettingsStore interface {
	Get(ctx context.Context, section string, into any) (bool, error)
	Put(ctx context.Context, section string, value any, by uuid.UUID) error
}

// Sealer seals and opens secrets (package secretbox), here the SMTP
// password.
type Sealer interface {
	Seal(plaintext []byte, label string) (string, error)
	Open(sealed, label string) ([]byte, error)
}

// Service is the email domain on PostgreSQL.
type Service struct {
	pool     *db.Pool
	q        *dbq.Queries
	cfg      Config
	settings SettingsStore
	box      Sealer
	log      *slog.Logger
	presence Presence
	chat     Chat
	// wake nudges the local worker when a mail was queued here.
	wake chan struct{}
}

// Options are what New needs besides the pool.
type Options struct {
	Config   Config
	Settings SettingsStore
	Box      Sealer
	Log      *slog.Logger
}

// New returns the service over pool. Settings and Box may be nil (tests,
// tools): then only the configuration's SMTP server is used.
func New(pool *db.Pool, o Options) *Service {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		pool: pool, q: db.Queries(pool), cfg: o.Config.withDefaults(),
		settings: o.Settings, box: o.Box, log: log,
		wake: make(chan struct{}, 1),
	}
}

// now is the clock: due times, follow-up delays and the give-up time are
// measured with it.
func (s *Service) now() time.Time { return s.cfg.Now() }

// nudge wakes the local worker without blocking.
func (s *Service) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
