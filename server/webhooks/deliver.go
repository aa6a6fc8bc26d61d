package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/outbound"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/realtime"
)

// batchSize is how many log rows one read takes.
const batchSize = 100

// payload is the JSON body of every delivery.
type payload struct {
	Type      EventType       `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// Run delivers every enabled webhook this instance holds a lease on, until
// ctx is done: each poll it takes the leases nobody live holds and starts a
// worker for each webhook it newly holds. It returns when every worker has
// stopped.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	var mu sync.Mutex
	running := map[uuid.UUID]bool{}
	tick := time.NewTicker(s.opts.PollInterval)
	defer tick.Stop()
	lastPrune := time.Time{}
	for {
		held, err := s.q.ClaimWebhooks(ctx, dbq.ClaimWebhooksParams{Owner: s.owner, TtlSeconds: s.opts.LeaseTTL.Seconds()})
		if err != nil && ctx.Err() == nil {
			s.opts.Log.Warn("webhooks: claim leases", "err", err)
		}
		for _, w := range held {
			mu.Lock()
			if running[w.ID] {
				mu.Unlock()
				continue
			}
			running[w.ID] = true
			mu.Unlock()
			wg.Add(1)
			go func(id uuid.UUID) {
				defer wg.Done()
				s.work(ctx, id)
				mu.Lock()
				delete(running, id)
				mu.Unlock()
			}(w.ID)
		}
		if time.Since(lastPrune) > time.Hour {
			lastPrune = time.Now()
			if _, err := s.q.PruneWebhookDeliveries(ctx, dbq.PruneWebhookDeliveriesParams{
				RetentionSeconds: s.opts.DeliveryRetention.Seconds(), MaxRows: 10000,
			}); err != nil && ctx.Err() == nil {
				s.opts.Log.Warn("webhooks: prune the delivery log", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// work delivers one webhook while this instance holds its lease, then
// releases it (on shutdown, so another instance takes over at once).
func (s *Service) work(ctx context.Context, id uuid.UUID) {
	defer func() {
		// The lease is released with a fresh context: ctx may be done.
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.q.ReleaseWebhookLease(rctx, dbq.ReleaseWebhookLeaseParams{ID: id, Owner: s.owner})
	}()
	for {
		more, err := s.deliverBatch(ctx, id)
		if errors.Is(err, errLeaseLost) {
			return
		}
		if err != nil && ctx.Err() == nil {
			s.opts.Log.Warn("webhooks: deliver", "webhook", id, "err", err)
		}
		if more && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.opts.PollInterval):
		}
	}
}

// errLeaseLost: another instance holds the webhook now, or it was
// disabled, failed or deleted.
var errLeaseLost = errors.New("webhook lease lost")

// renew renews the lease and returns the webhook as it is now.
func (s *Service) renew(ctx context.Context, id uuid.UUID) (dbq.Webhook, error) {
	w, err := s.q.RenewWebhookLease(ctx, dbq.RenewWebhookLeaseParams{ID: id, Owner: s.owner, TtlSeconds: s.opts.LeaseTTL.Seconds()})
	if apperr.Is(err, apperr.NotFound) {
		return w, errLeaseLost
	}
	return w, err
}

// deliverBatch delivers the events after the webhook's cursor, one batch,
// in order, stopping at the first failure. It reports whether more events
// may be waiting.
func (s *Service) deliverBatch(ctx context.Context, id uuid.UUID) (bool, error) {
	w, err := s.renew(ctx, id)
	if err != nil {
		return false, err
	}
	if w.NextAttemptAt != nil && s.opts.Now().Before(*w.NextAttemptAt) {
		return false, nil
	}
	rows, err := s.q.WebhookEvents(ctx, dbq.WebhookEventsParams{AfterTx: w.CursorTx, AfterID: w.CursorID, MaxRows: batchSize})
	if err != nil || len(rows) == 0 {
		return false, err
	}
	events := make([]logEvent, len(rows))
	var wanted []realtime.EventRow
	var wantedAt []int
	for i, r := range rows {
		events[i] = eventFromRow(r)
		if len(selected(events[i].types(), w.EventTypes)) > 0 {
			wanted = append(wanted, events[i].row)
			wantedAt = append(wantedAt, i)
		}
	}
	data := make([]json.RawMessage, len(rows))
	if len(wanted) > 0 {
		enc, err := s.enc.EncodeEvents(ctx, wanted)
		if err != nil {
			return false, err
		}
		for j, i := range wantedAt {
			data[i] = enc[j]
		}
	}
	secret, err := s.openSecret(w)
	if err != nil {
		return false, err
	}
	from := [2]int64{w.CursorTx, w.CursorID}
	for i, e := range events {
		if data[i] != nil {
			for _, t := range selected(e.types(), w.EventTypes) {
				if w, err = s.renew(ctx, id); err != nil {
					return false, err
				}
				ok, err := s.attempt(ctx, w, secret, e.row, t, data[i])
				if err != nil || !ok {
					return false, err
				}
			}
		}
		// Rows nobody wants are passed over with the next delivered one,
		// or at the end of the batch.
		last := i == len(events)-1
		if data[i] == nil && !last {
			continue
		}
		if err := s.advance(ctx, id, from, e); err != nil {
			return false, err
		}
		from = [2]int64{e.tx, e.row.ID}
	}
	return len(rows) == batchSize, nil
}

// advance moves the cursor from from to e, while this instance holds the
// lease. It runs to the end even when shutdown began: the events up to e
// were delivered, and the next holder must not send them again.
func (s *Service) advance(ctx context.Context, id uuid.UUID, from [2]int64, e logEvent) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	n, err := s.q.AdvanceWebhookCursor(ctx, dbq.AdvanceWebhookCursorParams{
		ID: id, Owner: s.owner, CursorTx: e.tx, CursorID: e.row.ID, FromTx: from[0], FromID: from[1],
	})
	if err == nil && n == 0 {
		err = errLeaseLost
	}
	return err
}

// selected are the types of an event the webhook wants.
func selected(types []EventType, wanted []string) []EventType {
	var out []EventType
	for _, t := range types {
		if slices.Contains(wanted, string(t)) {
			out = append(out, t)
		}
	}
	return out
}

// attempt sends one event of one type, logs it, and on failure records
// when to try again or that the webhook is failing. It reports whether the
// receiver took it.
func (s *Service) attempt(ctx context.Context, w dbq.Webhook, secret string, ev realtime.EventRow, t EventType, data json.RawMessage) (bool, error) {
	d, err := s.send(ctx, w, secret, ev, t, data, int(w.Attempts)+1, false)
	if err != nil || d.Succeeded {
		return d.Succeeded, err
	}
	now := s.opts.Now()
	since := now
	if w.FailingSince != nil {
		since = *w.FailingSince
	}
	state, next := Retrying, now.Add(s.backoff(int(w.Attempts)+1))
	var nextAt *time.Time = &next
	if now.Sub(since) >= s.opts.RetryFor {
		state, nextAt = Failing, nil
	}
	reason := d.Error
	if reason == "" {
		reason = fmt.Sprintf("the receiver answered %d", d.ResponseStatus)
	}
	if state == Failing {
		reason = fmt.Sprintf("gave up after %s of failures: %s", s.opts.RetryFor, reason)
	}
	_, err = s.q.RecordWebhookFailure(ctx, dbq.RecordWebhookFailureParams{
		ID: w.ID, Owner: s.owner, State: string(state), FailedAt: &now, NextAttemptAt: nextAt, LastError: reason,
	})
	if state == Failing {
		s.opts.Log.Warn("webhooks: delivery failing", "webhook", w.ID, "reason", reason)
	}
	return false, err
}

// backoff is the wait before attempt n+1: it doubles from BaseBackoff up
// to MaxBackoff, and a random half of it is jitter, so receivers coming
// back are not hit by every webhook at once.
func (s *Service) backoff(n int) time.Duration {
	d := s.opts.BaseBackoff
	for i := 1; i < n && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.opts.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// send delivers one payload and logs the attempt.
func (s *Service) send(ctx context.Context, w dbq.Webhook, secret string, ev realtime.EventRow, t EventType, data json.RawMessage, attempt int, manual bool) (Delivery, error) {
	body, err := json.Marshal(payload{Type: t, Timestamp: ev.OccurredAt.UTC(), Data: data})
	if err != nil {
		return Delivery{}, err
	}
	id := messageID(ev.ID, t)
	headers, err := Sign(secret, id, s.opts.Now(), body)
	if err != nil {
		return Delivery{}, err
	}
	start := time.Now()
	resp, err := s.sender.Post(ctx, outbound.Request{URL: w.Url, Header: headers, Body: body, AllowPrivate: w.AllowPrivateNetwork})
	if err != nil && ctx.Err() != nil {
		// Shutting down cut the request: neither a success nor the
		// receiver's failure; the next holder sends it again.
		return Delivery{}, ctx.Err()
	}
	// An answer is recorded even when shutdown began meanwhile, so a
	// delivered event is not delivered again by the next holder.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	p := dbq.InsertWebhookDeliveryParams{
		WebhookID: w.ID, EventID: ev.ID, MessageID: id, EventType: string(t), Attempt: int32(attempt), Manual: manual,
		LatencyMs: int32(time.Since(start).Milliseconds()), ResponseExcerpt: excerpt(resp.Body),
	}
	if err != nil {
		p.Error = describe(err)
	} else {
		status := int32(resp.Status)
		p.ResponseStatus = &status
		p.Succeeded = resp.Status >= 200 && resp.Status < 300
	}
	row, err := s.q.InsertWebhookDelivery(ctx, p)
	if err != nil {
		return Delivery{}, err
	}
	return deliveryFromRow(row), nil
}

// describe says why a request got no response, for admins.
func describe(err error) string {
	var fe *outbound.ForbiddenError
	switch {
	case errors.As(err, &fe):
		return fe.Error() + " (allow the private network to deliver there)"
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout"):
		return "the receiver did not answer in time"
	}
	return err.Error()
}

// excerpt is the start of a response as valid UTF-8.
func excerpt(b []byte) string {
	if len(b) > excerptBytes {
		b = b[:excerptBytes]
	}
	return strings.ToValidUTF8(string(b), string(utf8.RuneError))
}

// Resend sends a logged delivery's event again, now, with its original
// webhook-id, and returns the new attempt. It does not move the cursor.
// Errors: NotFound for an unknown delivery or an event no longer kept;
// WebhookTargetNotAllowed as CreateWebhook.
func (s *Service) Resend(ctx context.Context, _ principal.Agent, deliveryID int64) (Delivery, error) {
	d, err := s.q.GetWebhookDelivery(ctx, deliveryID)
	if err != nil {
		return Delivery{}, apperr.NotFoundAs(err, apperr.NotFound, "delivery not found")
	}
	w, err := s.q.GetWebhook(ctx, d.WebhookID)
	if err != nil {
		return Delivery{}, apperr.NotFoundAs(err, apperr.NotFound, "webhook not found")
	}
	if !w.AllowPrivateNetwork && s.check.LiteralForbidden(w.Url) {
		return Delivery{}, apperr.New(apperr.WebhookTargetNotAllowed, "the URL names a private address").WithField("url")
	}
	r, err := s.q.WebhookEventByID(ctx, d.EventID)
	if err != nil {
		return Delivery{}, apperr.NotFoundAs(err, apperr.NotFound, "the event is no longer kept")
	}
	ev := eventFromRow(dbq.WebhookEventsRow{
		ID: r.ID, Tx: r.Tx, Kind: r.Kind, ConversationID: r.ConversationID, CustomerID: r.CustomerID, MessageID: r.MessageID,
		Internal: r.Internal, OccurredAt: r.OccurredAt, ConversationStatus: r.ConversationStatus, AssigneeID: r.AssigneeID,
		LastSeq: r.LastSeq, WaitingSince: r.WaitingSince, ConversationUpdatedAt: r.ConversationUpdatedAt, LastMessageAt: r.LastMessageAt,
	})
	data, err := s.enc.EncodeEvents(ctx, []realtime.EventRow{ev.row})
	if err != nil {
		return Delivery{}, err
	}
	if len(data) != 1 || data[0] == nil {
		return Delivery{}, apperr.New(apperr.NotFound, "the event's subject is no longer kept")
	}
	secret, err := s.openSecret(w)
	if err != nil {
		return Delivery{}, err
	}
	return s.send(ctx, w, secret, ev.row, EventType(d.EventType), data[0], int(d.Attempt)+1, true)
}
