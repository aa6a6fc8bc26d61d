package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/principal"
)

const testPassword = "correct horse battery"

var cheap = PasswordParams{LogN: 10, R: 8, P: 1}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakePresence records StatusChanged and CredentialsRevoked calls and
// reports a fixed online set.
type fakePresence struct {
	mu      sync.Mutex
	online  map[uuid.UUID]bool
	changed []uuid.UUID
	revoked int
}

func (p *fakePresence) IsOnline(id uuid.UUID) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.online[id]
}
func (p *fakePresence) StatusChanged(_ context.Context, id uuid.UUID) {
	p.mu.Lock()
	p.changed = append(p.changed, id)
	p.mu.Unlock()
}

func (p *fakePresence) CredentialsRevoked() {
	p.mu.Lock()
	p.revoked++
	p.mu.Unlock()
}

func newTestService(t *testing.T, cfg Config, presence Hub) (*Service, *clock) {
	t.Helper()
	c := &clock{t: time.Now()}
	if cfg.Password == (PasswordParams{}) {
		cfg.Password = cheap
	}
	cfg.Now = c.Now
	return NewService(dbtest.New(t), presence, cfg), c
}

func mustAgent(t *testing.T, s *Service, username string, role Role) Agent {
	t.Helper()
	a, err := s.CreateAgent(t.Context(), NewAgent{Username: username, DisplayName: username, Role: role, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSessionLifetime(t *testing.T) {
	t.Parallel()
	s, clk := newTestService(t, Config{SessionIdle: time.Hour, SessionMaxAge: 3 * time.Hour}, nil)
	ctx := t.Context()
	mustAgent(t, s, "sam", RoleAgent)
	res, err := s.Login(ctx, "sam", testPassword, Client{IP: "192.0.2.1"})
	sess := res.Session
	if err != nil {
		t.Fatal(err)
	}
	use := func() error { _, err := s.AuthenticateSession(ctx, sess.Token); return err }

	// Used every 50 minutes, the idle expiry keeps sliding…
	for range 3 {
		clk.Advance(50 * time.Minute)
		if err := use(); err != nil {
			t.Fatalf("after %v: %v", 50*time.Minute, err)
		}
	}
	// …until the absolute limit.
	clk.Advance(40 * time.Minute)
	if err := use(); !apperr.HasCode(err, apperr.CodeUnauthenticated) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("past the absolute limit: %v", err)
	}

	res2, err := s.Login(ctx, "sam", testPassword, Client{IP: "192.0.2.1"})
	idle := res2.Session
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(61 * time.Minute)
	if _, err := s.AuthenticateSession(ctx, idle.Token); !apperr.HasCode(err, apperr.CodeUnauthenticated) {
		t.Fatalf("idle past an hour: %v", err)
	}
}

func TestLoginThrottleWindow(t *testing.T) {
	t.Parallel()
	s, clk := newTestService(t, Config{}, nil)
	ctx := t.Context()
	mustAgent(t, s, "lee", RoleAgent)
	fail := func(user, ip string) error {
		_, err := s.Login(ctx, user, "wrong password", Client{IP: ip})
		return err
	}
	t.Run("success clears the username's failures", func(t *testing.T) {
		for i := range 4 {
			if err := fail("lee", "198.51.100."+string(rune('1'+i))); !apperr.HasCode(err, apperr.CodeUnauthenticated) {
				t.Fatal(err)
			}
		}
		if _, err := s.Login(ctx, "lee", testPassword, Client{IP: "198.51.100.9"}); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			if err := fail("lee", "203.0.113."+string(rune('1'+i))); !apperr.HasCode(err, apperr.CodeUnauthenticated) {
				t.Fatalf("failure %d after a success: %v", i+1, err)
			}
		}
	})
	t.Run("the limit lifts when failures leave the window", func(t *testing.T) {
		// Five failures from one address refuse that address.
		for i := range 5 {
			if err := fail("lee", "192.0.2.7"); !apperr.Is(err, apperr.BadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		err := fail("lee", "192.0.2.7")
		if !apperr.Is(err, apperr.SignInThrottled) || !strings.Contains(err.Error(), "15 minutes") || retryAfter(err) != 15*time.Minute {
			t.Fatalf("6th failure: %v", err)
		}
		clk.Advance(10 * time.Minute)
		if err := fail("lee", "192.0.2.7"); !apperr.Is(err, apperr.SignInThrottled) || !strings.Contains(err.Error(), "5 minutes") || retryAfter(err) != 5*time.Minute {
			t.Fatalf("10 minutes later: %v", err)
		}
		clk.Advance(6 * time.Minute)
		if _, err := s.Login(ctx, "lee", testPassword, Client{IP: "192.0.2.7"}); err != nil {
			t.Fatalf("16 minutes later: %v", err)
		}
	})
}

// retryAfter is the wait an error asks for.
func retryAfter(err error) time.Duration {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return 0
	}
	return e.RetryAfter
}

// TestFailuresFromElsewhereOnlySlowDown: failures of a username from many
// addresses never refuse its owner's right password; while they last, every
// attempt on the username waits LoginSlowdown.
func TestFailuresFromElsewhereOnlySlowDown(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var waits []time.Duration
	s, _ := newTestService(t, Config{LoginSlowdown: 3 * time.Second, Sleep: func(_ context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return nil
	}}, nil)
	ctx := t.Context()
	mustAgent(t, s, "boss", RoleAdmin)
	for i := range 12 {
		_, err := s.Login(ctx, "boss", "guess", Client{IP: fmt.Sprintf("198.51.100.%d", i+1)})
		if !apperr.Is(err, apperr.BadCredentials) {
			t.Fatalf("guess %d from its own address: %v", i+1, err)
		}
	}
	mu.Lock()
	slowed := len(waits)
	mu.Unlock()
	if slowed != 12-5 {
		t.Fatalf("%d of 12 guesses were slowed down, want the 7 after the fifth", slowed)
	}
	if _, err := s.Login(ctx, "boss", testPassword, Client{IP: "203.0.113.9"}); err != nil {
		t.Fatalf("the owner could not sign in: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waits) != 8 || waits[7] != 3*time.Second {
		t.Fatalf("the owner's sign-in waited %v, want 3s", waits[len(waits)-1])
	}
}

func TestPasswordHashing(t *testing.T) {
	t.Parallel()
	t.Run("format: parameters beside a salted hash, never the password", func(t *testing.T) {
		h1, err := hashPassword(testPassword, cheap)
		if err != nil {
			t.Fatal(err)
		}
		h2, _ := hashPassword(testPassword, cheap)
		if !strings.HasPrefix(h1, "scrypt$10$8$1$") || h1 == h2 || strings.Contains(h1, testPassword) {
			t.Fatalf("hashes %q, %q", h1, h2)
		}
		ok, params, err := verifyPassword(testPassword, h1)
		if !ok || err != nil || params != cheap {
			t.Fatalf("verify = %v %v %v", ok, params, err)
		}
		if ok, _, _ := verifyPassword("wrong password", h1); ok {
			t.Fatal("wrong password verified")
		}
		if _, _, err := verifyPassword(testPassword, "scrypt$x$secret"); err == nil || strings.Contains(err.Error(), "secret") {
			t.Fatalf("malformed hash error %v", err)
		}
	})
	t.Run("raised cost: the hash is upgraded at the next login", func(t *testing.T) {
		pool := dbtest.New(t)
		old := NewService(pool, nil, Config{Password: cheap})
		a := mustAgent(t, old, "ray", RoleAgent)
		raised := PasswordParams{LogN: 11, R: 8, P: 1}
		s := NewService(pool, nil, Config{Password: raised})
		if _, err := s.Login(t.Context(), "ray", testPassword, Client{IP: "192.0.2.7"}); err != nil {
			t.Fatal(err)
		}
		row, err := s.q.GetAgent(t.Context(), a.ID)
		if err != nil || !strings.HasPrefix(row.PasswordHash, "scrypt$11$8$1$") {
			t.Fatalf("hash after login %.14q, %v", row.PasswordHash, err)
		}
		if _, err := s.Login(t.Context(), "ray", testPassword, Client{IP: "192.0.2.7"}); err != nil {
			t.Fatalf("login with the upgraded hash: %v", err)
		}
	})
}

func TestPresenceHooks(t *testing.T) {
	t.Parallel()
	p := &fakePresence{online: map[uuid.UUID]bool{}}
	s, _ := newTestService(t, Config{}, p)
	ctx := t.Context()
	admin := mustAgent(t, s, "boss", RoleAdmin)
	a := mustAgent(t, s, "ana", RoleAgent)
	p.online[a.ID] = true

	if _, err := s.SetStatus(ctx, principal.Agent{ID: a.ID, Role: principal.RoleAgent}, StatusAway, false); err != nil {
		t.Fatal(err)
	}
	list, _, err := s.ListAgents(ctx, AgentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.Online != (x.ID == a.ID) {
			t.Errorf("%s online = %v", x.Username, x.Online)
		}
	}
	yes := true
	if _, err := s.UpdateAgent(ctx, AgentUpdate{ID: a.ID, Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Agent(ctx, a.ID)
	if err != nil || got.Online || got.DisplayName != "ana" || got.Status != StatusAway {
		t.Fatalf("disabled agent = %+v, %v", got, err)
	}
	// Renaming is no presence change.
	name := "Boss"
	if _, err := s.UpdateAgent(ctx, AgentUpdate{ID: admin.ID, DisplayName: &name}); err != nil {
		t.Fatal(err)
	}
	if len(p.changed) != 2 || p.changed[0] != a.ID || p.changed[1] != a.ID {
		t.Fatalf("StatusChanged calls %v, want SetStatus and disable of %v", p.changed, a.ID)
	}
}

// TestLoginTimingDoesNotRevealUsernames measures failed logins for a known
// and an unknown username at the production cost: both pay one scrypt. It
// does not run in parallel with the package's other tests (they would add
// noise), interleaves the two kinds and keeps the fastest of each.
func TestLoginTimingDoesNotRevealUsernames(t *testing.T) {
	if testing.Short() {
		t.Skip("measures real scrypt cost")
	}
	s, _ := newTestService(t, Config{Password: DefaultPasswordParams, LoginLimit: 100}, nil)
	ctx := t.Context()
	if _, err := s.CreateAgent(ctx, NewAgent{Username: "known", DisplayName: "K", Role: RoleAgent, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.dummyHash(); err != nil { // made once per process, not per login
		t.Fatal(err)
	}
	attempt := func(user string) time.Duration {
		start := time.Now()
		_, err := s.Login(ctx, user, "wrong password", Client{IP: "192.0.2.99"})
		d := time.Since(start)
		if !apperr.HasCode(err, apperr.CodeUnauthenticated) || err.Error() != "invalid username or password" {
			t.Fatalf("%s: %v", user, err)
		}
		return d
	}
	// A leak (no scrypt for unknown names) shows as a ratio near 0 in every
	// round; a machine busy with other work can spoil one round, so the
	// property must fail three rounds in a row to fail the test.
	var ratio float64
	for round := range 3 {
		known, unknown := time.Duration(1<<62), time.Duration(1<<62)
		for range 5 {
			known = min(known, attempt("known"))
			unknown = min(unknown, attempt("nobody-here"))
		}
		ratio = float64(unknown) / float64(known)
		t.Logf("round %d, failed login, best of 5: known username %v, unknown username %v", round+1, known, unknown)
		if ratio >= 0.5 && ratio <= 2 {
			return
		}
	}
	t.Fatalf("unknown/known time ratio %.2f: usernames can be told apart by timing", ratio)
}

// TestAutomaticAway: activity ends only an away that idleness set; a chosen
// away (or invisible) stays.
func TestAutomaticAway(t *testing.T) {
	t.Parallel()
	s, _ := newTestService(t, Config{}, &fakePresence{online: map[uuid.UUID]bool{}})
	ctx := t.Context()
	a := mustAgent(t, s, "ana", RoleAgent)
	me := principal.Agent{ID: a.ID, Role: principal.RoleAgent}
	set := func(st Status, automatic bool) Agent {
		t.Helper()
		got, err := s.SetStatus(ctx, me, st, automatic)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := set(StatusAway, true); got.Status != StatusAway || !got.AwayAutomatic {
		t.Fatalf("idle away: %+v", got)
	}
	if got := set(StatusOnline, true); got.Status != StatusOnline || got.AwayAutomatic {
		t.Fatalf("activity after an idle away: %+v", got)
	}
	for _, chosen := range []Status{StatusAway, StatusInvisible} {
		set(chosen, false)
		if got := set(StatusOnline, true); got.Status != chosen {
			t.Fatalf("activity ended a chosen %s: %+v", chosen, got)
		}
	}
	if got, err := s.SetIdleAway(ctx, me, 120); err != nil || got.IdleAwaySeconds != 120 {
		t.Fatalf("SetIdleAway: %+v, %v", got, err)
	}
	if _, err := s.SetIdleAway(ctx, me, -1); apperr.CodeOf(err) != apperr.CodeInvalid {
		t.Fatalf("negative idle time: %v", err)
	}
}
