// Package audit is the installation's audit log: one entry for every
// administrative action (agents, API tokens, widgets and their secrets,
// settings, customer exports and erasures) and for every sign-in and failed
// sign-in, saying who acted, when, from which address and what changed.
//
// Other domains' handlers write entries with one call to Record after the
// action succeeded. The log is append-only for the application: a trigger
// in the database refuses UPDATE, TRUNCATE and any DELETE but the retention
// purge's (see Purge). Admins search it (List) and download it (Export).
//
// Service speaks Go types and knows nothing about Connect; package auditapi
// adapts it to livechatv1connect.AuditServiceHandler.
package audit

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/reqinfo"
	"github.com/opensupport/livechat/server/settings"
)

// Action names what was done, as "<object>.<verb>".
type Action string

// The actions. Their names are stored: never rename one.
const (
	SignIn       Action = "auth.sign_in"
	SignInFailed Action = "auth.sign_in_failed"

	AgentCreated        Action = "agent.created"
	AgentUpdated        Action = "agent.updated"
	AgentPasswordReset  Action = "agent.password_reset"
	AgentTwoFactorReset Action = "agent.two_factor_reset"
	// PasswordChanged, TwoFactorEnabled and TwoFactorDisabled are an
	// agent's changes to their own credentials.
	PasswordChanged   Action = "agent.password_changed"
	TwoFactorEnabled  Action = "agent.two_factor_enabled"
	TwoFactorDisabled Action = "agent.two_factor_disabled"

	TokenCreated Action = "token.created"
	TokenRevoked Action = "token.revoked"

	WidgetCreated       Action = "widget.created"
	WidgetUpdated       Action = "widget.updated"
	WidgetDeleted       Action = "widget.deleted"
	WidgetSecretRotated Action = "widget.secret_rotated"

	WebhookCreated       Action = "webhook.created"
	WebhookUpdated       Action = "webhook.updated"
	WebhookDeleted       Action = "webhook.deleted"
	WebhookSecretRotated Action = "webhook.secret_rotated"

	SettingsChanged Action = "settings.changed"
	// RoutingChanged is a change of a widget's routing: assignment mode,
	// business hours, reply-time notice (target: the widget).
	RoutingChanged Action = "routing.changed"
	// AgentCapacityChanged is a change of how many conversations
	// automatic routing gives an agent (target: the agent).
	AgentCapacityChanged Action = "routing.capacity_changed"

	// MessageEdited and MessageDeleted are a sender's changes to a sent
	// message: target the message by id, the conversation in the details;
	// never the text (the message's revisions keep it, for admins).
	MessageEdited  Action = "message.edited"
	MessageDeleted Action = "message.deleted"

	CustomerExported Action = "customer.exported"
	CustomerErased   Action = "customer.erased"

	AuditExported Action = "audit.exported"
	// RetentionPurged is the background purge's own record (no actor).
	RetentionPurged Action = "retention.purged"
)

// Actions lists every action, for the dashboard's filter.
var Actions = []Action{
	SignIn, SignInFailed,
	AgentCreated, AgentUpdated, AgentPasswordReset, AgentTwoFactorReset, PasswordChanged, TwoFactorEnabled, TwoFactorDisabled,
	TokenCreated, TokenRevoked,
	WidgetCreated, WidgetUpdated, WidgetDeleted, WidgetSecretRotated,
	WebhookCreated, WebhookUpdated, WebhookDeleted, WebhookSecretRotated,
	SettingsChanged, RoutingChanged, AgentCapacityChanged, MessageEdited, MessageDeleted, CustomerExported, CustomerErased, AuditExported, RetentionPurged,
}

// Target is what an action was done to: its kind ("agent", "token",
// "widget", "settings", "customer"), its id and its name at the time.
type Target struct {
	Type string
	ID   string
	Name string
}

// Details is what changed, as the action defines it. It is stored as JSON
// and must never hold a secret or a password.
type Details map[string]any

// Entry is one stored audit entry.
type Entry struct {
	ID int64
	At time.Time
	// ActorID is the agent who acted; uuid.Nil when nobody was signed in.
	ActorID   uuid.UUID
	ActorName string
	// TokenID is the API token the agent acted through, if any.
	TokenID  uuid.UUID
	Action   Action
	Target   Target
	ClientIP string
	Details  Details
}

// Service writes and reads the audit log.
type Service struct {
	pool *db.Pool
	q    *dbq.Queries
	log  *slog.Logger
	now  func() time.Time
	// settings holds the section "audit"; nil keeps the defaults.
	settings *settings.Store
}

// Options tunes a Service. Zero fields take the defaults.
type Options struct {
	// Log receives the failures of Record; default slog.Default().
	Log *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Settings stores the retention period; nil keeps the default.
	Settings *settings.Store
}

// New returns the service over pool.
func New(pool *db.Pool, opts Options) *Service {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{pool: pool, q: db.Queries(pool), log: opts.Log, now: opts.Now, settings: opts.Settings}
}

// Record writes one entry: actor did action to target, from the client
// address of ctx's request (server/reqinfo). It is called after the action
// succeeded, so it cannot undo it: a failure to write is logged as an
// error (with everything the entry would have said) rather than returned.
// A nil Service records nothing, for tests that build handlers alone.
func (s *Service) Record(ctx context.Context, actor principal.Agent, action Action, target Target, details Details) {
	if s == nil {
		return
	}
	if err := s.record(ctx, s.q, actor, action, target, details, clientIP(ctx)); err != nil {
		s.log.ErrorContext(ctx, "audit entry not written", "err", err, "action", action,
			"actor_id", actor.ID, "target_type", target.Type, "target_id", target.ID, "details", details)
	}
}

