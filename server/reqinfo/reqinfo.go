// Package reqinfo tells request handlers who is really at the other end of
// a request: the client's IP address and whether the client reached us over
// HTTPS, with X-Forwarded-For and X-Forwarded-Proto believed only when they
// come from a configured reverse proxy.
//
// It is its own small package so that every service (login throttling,
// session rate limits, cookie flags) asks the same question the same way
// without importing the app that wires them.
package reqinfo

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"connectrpc.com/connect/v2"
)

// Info is what the server knows about the client of one request.
type Info struct {
	// ClientIP is the client's address: the TCP peer, or the address a
	// trusted proxy reported for it. Invalid when unknown.
	ClientIP netip.Addr
	// TLS reports whether the client's connection is encrypted: served over
	// TLS here, or declared https by a trusted proxy.
	TLS bool
	// ViaProxy reports whether the request came through a trusted proxy.
	ViaProxy bool
	// Language is the client's preferred language: the primary subtag of
	// the first Accept-Language entry, lower case ("vi", "en"); "" when
	// none. Mail to a customer is written in it when their widget follows
	// the browser.
	Language string
}

type key struct{}

// With returns a context carrying info.
func With(ctx context.Context, info Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the client info of the request ctx belongs to. Outside the
// HTTP server (for example an in-process test transport) it falls back to
// the RPC's peer address, and TLS is false.
func From(ctx context.Context) Info {
	if info, ok := ctx.Value(key{}).(Info); ok {
		return info
	}
	if call, ok := connect.CallInfoForServerContext(ctx); ok {
		return Info{ClientIP: hostAddr(call.PeerAddr), Language: primaryLanguage(call.RequestHeader().Get("Accept-Language"))}
	}
	return Info{}
}

// ClientIP is the client's IP address (see Info.ClientIP). Rate limits key on
// it; it is invalid (zero) when unknown, which callers should treat as one
// shared "unknown" client rather than as unlimited.
func ClientIP(ctx context.Context) netip.Addr { return From(ctx).ClientIP }

// IsTLS reports whether the client reached the server over HTTPS (see
// Info.TLS); cookies get the Secure attribute when it is true.
func IsTLS(ctx context.Context) bool { return From(ctx).TLS }

// Proxies is the set of reverse proxies whose forwarding headers are
// believed. The zero value trusts nobody.
type Proxies struct {
	prefixes []netip.Prefix
}

// ParseProxies parses a comma- or space-separated list of IP addresses and
// CIDR prefixes, such as "127.0.0.1, 10.0.0.0/8, ::1".
func ParseProxies(s string) (Proxies, error) {
	var p Proxies
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		var prefix netip.Prefix
		var err error
		if strings.Contains(f, "/") {
			prefix, err = netip.ParsePrefix(f)
			prefix = prefix.Masked()
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(f)
			if err == nil {
				a = a.Unmap()
				prefix = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil {
			return Proxies{}, &ProxyError{Value: f}
		}
		p.prefixes = append(p.prefixes, prefix)
	}
	return p, nil
}

// ProxyError reports an entry of a proxy list that is neither an IP address
// nor a CIDR prefix.
type ProxyError struct{ Value string }

func (e *ProxyError) Error() string {
	return "trusted proxy " + `"` + e.Value + `"` + " is neither an IP address nor a CIDR prefix (like 10.0.0.0/8)"
}

// Empty reports whether no proxy is trusted.
func (p Proxies) Empty() bool { return len(p.prefixes) == 0 }

// Trusted reports whether a is one of the proxies.
func (p Proxies) Trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, prefix := range p.prefixes {
		if prefix.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve works out the client of r. When the TCP peer is a trusted proxy,
// X-Forwarded-For is read from the right (the nearest hop) and the first
// address that is not itself a trusted proxy is the client: entries further
// left were written by the client and may be forged. X-Forwarded-Proto is
// taken from the last value, the one the nearest proxy wrote.
func (p Proxies) Resolve(r *http.Request) Info {
	peer := hostAddr(r.RemoteAddr)
	info := Info{ClientIP: peer, TLS: r.TLS != nil, Language: primaryLanguage(r.Header.Get("Accept-Language"))}
	if !peer.IsValid() || !p.Trusted(peer) {
		return info
	}
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		hops := strings.Split(strings.Join(xff, ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				// A malformed hop ends what can be believed.
				break
			}
			a = a.Unmap()
			info.ClientIP = a
			info.ViaProxy = true
			if !p.Trusted(a) {
				break
			}
		}
	}
	if protos := r.Header.Values("X-Forwarded-Proto"); len(protos) > 0 {
		list := strings.Split(protos[len(protos)-1], ",")
		switch strings.ToLower(strings.TrimSpace(list[len(list)-1])) {
		case "https":
			info.TLS = true
			info.ViaProxy = true
		case "http":
			info.TLS = false
			info.ViaProxy = true
		}
	}
	return info
}

// Middleware resolves every request's client info and stores it in the
// request's context for From, ClientIP and IsTLS.
func (p Proxies) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(With(r.Context(), p.Resolve(r))))
	})
}

// primaryLanguage is the primary subtag of the first entry of an
// Accept-Language header ("vi-VN,vi;q=0.9,en;q=0.8" is "vi"), or "".
func primaryLanguage(h string) string {
	first, _, _ := strings.Cut(h, ",")
	first, _, _ = strings.Cut(first, ";")
	tag, _, _ := strings.Cut(strings.TrimSpace(first), "-")
	tag = strings.ToLower(tag)
	if len(tag) < 2 || len(tag) > 8 || strings.Trim(tag, "abcdefghijklmnopqrstuvwxyz") != "" {
		return ""
	}
	return tag
}

// hostAddr parses the IP of a "host:port" or bare-host address.
func hostAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		host = s
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// LimitKey is the key under which abuse limits count a client address: the
// address itself for IPv4, and its /64 prefix for IPv6, since one
// subscriber usually holds a whole /64. Every unknown address shares the
// key "unknown".
func LimitKey(ip netip.Addr) string {
	if !ip.IsValid() {
		return "unknown"
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
