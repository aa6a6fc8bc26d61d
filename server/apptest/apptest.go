// Package apptest runs a real livechat instance for tests: a fresh migrated
// database of the test's own, the complete HTTP handler on a loopback
// listener, and clients generated from the proto talking to it over HTTP.
package apptest

import (
	"context"
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
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/app"
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
	cfg := app.Config{Listen: "127.0.0.1:0", ShutdownTimeout: 5 * time.Second}
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
	Widget       livechatv1connect.WidgetServiceClient
	Canned       livechatv1connect.CannedResponseServiceClient
	Tags         livechatv1connect.TagServiceClient
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
		Widget:       livechatv1connect.NewWidgetServiceClient(cc),
		Canned:       livechatv1connect.NewCannedResponseServiceClient(cc),
		Tags:         livechatv1connect.NewTagServiceClient(cc),
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
