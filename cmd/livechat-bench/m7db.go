package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/db"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// The bench's admin, made by setupFixture on a fresh install and by
// adminToken on a given database that lacks it.
const (
	benchAdmin         = "bench"
	benchAdminPassword = "bench-password-1"
)

// migrateTimed applies the pending migrations to a database, as an
// instance does at start, and returns how many ran and how long they took.
func migrateTimed(ctx context.Context, dbURL string) (int, time.Duration, error) {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return 0, 0, err
	}
	defer pool.Close()
	t := time.Now()
	n, err := db.Migrate(ctx, pool)
	return n, time.Since(t), err
}

// adminToken returns a new admin API token on e's database: the bench's
// admin signs in (created first with `livechat agent create` when the
// database has none) and makes one. Running it again makes another.
func (e *env) adminToken(ctx context.Context) (string, error) {
	srv, err := e.startLivechat(ctx, "m7-setup")
	if err != nil {
		return "", err
	}
	defer srv.stop()
	jar, _ := cookiejar.New(nil)
	hc := newHTTPClient("h1", 1, 1000)
	hc.Jar = jar
	// A dashboard session is accepted from the dashboard's own origin only.
	c := newClients(hc, srv.URL, http.Header{"Origin": {srv.URL}})
	login := func() error {
		_, err := c.Auth.Login(ctx, &livechatv1.LoginRequest{Username: benchAdmin, Password: benchAdminPassword})
		return err
	}
	if err := login(); err != nil {
		cmd := exec.CommandContext(ctx, e.cfg.livechat, "agent", "create", "--username", benchAdmin,
			"--display-name", "Bench Admin", "--role", "admin")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+e.dbURL, "LIVECHAT_AGENT_PASSWORD="+benchAdminPassword,
			"LIVECHAT_SECRETS_KEY="+benchSecretsKey)
		if out, cerr := cmd.CombinedOutput(); cerr != nil {
			return "", fmt.Errorf("sign in (%v), then create the admin: %w\n%s", err, cerr, out)
		}
		if err := login(); err != nil {
			return "", fmt.Errorf("sign in: %w", err)
		}
	}
	tok, err := c.Auth.CreateApiToken(ctx, &livechatv1.CreateApiTokenRequest{
		Name: "bench m7", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN,
	})
	if err != nil {
		return "", fmt.Errorf("AuthService.CreateApiToken: %w", err)
	}
	return tok.GetSecret(), nil
}

// redactURL drops a database URL's password, for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the database"
	}
	return u.Redacted()
}
