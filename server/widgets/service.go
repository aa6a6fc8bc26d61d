// Package widgets is the website side of livechat: widget configurations
// (one per website, managed by admins), visitor sessions and their tokens,
// identity verification for the host site's signed-in users, abuse limits,
// and the CORS rules under which the widget calls WidgetService from other
// origins.
//
// Service holds the rules and knows nothing about Connect; Handler adapts it
// to livechatv1connect.WidgetServiceHandler.
package widgets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// Prefixes make leaked keys recognisable at a glance.
const (
	siteKeyPrefix        = "lcw_"
	identitySecretPrefix = "lcwsk_"
)

// Presence tells whether any agent is online (the realtime hub).
type Presence interface {
	AgentsOnline() bool
}

// Options configures a Service. Zero values take the defaults.
type Options struct {
	// Limits are the abuse limits; zero fields take DefaultLimits' values.
	Limits Limits
	// Presence answers "is any agent online"; nil means nobody is.
	Presence Presence
	// Chat holds conversations and messages; nil refuses the chat calls.
	Chat Chat
	// Subscribe streams visitors' events; nil refuses Subscribe.
	Subscribe SubscribeFunc
	// Committed tells the realtime hub that durable events were written
	// (customer details changed); nil tells nobody.
	Committed func()
	// CredentialsRevoked tells the realtime hub that visitor sessions ended
	// (a widget deleted, its secret rotated, a verified visitor replaced),
	// so their open streams end; nil tells nobody.
	CredentialsRevoked func()
}

// Service holds the widget rules on top of the database.
type Service struct {
	pool     *pgxpool.Pool
	q        *dbq.Queries
	limits   Limits
	presence Presence
	// chatDomain and subscribe may be nil (see Options).
	chatDomain Chat
	subscribe  SubscribeFunc
	notify     func()
	revoked    func()
	// origins caches the union of allowed origins for CORS preflights.
	origins *originCache

	// lastCleanup is when this instance last deleted old rate-limit windows.
	cleanupMu   sync.Mutex
	lastCleanup time.Time
}

// New returns a Service on pool.
func New(pool *pgxpool.Pool, opts Options) *Service {
	s := &Service{
		pool:       pool,
		q:          db.Queries(pool),
		limits:     opts.Limits.withDefaults(),
		presence:   opts.Presence,
		chatDomain: opts.Chat,
		subscribe:  opts.Subscribe,
		notify:     opts.Committed,
		revoked:    opts.CredentialsRevoked,
	}
	s.origins = newOriginCache(s.loadAllOrigins)
	return s
}

// committed tells the hub about events written after their commit.
func (s *Service) committed() {
	if s.notify != nil {
		s.notify()
	}
}

// sessionsEnded tells the hub, after commit, that visitor sessions ended.
func (s *Service) sessionsEnded() {
	if s.revoked != nil {
		s.revoked()
	}
}

// Widget is one website's chat configuration.
type Widget struct {
	ID      uuid.UUID
	SiteKey string
	// Settings are normalized, with Name set.
	Settings        *livechatv1.WidgetSettings
	CreatedAt       time.Time
	UpdatedAt       time.Time
	SecretRotatedAt time.Time

	identitySecret string
}

// requireAdmin checks that the caller may manage widgets.
func requireAdmin(ctx context.Context) error {
	p := principal.From(ctx)
	switch {
	case p.IsAdmin():
		return nil
	case p.Kind == principal.KindAnonymous:
		return apperr.New(apperr.SignInRequired, "sign in as an admin to manage widgets")
	default:
		return apperr.New(apperr.AdminRequired, "only admins may manage widgets")
	}
}