// RecordForVisitor writes one entry for an action a website visitor took
// (no agent acted): the customer is named by id in the details
// ("customer_id"), and the client address is not kept, since the log must
// hold nothing an erasure of the customer would have to remove.
func (s *Service) RecordForVisitor(ctx context.Context, customerID uuid.UUID, action Action, target Target, details Details) {
	if s == nil {
		return
	}
	d := Details{"customer_id": customerID.String()}
	for k, v := range details {
		d[k] = v
	}
	if err := s.record(ctx, s.q, principal.Agent{}, action, target, d, ""); err != nil {
		s.log.ErrorContext(ctx, "audit entry not written", "err", err, "action", action,
			"customer_id", customerID, "target_type", target.Type, "target_id", target.ID, "details", d)
	}
}

// clientIP is the address of ctx's request as reqinfo resolved it, or "".
func clientIP(ctx context.Context) string {
	if a := reqinfo.ClientIP(ctx); a.IsValid() {
		return a.String()
	}
	return ""
}

// RecordIn writes one entry with q, so that it commits or rolls back with
// the action it records (the caller's transaction).
func (s *Service) RecordIn(ctx context.Context, q *dbq.Queries, actor principal.Agent, action Action, target Target, details Details) error {
	return s.record(ctx, q, actor, action, target, details, clientIP(ctx))
}

func (s *Service) record(ctx context.Context, q *dbq.Queries, actor principal.Agent, action Action, target Target, details Details, ip string) error {
	if details == nil {
		details = Details{}
	}
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	_, err = q.InsertAuditEntry(context.WithoutCancel(ctx), dbq.InsertAuditEntryParams{
		At: s.now().UTC(), ActorID: optionalID(actor.ID), ActorName: actor.Name, TokenID: optionalID(actor.TokenID),
		Action: string(action), TargetType: target.Type, TargetID: target.ID, TargetName: target.Name,
		ClientIp: ip, Details: b,
	})
	return err
}

func optionalID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// Filter selects entries; zero fields select everything.
type Filter struct {
	ActorID uuid.UUID
	// Action is an exact action, or a prefix ending in "." ("agent.").
	Action Action
	// Since (inclusive) and Until (exclusive) bound the time.
	Since, Until time.Time
	// Query is matched, case-insensitively, against the actor's and the
	// target's names, the target's id, the address and the details.
	Query string
}

// Page is one page of entries, newest first.
type Page struct {
	Entries []Entry
	// NextPageToken continues the listing; empty on the last page.
	NextPageToken string
}

// List returns entries matching f, newest first, pageSize at a time
// (0 = DefaultAuditPage).
// Errors: InvalidValue and TooManyItems (page_size); TextTooLong,
// TextInvalid (query); InvalidValue (until before since); MalformedCursor
// (page_token).
func (s *Service) List(ctx context.Context, f Filter, pageSize int32, pageToken string) (Page, error) {
	n, err := limits.PageSize(pageSize, limits.DefaultAuditPage, limits.AuditPage)
	if err != nil {
		return Page{}, err
	}
	params, err := listParams(f)
	if err != nil {
		return Page{}, err
	}
	if pageToken != "" {
		at, id, err := decodePageToken(pageToken)
		if err != nil {
			return Page{}, err
		}
		params.BeforeAt, params.BeforeID = &at, &id
	}
	params.MaxRows = int32(n + 1)
	rows, err := s.q.ListAuditEntries(ctx, params)
	if err != nil {
		return Page{}, err
	}
	var page Page
	if len(rows) > n {
		rows = rows[:n]
		page.NextPageToken = encodePageToken(rows[n-1].At, rows[n-1].ID)
	}
	page.Entries = make([]Entry, len(rows))
	for i, r := range rows {
		page.Entries[i] = fromRow(r)
	}
	return page, nil
}

// listParams validates f into the query's parameters (without cursor and
// row count).
func listParams(f Filter) (dbq.ListAuditEntriesParams, error) {
	q, err := limits.CleanOptional("query", f.Query, limits.SearchQuery, false)
	if err != nil {
		return dbq.ListAuditEntriesParams{}, err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return dbq.ListAuditEntriesParams{}, apperr.New(apperr.InvalidValue, "until must be after since").WithField("until")
	}
	p := dbq.ListAuditEntriesParams{ActorID: optionalID(f.ActorID), Action: string(f.Action), Query: q}
	if !f.Since.IsZero() {
		p.Since = &f.Since
	}
	if !f.Until.IsZero() {
		p.Until = &f.Until
	}
	return p, nil
}

func fromRow(r dbq.AuditLog) Entry {
	e := Entry{
		ID: r.ID, At: r.At, ActorName: r.ActorName, Action: Action(r.Action),
		Target:   Target{Type: r.TargetType, ID: r.TargetID, Name: r.TargetName},
		ClientIP: r.ClientIp, Details: Details{},
	}
	if r.ActorID != nil {
		e.ActorID = *r.ActorID
	}
	if r.TokenID != nil {
		e.TokenID = *r.TokenID
	}
	// The column is a JSON object by its CHECK constraint.
	_ = json.Unmarshal(r.Details, &e.Details)
	return e
}

// encodePageToken makes the keyset cursor (time, id) of the last entry of
// a page opaque.
func encodePageToken(at time.Time, id int64) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(at.UnixMicro()))
	binary.BigEndian.PutUint64(b[8:], uint64(id))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodePageToken(tok string) (time.Time, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 16 {
		return time.Time{}, 0, apperr.New(apperr.MalformedCursor, "malformed page token").WithField("page_token")
	}
	return time.UnixMicro(int64(binary.BigEndian.Uint64(b[:8]))), int64(binary.BigEndian.Uint64(b[8:])), nil
}
