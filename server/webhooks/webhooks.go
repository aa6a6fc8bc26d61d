// Package webhooks keeps the webhooks admins register and delivers the
// installation's events to them.
//
// Delivery reads the durable event log (the events table the realtime
// streams replay from) after a cursor kept per webhook, and moves the
// cursor only after the receiver answered 2xx: every event is delivered at
// least once, in log order (so in order per conversation), whatever
// happens to the receiver or to the server instances. Each request is
// signed per Standard Webhooks (webhook-id, webhook-timestamp,
// webhook-signature) with the webhook's secret, which is stored sealed.
// Exactly one instance delivers a webhook at a time: it holds a lease on
// the webhook's row, renewed before every request, which another instance
// takes over when it runs out.
//
// Service speaks Go types and knows nothing about Connect or HTTP: requests
// go through a Sender (package outbound), payloads come from an Encoder
// the chat adapter provides; package webhooksapi adapts Service to
// livechatv1connect.WebhookServiceHandler.
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/outbound"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/realtime"
)

// MaxWebhooks bounds how many webhooks an installation has.
const MaxWebhooks = 20

// MaxURL bounds a webhook URL (characters).
const MaxURL = 2048

// excerptBytes is how much of a response the delivery log keeps.
const excerptBytes = 512

// State is how delivery to a webhook is going.
type State string

// The states.
const (
	// Healthy: delivering, or nothing to deliver.
	Healthy State = "healthy"
	// Retrying: the next event failed and will be tried again.
	Retrying State = "retrying"
	// Failing: retries gave up; nothing is delivered until an admin
	// enables the webhook again.
	Failing State = "failing"
)

