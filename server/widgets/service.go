// Package widgets is the website side of livechat: widget configurations
// (one per website, managed by admins), visitor sessions and their tokens,
// identity verification for the host site's signed-in users, abuse limits,
// and the origin rules under which the widget may call WidgetService from
// other websites.
//
// Service holds the rules in Go types and knows nothing about Connect or
// HTTP: the caller arrives as a typed argument (principal.Visitor), the
// call's Origin as a string. Package widgetsapi adapts it to
// livechatv1connect.WidgetServiceHandler; the CORS middleware lives at the
// HTTP edge (package app) and asks AllowsOriginAnywhere.
package widgets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/routing"
	"github.com/opensupport/livechat/server/secretbox"
)

// Prefixes make leaked keys recognisable at a glance.
const (
	siteKeyPrefix        = "lcw_"
	identitySecretPrefix = "lcwsk_"
)

// Hub is the realtime hub (package realtime) as this package sees it. A
// visitor's stream is not opened here: the handler passes the chat domain's
// visitor filter to the hub, as the agents' handler passes the agent filter.
type Hub interface {
	// Committed says that durable events were committed (a customer's
	// details changed).
	Committed()
	// CredentialsRevoked says that visitor sessions ended (a widget
	// deleted, its secret rotated, a verified visitor replaced), so their
	// open streams end.
	CredentialsRevoked()
	// AgentsOnline reports whether any agent is online now.
	AgentsOnline() bool
	// OnlineAgents are the ids of the agents online now.
	OnlineAgents() []uuid.UUID
}

// Options configures a Service. Zero values take the defaults.
type Options struct {
	// Limits are the abuse limits; zero fields take DefaultLimits' values.
	Limits Limits
	// Hub is told of commits and ended sessions and says whether agents
	// are online; nil tells nobody, and nobody is online.
	Hub Hub
	// Chat holds conversations, messages and customers; nil refuses the
	// chat calls (and StartSession, which returns the customer).
	Chat Chat
	// Hours tells a widget's business hours and reply time; nil: always
	// open, no reply time.
	Hours Hours
	// Secrets seals the identity secrets at rest (see secrets.go); nil
	// stores them in plain text.
	Secrets *secretbox.Box
}

// Hours is the routing domain's view of a widget's opening hours
// (*routing.Service).
type Hours interface {
	WidgetAvailability(ctx context.Context, widgetID uuid.UUID) (routing.Availability, error)
}

// Service holds the widget rules on top of the database.
type Service struct {
	pool   *db.Pool
	q      *dbq.Queries
	limits Limits
	// hub and chatDomain may be nil (see Options).
	hub        Hub
	chatDomain Chat
	hours      Hours
	// origins caches the union of allowed origins for CORS preflights.
	origins *originCache
	// sites caches widgets by site key for Site (page views).
	sites siteCache
	// secrets may be nil (see Options).
	secrets *secretbox.Box

	// lastCleanup is when this instance last deleted old rate-limit windows.
	cleanupMu   sync.Mutex
	lastCleanup time.Time
}

// New returns a Service on pool.
func New(pool *db.Pool, opts Options) *Service {
	s := &Service{
		pool:       pool,
		q:          db.Queries(pool),
		limits:     opts.Limits.withDefaults(),
		hub:        opts.Hub,
		chatDomain: opts.Chat,
		hours:      opts.Hours,
		secrets:    opts.Secrets,
	}
	s.origins = newOriginCache(s.loadAllOrigins)
	return s
}

// committed tells the hub about events written after their commit.
func (s *Service) committed() {
	if s.hub != nil {
		s.hub.Committed()
	}
}

// sessionsEnded tells the hub, after commit, that visitor sessions ended.
func (s *Service) sessionsEnded() {
	if s.hub != nil {
		s.hub.CredentialsRevoked()
	}
}

// Widget is one website's chat configuration.
type Widget struct {
	ID      uuid.UUID
	SiteKey string
	// Settings are normalized, with Name set.
	Settings        Settings
	CreatedAt       time.Time
	UpdatedAt       time.Time
	SecretRotatedAt time.Time

	identitySecret string
}

