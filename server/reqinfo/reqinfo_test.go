package reqinfo_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/opensupport/livechat/server/reqinfo"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	proxies, err := reqinfo.ParseProxies("127.0.0.1, 10.0.0.0/8 ::1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		proxies  reqinfo.Proxies
		remote   string
		tls      bool
		header   http.Header
		wantIP   string
		wantTLS  bool
		viaProxy bool
	}{
		{name: "direct client: the TCP peer", proxies: proxies, remote: "203.0.113.7:5555", wantIP: "203.0.113.7"},
		{name: "direct TLS", proxies: proxies, remote: "203.0.113.7:5555", tls: true, wantIP: "203.0.113.7", wantTLS: true},
		{
			name: "untrusted peer cannot forge X-Forwarded-For or -Proto", proxies: proxies, remote: "203.0.113.7:5555",
			header: http.Header{"X-Forwarded-For": {"1.2.3.4"}, "X-Forwarded-Proto": {"https"}},
			wantIP: "203.0.113.7",
		},
		{
			name: "nobody is trusted by default", remote: "127.0.0.1:5555",
			header: http.Header{"X-Forwarded-For": {"1.2.3.4"}, "X-Forwarded-Proto": {"https"}},
			wantIP: "127.0.0.1",
		},
		{
			name: "trusted proxy: the client it reports", proxies: proxies, remote: "127.0.0.1:5555",
			header: http.Header{"X-Forwarded-For": {"198.51.100.9"}, "X-Forwarded-Proto": {"https"}},
			wantIP: "198.51.100.9", wantTLS: true, viaProxy: true,
		},
		{
			name: "forged entries left of the real client are ignored", proxies: proxies, remote: "127.0.0.1:5555",
			header: http.Header{"X-Forwarded-For": {"6.6.6.6, 198.51.100.9, 10.1.2.3"}},
			wantIP: "198.51.100.9", viaProxy: true,
		},
		{
			name: "several header lines are one list", proxies: proxies, remote: "[::1]:5555",
			header: http.Header{"X-Forwarded-For": {"6.6.6.6", "198.51.100.9"}},
			wantIP: "198.51.100.9", viaProxy: true,
		},
		{
			name: "only proxies in the chain: the leftmost", proxies: proxies, remote: "127.0.0.1:5555",
			header: http.Header{"X-Forwarded-For": {"10.0.0.1, 10.0.0.2"}},
			wantIP: "10.0.0.1", viaProxy: true,
		},
		{
			name: "a malformed hop stops the walk at the last good one", proxies: proxies, remote: "127.0.0.1:5555",
			header: http.Header{"X-Forwarded-For": {"1.1.1.1, garbage, 10.0.0.5"}},
			wantIP: "10.0.0.5", viaProxy: true,
		},
		{
			name: "the nearest proxy's scheme wins", proxies: proxies, remote: "127.0.0.1:5555",
			header: http.Header{"X-Forwarded-Proto": {"https, http"}},
			wantIP: "127.0.0.1", viaProxy: true,
		},
		{
			name: "IPv4-mapped IPv6 peers match IPv4 proxies", proxies: proxies, remote: "[::ffff:127.0.0.1]:5555",
			header: http.Header{"X-Forwarded-For": {"2001:db8::1"}},
			wantIP: "2001:db8::1", viaProxy: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for k, v := range tt.header {
				r.Header[k] = v
			}
			got := tt.proxies.Resolve(r)
			if got.ClientIP != netip.MustParseAddr(tt.wantIP) || got.TLS != tt.wantTLS || got.ViaProxy != tt.viaProxy {
				t.Fatalf("Resolve = %+v, want ip %s tls %v viaProxy %v", got, tt.wantIP, tt.wantTLS, tt.viaProxy)
			}
		})
	}
}

func TestParseProxiesRejectsGarbage(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"localhost", "10.0.0.0/33", "1.2.3", "10.0.0.0/8,nope"} {
		if _, err := reqinfo.ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q) succeeded", bad)
		}
	}
	p, err := reqinfo.ParseProxies("")
	if err != nil || !p.Empty() {
		t.Fatalf("ParseProxies(\"\") = %v, %v; want empty", p, err)
	}
}

func TestMiddlewareStoresInfoInContext(t *testing.T) {
	t.Parallel()
	proxies, _ := reqinfo.ParseProxies("192.0.2.1")
	var got reqinfo.Info
	h := proxies.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = reqinfo.From(r.Context())
		if reqinfo.ClientIP(r.Context()) != got.ClientIP || reqinfo.IsTLS(r.Context()) != got.TLS {
			t.Error("ClientIP/IsTLS disagree with From")
		}
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "192.0.2.1:1234"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	r.Header.Set("X-Forwarded-Proto", "https")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got.ClientIP.String() != "198.51.100.1" || !got.TLS {
		t.Fatalf("info = %+v", got)
	}
}

func TestPrimaryLanguage(t *testing.T) {
	for in, want := range map[string]string{
		"vi-VN,vi;q=0.9,en;q=0.8": "vi", "en": "en", "EN-us": "en", "": "", "*": "", "x1;q=1": "", " fr-CA ; q=0.7": "fr",
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Language", in)
		if got := (reqinfo.Proxies{}).Resolve(r).Language; got != want {
			t.Errorf("Accept-Language %q: Language %q, want %q", in, got, want)
		}
	}
}
