package auth_test

import (
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// TestOddInputIsNeverInternal: whatever a client sends as a username or
// User-Agent, it gets a clear answer, and a real agent with an odd browser
// can still sign in. (Invalid UTF-8 never reaches the server's code: the
// protocol refuses it before.)
func TestOddInputIsNeverInternal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for name, username := range map[string]string{
		"NUL":                  "lan\x00",
		"NUL in the middle":    "a\x00b",
		"long multibyte":       strings.Repeat("€", 30),
		"over a kilobyte":      strings.Repeat("x", 2000),
		"control characters":   "l\x01a\x02n",
		"right-to-left mark":   "\u202elan",
		"empty after trimming": "   ",
	} {
		t.Run(name, func(t *testing.T) {
			// Twice: recording the failure and reading failures back both
			// take the username.
			for range 2 {
				_, err := e.srv.NewClient(nil).Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: username, Password: password})
				switch connect.CodeOf(err) {
				case connect.CodeUnauthenticated, connect.CodeInvalidArgument, connect.CodeResourceExhausted:
				default:
					t.Fatalf("Login(%q) = %v, want a clear refusal", username, err)
				}
			}
		})
	}
	e = newEnv(t) // a fresh address budget for the sign-ins below
	for name, ua := range map[string]string{
		"invalid UTF-8":      "Mozilla/5.0 \xff\xfe",
		"long and non-ASCII": strings.Repeat("Trình duyệt ", 40),
	} {
		t.Run("User-Agent "+name, func(t *testing.T) {
			c := e.srv.NewClient(http.Header{"User-Agent": {ua}})
			if _, err := c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "root", Password: password}); err != nil {
				t.Fatalf("Login with User-Agent %q: %v", ua, err)
			}
			if _, err := c.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
