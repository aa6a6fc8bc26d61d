package authapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"connectrpc.com/connect/v2"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/auth"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/reqinfo"
)

// SessionCookie is the name of the dashboard session cookie.
const SessionCookie = "livechat_session"

// VisitorResolver resolves a widget visitor token to its visitor. The widget
// service implements it. origin is the call's Origin header ("" when there
// is none), which the token's widget must allow. It returns Unauthenticated
// for an unknown, revoked or expired token.
type VisitorResolver interface {
	ResolveVisitor(ctx context.Context, token, origin string) (principal.Principal, error)
}

// Web says how the server is reached by browsers, for cookies and CSRF
// checks.
type Web struct {
	// PublicURL is the dashboard's address (e.g. https://chat.example.com);
	// its origin is the only one whose cookie-authenticated calls are
	// accepted. Empty means the origin the request was sent to.
	PublicURL string
	// SecureCookies forces the Secure attribute (behind a TLS-terminating
	// proxy). It is set anyway over TLS or when PublicURL is https.
	SecureCookies bool
}

// Interceptor is the one authentication and authorization layer of the
// server: for every call, unary or streaming, it resolves the principal from
// the credentials (API or visitor bearer token, or session cookie), checks
// Policy, and stores the principal in the context for the handlers.
type Interceptor struct {
	svc      *auth.Service
	visitors VisitorResolver
	web      Web
	// origin is PublicURL's origin, or empty.
	origin string
}

// NewInterceptor returns the interceptor. visitors may be nil: then visitor
// tokens are refused as unauthenticated.
func NewInterceptor(svc *auth.Service, visitors VisitorResolver, web Web) *Interceptor {
	i := &Interceptor{svc: svc, visitors: visitors, web: web}
	if u, err := url.Parse(web.PublicURL); err == nil && u.Host != "" {
		i.origin = strings.ToLower(u.Scheme + "://" + u.Host)
	}
	return i
}

// Intercept implements connect.ServerInterceptor. It runs before the request
// message is read, so an unauthorized caller costs no decoding.
func (i *Interceptor) Intercept(next connect.ServerFunc) connect.ServerFunc {
	return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
		access := Policy[spec.Procedure]
		if access == Deny {
			return apperr.New(apperr.PermissionDenied, "%s has no access policy", spec.Procedure)
		}
		info, _ := connect.CallInfoForServerContext(ctx)
		if info == nil {
			info = &connect.CallInfo{}
		}
		header := info.RequestHeader()
		if sameOriginOnly[spec.Procedure] {
			if err := i.checkOrigin(ctx, header); err != nil {
				return err
			}
		}
		p, err := i.resolveFor(ctx, spec, info)
		if err != nil {
			if access == Public {
				// Public calls ignore credentials they cannot use.
				p = principal.Principal{}
			} else {
				return err
			}
		}
		if err := allow(access, p, spec.Procedure); err != nil {
			return err
		}
		if p.TwoFactorPending && access != Public && !enrolment[spec.Procedure] {
			return auth.TwoFactorRequired()
		}
		return next(principal.With(ctx, p), spec, stream)
	}
}

// allow applies one policy entry to a resolved principal: no identity is
// Unauthenticated, the wrong identity is PermissionDenied.
func allow(access Access, p principal.Principal, procedure string) error {
	method := procedure[strings.LastIndexByte(procedure, '/')+1:]
	switch access {
	case Public:
		return nil
	case VisitorOnly:
		switch {
		case p.IsVisitor():
			return nil
		case p.Kind == principal.KindAnonymous:
			return apperr.New(apperr.SignInRequired, "%s needs a visitor token (from WidgetService.StartSession) as Authorization: Bearer", method)
		}
		return apperr.New(apperr.PermissionDenied, "%s is for website visitors only", method)
	case AgentAccess, AdminAccess, SessionAgent:
		switch p.Kind {
		case principal.KindAnonymous:
			return apperr.New(apperr.SignInRequired, "%s needs you to sign in, or an API token as Authorization: Bearer", method)
		case principal.KindVisitor:
			return apperr.New(apperr.PermissionDenied, "%s is for agents only", method)
		}
		if access == AdminAccess && !p.IsAdmin() {
			if p.TokenID != [16]byte{} {
				return apperr.New(apperr.AdminRequired, "%s is for admins only: this API token may act as an agent only", method)
			}
			return apperr.New(apperr.AdminRequired, "%s is for admins only", method)
		}
		if access == SessionAgent && p.SessionID == [16]byte{} {
			return apperr.New(apperr.PermissionDenied, "%s needs a dashboard session: API tokens cannot call it", method)
		}
		return nil
	}
	return apperr.New(apperr.PermissionDenied, "%s has no access policy", procedure)
}

// resolveFor resolves the caller of a call. For a stream it does so on a
// goroutine of its own: resolving may query the database, a deep call that
// would double the stack of the stream's goroutine, which then stays idle,
// holding the doubled stack, for as long as the stream is open.
func (i *Interceptor) resolveFor(ctx context.Context, spec connect.Spec, info *connect.CallInfo) (principal.Principal, error) {
	if spec.StreamType == connect.StreamTypeUnary {
		return i.resolve(ctx, info)
	}
	type result struct {
		p   principal.Principal
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := i.resolve(ctx, info)
		done <- result{p, err}
	}()
	r := <-done
	return r.p, r.err
}

