package widgets

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/dbtest"
)

// newService returns a Service (over the real chat domain) on a fresh
// database and one widget on it; settings without a name get "Shop".
func newService(t *testing.T, limits Limits, settings Settings) (*Service, Widget, string) {
	t.Helper()
	pool := dbtest.New(t)
	svc := New(pool, Options{Limits: limits, Chat: chat.New(pool, nil)})
	if settings.Name == "" {
		settings.Name = "Shop"
	}
	w, secret, err := svc.CreateWidget(t.Context(), settings)
	if err != nil {
		t.Fatal(err)
	}
	return svc, w, secret
}

func wantCode(t *testing.T, err error, code apperr.Code, inMsg string) {
	t.Helper()
	if !apperr.HasCode(err, code) || !strings.Contains(err.Error(), inMsg) {
		t.Fatalf("got %v; want code %d mentioning %q", err, code, inMsg)
	}
}

func TestWidgetAdmin(t *testing.T) {
	t.Parallel()
	svc, w, secret := newService(t, Limits{}, Settings{
		Name:           "Shop",
		AllowedOrigins: []string{"https://shop.example.com"},
		Appearance:     Appearance{PrimaryColor: "#FF0000", Title: "Hi"},
	})
	ctx := t.Context()
	if !strings.HasPrefix(w.SiteKey, siteKeyPrefix) || !strings.HasPrefix(secret, identitySecretPrefix) {
		t.Fatalf("site key %q, secret %q", w.SiteKey, secret)
	}

	t.Run("settings round-trip normalized", func(t *testing.T) {
		got, err := svc.GetWidget(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		a := got.Settings.Appearance
		if got.Settings.Name != "Shop" || a.PrimaryColor != "#ff0000" || a.Title != "Hi" || a.LauncherLabel != DefaultLauncherLabel ||
			got.Settings.AllowedOrigins[0] != "https://shop.example.com" {
			t.Fatalf("got %v", got.Settings)
		}
	})
	t.Run("update keeps key and secret", func(t *testing.T) {
		up, err := svc.UpdateWidget(ctx, w.ID, Settings{Name: "Shop 2"})
		if err != nil {
			t.Fatal(err)
		}
		if up.SiteKey != w.SiteKey || up.identitySecret != secret || up.Settings.Name != "Shop 2" || len(up.Settings.AllowedOrigins) != 0 {
			t.Fatalf("got %+v", up)
		}
	})
	t.Run("rotate replaces the secret", func(t *testing.T) {
		r, s2, err := svc.RotateWidgetSecret(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s2 == secret || r.identitySecret != s2 || !r.SecretRotatedAt.After(w.SecretRotatedAt) {
			t.Fatalf("rotated %q at %v", s2, r.SecretRotatedAt)
		}
	})
	// Malformed ids are the handler's to refuse (TestAdminRPCs), and who
	// may manage widgets is the policy table's (the authorization matrix).
	t.Run("unknown ids", func(t *testing.T) {
		_, err := svc.GetWidget(ctx, uuid.New())
		wantCode(t, err, apperr.CodeNotFound, "widget not found")
		_, err = svc.UpdateWidget(ctx, uuid.New(), Settings{Name: "x"})
		wantCode(t, err, apperr.CodeNotFound, "widget not found")
	})
	t.Run("delete hides the widget and its site key", func(t *testing.T) {
		w2, _, err := svc.CreateWidget(ctx, Settings{Name: "Blog"})
		if err != nil {
			t.Fatal(err)
		}
		list, _, err := svc.ListWidgets(ctx, "", 0, "")
		if err != nil || len(list) != 2 || list[0].Settings.Name != "Blog" {
			t.Fatalf("list %v, %v", list, err)
		}
		if err := svc.DeleteWidget(ctx, w2.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, svc.DeleteWidget(ctx, w2.ID), apperr.CodeNotFound, "widget not found")
		_, err = svc.Config(t.Context(), w2.SiteKey, "")
		wantCode(t, err, apperr.CodeNotFound, "site key")
	})
}

func TestStartSession(t *testing.T) {
	t.Parallel()
	svc, w, secret := newService(t, Limits{}, Settings{
		Name: "Shop",
		Prechat: PrechatForm{Enabled: true, Fields: []PrechatField{
			{Key: "name", Label: "Your name", Type: FieldName, Required: true},
			{Key: "email", Label: "Email", Type: FieldEmail},
			{Key: "order", Label: "Order number", Type: FieldText},
		}},
	})
	ctx := t.Context()
	start := func(in StartSessionInput) (Session, error) {
		in.SiteKey = w.SiteKey
		in.ClientAddress = "192.0.2.1"
		return svc.StartSession(ctx, in)
	}

	t.Run("pre-chat answers go to the customer by type", func(t *testing.T) {
		s, err := start(StartSessionInput{Prechat: map[string]string{"name": " Ann ", "email": "ann@example.com", "order": "A-1"}})
		if err != nil {
			t.Fatal(err)
		}
		c := s.Customer
		if c.Name != "Ann" || c.Email != "ann@example.com" || c.Attributes["order"] != "A-1" || c.WidgetName != "Shop" {
			t.Fatalf("customer %v", c)
		}
		p, err := svc.ResolveVisitor(ctx, s.Token, "")
		if err != nil || p.Visitor() != s.Visitor || p.WidgetID != w.ID {
			t.Fatalf("resolved %+v, %v; want %+v", p, err, s.Visitor)
		}
	})
	t.Run("pre-chat errors", func(t *testing.T) {
		_, err := start(StartSessionInput{Prechat: map[string]string{"email": "ann@example.com"}})
		wantCode(t, err, apperr.CodeInvalid, "Your name is required")
		_, err = start(StartSessionInput{Prechat: map[string]string{"name": "Ann", "email": "not-an-email"}})
		wantCode(t, err, apperr.CodeInvalid, "not a valid email")
		_, err = start(StartSessionInput{Prechat: map[string]string{"name": "Ann", "shoe": "42"}})
		wantCode(t, err, apperr.CodeInvalid, `unknown pre-chat field "shoe"`)
		_, err = start(StartSessionInput{Prechat: map[string]string{"name": strings.Repeat("a", 201)}})
		wantCode(t, err, apperr.CodeInvalid, "at most 200")
	})
	t.Run("a valid token continues the same visitor", func(t *testing.T) {
		s1, err := start(StartSessionInput{Prechat: map[string]string{"name": "Bo"}})
		if err != nil {
			t.Fatal(err)
		}
		s2, err := start(StartSessionInput{VisitorToken: s1.Token, Prechat: map[string]string{"order": "B-2"}})
		if err != nil {
			t.Fatal(err)
		}
		if s2.Token != s1.Token || s2.Customer.ID != s1.Customer.ID || s2.Customer.Name != "Bo" || s2.Customer.Attributes["order"] != "B-2" {
			t.Fatalf("continued as %v (token same: %v)", s2.Customer, s2.Token == s1.Token)
		}
	})
	t.Run("continuing or signing in needs no answers", func(t *testing.T) {
		s1, err := start(StartSessionInput{Prechat: map[string]string{"name": "Ida"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.pool.Exec(ctx, `UPDATE customers SET name = '' WHERE id = $1`, s1.Visitor.CustomerID); err != nil {
			t.Fatal(err)
		}
		if _, err := start(StartSessionInput{VisitorToken: s1.Token}); err != nil {
			t.Fatalf("continuing: %v", err)
		}
		_, err = start(StartSessionInput{VisitorToken: s1.Token, Prechat: map[string]string{"order": "C-3"}})
		wantCode(t, err, apperr.CodeInvalid, "Your name is required")
		if _, err := start(StartSessionInput{Identity: Identity{UserID: "u-100", HMAC: IdentityHMAC(secret, "u-100")}}); err != nil {
			t.Fatalf("signing in: %v", err)
		}
	})
	t.Run("an unknown token starts a new visitor", func(t *testing.T) {
		s, err := start(StartSessionInput{VisitorToken: newVisitorToken(), Prechat: map[string]string{"name": "Cy"}})
		if err != nil || s.Customer.Name != "Cy" {
			t.Fatalf("%v, %v", s.Customer, err)
		}
	})
	t.Run("unknown site key", func(t *testing.T) {
		_, err := svc.StartSession(ctx, StartSessionInput{SiteKey: "lcw_nope"})
		wantCode(t, err, apperr.CodeNotFound, "site key")
	})

	t.Run("identity verification", func(t *testing.T) {
		good := Identity{UserID: "u-42", HMAC: IdentityHMAC(secret, "u-42"), Name: "Dana", Email: "dana@example.com"}
		a, err := start(StartSessionInput{Identity: good})
		if err != nil {
			t.Fatal(err)
		}
		if a.Customer.VerifiedUserID != "u-42" || a.Customer.Name != "Dana" {
			t.Fatalf("customer %v", a.Customer)
		}
		// Another device: same customer, its own token.
		b, err := start(StartSessionInput{Identity: good})
		if err != nil || b.Customer.ID != a.Customer.ID || b.Token == a.Token {
			t.Fatalf("second device: %v, %v", b.Customer, err)
		}

		_, err = start(StartSessionInput{Identity: Identity{UserID: "u-42", HMAC: IdentityHMAC(secret, "u-43")}})
		wantCode(t, err, apperr.CodePermissionDenied, "identity verification failed")
		_, err = start(StartSessionInput{Identity: Identity{UserID: "u-42", HMAC: "abc"}})
		wantCode(t, err, apperr.CodePermissionDenied, "identity verification failed")
		_, err = start(StartSessionInput{Identity: Identity{HMAC: good.HMAC}})
		wantCode(t, err, apperr.CodeInvalid, "user_id is required")

		// Without proof, the verified visitor's token does not continue.
		anon, err := start(StartSessionInput{VisitorToken: a.Token, Prechat: map[string]string{"name": "Eve"}})
		if err != nil {
			t.Fatal(err)
		}
		if anon.Customer.ID == a.Customer.ID || anon.Customer.VerifiedUserID != "" || anon.Token == a.Token {
			t.Fatalf("an unverified call continued a verified visitor: %v", anon.Customer)
		}
		// Verified customers' details belong to the host site.
		_, err = svc.UpdateCustomer(ctx, a.Visitor, UpdateCustomerInput{Name: new("Mallory")})
		wantCode(t, err, apperr.CodePermissionDenied, "cannot be changed")
	})
	t.Run("an anonymous visitor who signs in becomes the verified customer", func(t *testing.T) {
		s1, err := start(StartSessionInput{Prechat: map[string]string{"name": "Finn"}})
		if err != nil {
			t.Fatal(err)
		}
		s2, err := start(StartSessionInput{VisitorToken: s1.Token, Identity: Identity{UserID: "u-7", HMAC: IdentityHMAC(secret, "u-7")}})
		if err != nil {
			t.Fatal(err)
		}
		if s2.Customer.ID != s1.Customer.ID || s2.Customer.VerifiedUserID != "u-7" || s2.Token != s1.Token || s2.Customer.Name != "Finn" {
			t.Fatalf("got %v", s2.Customer)
		}
	})
	t.Run("a rotated secret refuses old HMACs", func(t *testing.T) {
		_, s2, err := svc.RotateWidgetSecret(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = start(StartSessionInput{Identity: Identity{UserID: "u-9", HMAC: IdentityHMAC(secret, "u-9")}})
		wantCode(t, err, apperr.CodePermissionDenied, "identity verification failed")
		_, err = start(StartSessionInput{Identity: Identity{UserID: "u-9", HMAC: IdentityHMAC(s2, "u-9")}, Prechat: map[string]string{"name": "Gus"}})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestUpdateCustomer(t *testing.T) {
	t.Parallel()
	svc, w, _ := newService(t, Limits{}, Settings{})
	s, err := svc.StartSession(t.Context(), StartSessionInput{SiteKey: w.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	c, err := svc.UpdateCustomer(ctx, s.Visitor, UpdateCustomerInput{Name: new(" Hana "), Email: new("hana@example.com")})
	if err != nil || c.Name != "Hana" || c.Email != "hana@example.com" || c.Phone != "" {
		t.Fatalf("%v, %v", c, err)
	}
	c, err = svc.UpdateCustomer(ctx, s.Visitor, UpdateCustomerInput{Phone: new("+84 90 000")})
	if err != nil || c.Name != "Hana" || c.Phone != "+84 90 000" {
		t.Fatalf("only set fields change: %v, %v", c, err)
	}
	_, err = svc.UpdateCustomer(ctx, s.Visitor, UpdateCustomerInput{Email: new("hana@")})
	wantCode(t, err, apperr.CodeInvalid, "not a valid email")
	_, err = svc.UpdateCustomer(ctx, s.Visitor, UpdateCustomerInput{Name: new(strings.Repeat("n", 201))})
	wantCode(t, err, apperr.CodeInvalid, "at most 200")
	// Only visitors reach UpdateCustomer at all: the policy table's rule,
	// proved by the authorization matrix.

	t.Run("agents hear of changed details of an open conversation", func(t *testing.T) {
		hub := &countingHub{}
		svc.hub = hub
		if _, err := svc.pool.Exec(t.Context(), `INSERT INTO conversations (customer_id, widget_id) VALUES ($1, $2)`,
			s.Visitor.CustomerID, w.ID); err != nil {
			t.Fatal(err)
		}
		count := func() (n int) {
			t.Helper()
			if err := svc.pool.QueryRow(t.Context(), `SELECT count(*) FROM events WHERE kind = 'conversation_updated' AND customer_id = $1`,
				s.Visitor.CustomerID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if _, err := svc.UpdateCustomer(ctx, s.Visitor, UpdateCustomerInput{Name: new("Hana Le")}); err != nil {
			t.Fatal(err)
		}
		if count() != 1 || hub.committed != 1 {
			t.Fatalf("events %d, notified %d; want 1, 1", count(), hub.committed)
		}
		if _, err := svc.UpdateCustomer(ctx, s.Visitor, UpdateCustomerInput{Name: new("Hana Le")}); err != nil {
			t.Fatal(err)
		}
		if count() != 1 || hub.committed != 1 {
			t.Fatalf("an unchanged customer wrote an event: events %d, notified %d", count(), hub.committed)
		}
	})
}

func TestResolveVisitor(t *testing.T) {
	t.Parallel()
	svc, w, _ := newService(t, Limits{}, Settings{})
	ctx := t.Context()
	s, err := svc.StartSession(ctx, StartSessionInput{SiteKey: w.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "lcv_short", "lca_" + s.Token[4:], newVisitorToken()} {
		_, err := svc.ResolveVisitor(ctx, bad, "")
		wantCode(t, err, apperr.CodeUnauthenticated, "invalid visitor token")
	}

	// Last seen moves at most once a minute.
	old := time.Now().Add(-time.Hour)
	if _, err := svc.pool.Exec(ctx, `UPDATE visitor_sessions SET last_seen_at = $1`, old); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ResolveVisitor(ctx, s.Token, ""); err != nil {
		t.Fatal(err)
	}
	var seen time.Time
	if err := svc.pool.QueryRow(ctx, `SELECT last_seen_at FROM visitor_sessions`).Scan(&seen); err != nil || !seen.After(old.Add(time.Minute)) {
		t.Fatalf("last seen %v, %v", seen, err)
	}

	if _, err := svc.pool.Exec(ctx, `UPDATE visitor_sessions SET revoked_at = now()`); err != nil {
		t.Fatal(err)
	}
	_, err = svc.ResolveVisitor(ctx, s.Token, "")
	wantCode(t, err, apperr.CodeUnauthenticated, "ended")
	if _, err := svc.pool.Exec(ctx, `UPDATE visitor_sessions SET revoked_at = NULL`); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteWidget(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	_, err = svc.ResolveVisitor(ctx, s.Token, "")
	wantCode(t, err, apperr.CodeNotFound, "no longer exists")
}

func TestStartSessionRateLimit(t *testing.T) {
	t.Parallel()
	svc, w, _ := newService(t, Limits{StartSessions: 3, StartSessionWindow: time.Hour}, Settings{})
	ctx := t.Context()
	var first Session
	for i := range 3 {
		s, err := svc.StartSession(ctx, StartSessionInput{SiteKey: w.SiteKey, ClientAddress: "198.51.100.1"})
		if err != nil {
			t.Fatalf("session %d: %v", i+1, err)
		}
		first = s
	}
	_, err := svc.StartSession(ctx, StartSessionInput{SiteKey: w.SiteKey, ClientAddress: "198.51.100.1"})
	wantCode(t, err, apperr.CodeResourceExhausted, "too many new chat sessions")
	// Continuing a visitor creates nothing and is not limited.
	if _, err := svc.StartSession(ctx, StartSessionInput{SiteKey: w.SiteKey, ClientAddress: "198.51.100.1", VisitorToken: first.Token}); err != nil {
		t.Fatalf("continuing: %v", err)
	}
	// Other addresses have their own budget.
	if _, err := svc.StartSession(ctx, StartSessionInput{SiteKey: w.SiteKey, ClientAddress: "198.51.100.2"}); err != nil {
		t.Fatal(err)
	}
}

// countingHub counts what the service tells the realtime hub.
type countingHub struct{ committed, revoked int }

func (h *countingHub) Committed()          { h.committed++ }
func (h *countingHub) CredentialsRevoked() { h.revoked++ }
func (h *countingHub) AgentsOnline() bool  { return false }

func (h *countingHub) OnlineAgents() []uuid.UUID { return nil }
