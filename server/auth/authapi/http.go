package authapi

import (
	"net/http"

	"connectrpc.com/connect/v2"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
)

// ResolveHTTP resolves the caller of a plain HTTP request (the attachment
// upload) exactly as Intercept does for an RPC: an API or visitor bearer
// token (a visitor's widget must allow the request's Origin), or the
// dashboard's session cookie, accepted only from the dashboard's own
// origin. Without credentials it is SignInRequired; a Set-Cookie that drops
// a dead session is copied to w.
func (i *Interceptor) ResolveHTTP(w http.ResponseWriter, r *http.Request) (principal.Principal, error) {
	info := &connect.CallInfo{}
	for k, v := range r.Header {
		info.RequestHeader().SetValues(k, v)
	}
	info.RequestHeader().Set("Host", r.Host)
	p, err := i.resolve(r.Context(), info)
	for k, v := range info.ResponseHeader().All() {
		w.Header()[k] = v
	}
	if err == nil && p.Kind == principal.KindAnonymous {
		err = apperr.New(apperr.SignInRequired, "uploads need you to sign in, an API token or a visitor token as Authorization: Bearer")
	}
	return p, err
}
