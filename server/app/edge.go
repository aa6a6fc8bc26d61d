package app

import (
	"context"
	"crypto/subtle"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/opensupport/livechat/server/reqinfo"
)

// EdgeConfig is how an instance meets the network: HTTPS, the reverse
// proxies it trusts, and its side listeners. It is part of Config.
type EdgeConfig struct {
	// TLSDomains turns on automatic HTTPS: certificates for these names are
	// obtained from an ACME CA (Let's Encrypt by default) and renewed.
	TLSDomains []string
	// TLSEmail is given to the CA for expiry notices; optional.
	TLSEmail string
	// TLSCacheDir keeps the account key and the certificates across
	// restarts (and shares them between instances when on shared storage).
	TLSCacheDir string
	// ACMEDirectory is the CA's directory URL; empty is Let's Encrypt.
	ACMEDirectory string
	// TLSCert and TLSKey serve HTTPS with a certificate from files (reloaded
	// when they change).
	TLSCert, TLSKey string
	// HTTPListen is a plain-HTTP listener that answers ACME challenges and
	// redirects everything else to HTTPS. Defaults to :80 with TLSDomains;
	// "off" disables it.
	HTTPListen string
	// TrustedProxies lists the reverse proxies (IP addresses or CIDR
	// prefixes) whose X-Forwarded-For and X-Forwarded-Proto are believed.
	TrustedProxies string
	// MetricsListen serves /metrics on its own address; "off" disables
	// metrics.
	MetricsListen string
	// MetricsToken serves /metrics on the main listener too, to requests
	// with "Authorization: Bearer <MetricsToken>". Without it the main
	// listener has no /metrics: the figures tell an attacker how loaded the
	// server is.
	MetricsToken string
	// Streams bound the concurrent streams per caller and address, and keep
	// file descriptors for the rest of the API.
	Streams StreamLimits
	// BodyReadTimeout bounds reading one request's body; zero is
	// DefaultBodyReadTimeout, negative turns it off.
	BodyReadTimeout time.Duration
	// HealthWatchEvery is how often a gRPC health Watch re-checks
	// readiness; zero is every 5 seconds. Tests shorten it.
	HealthWatchEvery time.Duration
}

// TLS reports whether the main listener serves HTTPS.
func (e *EdgeConfig) TLS() bool { return len(e.TLSDomains) > 0 || e.TLSCert != "" }

// splitList splits a comma- or space-separated list.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// registerEdgeFlags adds the flags of EdgeConfig to `livechat serve`.
func (c *Config) registerEdgeFlags(fs *flag.FlagSet) {
	c.TLSDomains = splitList(envOr("LIVECHAT_TLS_DOMAIN", ""))
	fromFlag := false
	fs.Func("tls-domain",
		"serve HTTPS with automatic certificates (Let's Encrypt) for this domain; repeat or separate with commas for several [$LIVECHAT_TLS_DOMAIN]",
		func(s string) error {
			if !fromFlag { // the flag replaces the environment's list
				c.TLSDomains, fromFlag = nil, true
			}
			c.TLSDomains = append(c.TLSDomains, splitList(s)...)
			return nil
		})
	fs.StringVar(&c.TLSEmail, "tls-email", envOr("LIVECHAT_TLS_EMAIL", ""),
		"contact address given to the certificate authority for expiry notices [$LIVECHAT_TLS_EMAIL]")
	fs.StringVar(&c.TLSCacheDir, "tls-cache-dir", envOr("LIVECHAT_TLS_CACHE_DIR", "./data/certs"),
		"where automatic certificates and the ACME account key are kept [$LIVECHAT_TLS_CACHE_DIR]")
	fs.StringVar(&c.ACMEDirectory, "acme-directory", envOr("LIVECHAT_ACME_DIRECTORY", ""),
		"ACME directory URL; empty is Let's Encrypt, e.g. https://acme-staging-v02.api.letsencrypt.org/directory to test [$LIVECHAT_ACME_DIRECTORY]")
	fs.StringVar(&c.TLSCert, "tls-cert", envOr("LIVECHAT_TLS_CERT", ""),
		"serve HTTPS with this certificate file (PEM, full chain), reloaded when it changes [$LIVECHAT_TLS_CERT]")
	fs.StringVar(&c.TLSKey, "tls-key", envOr("LIVECHAT_TLS_KEY", ""),
		"private key file (PEM) of --tls-cert [$LIVECHAT_TLS_KEY]")
	fs.StringVar(&c.HTTPListen, "http-listen", envOr("LIVECHAT_HTTP_LISTEN", ""),
		`plain-HTTP listener that redirects to HTTPS and answers ACME challenges; default ":80" with --tls-domain, "off" for none [$LIVECHAT_HTTP_LISTEN]`)
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", envOr("LIVECHAT_TRUSTED_PROXIES", ""),
		"reverse proxies whose X-Forwarded-For/-Proto headers are believed: IPs or CIDRs, comma-separated, e.g. 127.0.0.1,::1 [$LIVECHAT_TRUSTED_PROXIES]")
	fs.StringVar(&c.MetricsListen, "metrics-listen", envOr("LIVECHAT_METRICS_LISTEN", ""),
		`serve Prometheus /metrics on this address (e.g. 127.0.0.1:9464); "off" disables metrics [$LIVECHAT_METRICS_LISTEN]`)
	fs.StringVar(&c.MetricsToken, "metrics-token", envOr("LIVECHAT_METRICS_TOKEN", ""),
		"also serve /metrics on the main listener to requests with Authorization: Bearer <token>; without it the main listener has no /metrics [$LIVECHAT_METRICS_TOKEN]")
	fs.IntVar(&c.Streams.PerVisitor, "max-streams-per-visitor", c.envInt("LIVECHAT_MAX_STREAMS_PER_VISITOR", DefaultStreamsPerVisitor),
		"concurrent live streams one visitor session may hold on an instance; -1 for no limit [$LIVECHAT_MAX_STREAMS_PER_VISITOR]")
	fs.IntVar(&c.Streams.PerCredential, "max-streams-per-credential", c.envInt("LIVECHAT_MAX_STREAMS_PER_CREDENTIAL", DefaultStreamsPerCredential),
		"concurrent live streams one dashboard session or API token may hold on an instance; -1 for no limit [$LIVECHAT_MAX_STREAMS_PER_CREDENTIAL]")
	fs.IntVar(&c.Streams.PerAddress, "max-streams-per-address", c.envInt("LIVECHAT_MAX_STREAMS_PER_ADDRESS", DefaultStreamsPerAddress),
		"concurrent live streams one client address (IPv6: /64) may hold on an instance, as resolved behind --trusted-proxies; -1 for no limit [$LIVECHAT_MAX_STREAMS_PER_ADDRESS]")
	fs.IntVar(&c.Streams.FDReserve, "stream-fd-reserve", c.envInt("LIVECHAT_STREAM_FD_RESERVE", 0),
		"file descriptors kept for the API and health checks: new streams are refused when fewer remain below the open-file limit; 0 is a tenth of the limit (64 to 2048) [$LIVECHAT_STREAM_FD_RESERVE]")
	fs.DurationVar(&c.BodyReadTimeout, "body-read-timeout", c.envDuration("LIVECHAT_BODY_READ_TIMEOUT", DefaultBodyReadTimeout),
		"how long a client may take to send a request body [$LIVECHAT_BODY_READ_TIMEOUT]")
}

