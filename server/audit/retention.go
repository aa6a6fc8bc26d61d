package audit

import (
	"context"
	"time"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/principal"
)

// purgeBatch bounds one purge transaction, so a first purge of a long log
// never holds locks or a transaction for long.
const purgeBatch = 1000

// Purge deletes the entries older than retention (from now), purgeBatch at
// a time, each batch in a transaction of its own that alone may delete
// (see the trigger in the migration). When another instance is purging,
// it returns at once with 0. A purge that deleted anything records itself.
func (s *Service) Purge(ctx context.Context, retention time.Duration) (int64, error) {
	before := s.now().UTC().Add(-retention)
	var total int64
	for {
		var n int64
		busy := false
		err := db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
			ok, err := q.TryPurgeLock(ctx, "livechat.audit_purge")
			if err != nil || !ok {
				busy = !ok
				return err
			}
			if err := q.AllowAuditPurge(ctx); err != nil {
				return err
			}
			n, err = q.PurgeAuditEntries(ctx, dbq.PurgeAuditEntriesParams{Before: before, MaxRows: purgeBatch})
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if busy || n < purgeBatch {
			break
		}
	}
	if total > 0 {
		s.Record(ctx, principal.Agent{}, RetentionPurged, Target{Type: "audit_log"}, Details{
			"deleted": total, "before": before.Format(time.RFC3339),
		})
	}
	return total, nil
}

// RunPurges purges entries older than the configured retention now and
// then every interval, until ctx ends. Every instance runs it; the lock in
// Purge lets one at a time delete.
func (s *Service) RunPurges(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		st, err := s.Settings(ctx)
		if err == nil {
			_, err = s.Purge(ctx, st.Retention())
		}
		if err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "audit log purge failed; retrying later", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
