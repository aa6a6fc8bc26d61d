// Package auth is who may use livechat: agents and their passwords, dashboard
// sessions, API tokens, first-run setup, login throttling, and the one server
// interceptor that resolves every call's principal and applies the policy
// table to it.
//
// Service is the domain: it knows nothing about Connect and is tested
// directly. Handler adapts it to the generated AuthServiceHandler, and
// Interceptor guards every procedure of every service.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/settings"
)

// Role is an agent's role.
type Role string

// The roles.
const (
	RoleAgent Role = "agent"
	RoleAdmin Role = "admin"
)

// Status is the availability an agent chose.
type Status string

// The statuses.
const (
	StatusOnline Status = "online"
	StatusAway   Status = "away"
	// StatusInvisible works without counting as available (never online
	// for visitors or availability counts).
	StatusInvisible Status = "invisible"
)

// Scope limits what an API token may do.
type Scope string

// The scopes. ScopeNone marks a call not made with an API token.
const (
	ScopeNone  Scope = ""
	ScopeAgent Scope = "agent"
	ScopeAdmin Scope = "admin"
)

// Agent is a person who answers conversations. It never carries the
// password hash.
type Agent struct {
	ID          uuid.UUID
	Username    string
	DisplayName string
	Role        Role
	Disabled    bool
	// Status is what the agent chose; Online also needs a live stream.
	Status     Status
	Online     bool
	CreatedAt  time.Time
	LastSeenAt *time.Time
	// TwoFactor: the agent signs in with a second factor. Filled in by
	// ListAgents, Me and sign-ins.
	TwoFactor bool
	// IdleAwaySeconds: the dashboard sets the agent away after this long
	// without activity (0 = never).
	IdleAwaySeconds int
	// AwayAutomatic: the away came from idleness, so activity ends it.
	AwayAutomatic bool
	// AvatarURL is the agent's picture (attachments.AvatarURL), "" for none.
	AvatarURL string
}

// Hub is the realtime hub as this package sees it. It tells who is online:
// an agent is online while their status is online and they hold a
// Subscribe stream (plus a grace period). And it ends open streams whose
// session or token was revoked.
type Hub interface {
	// IsOnline reports whether the agent counts as online now.
	IsOnline(agentID uuid.UUID) bool
	// StatusChanged is called after the agent's chosen status or disabled
	// flag changed, so presence can be recomputed and announced.
	StatusChanged(ctx context.Context, agentID uuid.UUID)
	// CredentialsRevoked is called after sessions or tokens were revoked or
	// an agent disabled, so open streams that lost their right end.
	CredentialsRevoked()
}

// Config tunes a Service. Zero fields take the defaults.
type Config struct {
	// SessionIdle ends a session that was not used for this long (sliding);
	// default 7 days.
	SessionIdle time.Duration
	// SessionMaxAge ends every session this long after sign-in, used or
	// not; default 30 days.
	SessionMaxAge time.Duration
	// Password is the scrypt cost for new hashes; default
	// DefaultPasswordParams.
	Password PasswordParams
	// LoginLimit failures within LoginWindow, per username and client
	// address and per client address, refuse further attempts from that
	// address; default 5 in 15 minutes. Failures of a username from
	// anywhere only slow its attempts down (LoginSlowdown): refusing them
	// would let anyone lock the account's owner out.
	LoginLimit  int
	LoginWindow time.Duration
	// LoginSlowdown is how long every attempt on a username waits while
	// it has LoginLimit failures within LoginWindow from any address;
	// default 1 s.
	LoginSlowdown time.Duration
	// Sleep waits d or until ctx ends; default a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// CredentialCacheTTL bounds how long a session or API token lookup is
	// reused without a query (see cache.go); default 10 s, negative
	// disables the cache.
	CredentialCacheTTL time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Log receives warnings about faults; default slog.Default().
	Log *slog.Logger
	// Settings holds the section "security" (see security.go); nil keeps
	// its defaults.
	Settings *settings.Store
}