// envInt returns the integer environment variable key, or def when it is
// unset; a value that is not an integer is reported by Validate.
func (c *Config) envInt(key string, def int) int {
	v, ok := os.LookupEnv(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		c.envErrs = append(c.envErrs, fmt.Errorf("$%s must be a whole number, not %q", key, v))
		return def
	}
	return n
}

// validateEdge checks EdgeConfig and fills in the defaults that depend on
// other settings (listen addresses, the public URL).
func (c *Config) validateEdge() error {
	for i, d := range c.TLSDomains {
		d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
		if d == "" || strings.ContainsAny(d, "/:@ ") || !strings.Contains(d, ".") {
			return fmt.Errorf("--tls-domain wants a bare domain name such as chat.example.com, not %q", c.TLSDomains[i])
		}
		c.TLSDomains[i] = d
	}
	if len(c.TLSDomains) > 0 && c.TLSCert != "" {
		return fmt.Errorf("--tls-domain (automatic certificates) and --tls-cert (certificate files) exclude each other; choose one")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together; give both")
	}
	if len(c.TLSDomains) > 0 && c.TLSCacheDir == "" {
		return fmt.Errorf("--tls-cache-dir must not be empty with --tls-domain: certificates must survive restarts (Let's Encrypt limits how many you may request)")
	}
	if _, err := reqinfo.ParseProxies(c.TrustedProxies); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	if c.Streams.FDReserve < 0 {
		return fmt.Errorf("--stream-fd-reserve must not be negative, not %d", c.Streams.FDReserve)
	}
	if c.Listen == "" {
		c.Listen = ":8080"
		if c.TLS() {
			c.Listen = ":443"
		}
	}
	switch {
	case c.HTTPListen == "off":
	case c.HTTPListen == "" && len(c.TLSDomains) > 0:
		c.HTTPListen = ":80"
	case c.HTTPListen != "" && !c.TLS():
		return fmt.Errorf("--http-listen redirects to HTTPS, so it needs --tls-domain or --tls-cert")
	}
	for name, addr := range map[string]string{"--listen": c.Listen, "--http-listen": c.HTTPListen, "--metrics-listen": c.MetricsListen} {
		if addr == "" || addr == "off" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%s wants host:port or :port, not %q", name, addr)
		}
	}
	if c.PublicURL == "" && len(c.TLSDomains) > 0 {
		c.PublicURL = "https://" + c.TLSDomains[0]
		if _, port, _ := net.SplitHostPort(c.Listen); port != "443" && port != "" {
			c.PublicURL += ":" + port
		}
	}
	return nil
}

// edgeState is the part of App that serves the network edge.
type edgeState struct {
	tls      *tlsMode
	proxies  reqinfo.Proxies
	registry *prometheus.Registry
	streams  streams
	// limiter holds streams to their limits; fds counts what they hold.
	limiter *streamLimiter
	fds     *fdCounter
	// acceptErrors counts failed accepts of the main listener.
	acceptErrors prometheus.Counter
}

