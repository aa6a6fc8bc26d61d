package app

import (
	"context"
	"net/http"
	"time"

	connectv1 "connectrpc.com/connect"
	"connectrpc.com/grpchealth"

	"github.com/opensupport/livechat/server/principal"
)

// Watch implements grpchealth.Watcher: the stream sends the status at once
// and again whenever it changes, following /readyz as Check does. Readiness
// is re-checked every HealthWatchEvery. A watch is a stream like any other:
// it counts against the caller's address limit.
func (h healthChecker) Watch(ctx context.Context, req *grpchealth.CheckRequest, onChange func()) (stop func(), err error) {
	if _, err := h.Check(ctx, req); err != nil {
		return nil, err // an unknown service
	}
	release, err := h.a.limiter.acquire(ctx, principal.Principal{})
	if err != nil {
		// The health service is served by connect-go v1.
		return nil, connectv1.NewError(connectv1.CodeResourceExhausted, err)
	}
	every := h.a.cfg.HealthWatchEvery
	if every <= 0 {
		every = healthWatchEvery
	}
	ticker := time.NewTicker(every)
	done := make(chan struct{})
	go func() {
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				// The handler checks again and sends only a change.
				onChange()
			}
		}
	}()
	return func() {
		close(done)
		release()
	}, nil
}

var _ grpchealth.Watcher = healthChecker{}

// endOnShutdown gives each request to next a context that a graceful
// shutdown cancels, as the API's streams get: health watches would
// otherwise hold the shutdown until its timeout.
func (a *App) endOnShutdown(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancelCause(r.Context())
		defer cancel(nil)
		if !a.streams.add(&cancel) {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		defer a.streams.remove(&cancel)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
