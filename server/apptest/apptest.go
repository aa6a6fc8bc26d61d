// Package apptest runs a real livechat instance for tests: a fresh migrated
// database of the test's own, the complete HTTP handler on a loopback
// listener, and clients generated from the proto talking to it over HTTP.
package apptest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/connect/v2/connectproto"
	"github.com/jackc/pgx/v5/pgxpool"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/dbtest"
)

// Server is a running livechat instance.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL  string
	Pool *pgxpool.Pool
	App  *app.App
}

// Option changes the configuration of a test server.
type Option func(*app.Config)

// SecretsKey seals the stored secrets of every test server, so that
// several instances on one database agree, as they must in production.
const SecretsKey = "dGhlIGtleSBvZiBsaXZlY2hhdCB0ZXN0IHNlcnZlcnM="

// New starts a server on a fresh database and stops it when the test ends.
// Set LIVECHAT_TEST_LOG=1 to see its log.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return NewOnPool(t, dbtest.New(t), opts...)
}

// NewOnPool starts a server on an existing database, for tests that run
// several instances on one database.
func NewOnPool(t testing.TB, pool *pgxpool.Pool, opts ...Option) *Server {
	t.Helper()
	cfg := app.Config{Listen: "127.0.0.1:0", ShutdownTimeout: 5 * time.Second, SecretsKey: SecretsKey}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.New(cfg, Logger(t), pool)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		cancel()
		t.Fatalf("start: %v", err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		cancel()
		t.Fatalf("listen: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.Serve(ctx, ln); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return &Server{URL: "http://" + ln.Addr().String(), Pool: pool, App: a}
}

// Logger returns a logger that writes only when LIVECHAT_TEST_LOG is set.
func Logger(t testing.TB) *slog.Logger {
	var w io.Writer = io.Discard
	if os.Getenv("LIVECHAT_TEST_LOG") != "" {
		w = os.Stderr
	}
	log, err := app.NewLogger(w, "text", "debug")
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// Client is one caller of the server: a browser-like HTTP client with its
// own cookie jar, and the generated clients of the services.
type Client struct {
	HTTP         *http.Client
	Auth         livechatv1connect.AuthServiceClient
	Conversation livechatv1connect.ConversationServiceClient
	Integration  livechatv1connect.IntegrationServiceClient
	Widget       livechatv1connect.WidgetServiceClient
	Canned       livechatv1connect.CannedResponseServiceClient
	Tags         livechatv1connect.TagServiceClient
	Webhooks     livechatv1connect.WebhookServiceClient
	Reports      livechatv1connect.ReportServiceClient
	Routing      livechatv1connect.RoutingServiceClient
	Mail         livechatv1connect.MailServiceClient
	Customers    livechatv1connect.CustomerServiceClient
	Audit        livechatv1connect.AuditServiceClient
	Privacy      livechatv1connect.PrivacyServiceClient
	Visitors     livechatv1connect.VisitorServiceClient
	Teams        livechatv1connect.TeamServiceClient
	Views        livechatv1connect.ViewServiceClient
}

// NewClient returns a client that keeps cookies (a dashboard session) and
// sends the given headers (e.g. Authorization, Origin) on every call.
func (s *Server) NewClient(header http.Header, opts ...connecthttp.Option) *Client {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{
		Jar:       jar,
		Transport: headerTransport{header: header, next: http.DefaultTransport},
	}
	cc := connect.NewClient(connecthttp.NewTransport(hc, s.URL, opts...))
	return &Client{
		HTTP:         hc,
		Auth:         livechatv1connect.NewAuthServiceClient(cc),
		Conversation: livechatv1connect.NewConversationServiceClient(cc),
		Integration:  livechatv1connect.NewIntegrationServiceClient(cc),
		Widget:       livechatv1connect.NewWidgetServiceClient(cc),
		Canned:       livechatv1connect.NewCannedResponseServiceClient(cc),
		Tags:         livechatv1connect.NewTagServiceClient(cc),
		Webhooks:     livechatv1connect.NewWebhookServiceClient(cc),
		Reports:      livechatv1connect.NewReportServiceClient(cc),
		Routing:      livechatv1connect.NewRoutingServiceClient(cc),
		Mail:         livechatv1connect.NewMailServiceClient(cc),
		Customers:    livechatv1connect.NewCustomerServiceClient(cc),
		Audit:        livechatv1connect.NewAuditServiceClient(cc),
		Privacy:      livechatv1connect.NewPrivacyServiceClient(cc),
		Visitors:     livechatv1connect.NewVisitorServiceClient(cc),
		Teams:        livechatv1connect.NewTeamServiceClient(cc),
		Views:        livechatv1connect.NewViewServiceClient(cc),
	}
}

// Bearer is a header set with an Authorization bearer token.
func Bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// headerTransport adds fixed headers to every request.
type headerTransport struct {
	header http.Header
	next   http.RoundTripper
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if len(t.header) > 0 {
		r = r.Clone(r.Context())
		for k, v := range t.header {
			r.Header[k] = v
		}
	}
	return t.next.RoundTrip(r)
}

// Code returns the Connect code of err (connect.CodeOf with a shorter name
// for table-driven tests).
func Code(err error) connect.Code { return connect.CodeOf(err) }

// Reason returns the reason in err's livechat.v1.ErrorDetail, or
// ERROR_REASON_UNSPECIFIED.
func Reason(err error) livechatv1.ErrorReason {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return livechatv1.ErrorReason_ERROR_REASON_UNSPECIFIED
	}
	for _, d := range ce.Details() {
		if m, err := connectproto.UnmarshalErrorDetail(d); err == nil {
			if ed, ok := m.(*livechatv1.ErrorDetail); ok {
				return ed.Reason
			}
		}
	}
	return livechatv1.ErrorReason_ERROR_REASON_UNSPECIFIED
}

// TeamPassword is the password of every member of a Team.
const TeamPassword = "correct horse battery"

// Team is a running server with a signed-in admin (root) and two signed-in
// agents, lan and minh: the cast of most API tests.
type Team struct {
	Server           *Server
	Admin, Lan, Minh *Client
}

// NewTeam starts a server (with cheap password hashing, then opts) and
// signs the team in.
func NewTeam(t testing.TB, opts ...Option) *Team {
	t.Helper()
	srv := New(t, append([]Option{func(c *app.Config) { c.ScryptLogN = 10 }}, opts...)...)
	tm := &Team{Server: srv, Admin: srv.NewClient(nil)}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := tm.Admin.Auth.Setup(ctx, &livechatv1.SetupRequest{Username: "root", DisplayName: "Root", Password: TeamPassword}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	tm.Lan = tm.Agent(t, "lan")
	tm.Minh = tm.Agent(t, "minh")
	return tm
}

// Agent creates an agent (role agent, TeamPassword) and returns a client
// signed in as them.
func (tm *Team) Agent(t testing.TB, username string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := tm.Admin.Auth.CreateAgent(ctx, &livechatv1.CreateAgentRequest{
		Username: username, DisplayName: username, Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: TeamPassword,
	}); err != nil {
		t.Fatalf("CreateAgent: %v", err)
	}
	c := tm.Server.NewClient(nil)
	if _, err := c.Auth.Login(ctx, &livechatv1.LoginRequest{Username: username, Password: TeamPassword}); err != nil {
		t.Fatalf("Login: %v", err)
	}
	return c
}

// WantReason fails the test unless err has the Connect code and carries the
// error detail reason; it returns the detail for further checks.
func WantReason(t testing.TB, err error, code connect.Code, reason livechatv1.ErrorReason) *livechatv1.ErrorDetail {
	t.Helper()
	d := apperr.DetailOf(err)
	if connect.CodeOf(err) != code || d.GetReason() != reason {
		t.Fatalf("got %v (detail %v), want %v with reason %v", err, d, code, reason)
	}
	return d
}

// WantField is WantReason that also checks the detail's field ("" for
// none).
func WantField(t testing.TB, err error, code connect.Code, reason livechatv1.ErrorReason, field string) *livechatv1.ErrorDetail {
	t.Helper()
	d := WantReason(t, err, code, reason)
	if d.GetField() != field {
		t.Fatalf("got %v with field %q, want field %q", err, d.GetField(), field)
	}
	return d
}