// initEdge prepares TLS, the trusted proxies and metrics. It fails on
// unreadable certificate files, so a bad configuration stops the start.
func (a *App) initEdge() error {
	var err error
	if a.proxies, err = reqinfo.ParseProxies(a.cfg.TrustedProxies); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	if a.tls, err = newTLSMode(a.cfg, a.log); err != nil {
		return err
	}
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "livechat_streams_refused_total",
		Help: "New streams refused by a stream limit, by the limit: visitor, credential, address, or file_descriptors (open files near the limit).",
	}, []string{"limit"})
	a.acceptErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "livechat_accept_errors_total",
		Help: "Connections the main listener failed to accept, such as for lack of file descriptors.",
	})
	a.fds = &fdCounter{}
	a.limiter = newStreamLimiter(a.cfg.Streams, a.fds, a.log, refused)
	a.registry = a.newRegistry(refused, a.acceptErrors)
	if a.cfg.MetricsToken != "" {
		a.mux.Handle("GET /metrics", requireBearer(a.cfg.MetricsToken, a.MetricsHandler()))
	} else {
		// Not the dashboard's page either: a scraper pointed here should
		// fail, not read HTML.
		a.mux.HandleFunc("GET /metrics", http.NotFound)
	}
	return nil
}

// requireBearer serves next only to requests with the bearer token.
func requireBearer(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// edgeMiddleware resolves the real client (behind trusted proxies) and sets
// the security headers, around the rest of the handler.
func (a *App) edgeMiddleware(next http.Handler) http.Handler {
	return a.proxies.Middleware(withSecurityHeaders(a.bodyLimits(next)))
}

// serve runs srv on ln, over TLS when configured. HTTP/2 is offered to
// browsers through ALPN: over HTTP/1.1 a browser opens at most ~6
// connections per origin and every live stream holds one.
func (a *App) serve(srv *http.Server, ln net.Listener) error {
	ln = &trackingListener{Listener: ln, fds: a.fds, log: a.log, errors: a.acceptErrors, valve: a.newKeepAliveValve(srv)}
	if a.tls.config == nil {
		return srv.Serve(ln)
	}
	srv.TLSConfig = a.tls.config
	srv.Protocols.SetHTTP2(true)
	return srv.Serve(newHandshakeListener(ln, a.tls.config, srv.ReadHeaderTimeout))
}

// beginShutdown runs when a graceful shutdown starts: the registered hooks
// first (the realtime hub ends its streams its own way), then every stream
// still open is ended with UNAVAILABLE so its client reconnects at once.
func (a *App) beginShutdown() {
	for _, fn := range a.onShutdown {
		fn()
	}
	a.streams.closeAll()
}

// ServeSide opens the side listeners — the plain-HTTP redirect (and ACME
// challenge) listener and the separate metrics listener, when configured —
// and serves them until ctx is done. It returns once they listen; wait
// blocks until they have shut down.
func (a *App) ServeSide(ctx context.Context) (wait func(), err error) {
	type side struct {
		name, addr string
		handler    http.Handler
	}
	var sides []side
	if a.tls.httpHandler != nil && a.cfg.HTTPListen != "" && a.cfg.HTTPListen != "off" {
		sides = append(sides, side{"http redirect", a.cfg.HTTPListen, a.tls.httpHandler})
	}
	if a.cfg.MetricsListen != "" && a.cfg.MetricsListen != "off" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", a.MetricsHandler())
		// Profiles only on this private listener, never on the public one:
		// they show where time and memory go when a figure disappoints.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		sides = append(sides, side{"metrics", a.cfg.MetricsListen, mux})
	}
	var lns []net.Listener
	for _, s := range sides {
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			for _, l := range lns {
				_ = l.Close()
			}
			return nil, fmt.Errorf("%s listener on %s: %w", s.name, s.addr, err)
		}
		lns = append(lns, ln)
	}
	var wg sync.WaitGroup
	for i, s := range sides {
		a.log.Info("serving "+s.name, "listen", lns[i].Addr().String())
		wg.Go(func() {
			if err := serveAux(ctx, lns[i], s.handler, a.cfg.ShutdownTimeout, a.log); err != nil {
				a.log.Error(s.name+" listener failed", "err", err)
			}
		})
	}
	return wg.Wait, nil
}

// http2Config is tuned for many long-lived, mostly idle connections — a
// visitor's browser holds one per open tab, with one stream that only
// receives small events. HPACK's encoder table would keep a copy of every
// header we sent on a connection (the security headers, each request id)
// for as long as it stays open; with a table of almost nothing our headers
// travel in full (a few hundred bytes per call, on connections that make
// few calls) and an idle connection keeps none of them. The decoder's table
// stays at the default: lowering it is only safe once the client has
// acknowledged the setting, and browsers send several requests before.
func http2Config() *http.HTTP2Config {
	return &http.HTTP2Config{MaxEncoderHeaderTableSize: 1}
}
