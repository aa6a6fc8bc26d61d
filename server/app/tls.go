package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// tlsMode is how the instance serves HTTPS, decided from the configuration.
type tlsMode struct {
	// config is the main listener's TLS configuration; nil serves plain HTTP.
	config *tls.Config
	// httpHandler serves the plain-HTTP listener (--http-listen): ACME
	// HTTP-01 challenges when certificates are automatic, and a redirect to
	// HTTPS for everything else.
	httpHandler http.Handler
}

// newTLSMode builds the TLS configuration: automatic certificates for
// cfg.TLSDomains, or the certificate files cfg.TLSCert and cfg.TLSKey, or
// none.
func newTLSMode(cfg Config, log *slog.Logger) (*tlsMode, error) {
	switch {
	case len(cfg.TLSDomains) > 0:
		if err := os.MkdirAll(cfg.TLSCacheDir, 0o700); err != nil {
			return nil, fmt.Errorf("certificate cache directory: %w", err)
		}
		m := &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			HostPolicy: autocert.HostWhitelist(cfg.TLSDomains...),
			Cache:      autocert.DirCache(cfg.TLSCacheDir),
			Email:      cfg.TLSEmail,
		}
		if cfg.ACMEDirectory != "" {
			m.Client = &acme.Client{DirectoryURL: cfg.ACMEDirectory}
		}
		tc := m.TLSConfig() // h2, http/1.1 and the TLS-ALPN-01 challenge
		tc.MinVersion = tls.VersionTLS12
		// Certificates are obtained on the first handshake for a name and
		// renewed 30 days before they expire, in the background.
		log.Info("automatic HTTPS", "domains", cfg.TLSDomains, "cache", cfg.TLSCacheDir)
		return &tlsMode{
			config:      tc,
			httpHandler: m.HTTPHandler(redirectToHTTPS(cfg.TLSDomains, cfg.Listen)),
		}, nil
	case cfg.TLSCert != "":
		kp, err := newKeyPairReloader(cfg.TLSCert, cfg.TLSKey, log)
		if err != nil {
			return nil, err
		}
		return &tlsMode{
			config: &tls.Config{
				MinVersion:     tls.VersionTLS12,
				GetCertificate: kp.GetCertificate,
			},
			httpHandler: redirectToHTTPS(nil, cfg.Listen),
		}, nil
	default:
		return &tlsMode{}, nil
	}
}

// redirectToHTTPS sends plain-HTTP requests to the same path over HTTPS.
// Hosts other than the configured domains are sent to the first one, so the
// redirect cannot be pointed elsewhere by a forged Host header. GET and HEAD
// get 301 (cacheable, understood everywhere); other methods 308, which keeps
// the method and body.
func redirectToHTTPS(domains []string, httpsListen string) http.Handler {
	port := ""
	if _, p, err := net.SplitHostPort(httpsListen); err == nil && p != "443" && p != "" && p != "0" {
		port = p
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if len(domains) > 0 {
			known := false
			for _, d := range domains {
				if strings.EqualFold(host, d) {
					known = true
					break
				}
			}
			if !known {
				host = domains[0]
			}
		}
		if host == "" {
			http.Error(w, "use HTTPS", http.StatusBadRequest)
			return
		}
		if port != "" {
			host = net.JoinHostPort(host, port)
		}
		target := "https://" + host + r.URL.RequestURI()
		code := http.StatusMovedPermanently
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			code = http.StatusPermanentRedirect
		}
		w.Header().Set("Connection", "close")
		http.Redirect(w, r, target, code)
	})
}

// keyPairReloader serves a certificate from files and picks up renewed
// files (written by certbot or another tool) without a restart: at most
// once a minute a handshake checks the files' modification times.
type keyPairReloader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu        sync.Mutex
	cert      *tls.Certificate
	modTime   time.Time
	checkedAt time.Time
}

func newKeyPairReloader(certFile, keyFile string, log *slog.Logger) (*keyPairReloader, error) {
	kp := &keyPairReloader{certFile: certFile, keyFile: keyFile, log: log}
	if err := kp.load(); err != nil {
		return nil, err
	}
	return kp, nil
}

func (kp *keyPairReloader) newestModTime() (time.Time, error) {
	var newest time.Time
	for _, f := range []string{kp.certFile, kp.keyFile} {
		st, err := os.Stat(f)
		if err != nil {
			return time.Time{}, err
		}
		if st.ModTime().After(newest) {
			newest = st.ModTime()
		}
	}
	return newest, nil
}

// load reads the files; the caller holds mu or is the constructor.
func (kp *keyPairReloader) load() error {
	mod, err := kp.newestModTime()
	if err != nil {
		return fmt.Errorf("TLS certificate: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(kp.certFile, kp.keyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate %s with key %s: %w", kp.certFile, kp.keyFile, err)
	}
	kp.cert, kp.modTime, kp.checkedAt = &cert, mod, time.Now()
	return nil
}

// GetCertificate implements tls.Config.GetCertificate.
func (kp *keyPairReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	kp.mu.Lock()
	defer kp.mu.Unlock()
	if time.Since(kp.checkedAt) >= time.Minute {
		kp.checkedAt = time.Now()
		if mod, err := kp.newestModTime(); err == nil && mod.After(kp.modTime) {
			// A failed reload (files half written) keeps the old
			// certificate and tries again at the next check.
			if err := kp.load(); err != nil {
				kp.log.Warn("reloading the TLS certificate failed; keeping the previous one", "err", err)
			} else {
				kp.log.Info("reloaded the TLS certificate", "cert", kp.certFile)
			}
		}
	}
	return kp.cert, nil
}

// serveAux serves handler on ln until ctx is done, then shuts down within
// timeout. It is for the small side listeners (HTTP redirect, metrics).
func serveAux(ctx context.Context, ln net.Listener, handler http.Handler, timeout time.Duration, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
