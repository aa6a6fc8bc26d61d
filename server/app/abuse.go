package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/reqinfo"
)

// The default limits of concurrent streams on one instance. A visitor's
// page holds one stream per open tab; an agent's dashboard one per tab; an
// integration with an API token a few. An address is shared by everyone
// behind one NAT (an office, a mobile carrier), so it gets the most.
const (
	DefaultStreamsPerVisitor    = 10
	DefaultStreamsPerCredential = 50
	DefaultStreamsPerAddress    = 500
	// DefaultBodyReadTimeout bounds reading a request body: every request
	// of the API is a few kilobytes at most.
	DefaultBodyReadTimeout = 10 * time.Second
	// maxDrainBytes is how much of a request body over the limit is still
	// read (and discarded) so the client receives the refusal instead of a
	// connection reset while it is still sending.
	maxDrainBytes = 8 << 20
	// healthWatchEvery is how often a health Watch re-checks readiness.
	healthWatchEvery = 5 * time.Second
)

// tooManyStreams refuses a new stream over one of the stream limits.
func tooManyStreams(limit int, msg string) error {
	return apperr.New(apperr.TooManyStreams, "%s", msg).WithLimit(int64(limit))
}

// requestTooLarge refuses a request body over maxRequestBytes.
func requestTooLarge() error {
	return apperr.New(apperr.RequestTooLarge, "request is larger than %d bytes", maxRequestBytes).WithLimit(maxRequestBytes)
}

// malformedRequest refuses a request message that cannot be decoded.
func malformedRequest(msg string) error {
	return apperr.New(apperr.InvalidValue, "%s", msg)
}

// edgeInterceptor runs innermost, after authentication: it holds each
// stream to the stream limits of its caller, and gives the transport's own
// errors about the request (too large, undecodable) their reasons.
func (a *App) edgeInterceptor(next connect.ServerFunc) connect.ServerFunc {
	return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
		if spec.StreamType != connect.StreamTypeUnary {
			release, err := a.limiter.acquire(ctx, principal.From(ctx))
			if err != nil {
				return err
			}
			defer release()
		}
		return transportError(next(ctx, spec, stream))
	}
}

// transportError gives errors that connect-go raised while reading the
// request a clear code and reason. Domain errors (apperr) pass unchanged:
// connect-go raises RESOURCE_EXHAUSTED only for a request over the read
// limit, and a base64 query message that does not decode is the client's
// input, not an unknown fault.
func transportError(err error) error {
	var ce *connect.Error
	if err == nil || !errors.As(err, &ce) || ce.IsRemote() {
		return err
	}
	var ae *apperr.Error
	if errors.As(err, &ae) || len(ce.Details()) > 0 {
		return err
	}
	var corrupt base64.CorruptInputError
	switch {
	case ce.Code() == connect.CodeResourceExhausted:
		return requestTooLarge()
	case errors.As(err, &corrupt):
		return malformedRequest("the message query parameter is not valid base64")
	}
	return err
}

// StreamLimits bound the concurrent streams (Subscribe, health Watch) one
// instance holds. Zero fields take the defaults; a negative one turns that
// limit off.
type StreamLimits struct {
	// PerVisitor bounds the streams of one visitor session.
	PerVisitor int
	// PerCredential bounds the streams of one dashboard session or API token.
	PerCredential int
	// PerAddress bounds the streams of one client address (an IPv6 /64),
	// as resolved behind trusted proxies.
	PerAddress int
	// FDReserve is how many file descriptors are kept for the rest of the
	// API and health checks: new streams are refused once fewer than this
	// remain below the open-file limit. Zero is a tenth of the limit,
	// between 64 and 2048.
	FDReserve int
	// OpenFileLimit replaces the process's open-file limit (RLIMIT_NOFILE)
	// in that check; zero reads the limit. Tests lower it.
	OpenFileLimit int
}

func (l StreamLimits) withDefaults() StreamLimits {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.PerVisitor, DefaultStreamsPerVisitor)
	def(&l.PerCredential, DefaultStreamsPerCredential)
	def(&l.PerAddress, DefaultStreamsPerAddress)
	if l.OpenFileLimit == 0 {
		var rl syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur < 1<<30 {
			l.OpenFileLimit = int(rl.Cur)
		}
	}
	if l.FDReserve == 0 {
		l.FDReserve = min(max(l.OpenFileLimit/10, 64), 2048)
	}
	return l
}

