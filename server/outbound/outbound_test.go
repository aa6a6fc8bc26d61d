package outbound_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opensupport/livechat/server/outbound"
)

// receiver starts an HTTP server on addr (e.g. "127.0.0.2:0").
func receiver(t *testing.T, addr string, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func forbidden(t *testing.T, err error, want string) {
	t.Helper()
	var fe *outbound.ForbiddenError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a refused address", err)
	}
	if fe.Addr.String() != want {
		t.Fatalf("refused %s, want %s", fe.Addr, want)
	}
}

func TestRefusesPrivateTargets(t *testing.T) {
	var hits atomic.Int32
	srv := receiver(t, "127.0.0.1:0", func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) })
	c := outbound.New(outbound.Options{Timeout: 2 * time.Second})
	ctx := context.Background()

	t.Run("loopback refused", func(t *testing.T) {
		_, err := c.Post(ctx, outbound.Request{URL: srv.URL})
		forbidden(t, err, "127.0.0.1")
	})
	t.Run("a name resolving to loopback refused", func(t *testing.T) {
		_, err := c.Post(ctx, outbound.Request{URL: strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)})
		var fe *outbound.ForbiddenError
		if !errors.As(err, &fe) || !fe.Addr.IsLoopback() {
			t.Fatalf("err = %v, want a refused loopback address", err)
		}
	})
	t.Run("metadata address refused before connecting", func(t *testing.T) {
		_, err := c.Post(ctx, outbound.Request{URL: "http://169.254.169.254/latest/meta-data/"})
		forbidden(t, err, "169.254.169.254")
	})
	t.Run("IPv4-mapped IPv6 loopback refused", func(t *testing.T) {
		_, err := c.Post(ctx, outbound.Request{URL: "http://[::ffff:127.0.0.1]:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]})
		forbidden(t, err, "127.0.0.1")
	})
	if n := hits.Load(); n != 0 {
		t.Fatalf("the receiver got %d requests, want none", n)
	}
	t.Run("allowed when the request allows private targets", func(t *testing.T) {
		r, err := c.Post(ctx, outbound.Request{URL: srv.URL, AllowPrivate: true})
		if err != nil || r.Status != 200 || hits.Load() != 1 {
			t.Fatalf("status %d, err %v, hits %d", r.Status, err, hits.Load())
		}
	})
}

func TestRedirectIntoPrivateRefused(t *testing.T) {
	var inner atomic.Int32
	target := receiver(t, "127.0.0.1:0", func(w http.ResponseWriter, _ *http.Request) { inner.Add(1) })
	// The operator allows 127.0.0.2 only: the first hop is allowed, the
	// redirect to 127.0.0.1 is not.
	front := receiver(t, "127.0.0.2:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/hook", http.StatusTemporaryRedirect)
	})
	c := outbound.New(outbound.Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	_, err := c.Post(context.Background(), outbound.Request{URL: front.URL, Body: []byte("{}")})
	forbidden(t, err, "127.0.0.1")
	if n := inner.Load(); n != 0 {
		t.Fatalf("the private target got %d requests", n)
	}
	// Not following into the metadata service either.
	meta := receiver(t, "127.0.0.2:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	_, err = c.Post(context.Background(), outbound.Request{URL: meta.URL})
	forbidden(t, err, "169.254.169.254")
}

func TestResponseCapAndTimeout(t *testing.T) {
	big := receiver(t, "127.0.0.1:0", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", 1<<20)))
	})
	c := outbound.New(outbound.Options{MaxResponseBytes: 100, Timeout: 300 * time.Millisecond})
	r, err := c.Post(context.Background(), outbound.Request{URL: big.URL, AllowPrivate: true})
	if err != nil || len(r.Body) != 100 {
		t.Fatalf("read %d bytes, err %v; want the first 100", len(r.Body), err)
	}
	slow := receiver(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	start := time.Now()
	_, err = c.Post(context.Background(), outbound.Request{URL: slow.URL, AllowPrivate: true})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("err %v after %v; want a timeout after 300ms", err, time.Since(start))
	}
}

func TestCheckURL(t *testing.T) {
	for _, u := range []string{"ftp://example.com/", "example.com/hook", "https://user:pw@example.com/", "http:///x", "://"} {
		if err := outbound.CheckURL(u); !errors.Is(err, outbound.ErrBadURL) {
			t.Errorf("CheckURL(%q) = %v, want ErrBadURL", u, err)
		}
	}
	if err := outbound.CheckURL("https://example.com/hooks?x=1"); err != nil {
		t.Error(err)
	}
}
