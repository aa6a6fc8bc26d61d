package attachments

import (
	"context"
	"time"

	"github.com/opensupport/livechat/db/dbq"
)

// SweepEvery is how often Run sweeps.
const SweepEvery = 10 * time.Minute

// Run sweeps every SweepEvery until ctx is done. Every instance may run it:
// the sweeps are plain deletes, safe to run at once.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(SweepEvery)
	defer t.Stop()
	for {
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "attachments: sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep deletes the uploads no message named within Config.UnsentAfter,
// then the stored bytes of every deleted attachment (unsent uploads, and
// the files of deleted messages and conversations, which the database
// queues as they go). It returns how many files' bytes it deleted.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	if _, err := s.q.DeleteUnsentAttachments(ctx, s.Now().Add(-s.cfg.UnsentAfter)); err != nil {
		return 0, err
	}
	done := 0
	for {
		rows, err := s.q.PendingAttachmentDeletions(ctx, 100)
		if err != nil || len(rows) == 0 {
			return done, err
		}
		for _, r := range rows {
			if store, ok := s.stores[r.Store]; ok {
				if err := store.Delete(ctx, r.Key); err != nil {
					return done, err
				}
			}
			// A store this server does not have keeps its bytes: the
			// entry goes all the same, so the queue cannot clog.
			if err := s.q.DoneAttachmentDeletion(ctx, dbq.DoneAttachmentDeletionParams{Key: r.Key, Store: r.Store}); err != nil {
				return done, err
			}
			done++
		}
	}
}
