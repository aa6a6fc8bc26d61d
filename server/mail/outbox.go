package mail

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// Kind says what caused a mail.
type Kind string

// The kinds of mail.
const (
	KindTest            Kind = "test"
	KindFollowup        Kind = "followup"
	KindAcknowledgement Kind = "acknowledgement"
	KindTranscript      Kind = "transcript"
	KindNotification    Kind = "notification"
)

// Status is where a mail is in the outbox.
type Status string

// The statuses: queued (waiting for its first or next attempt), sent,
// failed (given up; LastError says why).
const (
	StatusQueued Status = "queued"
	StatusSent   Status = "sent"
	StatusFailed Status = "failed"
)

// claimBatch is how many mails one worker round claims (and sends in one
// SMTP conversation).
const claimBatch = 20

// enqueue queues a rendered mail in q's transaction, due now.
func (s *Service) enqueue(ctx context.Context, q *dbq.Queries, kind Kind, conversationID *uuid.UUID, m message) error {
	_, err := q.EnqueueMail(ctx, dbq.EnqueueMailParams{
		Kind: string(kind), ToAddress: m.To, Subject: m.Subject, TextBody: m.Text, HtmlBody: m.HTML,
		ReplyTo: m.ReplyTo, UnsubscribeUrl: m.UnsubscribeURL, ConversationID: conversationID, Due: s.now(),
	})
	return err
}

// Run is the worker: until ctx ends it sends due mail and queues the
// follow-ups that became due, every PollInterval and whenever a mail is
// queued on this instance. Every instance runs one; the claim makes each
// mail go out once.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		if err := s.Work(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "mail worker", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// Work does one round of the worker: queues due follow-ups, then sends due
// mail until none is left. Tests call it to step the worker.
func (s *Service) Work(ctx context.Context) error {
	ferr := s.queueFollowups(ctx)
	for {
		n, err := s.sendDue(ctx)
		if err != nil || n < claimBatch {
			return errors.Join(ferr, err)
		}
	}
}

// sendDue claims a batch of due mail and sends it, recording each result;
// it returns how many it claimed.
func (s *Service) sendDue(ctx context.Context) (int, error) {
	now := s.now()
	rows, err := s.q.ClaimDueMail(ctx, dbq.ClaimDueMailParams{Now: now, LeaseUntil: now.Add(s.cfg.Lease), Batch: claimBatch})
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	m, _, err := s.current(ctx)
	if err != nil {
		return len(rows), err
	}
	for _, r := range rows {
		var sendErr error
		if !m.configured() {
			sendErr = &sendError{err: errors.New("no SMTP server is configured")}
		} else {
			sctx, cancel := context.WithTimeout(ctx, s.cfg.SendTimeout)
			sendErr = send(sctx, m, s.cfg.SendTimeout, message{
				To: r.ToAddress, Subject: r.Subject, Text: r.TextBody, HTML: r.HtmlBody,
				ReplyTo: r.ReplyTo, UnsubscribeURL: r.UnsubscribeUrl, ID: r.ID,
			})
			cancel()
		}
		if err := s.record(ctx, r, sendErr); err != nil {
			return len(rows), err
		}
	}
	return len(rows), nil
}

// record writes the result of one attempt: sent; failed for good (a
// permanent refusal, or the give-up time has passed); or queued again after
// a backoff of RetryBase doubled per attempt, at most RetryMax.
func (s *Service) record(ctx context.Context, r dbq.ClaimDueMailRow, sendErr error) error {
	now := s.now()
	if sendErr == nil {
		return s.q.MarkMailSent(ctx, dbq.MarkMailSentParams{ID: r.ID, Now: now})
	}
	reason := truncate(sendErr.Error(), 1000)
	var se *sendError
	if errors.As(sendErr, &se) && se.Permanent {
		s.log.WarnContext(ctx, "mail refused", "id", r.ID, "err", sendErr)
		return s.q.FailMail(ctx, dbq.FailMailParams{ID: r.ID, LastError: reason})
	}
	next := now.Add(s.backoff(int(r.Attempts)))
	if next.Sub(r.CreatedAt) > s.cfg.GiveUpAfter {
		s.log.WarnContext(ctx, "mail given up", "id", r.ID, "attempts", r.Attempts, "err", sendErr)
		return s.q.FailMail(ctx, dbq.FailMailParams{ID: r.ID, LastError: "gave up after " + s.cfg.GiveUpAfter.String() + ": " + reason})
	}
	return s.q.RetryMail(ctx, dbq.RetryMailParams{ID: r.ID, NextAttemptAt: next, LastError: reason})
}

