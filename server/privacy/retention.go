package privacy

import (
	"context"
	"time"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/principal"
)

// RetentionSection is the installation settings section of the retention
// policies.
const RetentionSection = "retention"

// Retention says how long conversation text and visitor sessions are kept;
// 0 keeps them until erased.
type Retention struct {
	// ClosedConversationDays: the messages of conversations closed longer
	// ago are blanked as an erasure blanks them (rows, counts and times
	// stay).
	ClosedConversationDays int `json:"closed_conversation_days"`
	// VisitorSessionDays: visitor sessions last used longer ago are
	// deleted.
	VisitorSessionDays int `json:"visitor_session_days"`
}

// MaxRetentionDays bounds both periods (ten years).
const MaxRetentionDays = 3650

// retentionBatch bounds one retention transaction (conversations or
// sessions), so a first run over years of data never holds locks long.
const retentionBatch = 100

// RetentionSettings returns the policies (zero: keep everything).
func (s *Service) RetentionSettings(ctx context.Context) (Retention, error) {
	var r Retention
	if s.settings != nil {
		if _, err := s.settings.Get(ctx, RetentionSection, &r); err != nil {
			return Retention{}, err
		}
	}
	return r, nil
}

// UpdateRetentionSettings changes the policies and records the change; the
// next run (within an hour) applies them.
// Errors: InvalidValue (field closed_conversation_days or
// visitor_session_days) outside 0–3650; NotAvailable without a store.
func (s *Service) UpdateRetentionSettings(ctx context.Context, caller principal.Agent, r Retention) (Retention, error) {
	for _, f := range []struct {
		name string
		v    int
	}{{"closed_conversation_days", r.ClosedConversationDays}, {"visitor_session_days", r.VisitorSessionDays}} {
		if f.v < 0 || f.v > MaxRetentionDays {
			return Retention{}, apperr.New(apperr.InvalidValue, "%s must be 0 (keep) to %d", f.name, MaxRetentionDays).WithField(f.name)
		}
	}
	if s.settings == nil {
		return Retention{}, apperr.New(apperr.NotAvailable, "settings cannot be changed on this server")
	}
	before, err := s.RetentionSettings(ctx)
	if err != nil {
		return Retention{}, err
	}
	if err := s.settings.Put(ctx, RetentionSection, r, caller.ID); err != nil {
		return Retention{}, err
	}
	s.audit.RecordSettings(ctx, caller, RetentionSection, before, r)
	return r, nil
}

// Due is what a retention run would remove now.
type Due struct {
	ClosedConversations int64
	VisitorSessions     int64
}

// cutoffs returns the times before which data is due (zero: never).
func (s *Service) cutoffs(r Retention) (conversations, sessions time.Time) {
	now := s.now().UTC()
	if r.ClosedConversationDays > 0 {
		conversations = now.AddDate(0, 0, -r.ClosedConversationDays)
	}
	if r.VisitorSessionDays > 0 {
		sessions = now.AddDate(0, 0, -r.VisitorSessionDays)
	}
	return conversations, sessions
}

// PreviewRetention counts what the policies r would remove now, without
// removing anything (the dry run an admin sees before saving).
// Errors: those of UpdateRetentionSettings' validation are not checked.
func (s *Service) PreviewRetention(ctx context.Context, r Retention) (Due, error) {
	var d Due
	conv, sess := s.cutoffs(r)
	var err error
	if !conv.IsZero() {
		if d.ClosedConversations, err = s.q.CountDueClosedConversations(ctx, conv); err != nil {
			return Due{}, err
		}
	}
	if !sess.IsZero() {
		if d.VisitorSessions, err = s.q.CountOldVisitorSessions(ctx, sess); err != nil {
			return Due{}, err
		}
	}
	return d, nil
}

// RunRetention applies the stored policies once, in batches of
// retentionBatch, each in a transaction holding the retention lock, so
// only one instance works at a time (another returns at once). A run that
// removed anything records itself in the audit log (counts only).
func (s *Service) RunRetention(ctx context.Context) (Due, error) {
	r, err := s.RetentionSettings(ctx)
	if err != nil {
		return Due{}, err
	}
	conv, sess := s.cutoffs(r)
	var done Due
	for !conv.IsZero() || !sess.IsZero() {
		busy := false
		err := db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
			ok, err := q.TryPurgeLock(ctx, "livechat.retention")
			if err != nil || !ok {
				busy = !ok
				return err
			}
			if !conv.IsZero() {
				ids, err := q.DueClosedConversations(ctx, dbq.DueClosedConversationsParams{Before: conv, MaxRows: retentionBatch})
				if err != nil {
					return err
				}
				if _, err := q.BlankConversationMessages(ctx, ids); err != nil {
					return err
				}
				done.ClosedConversations += int64(len(ids))
				if len(ids) < retentionBatch {
					conv = time.Time{}
				}
			}
			if !sess.IsZero() {
				n, err := q.DeleteOldVisitorSessions(ctx, dbq.DeleteOldVisitorSessionsParams{Before: sess, MaxRows: retentionBatch})
				if err != nil {
					return err
				}
				done.VisitorSessions += n
				if n < retentionBatch {
					sess = time.Time{}
				}
			}
			return nil
		})
		if err != nil {
			return done, err
		}
		if busy {
			break
		}
	}
	if done.ClosedConversations > 0 || done.VisitorSessions > 0 {
		s.audit.Record(ctx, principal.Agent{}, audit.RetentionPurged, audit.Target{Type: "retention"}, audit.Details{
			"closed_conversations": done.ClosedConversations, "visitor_sessions": done.VisitorSessions,
		})
	}
	return done, nil
}

// RunRetentions runs RunRetention now and then every interval until ctx
// ends; every instance runs it, the lock lets one at a time work.
func (s *Service) RunRetentions(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.RunRetention(ctx); err != nil && ctx.Err() == nil && s.log != nil {
			s.log.WarnContext(ctx, "retention run failed; retrying later", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
