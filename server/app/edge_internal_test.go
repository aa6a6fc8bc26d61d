package app

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	"github.com/opensupport/livechat/server/apperr"
)

func TestAutomaticHTTPSWiring(t *testing.T) {
	t.Parallel()
	cfg := Config{Listen: ":443"}
	cfg.TLSDomains = []string{"chat.example.com"}
	cfg.TLSCacheDir = t.TempDir()
	mode, err := newTLSMode(cfg, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	for _, proto := range []string{"h2", "http/1.1", "acme-tls/1"} {
		if !slices.Contains(mode.config.NextProtos, proto) {
			t.Errorf("TLS config does not offer %s (offers %v)", proto, mode.config.NextProtos)
		}
	}
	if mode.config.GetCertificate == nil {
		t.Fatal("no GetCertificate: certificates would never be obtained")
	}

	serve := func(method, target string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		mode.httpHandler.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
		return rec
	}
	t.Run("HTTP-01 challenge paths are answered by the ACME handler, not redirected", func(t *testing.T) {
		rec := serve(http.MethodGet, "http://chat.example.com/.well-known/acme-challenge/some-token")
		if rec.Code/100 == 3 {
			t.Fatalf("challenge redirected to %s", rec.Header().Get("Location"))
		}
		// No challenge is pending for this token, so the handler says so.
		if rec.Code != http.StatusNotFound {
			t.Fatalf("challenge status = %d, want 404 for an unknown token", rec.Code)
		}
	})
	t.Run("everything else is redirected to HTTPS", func(t *testing.T) {
		rec := serve(http.MethodGet, "http://chat.example.com/conversations/1?x=2")
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "https://chat.example.com/conversations/1?x=2" {
			t.Fatalf("GET = %d → %q", rec.Code, rec.Header().Get("Location"))
		}
	})
	t.Run("non-GET keeps its method (308)", func(t *testing.T) {
		rec := serve(http.MethodPost, "http://chat.example.com/livechat.v1.AuthService/Login")
		if rec.Code != http.StatusPermanentRedirect {
			t.Fatalf("POST = %d, want 308", rec.Code)
		}
	})
	t.Run("a forged Host is sent to the configured domain", func(t *testing.T) {
		rec := serve(http.MethodGet, "http://evil.example.net/x")
		if got := rec.Header().Get("Location"); got != "https://chat.example.com/x" {
			t.Fatalf("Location = %q", got)
		}
	})
}

func TestRedirectKeepsANonStandardHTTPSPort(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	redirectToHTTPS(nil, ":8443").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://example.org:8080/a", nil))
	if got := rec.Header().Get("Location"); got != "https://example.org:8443/a" {
		t.Fatalf("Location = %q", got)
	}
}

func TestShutdownEndsOpenStreamsWithUnavailable(t *testing.T) {
	t.Parallel()
	a := &App{log: discardLogger()}
	hookRan := make(chan struct{})
	a.OnShutdown(func() { close(hookRan) })

	started := make(chan struct{})
	// A stream handler that, like a careless one, treats cancellation as a
	// normal end.
	handler := a.observeInterceptor(func(ctx context.Context, _ connect.Spec, _ connect.ServerStream) error {
		close(started)
		<-ctx.Done()
		return nil
	})
	spec := connect.Spec{Procedure: "/test.v1.Test/Stream", StreamType: connect.StreamTypeServer}
	errc := make(chan error, 1)
	go func() { errc <- handler(context.Background(), spec, nil) }()
	<-started

	a.beginShutdown()
	select {
	case <-hookRan:
	default:
		t.Fatal("OnShutdown hook did not run")
	}
	select {
	case err := <-errc:
		if connect.CodeOf(err) != connect.CodeUnavailable {
			t.Fatalf("stream ended with %v, want UNAVAILABLE", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stream still open after shutdown began")
	}
	// A stream that starts during the shutdown is refused the same way.
	if err := handler(context.Background(), spec, nil); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("new stream during shutdown: %v, want UNAVAILABLE", err)
	}
	// Unary calls are not cut: they finish within the shutdown timeout.
	unary := a.observeInterceptor(func(ctx context.Context, _ connect.Spec, _ connect.ServerStream) error { return ctx.Err() })
	if err := unary(context.Background(), connect.Spec{Procedure: "/test.v1.Test/Unary"}, nil); err != nil {
		t.Fatalf("unary call during shutdown: %v", err)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestRecoverTurnsAPanicIntoAnInternalError(t *testing.T) {
	call := recoverInterceptor(func(context.Context, connect.Spec, connect.ServerStream) error {
		var m map[string]int
		m["boom"]++ // a nil-map write panics
		return nil
	})
	err := call(context.Background(), connect.Spec{Procedure: "/livechat.v1.AuthService/GetMe"}, nil)
	if err == nil || !strings.Contains(err.Error(), "panic in /livechat.v1.AuthService/GetMe") {
		t.Fatalf("err = %v", err)
	}
	public, internal := apperr.ToConnect(err)
	if public.Code() != connect.CodeInternal || public.Message() != "internal error" || internal == nil {
		t.Fatalf("client sees %v", public)
	}
}