// Config is the public part of a widget: what it shows visitors before a
// chat starts.
type Config struct {
	SiteKey      string
	Appearance   Appearance
	Prechat      PrechatForm
	Offline      Offline
	Translations map[string]Texts
	// AgentsOnline tells whether at least one agent is online now.
	AgentsOnline bool
	// Csat is the scale the widget asks for ratings on.
	Csat CsatScale
	// Availability is the business hours' verdict now and the expected
	// reply time (always open without an Hours domain).
	Availability routing.Availability
	// Tracking tells the widget what to report.
	Tracking Tracking
	// AttachmentAccept is the file picker's accept list for the widget's
	// attachment kinds.
	AttachmentAccept string
	// OnlineAgents are up to three of the agents online now, by name, and
	// OnlineAgentCount how many there are in all.
	OnlineAgents     []OnlineAgent
	OnlineAgentCount int
}

// OnlineAgent is an agent as the widget's header shows them.
type OnlineAgent struct {
	Name      string
	AvatarURL string
}

// onlineAgents returns up to three online agents, those with an avatar
// first, and how many are online.
func (s *Service) onlineAgents(ctx context.Context) ([]OnlineAgent, int, error) {
	if s.hub == nil {
		return nil, 0, nil
	}
	ids := s.hub.OnlineAgents()
	if len(ids) == 0 {
		return nil, 0, nil
	}
	rows, err := s.q.OnlineAgentFaces(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	out := make([]OnlineAgent, len(rows))
	for i, r := range rows {
		out[i] = OnlineAgent{Name: r.DisplayName, AvatarURL: attachments.AvatarURL(r.Avatar)}
	}
	return out, len(ids), nil
}

// errWidgetNotFound re-labels the database edge's not-found for a widget.
func errWidgetNotFound(err error) error {
	return apperr.NotFoundAs(err, apperr.WidgetNotFound, "widget not found")
}

// The admin methods below take no caller: the policy table admits only
// admins to them, and nothing they do depends on which admin calls.

// ListWidgets returns live widgets whose name contains query (all for
// ""), by name, a page at a time (pageSize 0: limits.DefaultAdminListPage);
// the token is "" on the last page. Errors: TooManyItems or InvalidValue
// (page_size), MalformedCursor, TextTooLong or TextInvalid (query).
func (s *Service) ListWidgets(ctx context.Context, query string, pageSize int32, pageToken string) ([]Widget, string, error) {
	n, err := limits.PageSize(pageSize, limits.DefaultAdminListPage, limits.AdminListPage)
	if err != nil {
		return nil, "", err
	}
	if query, err = limits.CleanOptional("query", query, limits.SearchQuery, false); err != nil {
		return nil, "", err
	}
	p := dbq.ListWidgetsParams{PageLimit: int32(n + 1)}
	if query != "" {
		p.Pattern = strings.ToLower(limits.LikePattern(query))
	}
	if pageToken != "" {
		if p.CursorID, err = limits.DecodeIDCursor(pageToken); err != nil {
			return nil, "", err
		}
		p.HasCursor = true
	}
	rows, err := s.q.ListWidgets(ctx, p)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > n {
		rows = rows[:n]
		next = limits.EncodeIDCursor(rows[n-1].ID)
	}
	out := make([]Widget, 0, len(rows))
	for _, r := range rows {
		w, err := widgetFromRow(r)
		if err != nil {
			return nil, "", err
		}
		out = append(out, w)
	}
	return out, next, nil
}

// GetWidget returns one widget.
//
// Errors: WidgetNotFound.
func (s *Service) GetWidget(ctx context.Context, id uuid.UUID) (Widget, error) {
	row, err := s.q.GetWidget(ctx, id)
	if err != nil {
		return Widget{}, errWidgetNotFound(err)
	}
	return widgetFromRow(row)
}

// CreateWidget adds a widget with a new site key and identity secret; the
// secret is returned here and by RotateWidgetSecret only.
//
// Errors: those of NormalizeSettings.
func (s *Service) CreateWidget(ctx context.Context, settings Settings) (Widget, string, error) {
	norm, err := NormalizeSettings(settings)
	if err != nil {
		return Widget{}, "", err
	}
	secret := identitySecretPrefix + randomHex(32)
	stored, err := s.sealSecret(secret)
	if err != nil {
		return Widget{}, "", err
	}
	row, err := s.q.CreateWidget(ctx, dbq.CreateWidgetParams{
		SiteKey:        siteKeyPrefix + randomHex(12),
		Name:           norm.Name,
		Settings:       encodeSettings(norm),
		IdentitySecret: stored,
		// Validated by NormalizeSettings.
		AttachmentKinds: must(attachments.KindNames(norm.AttachmentKinds)),
	})
	if err != nil {
		return Widget{}, "", err
	}
	s.origins.invalidate()
	w, err := widgetFromRow(row)
	return w, secret, err
}

// UpdateWidget replaces a widget's settings; its site key and secret stay.
//
// Errors: WidgetNotFound; those of NormalizeSettings.
func (s *Service) UpdateWidget(ctx context.Context, id uuid.UUID, settings Settings) (Widget, error) {
	norm, err := NormalizeSettings(settings)
	if err != nil {
		return Widget{}, err
	}
	row, err := s.q.UpdateWidget(ctx, dbq.UpdateWidgetParams{
		ID: id, Name: norm.Name, Settings: encodeSettings(norm), AttachmentKinds: must(attachments.KindNames(norm.AttachmentKinds)),
	})
	if err != nil {
		return Widget{}, errWidgetNotFound(err)
	}
	s.origins.invalidate()
	s.sites.clear()
	return widgetFromRow(row)
}

// DeleteWidget removes a widget: its site key and its visitors' tokens stop
// working, its conversations and customers are kept.
//
// Errors: WidgetNotFound.
func (s *Service) DeleteWidget(ctx context.Context, id uuid.UUID) error {
	if _, err := s.q.DeleteWidget(ctx, id); err != nil {
		return errWidgetNotFound(err)
	}
	s.origins.invalidate()
	s.sites.clear()
	// Its visitors' open streams end; their calls already get NotFound.
	s.sessionsEnded()
	return nil
}

// RotateWidgetSecret replaces the identity-verification secret; the old one
// stops working at once, and so do the sessions of visitors verified with
// it (a secret is rotated because it may have leaked, and with it anyone
// could have claimed any identity): their widgets verify again with the
// new secret.
//
// Errors: WidgetNotFound.
func (s *Service) RotateWidgetSecret(ctx context.Context, id uuid.UUID) (Widget, string, error) {
	secret := identitySecretPrefix + randomHex(32)
	stored, err := s.sealSecret(secret)
	if err != nil {
		return Widget{}, "", err
	}
	var row dbq.Widget
	var ended int64
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		var err error
		if row, err = q.RotateWidgetSecret(ctx, dbq.RotateWidgetSecretParams{ID: id, IdentitySecret: stored}); err != nil {
			return errWidgetNotFound(err)
		}
		ended, err = q.RevokeVerifiedVisitorSessions(ctx, id)
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
		return Widget{}, apperr.New(apperr.Required, "site_key is required").WithField("site_key")
	}
	if !validSiteKey(siteKey) {
		return Widget{}, apperr.New(apperr.WidgetNotFound, "no widget has this site key")
	}
	row, err := s.q.GetWidgetBySiteKey(ctx, siteKey)
	if err != nil {
		return Widget{}, apperr.NotFoundAs(err, apperr.WidgetNotFound, "no widget has this site key")
	}
	return widgetFromRow(row)
}

