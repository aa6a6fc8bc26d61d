package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/principal"
)

// RetentionSection is the installation settings section of the retention
// policies.
const RetentionSection = "retention"

// Retention says how long conversation text, files and visitor sessions
// are kept, for the installation and, overriding it, per widget; 0 keeps
// them until erased.
type Retention struct {
	// ClosedConversationDays: the messages of conversations closed longer
	// ago are blanked as an erasure blanks them (rows, counts and times
	// stay), the texts their edits replaced are deleted and their files
	// removed from the store.
	ClosedConversationDays int `json:"closed_conversation_days"`
	// VisitorSessionDays: visitor sessions last used longer ago are
	// deleted, and so are page histories (visitor contexts) last updated
	// longer ago.
	VisitorSessionDays int `json:"visitor_session_days"`
	// AttachmentDays: files sent longer ago lose their bytes; the row stays
	// as the "file removed" marker.
	AttachmentDays int `json:"attachment_days"`
	// Widgets override the periods for one widget each.
	Widgets []WidgetRetention `json:"widgets,omitempty"`
}

// WidgetRetention overrides the installation's periods for one widget;
// a nil period follows the installation's.
type WidgetRetention struct {
	WidgetID               uuid.UUID `json:"widget_id"`
	ClosedConversationDays *int      `json:"closed_conversation_days,omitempty"`
	AttachmentDays         *int      `json:"attachment_days,omitempty"`
	VisitorSessionDays     *int      `json:"visitor_session_days,omitempty"`
}

// MaxRetentionDays bounds every period (ten years).
const MaxRetentionDays = 3650

// MaxWidgetRetentions bounds the overrides of one policy.
const MaxWidgetRetentions = 500

// retentionBatch bounds one retention transaction (per rule), so a first
// run over years of data never holds locks long.
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

// checkDays validates one period; field names it for the error.
func checkDays(field string, v int) error {
	if v < 0 || v > MaxRetentionDays {
		return apperr.New(apperr.InvalidValue, "%s must be 0 (keep) to %d days", field, MaxRetentionDays).WithField(field).WithLimit(MaxRetentionDays)
	}
	return nil
}

// checkRetention validates r: every period 0–MaxRetentionDays, at most
// MaxWidgetRetentions overrides, each of an existing widget, each once.
// Errors: InvalidValue (the period's field), TooManyItems (widgets),
// RetentionWidgetRepeated, WidgetNotFound.
func (s *Service) checkRetention(ctx context.Context, r Retention) error {
	for _, f := range []struct {
		name string
		v    int
	}{{"closed_conversation_days", r.ClosedConversationDays}, {"attachment_days", r.AttachmentDays}, {"visitor_session_days", r.VisitorSessionDays}} {
		if err := checkDays(f.name, f.v); err != nil {
			return err
		}
	}
	if len(r.Widgets) > MaxWidgetRetentions {
		return apperr.New(apperr.TooManyItems, "at most %d widget overrides", MaxWidgetRetentions).WithField("widgets").WithLimit(MaxWidgetRetentions)
	}
	seen := map[uuid.UUID]bool{}
	ids := make([]uuid.UUID, 0, len(r.Widgets))
	for i, w := range r.Widgets {
		if seen[w.WidgetID] {
			return apperr.New(apperr.RetentionWidgetRepeated, "a widget may have one override; it is named twice").WithField(fmt.Sprintf("widgets[%d].widget_id", i))
		}
		seen[w.WidgetID] = true
		ids = append(ids, w.WidgetID)
		for _, f := range []struct {
			name string
			v    *int
		}{{"closed_conversation_days", w.ClosedConversationDays}, {"attachment_days", w.AttachmentDays}, {"visitor_session_days", w.VisitorSessionDays}} {
			if f.v != nil {
				if err := checkDays(fmt.Sprintf("widgets[%d].%s", i, f.name), *f.v); err != nil {
					return err
				}
			}
		}
	}
	if len(ids) > 0 {
		found, err := s.q.ExistingWidgets(ctx, ids)
		if err != nil {
			return err
		}
		if len(found) != len(ids) {
			known := map[uuid.UUID]bool{}
			for _, id := range found {
				known[id] = true
			}
			for i, id := range ids {
				if !known[id] {
					return apperr.New(apperr.WidgetNotFound, "widget %s not found", id).WithField(fmt.Sprintf("widgets[%d].widget_id", i))
				}
			}
		}
	}
	return nil
}

