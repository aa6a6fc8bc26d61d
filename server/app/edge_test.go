package app_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)

	t.Run("dashboard: strict CSP, no framing, no sniffing", func(t *testing.T) {
		res, _ := get(t, srv.URL+"/")
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "script-src 'self' 'unsafe") {
			t.Errorf("CSP allows unsafe scripts: %q", csp)
		}
		want := map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "strict-origin-when-cross-origin",
			"X-Frame-Options":        "DENY",
		}
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if res.Header.Get("Strict-Transport-Security") != "" {
			t.Error("HSTS sent over plain HTTP")
		}
	})
	t.Run("widget files: embeddable anywhere", func(t *testing.T) {
		// The headers do not depend on whether the widget was built into
		// this binary.
		for _, p := range []string{"/widget.js", "/widget.css", "/widget-assets/chat-0.js"} {
			res, _ := get(t, srv.URL+p)
			if csp := res.Header.Get("Content-Security-Policy"); strings.Contains(csp, "frame-ancestors") {
				t.Errorf("%s carries frame-ancestors: %q", p, csp)
			}
			if res.Header.Get("X-Frame-Options") != "" {
				t.Errorf("%s carries X-Frame-Options", p)
			}
			if got := res.Header.Get("Cross-Origin-Resource-Policy"); got != "cross-origin" {
				t.Errorf("%s CORP = %q, want cross-origin", p, got)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s X-Content-Type-Options = %q", p, got)
			}
		}
	})
}

