package mail

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
)

// transcriptMax bounds a transcript: the newest messages of a very long
// conversation.
const transcriptMax = 2000

// SendTranscript queues the conversation's transcript — every message the
// customer sees, no internal note — to the customer's own address, and
// returns the address. Any agent may send one.
//
// Errors: ConversationNotFound; MailNotConfigured; NoEmailAddress when the
// customer gave none; AddressUnsubscribed when they asked for no more mail.
func (s *Service) SendTranscript(ctx context.Context, agent principal.Agent, conversationID uuid.UUID) (string, error) {
	m, _, err := s.current(ctx)
	if err != nil {
		return "", err
	}
	if !m.configured() {
		return "", apperr.New(apperr.MailNotConfigured, "no SMTP server is configured")
	}
	var to string
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		to, err = s.queueTranscript(ctx, q, m, conversationID)
		return err
	})
	if err != nil {
		return "", err
	}
	s.nudge()
	return to, nil
}

// Resolved queues the transcript of a conversation an agent resolved, in
// the resolve's transaction, when admins chose to send one at resolve and
// the customer has an address and did not unsubscribe.
func (s *Service) Resolved(ctx context.Context, q *dbq.Queries, conversationID uuid.UUID) error {
	d, found, err := s.stored(ctx)
	if err != nil || !found || !d.TranscriptOnResolve {
		return err
	}
	m, _, err := s.current(ctx)
	if err != nil || !m.configured() {
		return err
	}
	_, err = s.queueTranscript(ctx, q, m, conversationID)
	if apperr.Is(err, apperr.NoEmailAddress) || apperr.Is(err, apperr.AddressUnsubscribed) {
		return nil
	}
	if err == nil {
		s.nudge()
	}
	return err
}

// queueTranscript queues the transcript in q's transaction and returns the
// address. Errors: as SendTranscript's.
func (s *Service) queueTranscript(ctx context.Context, q *dbq.Queries, m SMTP, conversationID uuid.UUID) (string, error) {
	rcpt, err := q.MailRecipient(ctx, conversationID)
	if err != nil {
		return "", apperr.NotFoundAs(err, apperr.ConversationNotFound, "conversation not found")
	}
	if rcpt.Email == "" {
		return "", apperr.New(apperr.NoEmailAddress, "the customer has no email address")
	}
	if off, err := q.MailSuppressed(ctx, rcpt.Email); err != nil {
		return "", err
	} else if off {
		return "", apperr.New(apperr.AddressUnsubscribed, "the customer unsubscribed from mail")
	}
	rows, err := q.TranscriptMessages(ctx, dbq.TranscriptMessagesParams{ConversationID: conversationID, MaxMessages: transcriptMax})
	if err != nil {
		return "", err
	}
	slices.Reverse(rows)
	l := langOf(rcpt.WidgetLocale, rcpt.Language)
	d := data{Replies: make([]reply, 0, len(rows))}
	for _, r := range rows {
		sender := r.SenderName
		if r.SenderType == "customer" {
			sender = texts[l]["transcript.you"]
		}
		d.Replies = append(d.Replies, reply{Sender: sender, Text: r.Text, At: r.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")})
	}
	mc, err := ensureConversation(ctx, q, conversationID, "")
	if err != nil {
		return "", err
	}
	return rcpt.Email, s.queueCustomerMail(ctx, q, m, mc.ReplyToken, conversationID, KindTranscript, tmplTranscript, d)
}
