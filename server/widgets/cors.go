package widgets

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	connectcors "connectrpc.com/cors"
	"github.com/rs/cors"

	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
)

// preflightMaxAge is how long browsers may cache a preflight answer, in
// seconds (Chromium caps it at two hours).
const preflightMaxAge = 7200

// originCacheTTL bounds how long an instance answers preflights from a
// stale list after another instance changed a widget's origins.
const originCacheTTL = 15 * time.Second

// CORS wraps next so that browsers on the widgets' websites may call
// WidgetService, and only WidgetService: every other path gets no CORS
// headers, so the agent services stay same-origin.
//
// A preflight carries neither the site key nor the visitor token, so it is
// answered for any origin that at least one live widget allows (any origin
// at all while some widget allows every origin). The exact per-widget check
// happens on the call itself (StartSession, GetWidgetConfig and every
// visitor call), which fails with PERMISSION_DENIED naming the origin.
// Credentials are never allowed: the visitor token travels in the
// Authorization header, not in cookies.
//
// GetWidgetConfig is readable from any origin: it holds nothing secret, and
// a page the widget refuses must be able to read why (PERMISSION_DENIED
// naming its origin) to say so in the console and remove the widget,
// instead of seeing a bare network error.
func (s *Service) CORS(next http.Handler) http.Handler {
	configPath := "/" + livechatv1connect.WidgetServiceName + "/GetWidgetConfig"
	c := cors.New(cors.Options{
		AllowOriginVaryRequestFunc: func(r *http.Request, origin string) (bool, []string) {
			if r.URL.Path == configPath {
				return true, nil
			}
			return s.origins.allows(r.Context(), origin), nil
		},
		AllowedMethods:   connectcors.AllowedMethods(),
		AllowedHeaders:   append(connectcors.AllowedHeaders(), "Authorization"),
		ExposedHeaders:   append(connectcors.ExposedHeaders(), "X-Request-Id"),
		MaxAge:           preflightMaxAge,
		AllowCredentials: false,
	})
	withCORS := c.Handler(next)
	prefix := "/" + livechatv1connect.WidgetServiceName + "/"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, prefix) {
			withCORS.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

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