func (c *Config) setDefaults() {
	if c.SessionIdle <= 0 {
		c.SessionIdle = 7 * 24 * time.Hour
	}
	if c.SessionMaxAge <= 0 {
		c.SessionMaxAge = 30 * 24 * time.Hour
	}
	if c.SessionIdle > c.SessionMaxAge {
		c.SessionIdle = c.SessionMaxAge
	}
	if !c.Password.valid() {
		c.Password = DefaultPasswordParams
	}
	if c.LoginLimit <= 0 {
		c.LoginLimit = 5
	}
	if c.LoginWindow <= 0 {
		c.LoginWindow = 15 * time.Minute
	}
	if c.LoginSlowdown <= 0 {
		c.LoginSlowdown = time.Second
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.CredentialCacheTTL == 0 {
		c.CredentialCacheTTL = 10 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Service is the authentication domain.
type Service struct {
	pool *db.Pool
	q    *dbq.Queries
	cfg  Config
	hub  Hub
	// dummyHash is verified against for unknown usernames, so that they cost
	// the same time as known ones.
	dummyHash func() (string, error)
	// lastSweep is when ended sessions were last deleted (unix seconds).
	lastSweep atomic.Int64
	// cache holds recent credential lookups (see cache.go).
	cache credentialCache
}

// NewService returns a Service on a migrated database, wired to the
// realtime hub like every domain (pool, hub, then its configuration). hub
// may be nil: then nobody is online and changes notify no one.
func NewService(pool *db.Pool, hub Hub, cfg Config) *Service {
	cfg.setDefaults()
	s := &Service{pool: pool, q: db.Queries(pool), cfg: cfg, hub: hub}
	s.dummyHash = sync.OnceValues(func() (string, error) {
		return hashPassword("not a real password", cfg.Password)
	})
	return s
}

// now is the service's clock, truncated to what PostgreSQL stores.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Now is the service's clock, for a handler that states expiry times
// relative to it (a cookie's Max-Age).
func (s *Service) Now() time.Time { return s.now() }

func (s *Service) isOnline(a Agent) bool {
	return s.hub != nil && !a.Disabled && s.hub.IsOnline(a.ID)
}

func (s *Service) statusChanged(ctx context.Context, id uuid.UUID) {
	if s.hub != nil {
		s.hub.StatusChanged(ctx, id)
	}
}

// revoked forgets cached credentials and tells the hub, after commit, that
// sessions or tokens ended or an agent changed, so every instance forgets
// them too and open streams that lost their right end.
func (s *Service) revoked() {
	s.Forget()
	if s.hub != nil {
		s.hub.CredentialsRevoked()
	}
}

// RevokedCredentials returns those of ids (dashboard session and API token
// ids) that no longer let anyone act: ended, or of a disabled agent. The
// realtime hub ends the streams they opened.
func (s *Service) RevokedCredentials(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	return s.q.RevokedAgentCredentials(ctx, ids)
}

// agentFrom converts a row, dropping the password hash.
func (s *Service) agentFrom(r dbq.Agent) Agent {
	a := Agent{
		ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Role: Role(r.Role),
		Disabled: r.Disabled, Status: Status(r.Status), CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt,
		IdleAwaySeconds: int(r.IdleAwaySeconds), AwayAutomatic: r.AwayAutomatic,
		AvatarURL: attachments.AvatarURL(r.Avatar),
	}
	a.Online = s.isOnline(a)
	return a
}

// Validation ---------------------------------------------------------------

var usernamePattern = regexp.MustCompile(`^[a-z0-9._-]{3,32}$`)

// NormalizeUsername trims and lower-cases a username and checks it: 3–32
// characters of a-z 0-9 . _ -.
func NormalizeUsername(s string) (string, error) {
	u := strings.ToLower(strings.TrimSpace(s))
	if !usernamePattern.MatchString(u) {
		if u == "" {
			return "", apperr.New(apperr.Required, "username is required").WithField("username")
		}
		return "", apperr.New(apperr.InvalidValue, "username must be 3–32 characters of a-z, 0-9, '.', '_' and '-'").WithField("username")
	}
	return u, nil
}

// normalizeDisplayName trims a display name and checks it: 1–64 characters,
// no control characters.
func normalizeDisplayName(s string) (string, error) {
	return limits.Clean("display_name", s, limits.DisplayName, false)
}

// ValidatePassword checks a new password: 8–256 characters of valid UTF-8.
// The message never contains the password.
func ValidatePassword(p string) error {
	if !utf8.ValidString(p) {
		return apperr.New(apperr.TextInvalid, "password must be valid UTF-8").WithField("password")
	}
	n := utf8.RuneCountInString(p)
	if n < limits.PasswordMin {
		return apperr.New(apperr.PasswordLength, "password must be at least %d characters", limits.PasswordMin).
			WithField("password").WithLimit(limits.PasswordMin)
	}
	if n > limits.PasswordMax {
		return apperr.New(apperr.PasswordLength, "password must be at most %d characters", limits.PasswordMax).
			WithField("password").WithLimit(limits.PasswordMax)
	}
	return nil
}

func validRole(r Role) error {
	if r != RoleAgent && r != RoleAdmin {
		return apperr.New(apperr.InvalidValue, "role must be agent or admin").WithField("role")
	}
	return nil
}

// Agents -------------------------------------------------------------------

// NewAgent is what creating an agent needs.
type NewAgent struct {
	Username    string
	DisplayName string
	Role        Role
	Password    string
}

// prepare validates the input and hashes the password.
func (s *Service) prepare(in NewAgent) (dbq.CreateAgentParams, error) {
	username, err := NormalizeUsername(in.Username)
	if err != nil {
		return dbq.CreateAgentParams{}, err
	}
	display, err := normalizeDisplayName(in.DisplayName)
	if err != nil {
		return dbq.CreateAgentParams{}, err
	}
	if err := validRole(in.Role); err != nil {
		return dbq.CreateAgentParams{}, err
	}
	if err := ValidatePassword(in.Password); err != nil {
		return dbq.CreateAgentParams{}, err
	}
	hash, err := hashPassword(in.Password, s.cfg.Password)
	if err != nil {
		return dbq.CreateAgentParams{}, err
	}
	return dbq.CreateAgentParams{Username: username, DisplayName: display, Role: string(in.Role), PasswordHash: hash}, nil
}

func createAgent(ctx context.Context, q *dbq.Queries, p dbq.CreateAgentParams) (dbq.Agent, error) {
	row, err := q.CreateAgent(ctx, p)
	if db.Violated(err, db.AgentUsernameKey) {
		return row, apperr.Wrap(apperr.AlreadyExists, err, "username %q is taken", p.Username).WithField("username")
	}
	return row, err
}

// CreateAgent adds an agent. Errors: Invalid, AlreadyExists.
func (s *Service) CreateAgent(ctx context.Context, in NewAgent) (Agent, error) {
	p, err := s.prepare(in)
	if err != nil {
		return Agent{}, err
	}
	row, err := createAgent(ctx, s.q, p)
	if err != nil {
		return Agent{}, err
	}
	return s.agentFrom(row), nil
}

// agentNotFound re-labels a missing agent row.
func agentNotFound(err error) error {
	return apperr.NotFoundAs(err, apperr.AgentNotFound, "agent not found")
}

// Agent returns one agent, for example so the realtime hub can learn an
// agent's display name and chosen status. Errors: NotFound.
func (s *Service) Agent(ctx context.Context, id uuid.UUID) (Agent, error) {
	row, err := s.q.GetAgent(ctx, id)
	if err != nil {
		return Agent{}, agentNotFound(err)
	}
	return s.agentFrom(row), nil
}

// AgentFilter narrows and pages ListAgents.
type AgentFilter struct {
	// Query keeps agents whose display name or username contains it.
	Query string
	// Role keeps one role ("": any).
	Role Role
	// Disabled keeps only disabled (true) or enabled (false) agents.
	Disabled *bool
	// PageSize is 1–limits.AdminListPage; 0 means DefaultAdminListPage.
	PageSize int32
	// PageToken is a previous page's next token.
	PageToken string
}

// ListAgents lists agents, disabled ones included unless the filter says,
// by display name, a page at a time; the token is "" on the last page.
// Errors: TooManyItems or InvalidValue (page_size), MalformedCursor,
// TextTooLong or TextInvalid (query), InvalidValue (role).
func (s *Service) ListAgents(ctx context.Context, f AgentFilter) ([]Agent, string, error) {
	n, err := limits.PageSize(f.PageSize, limits.DefaultAdminListPage, limits.AdminListPage)
	if err != nil {
		return nil, "", err
	}
	query, err := limits.CleanOptional("query", f.Query, limits.SearchQuery, false)
	if err != nil {
		return nil, "", err
	}
	if f.Role != "" && f.Role != RoleAgent && f.Role != RoleAdmin {
		return nil, "", apperr.New(apperr.InvalidValue, "unknown role").WithField("role")
	}
	p := dbq.ListAgentsParams{Role: string(f.Role), Disabled: f.Disabled, PageLimit: int32(n + 1)}
	if query != "" {
		p.Pattern = strings.ToLower(limits.LikePattern(query))
	}
	if f.PageToken != "" {
		if p.CursorID, err = limits.DecodeIDCursor(f.PageToken); err != nil {
			return nil, "", err
		}
		p.HasCursor = true
	}
	rows, err := s.q.ListAgents(ctx, p)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > n {
		rows = rows[:n]
		last := rows[n-1]
		next = limits.EncodeIDCursor(last.ID)
	}
	enrolled, err := s.q.TwoFactorEnabledAgents(ctx)
	if err != nil {
		return nil, "", err
	}
	out := make([]Agent, len(rows))
	for i, r := range rows {
		out[i] = s.agentFrom(r)
		out[i].TwoFactor = slices.Contains(enrolled, r.ID)
	}
	return out, next, nil
}

// AgentUpdate is a change to an agent; nil fields stay as they are.
type AgentUpdate struct {
	ID          uuid.UUID
	DisplayName *string
	Role        *Role
	Disabled    *bool
}

// UpdateAgent changes an agent. Disabling one ends all their sessions (their
// API tokens stop acting at once, since every call checks the flag). The
// last enabled admin can be neither disabled nor demoted.
// Errors: Invalid, NotFound, FailedPrecondition.
func (s *Service) UpdateAgent(ctx context.Context, u AgentUpdate) (Agent, error) {
	var p dbq.UpdateAgentParams
	p.ID = u.ID
	if u.DisplayName != nil {
		d, err := normalizeDisplayName(*u.DisplayName)
		if err != nil {
			return Agent{}, err
		}
		p.DisplayName = &d
	}
	if u.Role != nil {
		if err := validRole(*u.Role); err != nil {
			return Agent{}, err
		}
		r := string(*u.Role)
		p.Role = &r
	}
	p.Disabled = u.Disabled
	var before, after dbq.Agent
	err := db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		// Lock the enabled admins first (in id order), then the target, so
		// two admins demoting each other at once cannot both succeed.
		admins, err := q.LockEnabledAdmins(ctx)
		if err != nil {
			return err
		}
		before, err = q.GetAgentForUpdate(ctx, u.ID)
		if err != nil {
			return agentNotFound(err)
		}
		losesAdmin := before.Role == string(RoleAdmin) && !before.Disabled &&
			((p.Role != nil && *p.Role != string(RoleAdmin)) || (p.Disabled != nil && *p.Disabled))
		if losesAdmin && len(admins) <= 1 {
			return apperr.New(apperr.LastAdmin,
				"%s is the last enabled admin: make another agent an admin first", before.Username)
		}
		after, err = q.UpdateAgent(ctx, p)
		if err != nil {
			return agentNotFound(err)
		}
		if after.Disabled && !before.Disabled {
			if _, err := q.RevokeAgentSessions(ctx, dbq.RevokeAgentSessionsParams{Now: s.now(), AgentID: u.ID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Agent{}, err
	}
	if after.Disabled != before.Disabled {
		s.statusChanged(ctx, u.ID)
	}
	// Cached credentials carry the agent's role, name and disabled flag.
	s.revoked()
	return s.agentFrom(after), nil
}

// SetStatus sets the calling agent's status. automatic says idleness set
// it, not the agent: an automatic away ends by itself on activity (an
// automatic online), while an automatic online leaves a chosen status as
// it is. Errors: InvalidValue, AgentNotFound.
func (s *Service) SetStatus(ctx context.Context, caller principal.Agent, status Status, automatic bool) (Agent, error) {
	if status != StatusOnline && status != StatusAway && status != StatusInvisible {
		return Agent{}, apperr.New(apperr.InvalidValue, "status must be online, away or invisible").WithField("status")
	}
	var row dbq.Agent
	var err error
	if automatic && status == StatusOnline {
		row, err = s.q.RestoreAutomaticAway(ctx, caller.ID)
		if apperr.Is(err, apperr.NotFound) {
			// Not automatically away: nothing changes.
			row, err = s.q.GetAgent(ctx, caller.ID)
			if err != nil {
				return Agent{}, agentNotFound(err)
			}
			return s.agentFrom(row), nil
		}
	} else {
		row, err = s.q.SetAgentStatus(ctx, dbq.SetAgentStatusParams{
			Status: string(status), AwayAutomatic: automatic && status == StatusAway, ID: caller.ID,
		})
	}
	if err != nil {
		return Agent{}, agentNotFound(err)
	}
	s.statusChanged(ctx, caller.ID)
	return s.agentFrom(row), nil
}

// SetIdleAway sets after how many seconds without activity the dashboard
// sets the calling agent away (0 = never). Errors: InvalidValue,
// AgentNotFound.
func (s *Service) SetIdleAway(ctx context.Context, caller principal.Agent, seconds int) (Agent, error) {
	if seconds < 0 || seconds > 86400 {
		return Agent{}, apperr.New(apperr.InvalidValue, "idle time must be 0 (never) to 86400 seconds").WithField("idle_away_seconds")
	}
	row, err := s.q.SetAgentIdleAway(ctx, dbq.SetAgentIdleAwayParams{IdleAwaySeconds: int32(seconds), ID: caller.ID})
	if err != nil {
		return Agent{}, agentNotFound(err)
	}
	return s.agentFrom(row), nil
}

// ResetPassword sets an agent's password and ends all their sessions.
// Errors: Invalid, NotFound.
func (s *Service) ResetPassword(ctx context.Context, agentID uuid.UUID, password string) error {
	return s.setPassword(ctx, agentID, password, nil)
}

// ChangePassword changes the calling agent's own password after checking
// the current one, and ends every other session (the caller's stays signed
// in). Wrong current passwords count as failed sign-ins of the agent's
// username from the caller's address c, so a borrowed session cannot be
// used to guess the password.
// Errors: WrongPassword, SignInThrottled after too many, PasswordLength.
func (s *Service) ChangePassword(ctx context.Context, caller principal.Agent, current, password string, c Client) error {
	agentID, keep := caller.ID, caller.SessionID
	attempt, err := s.checkOwnPassword(ctx, agentID, current, c, "current_password")
	if err != nil {
		return err
	}
	if err := s.loginSucceeded(ctx, attempt); err != nil {
		return err
	}
	return s.setPassword(ctx, agentID, password, &keep)
}

func (s *Service) setPassword(ctx context.Context, agentID uuid.UUID, password string, keep *uuid.UUID) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	hash, err := hashPassword(password, s.cfg.Password)
	if err != nil {
		return err
	}
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if _, err := q.GetAgentForUpdate(ctx, agentID); err != nil {
			return agentNotFound(err)
		}
		if err := q.SetAgentPasswordHash(ctx, dbq.SetAgentPasswordHashParams{PasswordHash: hash, ID: agentID}); err != nil {
			return err
		}
		if _, err := q.RevokeAgentSessions(ctx, dbq.RevokeAgentSessionsParams{Now: s.now(), AgentID: agentID, Keep: keep}); err != nil {
			return err
		}
		_, err := q.RevokeAgentApiTokens(ctx, dbq.RevokeAgentApiTokensParams{Now: s.now(), AgentID: agentID})
		return err
	})
	if err == nil {
		s.revoked()
	}
	return err
}

// Setup --------------------------------------------------------------------

// SetupRequired reports whether the installation still needs its first
// admin.
func (s *Service) SetupRequired(ctx context.Context) (bool, error) {
	exists, err := s.q.AdminExists(ctx)
	return !exists, err
}

// errSetupDone is returned by Setup once an admin exists.
var errSetupDone = apperr.New(apperr.SetupDone, "setup is already done: sign in instead")

// Setup creates the first admin and signs them in. Of concurrent calls
// exactly one succeeds; the others, and every later call, fail with
// FailedPrecondition. Errors: FailedPrecondition, Invalid, AlreadyExists.
func (s *Service) Setup(ctx context.Context, in NewAgent, client Client) (Agent, Session, error) {
	in.Role = RoleAdmin
	// Cheap check first, so a finished installation never pays for a hash.
	if required, err := s.SetupRequired(ctx); err != nil {
		return Agent{}, Session{}, err
	} else if !required {
		return Agent{}, Session{}, errSetupDone
	}
	p, err := s.prepare(in)
	if err != nil {
		return Agent{}, Session{}, err
	}
	var row dbq.Agent
	var sess Session
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := q.LockInstallation(ctx); err != nil {
			return err
		}
		exists, err := q.AdminExists(ctx)
		if err != nil {
			return err
		}
		if exists {
			return errSetupDone
		}
		if row, err = createAgent(ctx, q, p); err != nil {
			return err
		}
		sess, err = s.createSession(ctx, q, row.ID, client)
		return err
	})
	if err != nil {
		return Agent{}, Session{}, err
	}
	return s.agentFrom(row), sess, nil
}

// errUnknownAgent is how a principal whose agent vanished is reported.
var errUnknownAgent = errors.New("agent of a resolved principal not found")

// Me returns the calling agent and, for API token calls, the token's scope.
func (s *Service) Me(ctx context.Context, caller principal.Agent) (Agent, Scope, error) {
	a, err := s.Agent(ctx, caller.ID)
	if apperr.Is(err, apperr.AgentNotFound) {
		return Agent{}, ScopeNone, apperr.Wrap(apperr.SessionEnded, errUnknownAgent, "your account no longer exists")
	}
	if err != nil {
		return Agent{}, ScopeNone, err
	}
	if a.TwoFactor, err = s.twoFactorEnabled(ctx, s.q, a.ID); err != nil || caller.TokenID == uuid.Nil {
		return a, ScopeNone, err
	}
	scope, err := s.q.GetApiTokenScope(ctx, caller.TokenID)
	if err != nil {
		return Agent{}, ScopeNone, fmt.Errorf("token scope: %w", err)
	}
	return a, Scope(scope), nil
}