// backoff is the wait after the attempt-th failed attempt.
func (s *Service) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBase
	for i := 1; i < attempt && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.RetryMax)
}

// OutboxEntry is one mail as admins see it in the outbox.
type OutboxEntry struct {
	ID             uuid.UUID
	Kind           Kind
	To             string
	Subject        string
	ConversationID *uuid.UUID
	Status         Status
	Attempts       int
	// NextAttemptAt is when a queued mail is tried next.
	NextAttemptAt time.Time
	// LastError is why the last attempt failed ("" when none did).
	LastError string
	CreatedAt time.Time
	SentAt    *time.Time
	// BouncedAt is when a sent mail bounced or was reported as spam.
	BouncedAt *time.Time
}

// OutboxFilter selects a page of ListOutbox.
type OutboxFilter struct {
	// Status "" lists every status.
	Status    Status
	PageSize  int32
	PageToken string
}

// OutboxPage is one page of the outbox, newest first.
type OutboxPage struct {
	Entries       []OutboxEntry
	NextPageToken string
}

// Outbox page sizes.
const (
	defaultOutboxPage = 50
	maxOutboxPage     = 200
)

// ListOutbox pages through the outbox, newest first.
//
// Errors: TooManyItems for a page size over 200; InvalidValue for an
// unknown status; MalformedCursor for a bad page token.
func (s *Service) ListOutbox(ctx context.Context, f OutboxFilter) (OutboxPage, error) {
	n, err := limits.PageSize(f.PageSize, defaultOutboxPage, maxOutboxPage)
	if err != nil {
		return OutboxPage{}, err
	}
	switch f.Status {
	case "", StatusQueued, StatusSent, StatusFailed:
	default:
		return OutboxPage{}, apperr.New(apperr.InvalidValue, "unknown status %q", f.Status).WithField("status")
	}
	p := dbq.ListOutboxParams{Status: string(f.Status), PageLimit: int32(n + 1)}
	if f.PageToken != "" {
		at, id, err := limits.DecodeTimeCursor(f.PageToken)
		if err != nil {
			return OutboxPage{}, err
		}
		p.HasCursor, p.CursorCreatedAt, p.CursorID = true, at, id
	}
	rows, err := s.q.ListOutbox(ctx, p)
	if err != nil {
		return OutboxPage{}, err
	}
	var page OutboxPage
	if len(rows) > n {
		rows = rows[:n]
		page.NextPageToken = limits.EncodeTimeCursor(rows[n-1].CreatedAt, rows[n-1].ID)
	}
	page.Entries = make([]OutboxEntry, 0, len(rows))
	for _, r := range rows {
		page.Entries = append(page.Entries, OutboxEntry{
			ID: r.ID, Kind: Kind(r.Kind), To: r.ToAddress, Subject: r.Subject, ConversationID: r.ConversationID,
			Status: Status(r.Status), Attempts: int(r.Attempts), NextAttemptAt: r.NextAttemptAt,
			LastError: r.LastError, CreatedAt: r.CreatedAt, SentAt: r.SentAt, BouncedAt: r.BouncedAt,
		})
	}
	return page, nil
}

// SendTestMail sends a test mail to address now, with the settings in
// force, and reports what the SMTP server said: it does not go through the
// outbox, so an admin sees at once whether the settings work.
//
// Errors: InvalidEmail or Required for the address; MailNotConfigured
// without an SMTP server; MailSendFailed with the server's answer.
func (s *Service) SendTestMail(ctx context.Context, admin principal.Agent, address string) error {
	to, err := checkAddress("to_address", address)
	if err != nil {
		return err
	}
	if to == "" {
		return apperr.New(apperr.Required, "the address to send to is required").WithField("to_address")
	}
	m, err := s.configuredSMTP(ctx)
	if err != nil {
		return err
	}
	r := render(langEN, tmplTest, data{AgentName: admin.Name})
	r.To = to
	if err := send(ctx, m, s.cfg.SendTimeout, r); err != nil {
		return apperr.Wrap(apperr.MailSendFailed, err, "the mail could not be sent: %s", truncate(err.Error(), 500))
	}
	return nil
}