// UpdateRetentionSettings replaces the policies (the installation's and
// every override) and records the change; the next run (within an hour)
// applies them.
// Errors: those of checkRetention; NotAvailable without a store.
func (s *Service) UpdateRetentionSettings(ctx context.Context, caller principal.Agent, r Retention) (Retention, error) {
	if err := s.checkRetention(ctx, r); err != nil {
		return Retention{}, err
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

// Counts is how much one rule set removes: per rule.
type Counts struct {
	ClosedConversations int64
	Attachments         int64
	VisitorSessions     int64
	PageHistories       int64
}

func (c Counts) zero() bool { return c == Counts{} }

// Due is what a retention run would remove now, in all and per widget
// (only widgets with anything due).
type Due struct {
	Counts
	Widgets map[uuid.UUID]Counts
}

// rule is one rule's parameters for the queries: the installation's
// period and the overrides (-1: as the installation).
type rule struct {
	days      int32
	widgets   []uuid.UUID
	overrides []int32
}

func (r rule) on() bool {
	if r.days > 0 {
		return true
	}
	for _, d := range r.overrides {
		if d > 0 {
			return true
		}
	}
	return false
}

// rules splits r into its three rules.
func rules(r Retention) (conversations, files, sessions rule) {
	conversations.days, files.days, sessions.days = int32(r.ClosedConversationDays), int32(r.AttachmentDays), int32(r.VisitorSessionDays)
	pick := func(v *int) int32 {
		if v == nil {
			return -1
		}
		return int32(*v)
	}
	for _, w := range r.Widgets {
		for _, x := range []struct {
			r *rule
			v *int
		}{{&conversations, w.ClosedConversationDays}, {&files, w.AttachmentDays}, {&sessions, w.VisitorSessionDays}} {
			x.r.widgets = append(x.r.widgets, w.WidgetID)
			x.r.overrides = append(x.r.overrides, pick(x.v))
		}
	}
	return conversations, files, sessions
}

// PreviewRetention counts what the policies r would remove now, without
// removing anything (the dry run an admin sees before saving).
// Errors: those of checkRetention.
func (s *Service) PreviewRetention(ctx context.Context, r Retention) (Due, error) {
	if err := s.checkRetention(ctx, r); err != nil {
		return Due{}, err
	}
	conv, files, sess := rules(r)
	now := s.now().UTC()
	d := Due{Widgets: map[uuid.UUID]Counts{}}
	add := func(widget uuid.UUID, n int64, set func(*Counts, int64)) {
		c := d.Widgets[widget]
		set(&c, n)
		d.Widgets[widget] = c
		set(&d.Counts, n)
	}
	if conv.on() {
		rows, err := s.q.CountDueClosedConversations(ctx, dbq.CountDueClosedConversationsParams{DefaultDays: conv.days, OverrideWidgets: conv.widgets, OverrideDays: conv.overrides, Now: now})
		if err != nil {
			return Due{}, err
		}
		for _, row := range rows {
			add(row.WidgetID, row.Due, func(c *Counts, n int64) { c.ClosedConversations += n })
		}
	}
	if files.on() {
		rows, err := s.q.CountDueAttachments(ctx, dbq.CountDueAttachmentsParams{DefaultDays: files.days, OverrideWidgets: files.widgets, OverrideDays: files.overrides, Now: now})
		if err != nil {
			return Due{}, err
		}
		for _, row := range rows {
			add(row.WidgetID, row.Due, func(c *Counts, n int64) { c.Attachments += n })
		}
	}
	if sess.on() {
		rows, err := s.q.CountOldVisitorSessions(ctx, dbq.CountOldVisitorSessionsParams{DefaultDays: sess.days, OverrideWidgets: sess.widgets, OverrideDays: sess.overrides, Now: now})
		if err != nil {
			return Due{}, err
		}
		for _, row := range rows {
			add(row.WidgetID, row.Due, func(c *Counts, n int64) { c.VisitorSessions += n })
		}
		ctxs, err := s.q.CountOldVisitorContexts(ctx, dbq.CountOldVisitorContextsParams{DefaultDays: sess.days, OverrideWidgets: sess.widgets, OverrideDays: sess.overrides, Now: now})
		if err != nil {
			return Due{}, err
		}
		for _, row := range ctxs {
			add(row.WidgetID, row.Due, func(c *Counts, n int64) { c.PageHistories += n })
		}
	}
	return d, nil
}

// RunRetention applies the stored policies once, rule after rule
// (conversations, files, sessions, page histories), in batches of
// retentionBatch, each batch in a transaction holding the retention lock,
// so only one instance works at a time (another returns at once). The
// bytes of the files it removed leave the store before it returns. A run
// that removed anything records itself in the audit log (counts only).
func (s *Service) RunRetention(ctx context.Context) (Counts, error) {
	r, err := s.RetentionSettings(ctx)
	if err != nil {
		return Counts{}, err
	}
	conv, files, sess := rules(r)
	now := s.now().UTC()
	var done Counts
	steps := []struct {
		on    bool
		count *int64
		// batch removes up to retentionBatch items and says how many.
		batch func(q *dbq.Queries) (int64, error)
	}{
		{conv.on(), &done.ClosedConversations, func(q *dbq.Queries) (int64, error) {
			ids, err := q.DueClosedConversations(ctx, dbq.DueClosedConversationsParams{
				DefaultDays: conv.days, OverrideWidgets: conv.widgets, OverrideDays: conv.overrides, Now: now, MaxRows: retentionBatch})
			if err != nil {
				return 0, err
			}
			return int64(len(ids)), removeConversations(ctx, q, ids, now)
		}},
		{files.on(), &done.Attachments, func(q *dbq.Queries) (int64, error) {
			ids, err := q.DueAttachments(ctx, dbq.DueAttachmentsParams{
				DefaultDays: files.days, OverrideWidgets: files.widgets, OverrideDays: files.overrides, Now: now, MaxRows: retentionBatch})
			if err != nil {
				return 0, err
			}
			return int64(len(ids)), q.RemoveAttachmentFiles(ctx, dbq.RemoveAttachmentFilesParams{Ids: ids, ConversationIds: []uuid.UUID{}, Now: &now})
		}},
		{sess.on(), &done.VisitorSessions, func(q *dbq.Queries) (int64, error) {
			return q.DeleteOldVisitorSessions(ctx, dbq.DeleteOldVisitorSessionsParams{
				DefaultDays: sess.days, OverrideWidgets: sess.widgets, OverrideDays: sess.overrides, Now: now, MaxRows: retentionBatch})
		}},
		{sess.on(), &done.PageHistories, func(q *dbq.Queries) (int64, error) {
			return q.DeleteOldVisitorContexts(ctx, dbq.DeleteOldVisitorContextsParams{
				DefaultDays: sess.days, OverrideWidgets: sess.widgets, OverrideDays: sess.overrides, Now: now, MaxRows: retentionBatch})
		}},
	}
	busy := false
	for _, st := range steps {
		for more := st.on; more && !busy; {
			err := db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
				ok, err := q.TryPurgeLock(ctx, "livechat.retention")
				if err != nil || !ok {
					busy = !ok
					return err
				}
				n, err := st.batch(q)
				if err != nil {
					return err
				}
				*st.count += n
				more = n == retentionBatch
				return nil
			})
			if err != nil {
				return done, err
			}
		}
	}
	if done.zero() {
		return done, nil
	}
	if err := s.purgeFiles(ctx); err != nil {
		return done, err
	}
	s.audit.Record(ctx, principal.Agent{}, audit.RetentionPurged, audit.Target{Type: "retention"}, audit.Details{
		"closed_conversations": done.ClosedConversations, "attachments": done.Attachments,
		"visitor_sessions": done.VisitorSessions, "page_histories": done.PageHistories,
	})
	return done, nil
}

// removeConversations blanks the conversations' messages as an erasure
// does, deletes the texts their edits replaced and removes their files
// (marked removed, bytes queued for the store).
func removeConversations(ctx context.Context, q *dbq.Queries, ids []uuid.UUID, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := q.BlankConversationMessages(ctx, ids); err != nil {
		return err
	}
	if err := q.DeleteConversationRevisions(ctx, ids); err != nil {
		return err
	}
	return q.RemoveAttachmentFiles(ctx, dbq.RemoveAttachmentFilesParams{Ids: []uuid.UUID{}, ConversationIds: ids, Now: &now})
}

// purgeFiles deletes from the store the bytes of the files the database
// queued (removed or deleted), so nothing stays in the store after a call
// that removed files returns.
func (s *Service) purgeFiles(ctx context.Context) error {
	if s.files == nil {
		return nil
	}
	_, err := s.files.Sweep(ctx)
	return err
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
