package auth_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/auth/authapi"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// password is every test agent's password.
const password = "correct horse battery"

// cheapHashes makes password hashing ~3 ms instead of ~140 ms, so tests that
// create and sign in many agents stay fast on a shared machine.
func cheapHashes(c *app.Config) { c.ScryptLogN = 10 }

// env is a running server whose first admin is signed in.
type env struct {
	srv     *apptest.Server
	admin   *apptest.Client
	adminID string
}

func newEnv(t *testing.T, opts ...apptest.Option) *env {
	t.Helper()
	srv := apptest.New(t, append([]apptest.Option{cheapHashes}, opts...)...)
	admin := srv.NewClient(nil)
	res, err := admin.Auth.Setup(ctx(t), &livechatv1.SetupRequest{Username: "root", DisplayName: "Root Admin", Password: password})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return &env{srv: srv, admin: admin, adminID: res.Agent.Id}
}

// ctx is a bounded context for one test's calls.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// createAgent adds an agent through the API as the admin.
func (e *env) createAgent(t *testing.T, username string, role livechatv1.AgentRole) string {
	t.Helper()
	res, err := e.admin.Auth.CreateAgent(ctx(t), &livechatv1.CreateAgentRequest{
		Username: username, DisplayName: "Agent " + username, Role: role, Password: password,
	})
	if err != nil {
		t.Fatalf("CreateAgent %s: %v", username, err)
	}
	return res.Agent.Id
}

// login signs a new client in.
func (e *env) login(t *testing.T, username string) *apptest.Client {
	t.Helper()
	c := e.srv.NewClient(nil)
	if _, err := c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: username, Password: password}); err != nil {
		t.Fatalf("Login %s: %v", username, err)
	}
	return c
}

// token creates an API token as the given signed-in admin.
func (e *env) token(t *testing.T, as *apptest.Client, scope livechatv1.ApiTokenScope) (id, secret string) {
	t.Helper()
	res, err := as.Auth.CreateApiToken(ctx(t), &livechatv1.CreateApiTokenRequest{Name: "test " + scope.String(), Scope: scope})
	if err != nil {
		t.Fatalf("CreateApiToken: %v", err)
	}
	return res.Token.Id, res.Secret
}

// sessionCookie returns the client's session cookie value.
func (e *env) sessionCookie(t *testing.T, c *apptest.Client) string {
	t.Helper()
	u, _ := url.Parse(e.srv.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == authapi.SessionCookie {
			return ck.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// withCookie is a client that sends a given session cookie and headers,
// like a browser on another page would.
func (e *env) withCookie(cookie string, header http.Header) *apptest.Client {
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Cookie", authapi.SessionCookie+"="+cookie)
	return e.srv.NewClient(h)
}

func mustUUID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