func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	trusting := apptest.NewOnPool(t, pool, func(c *app.Config) { c.TrustedProxies = "127.0.0.1,::1" })
	wary := apptest.NewOnPool(t, pool)

	hsts := func(base string) string {
		req, _ := http.NewRequest(http.MethodGet, base+"/healthz", nil)
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-For", "198.51.100.4")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Header.Get("Strict-Transport-Security")
	}
	if hsts(trusting.URL) == "" {
		t.Error("a trusted proxy's X-Forwarded-Proto: https did not count as HTTPS (no HSTS)")
	}
	if got := hsts(wary.URL); got != "" {
		t.Errorf("an untrusted peer's X-Forwarded-Proto counted as HTTPS (HSTS %q)", got)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t, func(c *app.Config) { c.MetricsToken = "metrics-secret" })
	c := srv.NewClient(nil)
	if _, err := c.Auth.GetSetupState(t.Context(), &livechatv1.GetSetupStateRequest{}); err != nil {
		t.Fatalf("GetSetupState: %v", err)
	}
	// An unauthenticated call is counted with its code.
	_, _ = c.Auth.GetMe(t.Context(), &livechatv1.GetMeRequest{})

	for _, auth := range []string{"", "Bearer wrong", "metrics-secret"} {
		res, body := rawGet(t, srv.URL+"/metrics", map[string]string{"Authorization": auth})
		if res.StatusCode != http.StatusUnauthorized || strings.Contains(string(body), "livechat_") {
			t.Fatalf("/metrics with Authorization %q = %d, want 401", auth, res.StatusCode)
		}
	}
	res, raw := rawGet(t, srv.URL+"/metrics", map[string]string{"Authorization": "Bearer metrics-secret"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics with the token = %d", res.StatusCode)
	}
	body := string(raw)
	for _, want := range []string{
		`livechat_rpc_requests_total{code="ok",procedure="` + livechatv1connect.AuthServiceGetSetupStateProcedure + `"}`,
		`livechat_rpc_requests_total{code="unauthenticated",procedure="` + livechatv1connect.AuthServiceGetMeProcedure + `"}`,
		`livechat_rpc_duration_seconds_bucket{procedure="` + livechatv1connect.AuthServiceGetSetupStateProcedure + `",le="0.005"}`,
		"# TYPE livechat_events_published_total counter",
		"# TYPE livechat_events_delivered_total counter",
		"# TYPE livechat_fanout_lag_seconds histogram",
		"livechat_db_pool_connections_max ",
		"livechat_db_pool_acquires_total ",
		"go_goroutines ",
		"process_open_fds ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestMetricsNotPublicByDefault: without --metrics-token the main listener
// has no /metrics; they are on --metrics-listen only.
func TestMetricsNotPublicByDefault(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	res, body := get(t, srv.URL+"/metrics")
	if res.StatusCode != http.StatusNotFound || strings.Contains(body, "livechat_") || strings.Contains(body, "go_goroutines") {
		t.Fatalf("/metrics on the main listener = %d, %.80q", res.StatusCode, body)
	}
}

// TestHealthWatch: the gRPC health Watch sends the status at once, and
// again when readiness changes (as /readyz and Check see it).
func TestHealthWatch(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t, func(c *app.Config) { c.HealthWatchEvery = 50 * time.Millisecond })
	res := watchHealth(t, srv.URL, "")
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	msg, err := readEnvelope(r)
	if err != nil || !strings.Contains(msg, `"SERVING_STATUS_SERVING"`) {
		t.Fatalf("first Watch message = %q, %v; want SERVING", msg, err)
	}
	if _, err := srv.Pool.Exec(t.Context(),
		`DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		msg, err = readEnvelope(r)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no Watch message within 10s of the instance becoming not ready")
	}
	if err != nil || !strings.Contains(msg, `"SERVING_STATUS_NOT_SERVING"`) {
		t.Fatalf("Watch message after a migration went pending = %q, %v; want NOT_SERVING", msg, err)
	}
}

func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	// Reserve a free port for the metrics listener.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	srv := apptest.New(t, func(c *app.Config) { c.MetricsListen = addr })
	ctx, cancel := context.WithCancel(t.Context())
	wait, err := srv.App.ServeSide(ctx)
	if err != nil {
		t.Fatalf("ServeSide: %v", err)
	}
	defer wait()
	defer cancel()

	res, body := get(t, "http://"+addr+"/metrics")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "livechat_db_pool_connections") {
		t.Fatalf("metrics listener: %d", res.StatusCode)
	}
	if _, body := get(t, srv.URL+"/metrics"); strings.Contains(body, "livechat_db_pool_connections") {
		t.Fatal("/metrics is also served on the main listener")
	}
	// Profiles are on the private listener only.
	if res, body := get(t, "http://"+addr+"/debug/pprof/"); res.StatusCode != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("pprof on the metrics listener: %d", res.StatusCode)
	}
	if _, body := get(t, srv.URL+"/debug/pprof/"); strings.Contains(body, "goroutine") {
		t.Fatal("pprof is served on the main listener")
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	t.Run("503 while a migration is pending", func(t *testing.T) {
		t.Parallel()
		srv := apptest.New(t)
		if _, err := srv.Pool.Exec(t.Context(),
			`DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
			t.Fatal(err)
		}
		res, body := get(t, srv.URL+"/readyz")
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "pending") {
			t.Fatalf("readyz = %d %q, want 503 pending", res.StatusCode, body)
		}
		if res2, _ := get(t, srv.URL+"/healthz"); res2.StatusCode != http.StatusOK {
			t.Fatalf("healthz = %d: the process is alive even when not ready", res2.StatusCode)
		}
	})
	t.Run("503 when the database is unreachable", func(t *testing.T) {
		t.Parallel()
		pool := dbtest.New(t)
		srv := apptest.NewOnPool(t, pool)
		pool.Close()
		res, body := get(t, srv.URL+"/readyz")
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "database unreachable") {
			t.Fatalf("readyz = %d %q, want 503 database unreachable", res.StatusCode, body)
		}
		hres, err := http.Post(srv.URL+"/grpc.health.v1.Health/Check", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		health, _ := io.ReadAll(hres.Body)
		hres.Body.Close()
		if !strings.Contains(string(health), "SERVING_STATUS_NOT_SERVING") {
			t.Fatalf("gRPC health = %s, want NOT_SERVING", health)
		}
	})
}

