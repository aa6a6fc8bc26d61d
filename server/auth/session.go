package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/reqinfo"
)

// Client describes where a sign-in comes from.
type Client struct {
	// IP is the client's address; login throttling counts failures per
	// address (per /64 for IPv6, see reqinfo.LimitKey).
	IP        string
	UserAgent string
}

// Session is a new dashboard session. Token is its secret, to be sent to
// the browser in the session cookie and nowhere else.
type Session struct {
	ID        uuid.UUID
	Token     string
	ExpiresAt time.Time
}

// touchEvery limits how often a session's idle expiry, an agent's last-seen
// time and a token's last-used time are written: at most once a minute per
// session or token, not on every call.
const touchEvery = time.Minute

// newSecret returns 256 random bits, URL-safe, and their SHA-256.
func newSecret() (string, []byte, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	return secret, hashSecret(secret), nil
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func (s *Service) createSession(ctx context.Context, q *dbq.Queries, agentID uuid.UUID, c Client) (Session, error) {
	token, hash, err := newSecret()
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	expires := now.Add(s.cfg.SessionMaxAge)
	id, err := q.CreateSession(ctx, dbq.CreateSessionParams{
		AgentID: agentID, TokenHash: hash, Now: now,
		IdleExpiresAt: now.Add(s.cfg.SessionIdle), ExpiresAt: expires,
		Ip: limits.Printable(c.IP, 64), UserAgent: limits.Printable(c.UserAgent, 256),
	})
	if err != nil {
		return Session{}, err
	}
	if err := q.TouchSession(ctx, dbq.TouchSessionParams{Now: now, IdleExpiresAt: now.Add(s.cfg.SessionIdle), ID: id}); err != nil {
		return Session{}, err
	}
	return Session{ID: id, Token: token, ExpiresAt: expires}, nil
}

// errBadCredentials is the one answer to every failed login: an unknown
// username, a wrong password and a disabled agent look the same.
var errBadCredentials = apperr.New(apperr.BadCredentials, "invalid username or password")

// maxLoginPasswordBytes bounds what a login hashes. Longer inputs cannot be
// a password (see limits.PasswordMax) and fail without hashing.
const maxLoginPasswordBytes = 4 * limits.PasswordMax

// Login checks a username and password and starts a new session.
//
// Failures are throttled so that nobody can lock another person out:
// after LoginLimit failures within LoginWindow for the username from one
// client address, or from one address across usernames, further attempts
// from that address fail with SignInThrottled (retry_after says when),
// without the password being checked. Failures of the username from
// everywhere together only slow every attempt on it down (LoginSlowdown),
// so its owner, elsewhere, still signs in with the right password. Unknown
// usernames are hashed against a dummy hash so they cost the same time as
// known ones. For an agent with a second factor the right password starts
// no session but returns a Challenge for CompleteLogin.
// Errors: BadCredentials, SignInThrottled.
func (s *Service) Login(ctx context.Context, username, password string, c Client) (LoginResult, error) {
	name, nameErr := NormalizeUsername(username)
	if nameErr != nil {
		// Not a username anyone can have; still throttled under its own
		// key, as a digest (it may be any bytes).
		sum := sha256.Sum256([]byte(username))
		name = "#" + hex.EncodeToString(sum[:12])
	}
	keys := loginKeys(name, c)
	if c.IP != "" {
		keys.refuse = append(keys.refuse, "ip:"+addressKey(c))
	}
	attempt, err := s.admitLogin(ctx, keys)
	if err != nil {
		return LoginResult{}, err
	}

	var row dbq.Agent
	found := false
	if nameErr == nil {
		row, err = s.q.GetAgentByUsername(ctx, name)
		switch {
		case err == nil:
			found = true
		case !apperr.Is(err, apperr.NotFound):
			return LoginResult{}, err
		}
	}
	hash := row.PasswordHash
	if !found {
		if hash, err = s.dummyHash(); err != nil {
			return LoginResult{}, err
		}
	}
	var ok bool
	var params PasswordParams
	if len(password) <= maxLoginPasswordBytes {
		ok, params, err = verifyPassword(password, hash)
		if err != nil {
			return LoginResult{}, fmt.Errorf("verify password of agent %s: %w", row.ID, err)
		}
	}
	if !found || !ok || row.Disabled {
		s.sweepLoginFailures(ctx)
		return LoginResult{}, errBadCredentials
	}

	twoFactor, err := s.twoFactorEnabled(ctx, s.q, row.ID)
	if err != nil {
		return LoginResult{}, err
	}
	if twoFactor {
		// Half a sign-in: forget this attempt, but keep earlier failures, so
		// that knowing the password does not reset the count of wrong codes.
		if err := s.q.DeleteLoginFailures(ctx, attempt.ids); err != nil {
			return LoginResult{}, err
		}
		ch, err := s.startChallenge(ctx, row.ID, c)
		return LoginResult{Challenge: ch}, err
	}
	if err := s.loginSucceeded(ctx, attempt); err != nil {
		return LoginResult{}, err
	}
	if params.weakerThan(s.cfg.Password) {
		// The cost was raised since this hash was made: upgrade it now that
		// the password is at hand.
		if h, err := hashPassword(password, s.cfg.Password); err == nil {
			if err := s.q.SetAgentPasswordHash(ctx, dbq.SetAgentPasswordHashParams{PasswordHash: h, ID: row.ID}); err != nil {
				s.cfg.Log.WarnContext(ctx, "rehash password", "agent_id", row.ID, "err", err)
			}
		}
	}
	sess, err := s.createSession(ctx, s.q, row.ID, c)
	if err != nil {
		return LoginResult{}, err
	}
	s.sweepSessions(ctx)
	row.LastSeenAt = &[]time.Time{s.now()}[0]
	return LoginResult{Agent: s.agentFrom(row), Session: sess}, nil
}

// throttleKeys are the keys one sign-in attempt is counted under.
type throttleKeys struct {
	// refuse: LoginLimit failures of one of these within the window refuse
	// the attempt (they are all tied to the client's address).
	refuse []string
	// slow: LoginLimit failures of this one within the window slow the
	// attempt down (the username, from anywhere).
	slow string
}

// loginKeys are the keys of an attempt on username from c: the username
// with the client's address, which refuses, and the username alone, which
// slows down.
func loginKeys(username string, c Client) throttleKeys {
	return throttleKeys{refuse: []string{"ua:" + username + "@" + addressKey(c)}, slow: "u:" + username}
}

// addressKey is the client's address as throttling counts it (a /64 for
// IPv6, see reqinfo.LimitKey), or "" when unknown.
func addressKey(c Client) string {
	if c.IP == "" {
		return ""
	}
	ip, _ := netip.ParseAddr(c.IP)
	return reqinfo.LimitKey(ip)
}

// loginAttempt is an admitted attempt: the failure rows recorded for it.
type loginAttempt struct {
	ids  []int64
	keys throttleKeys
}

// checkOwnPassword checks a signed-in agent's own password before a change
// that needs it, as a sign-in attempt of their username from c: a wrong
// one counts against the sign-in throttle, so a borrowed session cannot be
// used to guess it. field names the request field for WrongPassword. The
// caller ends the attempt with loginSucceeded once the change is made.
// Errors: AgentNotFound, SignInThrottled, WrongPassword.
func (s *Service) checkOwnPassword(ctx context.Context, agentID uuid.UUID, password string, c Client, field string) (loginAttempt, error) {
	row, err := s.q.GetAgent(ctx, agentID)
	if err != nil {
		return loginAttempt{}, agentNotFound(err)
	}
	attempt, err := s.admitLogin(ctx, loginKeys(row.Username, c))
	if err != nil {
		return loginAttempt{}, err
	}
	ok := false
	if len(password) <= maxLoginPasswordBytes {
		if ok, _, err = verifyPassword(password, row.PasswordHash); err != nil {
			return loginAttempt{}, err
		}
	}
	if !ok {
		return loginAttempt{}, apperr.New(apperr.WrongPassword, "the %s is wrong", strings.ReplaceAll(field, "_", " ")).WithField(field)
	}
	return attempt, nil
}

// loginSucceeded forgets the attempt (it was no failure) and the failures
// of its keys: the right password shows the address is the owner's, and the
// username starts afresh.
func (s *Service) loginSucceeded(ctx context.Context, a loginAttempt) error {
	if err := s.q.DeleteLoginFailures(ctx, a.ids); err != nil {
		return err
	}
	for _, key := range []string{a.keys.slow, a.keys.refuse[0]} {
		if err := s.q.ClearLoginFailures(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// admitLogin records the attempt as a failure for every key before the
// password is checked (so parallel guesses count too). It refuses the
// attempt when a refusing key already had LoginLimit failures within the
// window, and waits LoginSlowdown first when the slowing key had. The
// recorded rows are deleted again if the login succeeds.
func (s *Service) admitLogin(ctx context.Context, k throttleKeys) (loginAttempt, error) {
	now := s.now()
	keys := append(append([]string{}, k.refuse...), k.slow)
	ids, err := s.q.RecordLoginFailures(ctx, dbq.RecordLoginFailuresParams{Keys: keys, Now: now})
	if err != nil {
		return loginAttempt{}, err
	}
	var retryAt time.Time
	slow := false
	for i, key := range keys {
		t, err := s.q.NthRecentLoginFailure(ctx, dbq.NthRecentLoginFailureParams{
			Key: key, Since: now.Add(-s.cfg.LoginWindow), Before: ids[i], NMinusOne: int32(s.cfg.LoginLimit - 1),
		})
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return loginAttempt{}, err
		}
		if key == k.slow {
			slow = true
		} else if at := t.Add(s.cfg.LoginWindow); at.After(retryAt) {
			retryAt = at
		}
	}
	if !retryAt.IsZero() {
		// A refused attempt is not counted: it checked nothing.
		if err := s.q.DeleteLoginFailures(ctx, ids); err != nil {
			return loginAttempt{}, err
		}
		wait := retryAt.Sub(now)
		return loginAttempt{}, apperr.New(apperr.SignInThrottled,
			"too many failed sign-in attempts: try again in %s", humanDelay(wait)).WithRetryAfter(wait)
	}
	if slow {
		if err := s.cfg.Sleep(ctx, s.cfg.LoginSlowdown); err != nil {
			return loginAttempt{}, err
		}
	}
	return loginAttempt{ids: ids, keys: k}, nil
}

// humanDelay writes a wait in whole seconds or minutes, rounded up.
func humanDelay(d time.Duration) string {
	if d < time.Minute {
		n := int(math.Ceil(d.Seconds()))
		if n <= 1 {
			return "1 second"
		}
		return fmt.Sprintf("%d seconds", n)
	}
	n := int(math.Ceil(d.Minutes()))
	if n == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", n)
}

func (s *Service) sweepLoginFailures(ctx context.Context) {
	if err := s.q.DeleteOldLoginFailures(ctx, s.now().Add(-s.cfg.LoginWindow)); err != nil {
		s.cfg.Log.WarnContext(ctx, "sweep login failures", "err", err)
	}
}

// sweepSessions deletes sessions that ended over a week ago (kept that long
// so their holders are told "expired" rather than "unknown"), at most once
// an hour per instance.
func (s *Service) sweepSessions(ctx context.Context) {
	now := s.now()
	last := s.lastSweep.Load()
	if now.Unix()-last < 3600 || !s.lastSweep.CompareAndSwap(last, now.Unix()) {
		return
	}
	if _, err := s.q.DeleteEndedSessions(ctx, now.Add(-7*24*time.Hour)); err != nil {
		s.cfg.Log.WarnContext(ctx, "sweep sessions", "err", err)
	}
}

// Logout ends the caller's dashboard session. Ending an ended or unknown
// session, or calling without one (an API token, nobody), succeeds.
func (s *Service) Logout(ctx context.Context, caller principal.Agent) error {
	sessionID := caller.SessionID
	if sessionID == uuid.Nil {
		return nil
	}
	if err := s.q.RevokeSession(ctx, dbq.RevokeSessionParams{Now: s.now(), ID: sessionID}); err != nil {
		return err
	}
	s.revoked()
	return nil
}

// AuthenticateSession resolves a session cookie's token to its agent, and
// slides the session's idle expiry. Errors: Unauthenticated, with a message
// saying why (unknown, ended, expired, disabled).
func (s *Service) AuthenticateSession(ctx context.Context, token string) (principal.Principal, error) {
	hash := hashSecret(token)
	now := s.now()
	row, ok := s.cache.sessions.get(hash, now, s.cfg.CredentialCacheTTL)
	if !ok {
		var err error
		row, err = s.q.GetSessionByHash(ctx, hash)
		if apperr.Is(err, apperr.NotFound) {
			return principal.Principal{}, apperr.New(apperr.SessionEnded, "unknown session: sign in again")
		}
		if err != nil {
			return principal.Principal{}, err
		}
		s.cache.sessions.put(hash, row, now)
	}
	switch {
	case row.RevokedAt != nil:
		return principal.Principal{}, apperr.New(apperr.SessionEnded, "your session has ended: sign in again")
	case !now.Before(row.ExpiresAt) || !now.Before(row.IdleExpiresAt):
		return principal.Principal{}, apperr.New(apperr.SessionEnded, "your session has expired: sign in again")
	case row.Disabled:
		return principal.Principal{}, apperr.New(apperr.SessionEnded, "your account is disabled")
	}
	if now.Sub(row.LastUsedAt) >= touchEvery {
		idle := now.Add(s.cfg.SessionIdle)
		if idle.After(row.ExpiresAt) {
			idle = row.ExpiresAt
		}
		if err := s.q.TouchSession(ctx, dbq.TouchSessionParams{Now: now, IdleExpiresAt: idle, ID: row.ID}); err != nil {
			// The call may go ahead: the session is valid, only its expiry
			// did not slide this time.
			s.cfg.Log.WarnContext(ctx, "touch session", "err", err)
		} else {
			s.cache.sessions.update(hash, func(r *dbq.GetSessionByHashRow) {
				r.LastUsedAt, r.IdleExpiresAt = now, idle
			})
		}
	}
	pending, err := s.twoFactorPending(ctx, row.TwoFactor)
	if err != nil {
		return principal.Principal{}, err
	}
	return principal.Principal{
		Kind: principal.KindAgent, AgentID: row.AgentID, AgentName: row.DisplayName,
		Role: principalRole(Role(row.Role)), SessionID: row.ID, TwoFactorPending: pending,
	}, nil
}

func principalRole(r Role) principal.Role {
	switch r {
	case RoleAdmin:
		return principal.RoleAdmin
	case RoleAgent:
		return principal.RoleAgent
	}
	return principal.RoleNone
}
