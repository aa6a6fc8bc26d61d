package widgets

import (
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/reqinfo"
)

// Limits are the abuse limits of the public RPCs. They are counted in
// PostgreSQL (fixed windows aligned to the database clock), so they hold
// across every instance serving one database.
type Limits struct {
	// StartSessions per client address per StartSessionWindow.
	StartSessions      int
	StartSessionWindow time.Duration
	// Messages per visitor (customer) per MessageWindow.
	Messages      int
	MessageWindow time.Duration
	// DetailUpdates per visitor per DetailUpdateWindow: UpdateCustomer
	// calls and pre-chat answers sent on a continued session. Each change
	// reaches every agent's stream.
	DetailUpdates      int
	DetailUpdateWindow time.Duration
}

// DefaultLimits are the documented limits: 20 sessions per 10 minutes per
// address, 20 messages a minute and 10 changes of their details per 10
// minutes per visitor.
func DefaultLimits() Limits {
	return Limits{
		StartSessions:      20,
		StartSessionWindow: 10 * time.Minute,
		Messages:           20,
		MessageWindow:      time.Minute,
		DetailUpdates:      10,
		DetailUpdateWindow: 10 * time.Minute,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.StartSessions <= 0 {
		l.StartSessions = d.StartSessions
	}
	if l.StartSessionWindow <= 0 {
		l.StartSessionWindow = d.StartSessionWindow
	}
	if l.Messages <= 0 {
		l.Messages = d.Messages
	}
	if l.MessageWindow <= 0 {
		l.MessageWindow = d.MessageWindow
	}
	if l.DetailUpdates <= 0 {
		l.DetailUpdates = d.DetailUpdates
	}
	if l.DetailUpdateWindow <= 0 {
		l.DetailUpdateWindow = d.DetailUpdateWindow
	}
	return l
}

// hitDetails counts one change of a visitor's details.
func (s *Service) hitDetails(ctx context.Context, customerID uuid.UUID) error {
	return s.hit(ctx, "customer_details:"+customerID.String(), s.limits.DetailUpdates, s.limits.DetailUpdateWindow, "changes to your details")
}

// rateLimitRetention is how long finished windows are kept; cleanupEvery is
// how often one instance deletes older ones.
const (
	rateLimitRetention = time.Hour
	cleanupEvery       = 10 * time.Minute
)

// hit counts one use of bucket and fails with RateLimited once more than
// limit uses fall in the current window; the error carries the time until
// the window ends (retry_after in its detail), so clients can say when to
// try again without reading the message. what names the action for the
// message.
func (s *Service) hit(ctx context.Context, bucket string, limit int, window time.Duration, what string) error {
	row, err := s.q.HitRateLimit(ctx, dbq.HitRateLimitParams{
		Bucket:        bucket,
		WindowSeconds: window.Seconds(),
	})
	if err != nil {
		return err
	}
	s.cleanupRateLimits(ctx)
	if int(row.Hits) > limit {
		retry := time.Until(row.WindowStart.Add(window)).Round(time.Second)
		if retry < time.Second {
			retry = time.Second
		}
		return apperr.New(apperr.RateLimited, "too many %s; try again in %s", what, retry).WithRetryAfter(retry)
	}
	return nil
}

// cleanupRateLimits deletes old windows, at most once per cleanupEvery per
// instance. A failure only delays the cleanup.
func (s *Service) cleanupRateLimits(ctx context.Context) {
	s.cleanupMu.Lock()
	due := time.Since(s.lastCleanup) > cleanupEvery
	if due {
		s.lastCleanup = time.Now()
	}
	s.cleanupMu.Unlock()
	if due {
		_ = s.q.DeleteRateLimitsBefore(ctx, time.Now().Add(-rateLimitRetention-s.limits.StartSessionWindow))
	}
}

// ClientAddress returns the rate-limit key of a peer address ("ip:port" or
// "ip"): the IP itself for IPv4, and the /64 prefix for IPv6, since one
// subscriber usually holds a whole /64. Empty or unparsable addresses share
// one key, "unknown".
func ClientAddress(peerAddr string) string {
	host := peerAddr
	if h, _, err := net.SplitHostPort(peerAddr); err == nil {
		host = h
	}
	addr, _ := netip.ParseAddr(host) // invalid when unparsable: "unknown"
	return reqinfo.LimitKey(addr)
}
