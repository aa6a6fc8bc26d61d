package auth_test

import (
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
)

// TestNoOneCanLockAnotherOut: wrong passwords from one address refuse that
// address only; the account's owner, elsewhere, still signs in with the
// right password — slowed down while the username is under attack, never
// refused.
func TestNoOneCanLockAnotherOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *app.Config) { c.TrustedProxies = "127.0.0.1,::1" })
	from := func(addr string) *apptest.Client {
		return e.srv.NewClient(http.Header{"X-Forwarded-For": {addr}})
	}
	attacker := from("198.51.100.7")
	for range 5 {
		_, err := attacker.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "root", Password: "wrong password"})
		apptest.WantReason(t, err, connect.CodeUnauthenticated, livechatv1.ErrorReason_ERROR_REASON_BAD_CREDENTIALS)
	}

	_, err := attacker.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "root", Password: password})
	d := apptest.WantReason(t, err, connect.CodeResourceExhausted, livechatv1.ErrorReason_ERROR_REASON_SIGN_IN_THROTTLED)
	if wait := d.GetRetryAfter().AsDuration(); wait < 14*time.Minute || wait > 15*time.Minute {
		t.Fatalf("retry_after = %v, want about 15 minutes", wait)
	}

	start := time.Now()
	if _, err := from("203.0.113.9").Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "root", Password: password}); err != nil {
		t.Fatalf("the admin, at another address, could not sign in: %v", err)
	}
	if took := time.Since(start); took < 900*time.Millisecond {
		t.Errorf("a sign-in to a username under attack took %v, want it slowed down (about 1 s)", took)
	}
	// A success starts the username afresh: no slowdown any more.
	start = time.Now()
	if _, err := from("203.0.113.10").Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "root", Password: password}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 900*time.Millisecond {
		t.Errorf("a sign-in after a success took %v, want no slowdown", took)
	}
}