// selfSigned writes a certificate and key for 127.0.0.1 and localhost and
// returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "livechat test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

func TestHTTPSFromCertificateFiles(t *testing.T) {
	t.Parallel()
	certFile, keyFile, roots := selfSigned(t)
	srv := apptest.New(t, func(c *app.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	base := "https://" + strings.TrimPrefix(srv.URL, "http://")

	// Clients that connect and never finish their handshake hold up nobody:
	// each handshake runs on its own.
	for range 3 {
		stalled, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer stalled.Close()
	}

	// A browser-like client: TLS with ALPN, HTTP/2 when offered.
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	res, err := hc.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz over TLS: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Fatalf("healthz = %d %q", res.StatusCode, body)
	}
	if res.ProtoMajor != 2 {
		t.Errorf("protocol = %s, want HTTP/2 (browsers hold one connection per live stream over HTTP/1.1)", res.Proto)
	}
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over HTTPS")
	}

	// The API works over it, through the generated client.
	auth := livechatv1connect.NewAuthServiceClient(connect.NewClient(connecthttp.NewTransport(hc, base)))
	if _, err := auth.GetSetupState(t.Context(), &livechatv1.GetSetupStateRequest{}); err != nil {
		t.Fatalf("GetSetupState over HTTPS: %v", err)
	}

	// Plain HTTP on the TLS port is refused, not served.
	if res, err := http.Get(srv.URL + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Error("plain HTTP served on the HTTPS listener")
		}
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*app.Config)
		want string // substring of the error; "" means valid
	}{
		{"plain HTTP defaults to :8080", func(c *app.Config) {}, ""},
		{"domain and files exclude each other", func(c *app.Config) {
			c.TLSDomains = []string{"chat.example.com"}
			c.TLSCert, c.TLSKey = "c", "k"
		}, "exclude each other"},
		{"cert without key", func(c *app.Config) { c.TLSCert = "c" }, "go together"},
		{"domain with a scheme", func(c *app.Config) { c.TLSDomains = []string{"https://chat.example.com"} }, "bare domain"},
		{"bad proxy", func(c *app.Config) { c.TrustedProxies = "10.0.0.0/40" }, "--trusted-proxies"},
		{"redirect listener without TLS", func(c *app.Config) { c.HTTPListen = ":80" }, "needs --tls-domain"},
		{"bad metrics address", func(c *app.Config) { c.MetricsListen = "9090" }, "--metrics-listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := app.Config{LogFormat: "text", LogLevel: "info"}
			c.TLSCacheDir = "certs"
			tt.edit(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.want)
			}
		})
	}

	t.Run("automatic HTTPS fills in the defaults", func(t *testing.T) {
		t.Parallel()
		c := app.Config{LogFormat: "text", LogLevel: "info"}
		c.TLSCacheDir = "certs"
		c.TLSDomains = []string{"Chat.Example.com."}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if c.Listen != ":443" || c.HTTPListen != ":80" || c.PublicURL != "https://chat.example.com" {
			t.Fatalf("listen %q, http %q, public URL %q", c.Listen, c.HTTPListen, c.PublicURL)
		}
	})
}

// TestUnreadableEnvironmentIsAnError: a value the server cannot read must
// stop it with a message naming the variable, not be replaced by the
// default (LIVECHAT_SHUTDOWN_TIMEOUT=30 would silently be 15s).
func TestUnreadableEnvironmentIsAnError(t *testing.T) {
	for name, want := range map[string]string{
		"LIVECHAT_SHUTDOWN_TIMEOUT": "30",
		"LIVECHAT_SESSION_IDLE":     "7d",
		"LIVECHAT_SECURE_COOKIES":   "yes please",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, want)
			var c app.Config
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			c.RegisterServeFlags(fs)
			if err := fs.Parse(nil); err != nil {
				t.Fatal(err)
			}
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), "$"+name) || !strings.Contains(err.Error(), want) {
				t.Fatalf("Validate = %v, want an error naming $%s and %q", err, name, want)
			}
		})
	}
}
