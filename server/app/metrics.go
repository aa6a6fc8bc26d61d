package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/opensupport/livechat/server/metrics"
	"github.com/opensupport/livechat/server/reqinfo"
)

// errShuttingDown is the cause with which a graceful shutdown cancels the
// streams still open after the realtime hub had its chance to end them.
var errShuttingDown = errors.New("server shutting down")

// unavailable is what those streams' clients get: on UNAVAILABLE they
// reconnect at once, through the balancer, to an instance that is up.
func unavailable() error {
	return connect.NewError(connect.CodeUnavailable, "server shutting down; reconnect")
}

// streams holds the cancel functions of the open streaming RPCs, so a
// shutdown can end them instead of waiting for its timeout.
type streams struct {
	mu      sync.Mutex
	closing bool
	cancel  map[*context.CancelCauseFunc]struct{}
}

// add registers a stream's cancel function; it reports false once shutdown
// has begun, and the stream should not start.
func (s *streams) add(c *context.CancelCauseFunc) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	if s.cancel == nil {
		s.cancel = make(map[*context.CancelCauseFunc]struct{})
	}
	s.cancel[c] = struct{}{}
	return true
}

func (s *streams) remove(c *context.CancelCauseFunc) {
	s.mu.Lock()
	delete(s.cancel, c)
	s.mu.Unlock()
}

// closeAll cancels every open stream and refuses new ones.
func (s *streams) closeAll() {
	s.mu.Lock()
	s.closing = true
	cancels := make([]context.CancelCauseFunc, 0, len(s.cancel))
	for c := range s.cancel {
		cancels = append(cancels, *c)
	}
	s.mu.Unlock()
	for _, c := range cancels {
		c(errShuttingDown)
	}
}

// observeInterceptor counts and times every RPC, keeps the open-streams
// gauge, writes one access-log line per RPC, and lets a shutdown end open
// streams. It runs outside the error interceptor, so it sees the code the
// client gets.
func (a *App) observeInterceptor(next connect.ServerFunc) connect.ServerFunc {
	return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
		start := time.Now()
		procedure := spec.Procedure
		streaming := spec.StreamType != connect.StreamTypeUnary

		var err error
		if streaming {
			err = a.serveStream(ctx, spec, stream, next)
		} else {
			err = next(ctx, spec, stream)
		}

		elapsed := time.Since(start)
		code := "ok"
		if err != nil {
			code = connect.CodeOf(err).String()
		}
		metrics.RPCs.WithLabelValues(procedure, code).Inc()
		if !streaming {
			metrics.RPCDuration.WithLabelValues(procedure).Observe(elapsed.Seconds())
		}
		a.log.LogAttrs(ctx, slog.LevelInfo, "rpc",
			slog.String("procedure", procedure),
			slog.String("code", code),
			slog.Duration("duration", elapsed),
			slog.String("client_ip", clientIPString(ctx)),
		)
		return err
	}
}

// serveStream runs one streaming RPC with a context a shutdown can cancel,
// and reports that cancellation to the client as UNAVAILABLE.
func (a *App) serveStream(ctx context.Context, spec connect.Spec, stream connect.ServerStream, next connect.ServerFunc) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if !a.streams.add(&cancel) {
		return unavailable()
	}
	defer a.streams.remove(&cancel)
	// Tell proxies that buffer responses (nginx does by default) to pass
	// each event on at once.
	if info, ok := connect.CallInfoForServerContext(ctx); ok {
		info.ResponseHeader().Set("X-Accel-Buffering", "no")
	}
	gauge := metrics.LiveStreams.WithLabelValues(spec.Procedure)
	gauge.Inc()
	defer gauge.Dec()

	err := next(ctx, spec, stream)
	if errors.Is(context.Cause(ctx), errShuttingDown) {
		// Whatever the handler made of the cancellation, the client must
		// learn to reconnect.
		return unavailable()
	}
	return err
}

func clientIPString(ctx context.Context) string {
	if ip := reqinfo.ClientIP(ctx); ip.IsValid() {
		return ip.String()
	}
	return ""
}

// MetricsHandler serves the instance's Prometheus metrics.
func (a *App) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
}

// newRegistry is the instance's metric registry: the shared collectors plus
// this instance's database pool and the given collectors of its own.
func (a *App) newRegistry(own ...prometheus.Collector) *prometheus.Registry {
	return metrics.NewRegistry(append(own, metrics.NewPoolCollector(a.pool))...)
}