func widgetFromRow(r dbq.Widget) (Widget, error) {
	st, err := decodeSettings(r.Settings)
	if err != nil {
		return Widget{}, apperr.Wrap(apperr.Internal, err, "widget %s has unreadable settings", r.ID)
	}
	st.Name = r.Name
	st.AttachmentKinds = attachments.KindsOf(r.AttachmentKinds)
	// Rows written by other means (or before a default existed) still come
	// out complete; stored settings were validated when saved.
	if norm, err := NormalizeSettings(st); err == nil {
		st = norm
	}
	return Widget{
		ID:              r.ID,
		SiteKey:         r.SiteKey,
		Settings:        st,
		CreatedAt:       r.CreatedAt,
		UpdatedAt:       r.UpdatedAt,
		SecretRotatedAt: r.SecretRotatedAt,
		identitySecret:  r.IdentitySecret,
	}, nil
}

// must returns v of a call that cannot fail, its input validated before.
func must[T any](v T, _ error) T { return v }

// randomHex returns n random bytes, hex-encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// Config returns what a widget shows visitors before a chat starts. origin
// is the call's Origin header ("" for callers that are not browsers).
//
// Errors: WidgetNotFound for an unknown or deleted site key;
// OriginNotAllowed for an origin the widget does not allow.
func (s *Service) Config(ctx context.Context, siteKey, origin string) (Config, error) {
	w, err := s.widgetBySiteKey(ctx, siteKey)
	if err != nil {
		return Config{}, err
	}
	if err := checkOrigin(w.Settings.AllowedOrigins, origin); err != nil {
		return Config{}, err
	}
	return s.publicConfig(ctx, w)
}

