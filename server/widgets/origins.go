package widgets

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
)

// This file holds the rules of where a widget may be used: the allowed
// origins an admin stores, the check of a call's Origin against them, and
// the union of every widget's origins that the HTTP edge answers CORS
// preflights from. The CORS middleware itself belongs to the HTTP edge
// (package app); it asks AllowsOriginAnywhere.

var (
	hostLabelRE  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	defaultPorts = map[string]string{"http": "80", "https": "443"}
)

// originCacheTTL bounds how long an instance answers preflights from a
// stale list after another instance changed a widget's origins.
const originCacheTTL = 15 * time.Second

// checkOrigin enforces a widget's allowed origins on a call. Calls without
// an Origin header come from servers and tools, not from browsers on another
// site, and are allowed: the check keeps other websites from embedding the
// widget, it does not authenticate anyone.
func checkOrigin(allowed []string, origin string) error {
	if origin == "" || originAllowed(allowed, origin) {
		return nil
	}
	return apperr.New(apperr.OriginNotAllowed, "origin %s is not allowed for this widget", origin)
}

// AllowsOriginAnywhere reports whether at least one live widget allows
// origin (any origin at all while some widget allows every origin). A CORS
// preflight carries neither site key nor visitor token, so this is all it
// can be answered from; the exact per-widget check happens on the call.
// The answer comes from a list cached for a few seconds, dropped at once
// when this instance changes a widget; when the list cannot be loaded the
// last one is used, or the origin refused.
func (s *Service) AllowsOriginAnywhere(ctx context.Context, origin string) bool {
	return s.origins.allows(ctx, origin)
}

// originCache is the union of every live widget's allowed origins, reloaded
// when older than originCacheTTL and dropped at once when this instance
// changes a widget.
type originCache struct {
	load func(ctx context.Context) (any bool, patterns []string, err error)

	mu       sync.Mutex
	loadedAt time.Time
	any      bool
	patterns []string
}

func newOriginCache(load func(ctx context.Context) (bool, []string, error)) *originCache {
	return &originCache{load: load}
}

func (c *originCache) invalidate() {
	c.mu.Lock()
	c.loadedAt = time.Time{}
	c.mu.Unlock()
}

// allows reports whether some widget allows origin. When the list cannot be
// loaded it answers from the last list it had, or refuses.
func (c *originCache) allows(ctx context.Context, origin string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.loadedAt) > originCacheTTL {
		if any, patterns, err := c.load(ctx); err == nil {
			c.any, c.patterns, c.loadedAt = any, patterns, time.Now()
		}
	}
	return c.any || (len(c.patterns) > 0 && originAllowed(c.patterns, origin))
}

// loadAllOrigins reads every live widget's allowed origins.
func (s *Service) loadAllOrigins(ctx context.Context) (bool, []string, error) {
	rows, err := s.q.ListWidgetOrigins(ctx)
	if err != nil {
		return false, nil, err
	}
	var all []string
	for _, raw := range rows {
		list, err := decodeOrigins(raw)
		if err != nil {
			return false, nil, err
		}
		if len(list) == 0 {
			return true, nil, nil
		}
		all = append(all, list...)
	}
	return false, all, nil
}

// decodeOrigins reads the allowedOrigins array of stored settings; NULL
// (absent) means an empty list.
func decodeOrigins(raw []byte) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, apperr.Wrap(apperr.Internal, err, "unreadable allowed origins")
	}
	return list, nil
}

// normalizeOrigins validates allowed origins and returns them canonical
// (lower case, default ports dropped), without duplicates, in the given order.
func normalizeOrigins(in []string) ([]string, error) {
	if len(in) > limits.AllowedOrigins {
		return nil, apperr.New(apperr.TooManyItems, "%d allowed origins given; at most %d are allowed", len(in), limits.AllowedOrigins).
			WithField("settings.allowed_origins").WithLimit(limits.AllowedOrigins)
	}
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, o := range in {
		n, err := parseOriginPattern(o)
		if err != nil {
			return nil, err
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// parseOriginPattern checks one allowed origin: "https://host[:port]",
// "http://host[:port]" or "https://*.example.com[:port]", and returns its
// canonical form.
func parseOriginPattern(raw string) (string, error) {
	bad := func(why string) error {
		return apperr.New(apperr.InvalidValue, "allowed origin %q %s", raw, why).WithField("settings.allowed_origins")
	}
	s := strings.TrimSpace(raw)
	if len(s) > maxOriginLen {
		return "", bad("is too long")
	}
	scheme, rest, ok := strings.Cut(strings.ToLower(s), "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return "", bad("must start with https:// or http://")
	}
	rest = strings.TrimSuffix(rest, "/")
	if strings.ContainsAny(rest, "/?#@ \\") {
		return "", bad("must be an origin only: a scheme and a host, with no path, query or user")
	}
	wildcard := false
	if strings.HasPrefix(rest, "*.") {
		if scheme != "https" {
			return "", bad("may use a * wildcard only with https")
		}
		wildcard = true
		rest = rest[2:]
	}
	if strings.Contains(rest, "*") {
		return "", bad("may use * only as its first label, as in https://*.example.com")
	}
	u, err := url.Parse(scheme + "://" + rest)
	if err != nil || u.Host == "" {
		return "", bad("is not a valid origin")
	}
	host, port := u.Hostname(), u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", bad("has an invalid port")
		}
		port = strconv.Itoa(n)
		if port == defaultPorts[scheme] {
			port = ""
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", bad("has an invalid port")
	}
	if ip := net.ParseIP(host); ip != nil {
		if wildcard {
			return "", bad("may not combine a wildcard with an IP address")
		}
		if ip.To4() == nil {
			host = "[" + ip.String() + "]"
		}
	} else {
		labels := strings.Split(host, ".")
		for _, l := range labels {
			if !hostLabelRE.MatchString(l) {
				return "", bad("has an invalid host name")
			}
		}
		if wildcard && len(labels) < 2 {
			return "", bad("must have a wildcard over a domain with at least two labels, as in https://*.example.com")
		}
	}
	out := scheme + "://"
	if wildcard {
		out += "*."
	}
	out += host
	if port != "" {
		out += ":" + port
	}
	return out, nil
}

// canonicalOrigin returns the Origin header of a request in the form
// allowed origins are stored in, or "" when it is not an http(s) origin.
func canonicalOrigin(origin string) string {
	n, err := parseOriginPattern(origin)
	if err != nil || strings.Contains(n, "*") {
		return ""
	}
	return n
}

// originAllowed reports whether a request's Origin header matches a
// widget's allowed origins. An empty list allows any origin. A wildcard
// https://*.example.com matches subdomains at any depth but not
// example.com itself (list it separately).
func originAllowed(allowed []string, origin string) bool {
	if len(allowed) == 0 {
		return true
	}
	o := canonicalOrigin(origin)
	if o == "" {
		return false
	}
	for _, a := range allowed {
		if a == o {
			return true
		}
		if rest, ok := strings.CutPrefix(a, "https://*."); ok {
			host, ok := strings.CutPrefix(o, "https://")
			if ok && strings.HasSuffix(host, "."+rest) {
				return true
			}
		}
	}
	return false
}