// streamLimiter counts the open streams of each caller and client address
// on this instance, and watches the file descriptors they hold.
type streamLimiter struct {
	limits  StreamLimits
	fds     *fdCounter
	log     *slog.Logger
	refused *prometheus.CounterVec

	mu   sync.Mutex
	open map[string]int
}

func newStreamLimiter(limits StreamLimits, fds *fdCounter, log *slog.Logger, refused *prometheus.CounterVec) *streamLimiter {
	return &streamLimiter{limits: limits.withDefaults(), fds: fds, log: log, refused: refused, open: map[string]int{}}
}

// acquire counts a new stream of p from the request's client address, or
// refuses it with RESOURCE_EXHAUSTED (reason TOO_MANY_STREAMS) over a limit.
// release must be called when the stream ends.
func (l *streamLimiter) acquire(ctx context.Context, p principal.Principal) (release func(), err error) {
	if fl := l.limits.OpenFileLimit; fl > 0 {
		if used := l.fds.inUse(); used >= fl-l.limits.FDReserve {
			l.refused.WithLabelValues("file_descriptors").Inc()
			l.log.WarnContext(ctx, "refusing a stream: open files near the limit", "open_files", used, "limit", fl, "reserve", l.limits.FDReserve)
			return nil, tooManyStreams(fl-l.limits.FDReserve, "the server holds too many connections; try again shortly")
		}
	}
	type key struct {
		name, label string
		limit       int
	}
	keys := []key{{"addr:" + reqinfo.LimitKey(reqinfo.ClientIP(ctx)), "address", l.limits.PerAddress}}
	switch {
	case p.VisitorSessionID != uuid.Nil:
		keys = append(keys, key{"visitor:" + p.VisitorSessionID.String(), "visitor", l.limits.PerVisitor})
	case p.SessionID != uuid.Nil:
		keys = append(keys, key{"session:" + p.SessionID.String(), "credential", l.limits.PerCredential})
	case p.TokenID != uuid.Nil:
		keys = append(keys, key{"token:" + p.TokenID.String(), "credential", l.limits.PerCredential})
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if k.limit > 0 && l.open[k.name] >= k.limit {
			l.refused.WithLabelValues(k.label).Inc()
			return nil, tooManyStreams(k.limit, fmt.Sprintf("too many open streams for this %s (at most %d); close one first", k.label, k.limit))
		}
	}
	for _, k := range keys {
		l.open[k.name]++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			for _, k := range keys {
				if l.open[k.name]--; l.open[k.name] <= 0 {
					delete(l.open, k.name)
				}
			}
		})
	}, nil
}

// fdCounter tells how many file descriptors the process holds: a count of
// /proc/self/fd taken at most once a second, plus the connections accepted
// since (exact, from the listener), so a burst of connections is seen at
// once without listing thousands of descriptors on every stream.
type fdCounter struct {
	conns atomic.Int64 // open connections of the main listener

	mu        sync.Mutex
	sampledAt time.Time
	sampled   int   // descriptors at sampledAt
	connsAt   int64 // conns at sampledAt
}

func (c *fdCounter) inUse() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if now.Sub(c.sampledAt) >= time.Second {
		if n, err := countOpenFiles(); err == nil {
			c.sampled, c.connsAt, c.sampledAt = n, c.conns.Load(), now
		} else {
			// No /proc: count connections only.
			c.sampled, c.connsAt, c.sampledAt = 0, 0, now
		}
	}
	return c.sampled + int(c.conns.Load()-c.connsAt)
}

func countOpenFiles() (int, error) {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return 0, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	return len(names) - 1, err // less the descriptor of d itself
}

// trackingListener counts the open connections for the fdCounter, and logs
// accept errors (running out of file descriptors shows here first) at warn
// level, counted in a metric, at most once a second.
type trackingListener struct {
	net.Listener
	fds        *fdCounter
	log        *slog.Logger
	errors     prometheus.Counter
	lastLogged atomic.Int64
	// valve, when set, is told of the open files at every connection.
	valve *keepAliveValve
}

