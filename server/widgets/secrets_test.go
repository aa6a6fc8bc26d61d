package widgets_test

import (
	"strings"
	"testing"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/widgets"
)

// storedSecret reads a widget's identity secret as the database holds it.
func storedSecret(t *testing.T, e *env, id string) string {
	t.Helper()
	var s string
	if err := e.srv.Pool.QueryRow(ctx(t), `SELECT identity_secret FROM widgets WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// verifies reports whether a visitor of the widget on srv is verified with
// an HMAC made from secret.
func verifies(t *testing.T, srv *apptest.Server, siteKey, secret string) bool {
	t.Helper()
	res, err := srv.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{
		SiteKey:  siteKey,
		Identity: &livechatv1.VerifiedIdentity{UserId: "user-1", Hmac: widgets.IdentityHMAC(secret, "user-1")},
	})
	return err == nil && res.Customer.VerifiedUserId == "user-1"
}

// TestIdentitySecretsAreSealedAtRest: the database holds identity secrets
// only sealed with the secrets key; plain-text ones left by an older
// version are sealed at the next start, once; a key rotation re-seals them
// at start, after which the old key can go.
func TestIdentitySecretsAreSealedAtRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	created := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop"})
	w := created.Widget

	stored := storedSecret(t, e, w.Id)
	if !strings.HasPrefix(stored, "v1.") || strings.Contains(stored, created.IdentitySecret) || strings.Contains(stored, strings.TrimPrefix(created.IdentitySecret, "lcwsk_")) {
		t.Fatalf("stored identity secret %q is not sealed", stored)
	}
	if !verifies(t, e.srv, w.SiteKey, created.IdentitySecret) {
		t.Fatal("the sealed secret does not verify")
	}
	rotated, err := e.admin.Widget.RotateWidgetSecret(ctx(t), &livechatv1.RotateWidgetSecretRequest{WidgetId: w.Id})
	if err != nil {
		t.Fatal(err)
	}
	if s := storedSecret(t, e, w.Id); !strings.HasPrefix(s, "v1.") || strings.Contains(s, strings.TrimPrefix(rotated.IdentitySecret, "lcwsk_")) {
		t.Fatalf("rotated secret stored as %q", s)
	}

	t.Run("plain text from an older version is sealed at start, once", func(t *testing.T) {
		const plain = "lcwsk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
		if _, err := e.srv.Pool.Exec(ctx(t), `UPDATE widgets SET identity_secret = $1 WHERE id = $2`, plain, w.Id); err != nil {
			t.Fatal(err)
		}
		// Until then the plain value still verifies.
		if !verifies(t, e.srv, w.SiteKey, plain) {
			t.Fatal("a plain-text secret stopped verifying before the migration")
		}
		second := apptest.NewOnPool(t, e.srv.Pool)
		sealed := storedSecret(t, e, w.Id)
		if !strings.HasPrefix(sealed, "v1.") || strings.Contains(sealed, "0123456789abcdef") {
			t.Fatalf("after a start the secret is stored as %q", sealed)
		}
		if !verifies(t, second, w.SiteKey, plain) || !verifies(t, e.srv, w.SiteKey, plain) {
			t.Fatal("the migrated secret does not verify")
		}
		// Idempotent: another start leaves the sealed value as it is.
		apptest.NewOnPool(t, e.srv.Pool)
		if again := storedSecret(t, e, w.Id); again != sealed {
			t.Fatalf("a second start sealed again: %q → %q", sealed, again)
		}
	})

	t.Run("a rotated key re-seals at start and the old key can go", func(t *testing.T) {
		const newKey = "bmV3IGtleSBvZiB0aGUgbGl2ZWNoYXQgdGVzdHMhISE="
		before := storedSecret(t, e, w.Id)
		both := apptest.NewOnPool(t, e.srv.Pool, func(c *app.Config) { c.SecretsKey = newKey + "," + apptest.SecretsKey })
		after := storedSecret(t, e, w.Id)
		if after == before || strings.Split(after, ".")[1] == strings.Split(before, ".")[1] {
			t.Fatalf("the secret was not re-sealed with the new key: %q → %q", before, after)
		}
		if !verifies(t, both, w.SiteKey, "lcwsk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab") {
			t.Fatal("the re-sealed secret does not verify")
		}
		onlyNew := apptest.NewOnPool(t, e.srv.Pool, func(c *app.Config) { c.SecretsKey = newKey })
		if !verifies(t, onlyNew, w.SiteKey, "lcwsk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab") {
			t.Fatal("after the rotation the new key alone does not open the secret")
		}
	})
}