// ListWidgets returns every live widget, by name. Admins only.
func (s *Service) ListWidgets(ctx context.Context) ([]Widget, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	rows, err := s.q.ListWidgets(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Widget, 0, len(rows))
	for _, r := range rows {
		w, err := widgetFromRow(r)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// GetWidget returns one widget. Admins only.
//
// Errors: NotFound, Invalid for a malformed id.
func (s *Service) GetWidget(ctx context.Context, id string) (Widget, error) {
	if err := requireAdmin(ctx); err != nil {
		return Widget{}, err
	}
	wid, err := parseWidgetID(id)
	if err != nil {
		return Widget{}, err
	}
	row, err := s.q.GetWidget(ctx, wid)
	if err != nil {
		return Widget{}, apperr.FromDB(err, "widget not found")
	}
	return widgetFromRow(row)
}

// CreateWidget adds a widget with a new site key and identity secret; the
// secret is returned here and by RotateWidgetSecret only. Admins only.
//
// Errors: Invalid for bad settings.
func (s *Service) CreateWidget(ctx context.Context, settings *livechatv1.WidgetSettings) (Widget, string, error) {
	if err := requireAdmin(ctx); err != nil {
		return Widget{}, "", err
	}
	norm, err := NormalizeSettings(settings)
	if err != nil {
		return Widget{}, "", err
	}
	doc, err := marshalSettings(norm)
	if err != nil {
		return Widget{}, "", err
	}
	secret := identitySecretPrefix + randomHex(32)
	row, err := s.q.CreateWidget(ctx, dbq.CreateWidgetParams{
		SiteKey:        siteKeyPrefix + randomHex(12),
		Name:           norm.Name,
		Settings:       doc,
		IdentitySecret: secret,
	})
	if err != nil {
		return Widget{}, "", apperr.FromDB(err, "widget not found")
	}
	s.origins.invalidate()
	w, err := widgetFromRow(row)
	return w, secret, err
}

// UpdateWidget replaces a widget's settings; its site key and secret stay.
// Admins only.
//
// Errors: NotFound; Invalid for bad settings or a malformed id.
func (s *Service) UpdateWidget(ctx context.Context, id string, settings *livechatv1.WidgetSettings) (Widget, error) {
	if err := requireAdmin(ctx); err != nil {
		return Widget{}, err
	}
	wid, err := parseWidgetID(id)
	if err != nil {
		return Widget{}, err
	}
	norm, err := NormalizeSettings(settings)
	if err != nil {
		return Widget{}, err
	}
	doc, err := marshalSettings(norm)
	if err != nil {
		return Widget{}, err
	}
	row, err := s.q.UpdateWidget(ctx, dbq.UpdateWidgetParams{ID: wid, Name: norm.Name, Settings: doc})
	if err != nil {
		return Widget{}, apperr.FromDB(err, "widget not found")
	}
	s.origins.invalidate()
	return widgetFromRow(row)
}

// DeleteWidget removes a widget: its site key and its visitors' tokens stop
// working, its conversations and customers are kept. Admins only.
//
// Errors: NotFound; Invalid for a malformed id.
func (s *Service) DeleteWidget(ctx context.Context, id string) error {
	if err := requireAdmin(ctx); err != nil {
		return err
	}
	wid, err := parseWidgetID(id)
	if err != nil {
		return err
	}
	if _, err := s.q.DeleteWidget(ctx, wid); err != nil {
		return apperr.FromDB(err, "widget not found")
	}
	s.origins.invalidate()
	// Its visitors' open streams end; their calls already get NotFound.
	s.sessionsEnded()
	return nil
}

// RotateWidgetSecret replaces the identity-verification secret; the old one
// stops working at once, and so do the sessions of visitors verified with
// it (a secret is rotated because it may have leaked, and with it anyone
// could have claimed any identity): their widgets verify again with the
// new secret. Admins only.
//
// Errors: NotFound; Invalid for a malformed id.
func (s *Service) RotateWidgetSecret(ctx context.Context, id string) (Widget, string, error) {
	if err := requireAdmin(ctx); err != nil {
		return Widget{}, "", err
	}
	wid, err := parseWidgetID(id)
	if err != nil {
		return Widget{}, "", err
	}
	secret := identitySecretPrefix + randomHex(32)
	var row dbq.Widget
	var ended int64
	err = s.inTx(ctx, func(q *dbq.Queries) error {
		var err error
		if row, err = q.RotateWidgetSecret(ctx, dbq.RotateWidgetSecretParams{ID: wid, IdentitySecret: secret}); err != nil {
			return apperr.FromDB(err, "widget not found")
		}
		ended, err = q.RevokeVerifiedVisitorSessions(ctx, wid)
		return err
	})
	if err != nil {
		return Widget{}, "", err
	}
	if ended > 0 {
		s.sessionsEnded()
	}
	w, err := widgetFromRow(row)
	return w, secret, err
}

// widgetBySiteKey loads a live widget for the public RPCs.
func (s *Service) widgetBySiteKey(ctx context.Context, siteKey string) (Widget, error) {
	if siteKey == "" {
		return Widget{}, apperr.New(apperr.Required, "site_key is required")
	}
	if !validSiteKey(siteKey) {
		return Widget{}, apperr.New(apperr.WidgetNotFound, "no widget has this site key")
	}
	row, err := s.q.GetWidgetBySiteKey(ctx, siteKey)
	if err != nil {
		return Widget{}, apperr.FromDB(err, "no widget has this site key")
	}
	return widgetFromRow(row)
}

func parseWidgetID(id string) (uuid.UUID, error) {
	if id == "" {
		return uuid.Nil, apperr.New(apperr.Required, "widget_id is required")
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return uuid.Nil, apperr.New(apperr.MalformedID, "widget_id %q is not a valid id", id)
	}
	return u, nil
}

// marshalSettings stores settings as protobuf JSON without the name, which
// has its own column.
func marshalSettings(s *livechatv1.WidgetSettings) ([]byte, error) {
	c := proto.CloneOf(s)
	c.Name = ""
	return protojson.Marshal(c)
}

func widgetFromRow(r dbq.Widget) (Widget, error) {
	var st livechatv1.WidgetSettings
	if len(r.Settings) > 0 {
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(r.Settings, &st); err != nil {
			return Widget{}, apperr.Wrap(apperr.Internal, err, "widget %s has unreadable settings", r.ID)
		}
	}
	st.Name = r.Name
	settings := &st
	// Rows written by other means (or before a default existed) still come
	// out complete; stored settings were validated when saved.
	if norm, err := NormalizeSettings(settings); err == nil {
		settings = norm
	}
	return Widget{
		ID:              r.ID,
		SiteKey:         r.SiteKey,
		Settings:        settings,
		CreatedAt:       r.CreatedAt,
		UpdatedAt:       r.UpdatedAt,
		SecretRotatedAt: r.SecretRotatedAt,
		identitySecret:  r.IdentitySecret,
	}, nil
}

// randomHex returns n random bytes, hex-encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Service) inTx(ctx context.Context, fn func(q *dbq.Queries) error) error {
	return db.Tx(ctx, s.pool, fn)
}

// Config returns what a widget shows visitors before a chat starts.
//
// Errors: NotFound for an unknown or deleted site key; PermissionDenied for
// a disallowed origin.
func (s *Service) Config(ctx context.Context, siteKey, origin string) (*livechatv1.WidgetConfig, error) {
	w, err := s.widgetBySiteKey(ctx, siteKey)
	if err != nil {
		return nil, err
	}
	if err := checkOrigin(w.Settings.AllowedOrigins, origin); err != nil {
		return nil, err
	}
	return s.publicConfig(w), nil
}

// publicConfig is the visitor-facing part of a widget.
func (s *Service) publicConfig(w Widget) *livechatv1.WidgetConfig {
	return &livechatv1.WidgetConfig{
		SiteKey:      w.SiteKey,
		Appearance:   w.Settings.Appearance,
		Prechat:      w.Settings.Prechat,
		Offline:      w.Settings.Offline,
		AgentsOnline: s.presence != nil && s.presence.AgentsOnline(),
		Limits:       limits.Proto(),
	}
}

// validSiteKey reports whether s could be a site key (lcw_ and 24 hex
// digits), so malformed keys are answered without a query.
func validSiteKey(s string) bool {
	if len(s) != len(siteKeyPrefix)+24 || !strings.HasPrefix(s, siteKeyPrefix) {
		return false
	}
	for _, c := range s[len(siteKeyPrefix):] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