func (l *trackingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		// A closed listener is a shutdown, not a failure.
		if !errors.Is(err, net.ErrClosed) {
			l.errors.Inc()
			now := time.Now().UnixNano()
			if last := l.lastLogged.Load(); now-last >= int64(time.Second) && l.lastLogged.CompareAndSwap(last, now) {
				l.log.Warn("accepting a connection failed", "err", err, "open_connections", l.fds.conns.Load())
			}
		}
		return nil, err
	}
	l.fds.conns.Add(1)
	l.valve.check(l.fds)
	return &trackedConn{Conn: conn, fds: l.fds, valve: l.valve}, nil
}

type trackedConn struct {
	net.Conn
	fds   *fdCounter
	valve *keepAliveValve
	once  sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.fds.conns.Add(-1)
		c.valve.check(c.fds)
	})
	return c.Conn.Close()
}

// keepAliveValve turns HTTP keep-alives off while the open files are within
// the stream reserve of the limit: idle connections are closed and every
// response then ends its connection, so connections left over by refused
// streams or idle clients give their descriptors back. Keep-alives come
// back once a quarter of the reserve is free again.
type keepAliveValve struct {
	srv       *http.Server
	log       *slog.Logger
	high, low int
	off       atomic.Bool
	// applying serialises apply: each one sets the latest state.
	applying sync.Mutex
}

// newKeepAliveValve returns srv's valve, or nil when the open-file limit is
// unknown.
func (a *App) newKeepAliveValve(srv *http.Server) *keepAliveValve {
	l := a.limiter.limits
	if l.OpenFileLimit <= 0 {
		return nil
	}
	high := l.OpenFileLimit - l.FDReserve
	return &keepAliveValve{srv: srv, log: a.log, high: high, low: high - max(l.FDReserve/4, 1)}
}

func (v *keepAliveValve) check(fds *fdCounter) {
	if v == nil {
		return
	}
	used := fds.inUse()
	switch {
	case used >= v.high && v.off.CompareAndSwap(false, true):
		v.log.Warn("open files near the limit: closing idle connections and not keeping connections alive", "open_files", used)
		go v.apply()
	case used < v.low && v.off.CompareAndSwap(true, false):
		v.log.Info("open files below the limit again: keeping connections alive", "open_files", used)
		go v.apply()
	}
}

// apply runs on a goroutine of its own: turning keep-alives off closes idle
// connections while the server holds its lock, and their Close calls check.
func (v *keepAliveValve) apply() {
	v.applying.Lock()
	defer v.applying.Unlock()
	v.srv.SetKeepAlivesEnabled(!v.off.Load())
}

// bodyLimits bounds how a request body is read: within BodyReadTimeout of
// the request's start (a slow sender cannot hold a handler), and, when the
// body is over the size limit, read and discarded up to maxDrainBytes after
// the refusal, so the client reads the refusal instead of a connection
// reset. The read deadline is lifted once the body is read, so the response
// of a live stream is never cut.
func (a *App) bodyLimits(next http.Handler) http.Handler {
	timeout := a.cfg.BodyReadTimeout
	if timeout == 0 {
		timeout = DefaultBodyReadTimeout
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || timeout < 0 {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(timeout)) != nil {
			next.ServeHTTP(w, r)
			return
		}
		body := &deadlineBody{ReadCloser: r.Body, done: func() { _ = rc.SetReadDeadline(time.Time{}) }}
		r.Body = body
		next.ServeHTTP(w, r)
		if !body.finished.Load() {
			// Still within the deadline: read what the client is sending.
			_, _ = io.CopyN(io.Discard, body, maxDrainBytes)
		}
	})
}

// deadlineBody calls done once the body has been read to its end. Its
// Close leaves the body open: closing it unread would make the server
// reset the connection, so bodyLimits drains it, and the server closes it
// after the handler.
type deadlineBody struct {
	io.ReadCloser
	done     func()
	finished atomic.Bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && b.finished.CompareAndSwap(false, true) {
		b.done()
	}
	return n, err
}

// Close implements io.Closer without closing; see deadlineBody.
func (b *deadlineBody) Close() error { return nil }
