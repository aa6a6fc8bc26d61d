package realtime

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// channel is the one NOTIFY channel of livechat. A payload is one or more
// lines, each "<kind> <instance id> [data]":
//
//	e <instance>                    events committed: read the log
//	p <instance>                    presence changed: re-read it
//	r <instance>                    credentials revoked: re-check streams
//	t <instance> <customer> <b64>   typing: base64 of an Event proto, for the
//	                                visitor streams of customer (all-zero: none)
//	va, vl, vi <instance> …         visitors on websites (see visitors.go)
//
// An instance ignores its own lines; it acted on them locally already.
const channel = "livechat"

// ListenerAppName is the application_name of each instance's listening
// connection, so operators (and tests) can find it in pg_stat_activity.
const ListenerAppName = "livechat realtime listener"

// maxPayload keeps payloads under PostgreSQL's 8000-byte limit.
const maxPayload = 7900

// maxPendingEphemeral bounds the ephemeral lines waiting for the notifier;
// beyond it they are dropped (they expire within seconds anyway).
const maxPendingEphemeral = 4096

// notifyPresence tells the other instances to re-read presence.
func (h *Hub) notifyPresence() {
	h.notifyMu.Lock()
	h.notifyPresenceFlag = true
	h.notifyMu.Unlock()
	wake(h.notifyWake)
}

// notifyEphemeral sends a line to the other instances.
func (h *Hub) notifyEphemeral(line string) {
	h.notifyMu.Lock()
	if len(h.notifyPending) < maxPendingEphemeral {
		h.notifyPending = append(h.notifyPending, line)
	}
	h.notifyMu.Unlock()
	wake(h.notifyWake)
}

// notifyLoop sends notifications on a pool connection, never inside a
// writer's transaction. At most one NOTIFY round trip is in flight; what
// accumulates meanwhile goes in the next one.
func (h *Hub) notifyLoop(ctx context.Context) {
	self := h.opts.InstanceID.String()
	var backoff time.Duration
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.notifyWake:
		}
		for {
			var lines []string
			if h.notifyEvents.Swap(false) {
				lines = append(lines, "e "+self)
			}
			h.notifyMu.Lock()
			presence := h.notifyPresenceFlag
			h.notifyPresenceFlag = false
			if presence {
				lines = append(lines, "p "+self)
			}
			revoked := h.notifyRevokedFlag
			h.notifyRevokedFlag = false
			if revoked {
				lines = append(lines, "r "+self)
			}
			lines = append(lines, h.notifyPending...)
			h.notifyPending = nil
			h.notifyMu.Unlock()
			if len(lines) == 0 {
				break
			}
			err := h.q.Notify(ctx, dbq.NotifyParams{Channel: channel, Payloads: pack(lines)})
			if err == nil {
				backoff = 0
				continue
			}
			if ctx.Err() != nil {
				return
			}
			// Durable events and presence are re-read by the other
			// instances after any outage; keep asking until it works.
			if lines[0][0] == 'e' {
				h.notifyEvents.Store(true)
			}
			if presence {
				h.notifyPresence()
			}
			if revoked {
				h.notifyMu.Lock()
				h.notifyRevokedFlag = true
				h.notifyMu.Unlock()
			}
			backoff = grow(backoff, 100*time.Millisecond, 5*time.Second)
			h.log.Warn("realtime: notify other instances", "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
		}
	}
}

// pack joins lines into as few payloads as fit the NOTIFY size limit.
func pack(lines []string) []string {
	var payloads []string
	var b strings.Builder
	for _, l := range lines {
		if b.Len() > 0 && b.Len()+1+len(l) > maxPayload {
			payloads = append(payloads, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	if b.Len() > 0 {
		payloads = append(payloads, b.String())
	}
	return payloads
}

// listenLoop keeps one dedicated connection listening. After losing it
// (database restart, terminated backend) it reconnects with backoff and
// then reads the log from its position, which catches up every event
// committed meanwhile.
func (h *Hub) listenLoop(ctx context.Context) {
	var backoff time.Duration
	for {
		connected, err := h.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected {
			backoff = 0
		}
		backoff = grow(backoff, 100*time.Millisecond, 5*time.Second)
		h.log.Warn("realtime: listener connection lost; reconnecting", "err", err, "retry_in", backoff)
		if h.beforeReconnect != nil {
			h.beforeReconnect()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
	}
}

// listenOnce holds one listening connection until it fails. This is the
// one place outside db/ that speaks to the driver directly, and only for
// what the db edge cannot express: a dedicated connection of its own
// (not a pooled one, which LISTEN would tie up and a pool might recycle)
// and waiting for its notifications. Its statement (db.Listen) and every
// query stay in db/, and its errors end the loop, which reconnects, so
// none of them reaches a client.
func (h *Hub) listenOnce(ctx context.Context) (connected bool, err error) {
	cfg := h.pool.Config().ConnConfig.Copy()
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = ListenerAppName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if err := db.Listen(ctx, conn, channel); err != nil {
		return false, err
	}
	h.listenerPID.Store(conn.PgConn().PID())
	// Whatever was committed while nobody listened is in the log: read it.
	// Presence and revocations announced meanwhile are re-checked too.
	wake(h.readWake)
	h.presence.wake()
	h.revocationAnnounced()
	h.listeningOnce.Do(func() { close(h.listening) })
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		h.handleNotification(n.Payload)
	}
}

func (h *Hub) handleNotification(payload string) {
	self := h.opts.InstanceID.String()
	for line := range strings.SplitSeq(payload, "\n") {
		kind, rest, _ := strings.Cut(line, " ")
		inst, data, _ := strings.Cut(rest, " ")
		if inst == self {
			continue
		}
		switch kind {
		case "e":
			wake(h.readWake)
		case "p":
			h.presence.wake()
		case "r":
			h.revocationAnnounced()
		case "va", "vl", "vi":
			h.site.apply(kind, inst, data)
		case "t":
			cust, b64, _ := strings.Cut(data, " ")
			customer, err := uuid.Parse(cust)
			if err != nil {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				continue
			}
			ev := &livechatv1.Event{}
			if proto.Unmarshal(raw, ev) != nil {
				continue
			}
			h.typing.apply(customer, ev)
		}
	}
}
