package app

import (
	"net/http"
	"strings"

	connectcors "connectrpc.com/cors"
	"github.com/rs/cors"

	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/widgets"
)

// preflightMaxAge is how long browsers may cache a preflight answer, in
// seconds (Chromium caps it at two hours).
const preflightMaxAge = 7200

// widgetCORS wraps next so that browsers on the widgets' websites may call
// WidgetService (and CustomerService's two visitor calls: the report of the
// visitor's pages and the host site's attributes; MailService's visitor
// transcript; VisitorService's Browse and AcceptInvitation), and only
// those: every other path gets no CORS
// headers, so the agent services stay same-origin.
//
// A preflight carries neither the site key nor the visitor token, so it is
// answered for any origin that at least one live widget allows
// (widgets.Service.AllowsOriginAnywhere). The exact per-widget check happens
// on the call itself (StartSession, GetWidgetConfig and every visitor call),
// which fails with PERMISSION_DENIED naming the origin. Credentials are
// never allowed: the visitor token travels in the Authorization header, not
// in cookies.
//
// GetWidgetConfig is readable from any origin: it holds nothing secret, and
// a page the widget refuses must be able to read why (PERMISSION_DENIED
// naming its origin) to say so in the console and remove the widget,
// instead of seeing a bare network error.
func widgetCORS(origins *widgets.Service, next http.Handler) http.Handler {
	configPath := livechatv1connect.WidgetServiceGetWidgetConfigProcedure
	c := cors.New(cors.Options{
		AllowOriginVaryRequestFunc: func(r *http.Request, origin string) (bool, []string) {
			if r.URL.Path == configPath {
				return true, nil
			}
			return origins.AllowsOriginAnywhere(r.Context(), origin), nil
		},
		AllowedMethods:   connectcors.AllowedMethods(),
		AllowedHeaders:   append(connectcors.AllowedHeaders(), "Authorization", IdempotencyKeyHeader),
		ExposedHeaders:   append(connectcors.ExposedHeaders(), "X-Request-Id", IdempotentReplayedHeader),
		MaxAge:           preflightMaxAge,
		AllowCredentials: false,
	})
	withCORS := c.Handler(next)
	prefix := "/" + livechatv1connect.WidgetServiceName + "/"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The widget also uploads files, and reports its visitor's pages to
		// CustomerService.
		if strings.HasPrefix(r.URL.Path, prefix) || r.URL.Path == attachments.PathPrefix ||
			r.URL.Path == livechatv1connect.CustomerServiceReportVisitorContextProcedure ||
			r.URL.Path == livechatv1connect.CustomerServiceSetVisitorAttributesProcedure ||
			r.URL.Path == livechatv1connect.MailServiceEmailMyTranscriptProcedure ||
			r.URL.Path == livechatv1connect.VisitorServiceBrowseProcedure ||
			r.URL.Path == livechatv1connect.VisitorServiceAcceptInvitationProcedure {
			withCORS.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