// Site returns the widget of a site key for a visitor's page on origin,
// for callers that need its id and settings (the visitors-now list).
//
// Errors: as Config.
//
// A page view calls it, so widgets are kept for SiteCacheTTL: a changed
// widget applies at once on the instance that changed it, within that time
// on the others.
func (s *Service) Site(ctx context.Context, siteKey, origin string) (Widget, error) {
	w, ok := s.sites.get(siteKey)
	if !ok {
		var err error
		if w, err = s.widgetBySiteKey(ctx, siteKey); err != nil {
			return Widget{}, err
		}
		s.sites.put(siteKey, w)
	}
	if err := checkOrigin(w.Settings.AllowedOrigins, origin); err != nil {
		return Widget{}, err
	}
	return w, nil
}

// publicConfig is the visitor-facing part of a widget.
func (s *Service) publicConfig(ctx context.Context, w Widget) (Config, error) {
	faces, count, err := s.onlineAgents(ctx)
	if err != nil {
		return Config{}, err
	}
	avail := routing.Availability{Open: true}
	if s.hours != nil {
		var err error
		if avail, err = s.hours.WidgetAvailability(ctx, w.ID); err != nil {
			return Config{}, err
		}
	}
	online := s.hub != nil && s.hub.AgentsOnline()
	if !online {
		// A bot that answers first is always there: the visitor may write.
		bot, err := s.q.WidgetBot(ctx, w.ID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return Config{}, err
		}
		online = err == nil && bot.Usable
	}
	return Config{
		Availability: avail,
		SiteKey:      w.SiteKey,
		Appearance:   w.Settings.Appearance,
		Prechat:      w.Settings.Prechat,
		Offline:      w.Settings.Offline,
		Translations: w.Settings.Translations,
		AgentsOnline: online,
		Csat:         w.Settings.Csat,
		Tracking:     w.Settings.Tracking,
		// Always set: widgetFromRow fills in the default kinds.
		AttachmentAccept: attachments.Accept(w.Settings.AttachmentKinds),
		OnlineAgents:     faces,
		OnlineAgentCount: count,
	}, nil
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

// SiteCacheTTL is how long Site keeps a widget; siteCacheSize bounds the
// widgets it keeps (it starts afresh when full).
const (
	SiteCacheTTL  = 5 * time.Second
	siteCacheSize = 10_000
)

// siteCache holds recently read widgets by site key. The zero value is
// ready.
type siteCache struct {
	mu sync.Mutex
	m  map[string]cachedSite
}

type cachedSite struct {
	w  Widget
	at time.Time
}

func (c *siteCache) get(key string) (Widget, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || time.Since(e.at) > SiteCacheTTL {
		return Widget{}, false
	}
	return e.w, true
}

func (c *siteCache) put(key string, w Widget) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= siteCacheSize {
		c.m = map[string]cachedSite{}
	}
	c.m[key] = cachedSite{w: w, at: time.Now()}
}

func (c *siteCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}
