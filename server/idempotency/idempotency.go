// Package idempotency lets an API client retry a creating call safely: a
// call sent again with the same Idempotency-Key gets the first call's
// response instead of creating a second agent, token, widget, tag or
// webhook. Messages have their own key (client_message_id), kept with the
// message itself.
//
// A key belongs to one caller and is kept for a day. The first call claims
// it before it runs and records its response when it succeeds; a retry
// while the first still runs is told to wait; a failed call releases the
// key, so its retry runs again. A different request under a used key is
// refused rather than answered with another request's response.
//
// The record is written after the call commits, not in its transaction,
// so one window remains: an instance that stops between the commit and the
// record leaves a claim without a response, and a retry after
// StaleAfter runs the call again.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"sync/atomic"
	"time"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
)

const (
	// TTL is how long a key is remembered.
	TTL = 24 * time.Hour
	// StaleAfter is how long a claim may wait for its response before a
	// retry takes it over: longer than any creating call runs.
	StaleAfter = 2 * time.Minute
	// MaxKeysPerCaller bounds the keys one caller holds at once (a day's
	// worth of creating calls is far fewer).
	MaxKeysPerCaller = 10_000
	// MaxKeyLength bounds a key; UUIDs and ULIDs fit many times over.
	MaxKeyLength = 255
)

// Store keeps the keys.
type Store struct {
	q         *dbq.Queries
	lastSweep atomic.Int64 // unix seconds of this instance's last sweep
}

// New returns a Store on pool.
func New(pool *db.Pool) *Store { return &Store{q: db.Queries(pool)} }

// sweepBatch bounds one sweep of expired keys, so that it never holds up
// the call that triggers it for long.
const sweepBatch = 1000

// sweep deletes expired keys, at most once an hour per instance.
func (s *Store) sweep(ctx context.Context) {
	now := time.Now().Unix()
	last := s.lastSweep.Load()
	if now-last < 3600 || !s.lastSweep.CompareAndSwap(last, now) {
		return
	}
	_, _ = s.DeleteExpired(ctx, sweepBatch) // the next sweep retries
}

// Outcome is what Begin found.
type Outcome struct {
	// Replay is the recorded response of an earlier call with the key; nil
	// when this call is the first and must run.
	Replay []byte
}

// Hash is the fingerprint of a request: the procedure and its body.
func Hash(procedure string, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(procedure))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)
}

// CheckKey validates a key as a client sent it.
func CheckKey(key string) error {
	if key == "" || len(key) > MaxKeyLength {
		return apperr.New(apperr.InvalidValue, "the Idempotency-Key header must be 1 to %d characters", MaxKeyLength).
			WithField("Idempotency-Key").WithLimit(MaxKeyLength)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x21 || c > 0x7e {
			return apperr.New(apperr.InvalidValue, "the Idempotency-Key header must be printable ASCII without spaces").
				WithField("Idempotency-Key")
		}
	}
	return nil
}

// Begin claims key for the caller scope before a call runs, or returns the
// response of the earlier call that used it.
func (s *Store) Begin(ctx context.Context, scope, key, procedure string, hash []byte) (Outcome, error) {
	if err := CheckKey(key); err != nil {
		return Outcome{}, err
	}
	s.sweep(ctx)
	n, err := s.q.CountIdempotencyKeys(ctx, dbq.CountIdempotencyKeysParams{Scope: scope, TtlSeconds: TTL.Seconds()})
	if err != nil {
		return Outcome{}, err
	}
	claimed, err := s.q.ClaimIdempotencyKey(ctx, dbq.ClaimIdempotencyKeyParams{
		Scope: scope, Key: key, Procedure: procedure, RequestHash: hash, TtlSeconds: TTL.Seconds(),
	})
	if err != nil {
		return Outcome{}, err
	}
	if claimed == 1 {
		if n >= MaxKeysPerCaller {
			_ = s.Release(ctx, scope, key)
			return Outcome{}, apperr.New(apperr.RateLimited, "too many idempotency keys in the last day (at most %d); send creating calls without the header or wait", MaxKeysPerCaller).
				WithLimit(MaxKeysPerCaller).WithRetryAfter(time.Hour)
		}
		return Outcome{}, nil
	}
	row, err := s.q.GetIdempotencyKey(ctx, dbq.GetIdempotencyKeyParams{Scope: scope, Key: key})
	if apperr.Is(err, apperr.NotFound) {
		// Released by a call that failed between the two statements.
		return Outcome{}, inProgress()
	}
	if err != nil {
		return Outcome{}, err
	}
	if row.Procedure != procedure || !bytes.Equal(row.RequestHash, hash) {
		return Outcome{}, apperr.New(apperr.IdempotencyKeyReused, "this Idempotency-Key was already used for a different request; use a new key for a new request").
			WithField("Idempotency-Key")
	}
	if row.Response != nil {
		return Outcome{Replay: row.Response}, nil
	}
	taken, err := s.q.ReclaimStaleIdempotencyKey(ctx, dbq.ReclaimStaleIdempotencyKeyParams{
		Scope: scope, Key: key, StaleSeconds: StaleAfter.Seconds(),
	})
	if err != nil {
		return Outcome{}, err
	}
	if taken == 1 {
		return Outcome{}, nil
	}
	return Outcome{}, inProgress()
}

func inProgress() error {
	return apperr.New(apperr.IdempotencyInProgress, "a request with this Idempotency-Key is still running; retry in a moment for its response").
		WithRetryAfter(time.Second)
}

// Complete records the response of a call that succeeded.
func (s *Store) Complete(ctx context.Context, scope, key string, response []byte) error {
	if response == nil {
		response = []byte{}
	}
	return s.q.CompleteIdempotencyKey(ctx, dbq.CompleteIdempotencyKeyParams{Scope: scope, Key: key, Response: response})
}

// Release forgets the claim of a call that failed, so a retry runs again.
func (s *Store) Release(ctx context.Context, scope, key string) error {
	return s.q.ReleaseIdempotencyKey(ctx, dbq.ReleaseIdempotencyKeyParams{Scope: scope, Key: key})
}

// DeleteExpired removes up to batch expired keys and reports how many.
func (s *Store) DeleteExpired(ctx context.Context, batch int) (int64, error) {
	return s.q.DeleteExpiredIdempotencyKeys(ctx, dbq.DeleteExpiredIdempotencyKeysParams{TtlSeconds: TTL.Seconds(), Batch: int32(batch)})
}