// resolve finds the caller. An Authorization header wins over the cookie:
// it is what API clients and the widget send on purpose.
func (i *Interceptor) resolve(ctx context.Context, info *connect.CallInfo) (principal.Principal, error) {
	header := info.RequestHeader()
	if authz := header.Get("Authorization"); authz != "" {
		scheme, token, _ := strings.Cut(strings.TrimSpace(authz), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			return principal.Principal{}, apperr.New(apperr.SignInRequired, `the Authorization header must be "Bearer <token>"`)
		}
		switch {
		case strings.HasPrefix(token, principal.VisitorTokenPrefix):
			if i.visitors == nil {
				return principal.Principal{}, apperr.New(apperr.SignInRequired, "visitor tokens are not accepted by this server")
			}
			return i.visitors.ResolveVisitor(ctx, token, header.Get("Origin"))
		case strings.HasPrefix(token, auth.APITokenPrefix):
			return i.svc.AuthenticateAPIToken(ctx, token)
		}
		return principal.Principal{}, apperr.New(apperr.SignInRequired, "unrecognised bearer token: API tokens start with %q", auth.APITokenPrefix)
	}
	token := sessionToken(header)
	if token == "" {
		return principal.Principal{}, nil
	}
	if err := i.checkOrigin(ctx, header); err != nil {
		return principal.Principal{}, err
	}
	p, err := i.svc.AuthenticateSession(ctx, token)
	if apperr.HasCode(err, apperr.CodeUnauthenticated) {
		// The cookie is of no use any more: have the browser drop it.
		info.ResponseHeader().Add("Set-Cookie", i.expiredCookie(ctx).String())
	}
	return p, err
}

// sessionToken returns the session cookie's value, if any.
func sessionToken(h *connect.Header) string {
	for _, line := range h.Values("Cookie") {
		cookies, err := http.ParseCookie(line)
		if err != nil {
			continue
		}
		for _, c := range cookies {
			if c.Name == SessionCookie && c.Value != "" {
				return c.Value
			}
		}
	}
	return ""
}

// checkOrigin refuses a browser call made from another site. Browsers send
// Sec-Fetch-Site and Origin on the requests that matter (Connect calls are
// POSTs with a non-form content type, or GETs marked by Sec-Fetch-Site), so
// a cross-site page cannot ride on the dashboard's cookie. Clients that send
// neither header (curl, buf curl, server code) are not browsers and have no
// ambient cookie to abuse.
func (i *Interceptor) checkOrigin(ctx context.Context, h *connect.Header) error {
	if site := h.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return errCrossOrigin
	}
	origin := h.Get("Origin")
	if origin == "" {
		return nil
	}
	if i.origin != "" {
		if strings.EqualFold(origin, i.origin) {
			return nil
		}
		return errCrossOrigin
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, h.Get("Host")) {
		return errCrossOrigin
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && !isTLS(ctx):
		// Over TLS a plain-http page of the same host is another origin.
		// Without TLS the page may still be https, served by a proxy that
		// terminates TLS, so both schemes are the dashboard.
		return nil
	}
	return errCrossOrigin
}

var errCrossOrigin = apperr.New(apperr.OriginNotAllowed,
	"cross-origin request refused: dashboard sign-in and session calls are accepted only from the dashboard's own origin")

func isTLS(ctx context.Context) bool {
	return reqinfo.IsTLS(ctx)
}

// secure reports whether cookies get the Secure attribute.
func (w Web) secure(ctx context.Context) bool {
	return w.SecureCookies || strings.HasPrefix(strings.ToLower(w.PublicURL), "https://") || isTLS(ctx)
}

// sessionCookie is the cookie that carries a new session.
func (w Web) sessionCookie(ctx context.Context, s auth.Session, now time.Time) *http.Cookie {
	return &http.Cookie{
		Name: SessionCookie, Value: s.Token, Path: "/",
		MaxAge:   int(s.ExpiresAt.Sub(now).Seconds()),
		HttpOnly: true, Secure: w.secure(ctx), SameSite: http.SameSiteLaxMode,
	}
}

// expiredCookie tells the browser to drop the session cookie.
func (i *Interceptor) expiredCookie(ctx context.Context) *http.Cookie {
	return i.web.expiredCookie(ctx)
}

func (w Web) expiredCookie(ctx context.Context) *http.Cookie {
	return &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: w.secure(ctx), SameSite: http.SameSiteLaxMode,
	}
}

// ClientIP is the address a call comes from, as used by login throttling:
// the connection's peer, or the client a trusted proxy reports
// (--trusted-proxies; see package reqinfo).
func ClientIP(ctx context.Context) string {
	if ip := reqinfo.ClientIP(ctx); ip.IsValid() {
		return ip.String()
	}
	return ""
}