// Webhook is a registered endpoint; its secret never leaves the package
// but when it is made.
type Webhook struct {
	ID                  uuid.UUID
	URL                 string
	EventTypes          []EventType
	Enabled             bool
	AllowPrivateNetwork bool
	State               State
	LastError           string
	FailingSince        *time.Time
	NextAttemptAt       *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Input is what an admin writes of a webhook.
type Input struct {
	URL                 string
	EventTypes          []EventType
	Enabled             bool
	AllowPrivateNetwork bool
}

// Delivery is one logged attempt.
type Delivery struct {
	ID              int64
	WebhookID       uuid.UUID
	EventID         int64
	MessageID       string
	EventType       EventType
	Attempt         int
	Manual          bool
	Succeeded       bool
	ResponseStatus  int
	Latency         time.Duration
	ResponseExcerpt string
	Error           string
	CreatedAt       time.Time
}

// Sealer seals secrets at rest (package secretbox): the label binds a
// sealed value to its place.
type Sealer interface {
	Seal(plaintext []byte, label string) (string, error)
	Open(sealed, label string) ([]byte, error)
}

// Sender sends one request (package outbound).
type Sender interface {
	Post(ctx context.Context, r outbound.Request) (outbound.Response, error)
}

// Encoder turns event rows into the data of their payloads, one per row in
// the same order, nil for a row whose subject is gone or whose kind it does
// not know (the row is then skipped). The chat adapter provides it, so the
// payloads are the API's own JSON.
type Encoder interface {
	EncodeEvents(ctx context.Context, rows []realtime.EventRow) ([]json.RawMessage, error)
}

// Options tune delivery; zero fields take the defaults.
type Options struct {
	// PollInterval is how often new events and leases are looked for
	// (default 1s).
	PollInterval time.Duration
	// LeaseTTL is how long an instance holds a webhook without renewing
	// (default 30s); it must exceed the sender's timeout.
	LeaseTTL time.Duration
	// RetryFor is how long the next event is retried before the webhook
	// turns failing (default 24h).
	RetryFor time.Duration
	// BaseBackoff and MaxBackoff bound the wait between attempts
	// (defaults 10s and 1h): it doubles from the base up to the maximum,
	// with jitter.
	BaseBackoff, MaxBackoff time.Duration
	// DeliveryRetention is how long the delivery log keeps an attempt
	// (default 30 days).
	DeliveryRetention time.Duration
	// Now is the clock of backoff and failure (default time.Now).
	Now func() time.Time
	Log *slog.Logger
}

// Service holds the rules of webhooks and delivers them.
type Service struct {
	q      *dbq.Queries
	sealer Sealer
	sender Sender
	check  Checker
	enc    Encoder
	opts   Options
	// owner identifies this instance in leases.
	owner uuid.UUID
}

// Checker tells which URLs name a forbidden address outright
// (*outbound.Client).
type Checker interface {
	LiteralForbidden(raw string) bool
}

// Client is what the service needs of the outbound client.
type Client interface {
	Sender
	Checker
}

// New returns the service over pool. enc may be set later with
// SetEncoder (the chat adapter is built after).
func New(pool *db.Pool, sealer Sealer, client Client, enc Encoder, o Options) *Service {
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 30 * time.Second
	}
	if o.RetryFor <= 0 {
		o.RetryFor = 24 * time.Hour
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 10 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.DeliveryRetention <= 0 {
		o.DeliveryRetention = 30 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Service{q: db.Queries(pool), sealer: sealer, sender: client, check: client, enc: enc, opts: o, owner: uuid.New()}
}

// ListWebhooks lists every webhook, oldest first.
func (s *Service) ListWebhooks(ctx context.Context, _ principal.Agent) ([]Webhook, error) {
	rows, err := s.q.ListWebhooks(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Webhook, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// CreateWebhook adds a webhook and returns it with its secret, which is
// not shown again. Errors: those of check; TooManyItems beyond MaxWebhooks.
func (s *Service) CreateWebhook(ctx context.Context, agent principal.Agent, in Input) (Webhook, string, error) {
	in, err := s.checkInput(in)
	if err != nil {
		return Webhook{}, "", err
	}
	n, err := s.q.CountWebhooks(ctx)
	if err != nil {
		return Webhook{}, "", err
	}
	if n >= MaxWebhooks {
		return Webhook{}, "", apperr.New(apperr.TooManyItems, "an installation has at most %d webhooks", MaxWebhooks).WithLimit(MaxWebhooks)
	}
	id := uuid.New()
	secret, sealed, err := s.newSecret(id)
	if err != nil {
		return Webhook{}, "", err
	}
	by := agent.ID
	row, err := s.q.CreateWebhook(ctx, dbq.CreateWebhookParams{
		ID: id, Url: in.URL, EventTypes: typeNames(in.EventTypes), Enabled: in.Enabled,
		AllowPrivateNetwork: in.AllowPrivateNetwork, SecretSealed: sealed, CreatedBy: &by,
	})
	if err != nil {
		return Webhook{}, "", err
	}
	return fromRow(row), secret, nil
}

// UpdateWebhook replaces what an admin writes of a webhook; enabling a
// failing webhook makes it healthy, and delivery resumes from its cursor.
// Errors: those of check; NotFound.
func (s *Service) UpdateWebhook(ctx context.Context, _ principal.Agent, id uuid.UUID, in Input) (Webhook, error) {
	in, err := s.checkInput(in)
	if err != nil {
		return Webhook{}, err
	}
	row, err := s.q.UpdateWebhook(ctx, dbq.UpdateWebhookParams{
		ID: id, Url: in.URL, EventTypes: typeNames(in.EventTypes), Enabled: in.Enabled,
		AllowPrivateNetwork: in.AllowPrivateNetwork,
	})
	if err != nil {
		return Webhook{}, apperr.NotFoundAs(err, apperr.NotFound, "webhook not found")
	}
	return fromRow(row), nil
}

// DeleteWebhook deletes a webhook and its delivery log. Errors: NotFound.
func (s *Service) DeleteWebhook(ctx context.Context, _ principal.Agent, id uuid.UUID) error {
	n, err := s.q.DeleteWebhook(ctx, id)
	if err == nil && n == 0 {
		err = apperr.New(apperr.NotFound, "webhook not found")
	}
	return err
}

// RotateSecret replaces a webhook's secret and returns the new one.
// Errors: NotFound.
func (s *Service) RotateSecret(ctx context.Context, _ principal.Agent, id uuid.UUID) (Webhook, string, error) {
	secret, sealed, err := s.newSecret(id)
	if err != nil {
		return Webhook{}, "", err
	}
	row, err := s.q.SetWebhookSecret(ctx, dbq.SetWebhookSecretParams{ID: id, SecretSealed: sealed})
	if err != nil {
		return Webhook{}, "", apperr.NotFoundAs(err, apperr.NotFound, "webhook not found")
	}
	return fromRow(row), secret, nil
}

// Replay moves a webhook's cursor back to the first event at or after
// since, so every event from then on is delivered again, and clears a
// failing state. Errors: Required (field "since") for a zero time;
// NotFound.
func (s *Service) Replay(ctx context.Context, _ principal.Agent, id uuid.UUID, since time.Time) (Webhook, error) {
	if since.IsZero() {
		return Webhook{}, apperr.New(apperr.Required, "say from when to replay").WithField("since")
	}
	row, err := s.q.ReplayWebhookFrom(ctx, dbq.ReplayWebhookFromParams{ID: id, Since: since})
	if err != nil {
		return Webhook{}, apperr.NotFoundAs(err, apperr.NotFound, "webhook not found")
	}
	return fromRow(row), nil
}

// ReplayFromDelivery moves a webhook's cursor back to just before the event
// of one of its deliveries, and clears a failing state. Errors: NotFound
// for an unknown webhook or delivery, or an event no longer kept.
func (s *Service) ReplayFromDelivery(ctx context.Context, _ principal.Agent, id uuid.UUID, deliveryID int64) (Webhook, error) {
	d, err := s.q.GetWebhookDelivery(ctx, deliveryID)
	if err == nil && d.WebhookID != id {
		err = apperr.New(apperr.NotFound, "delivery not found")
	}
	if err != nil {
		return Webhook{}, apperr.NotFoundAs(err, apperr.NotFound, "delivery not found")
	}
	row, err := s.q.ReplayWebhookFromEvent(ctx, dbq.ReplayWebhookFromEventParams{ID: id, EventID: d.EventID})
	if err != nil {
		return Webhook{}, apperr.NotFoundAs(err, apperr.NotFound, "the delivery's event is no longer kept")
	}
	return fromRow(row), nil
}

// DeliveryPage is one page of a delivery log.
type DeliveryPage struct {
	Deliveries    []Delivery
	NextPageToken string
}

// ListDeliveries lists a webhook's attempts, newest first. Errors:
// InvalidValue or TooManyItems (field "page_size"); MalformedCursor;
// NotFound for an unknown webhook.
func (s *Service) ListDeliveries(ctx context.Context, _ principal.Agent, id uuid.UUID, pageSize int32, pageToken string) (DeliveryPage, error) {
	n, err := limits.PageSize(pageSize, 50, 100)
	if err != nil {
		return DeliveryPage{}, err
	}
	var before int64
	if pageToken != "" {
		before, err = strconv.ParseInt(pageToken, 36, 64)
		if err != nil || before <= 0 {
			return DeliveryPage{}, apperr.New(apperr.MalformedCursor, "malformed page_token: pass next_page_token as it is").WithField("page_token")
		}
	}
	if _, err := s.q.GetWebhook(ctx, id); err != nil {
		return DeliveryPage{}, apperr.NotFoundAs(err, apperr.NotFound, "webhook not found")
	}
	rows, err := s.q.ListWebhookDeliveries(ctx, dbq.ListWebhookDeliveriesParams{WebhookID: id, BeforeID: before, MaxRows: int32(n + 1)})
	if err != nil {
		return DeliveryPage{}, err
	}
	var page DeliveryPage
	if len(rows) > n {
		rows = rows[:n]
		page.NextPageToken = strconv.FormatInt(rows[n-1].ID, 36)
	}
	page.Deliveries = make([]Delivery, len(rows))
	for i, r := range rows {
		page.Deliveries[i] = deliveryFromRow(r)
	}
	return page, nil
}

// checkInput validates and normalises an input. Errors: Required (field
// "url" or "event_types"); WebhookURLInvalid; InvalidValue (field
// "event_types"); WebhookTargetNotAllowed for a literal private address
// without AllowPrivateNetwork.
func (s *Service) checkInput(in Input) (Input, error) {
	if in.URL == "" {
		return Input{}, apperr.New(apperr.Required, "a URL is required").WithField("url")
	}
	if len([]rune(in.URL)) > MaxURL {
		return Input{}, apperr.New(apperr.WebhookURLInvalid, "the URL is longer than %d characters", MaxURL).WithField("url").WithLimit(MaxURL)
	}
	if err := outbound.CheckURL(in.URL); err != nil {
		return Input{}, apperr.Wrap(apperr.WebhookURLInvalid, err, "%s", err.Error()).WithField("url")
	}
	if !in.AllowPrivateNetwork && s.check.LiteralForbidden(in.URL) {
		return Input{}, apperr.New(apperr.WebhookTargetNotAllowed,
			"the URL names a private, loopback or link-local address: allow the private network to use it").WithField("url")
	}
	if len(in.EventTypes) == 0 {
		return Input{}, apperr.New(apperr.Required, "choose at least one event type").WithField("event_types")
	}
	var types []EventType
	for _, t := range in.EventTypes {
		if !t.Valid() {
			return Input{}, apperr.New(apperr.InvalidValue, "unknown event type %q", t).WithField("event_types")
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	in.EventTypes = types
	return in, nil
}

// newSecret makes a Standard Webhooks secret (whsec_ and 24 random bytes
// in base64) and seals it for the webhook's row.
func (s *Service) newSecret(id uuid.UUID) (secret, sealed string, err error) {
	key := make([]byte, 24)
	if _, err := rand.Read(key); err != nil {
		return "", "", err
	}
	secret = secretPrefix + base64.StdEncoding.EncodeToString(key)
	sealed, err = s.sealer.Seal([]byte(secret), secretLabel(id))
	return secret, sealed, err
}

// openSecret unseals a webhook's secret.
func (s *Service) openSecret(w dbq.Webhook) (string, error) {
	b, err := s.sealer.Open(w.SecretSealed, secretLabel(w.ID))
	if err != nil {
		return "", errors.Join(errors.New("open the webhook secret"), err)
	}
	return string(b), nil
}

// secretLabel binds a sealed secret to its webhook, so it cannot be
// copied to another.
func secretLabel(id uuid.UUID) string { return "webhooks.secret:" + id.String() }

func fromRow(r dbq.Webhook) Webhook {
	w := Webhook{
		ID: r.ID, URL: r.Url, Enabled: r.Enabled, AllowPrivateNetwork: r.AllowPrivateNetwork,
		State: State(r.State), LastError: r.LastError, FailingSince: r.FailingSince, NextAttemptAt: r.NextAttemptAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	for _, t := range r.EventTypes {
		w.EventTypes = append(w.EventTypes, EventType(t))
	}
	return w
}

func deliveryFromRow(r dbq.WebhookDelivery) Delivery {
	d := Delivery{
		ID: r.ID, WebhookID: r.WebhookID, EventID: r.EventID, MessageID: r.MessageID, EventType: EventType(r.EventType),
		Attempt: int(r.Attempt), Manual: r.Manual, Succeeded: r.Succeeded, Latency: time.Duration(r.LatencyMs) * time.Millisecond,
		ResponseExcerpt: r.ResponseExcerpt, Error: r.Error, CreatedAt: r.CreatedAt,
	}
	if r.ResponseStatus != nil {
		d.ResponseStatus = int(*r.ResponseStatus)
	}
	return d
}

func typeNames(ts []EventType) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}
