package mail

import (
	"context"
	"slices"
	"time"

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
// customer gave none; AddressNotGiven when only an agent entered it;
// AddressUnsubscribed when they asked for no more mail; AddressBounced when
// mail there bounced or was reported as spam.
func (s *Service) SendTranscript(ctx context.Context, agent principal.Agent, conversationID uuid.UUID) (string, error) {
	return s.sendTranscript(ctx, conversationID, nil)
}

// sendTranscript queues the conversation's transcript in a transaction of
// its own, once check (nil: none) passed in it, and returns the address.
func (s *Service) sendTranscript(ctx context.Context, conversationID uuid.UUID, check func(q *dbq.Queries) error) (string, error) {
	m, err := s.configuredSMTP(ctx)
	if err != nil {
		return "", err
	}
	var to string
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if check != nil {
			if err := check(q); err != nil {
				return err
			}
		}
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
	d, found, err := s.storedIn(ctx, q)
	if err != nil || !found || !d.TranscriptOnResolve {
		return err
	}
	m, _, err := s.currentIn(ctx, q)
	if err != nil || !m.configured() {
		return err
	}
	_, err = s.queueTranscript(ctx, q, m, conversationID)
	if unmailable(err) {
		return nil // nobody to mail (see mailable)
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
	if err := mailable(ctx, q, rcpt); err != nil {
		return "", err
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

// Visitors may ask for a conversation's transcript at most
// visitorTranscripts times per visitorTranscriptWindow.
const (
	visitorTranscripts      = 3
	visitorTranscriptWindow = time.Hour
)

// VisitorTranscript queues the transcript of one of the visitor's own
// conversations to the address they gave or the host site verified, and
// returns it.
//
// Errors: ConversationNotFound (also for another customer's conversation);
// MailNotConfigured; NoEmailAddress, AddressNotGiven, AddressUnsubscribed,
// AddressBounced (see mailable); RateLimited past visitorTranscripts an
// hour for the conversation.
func (s *Service) VisitorTranscript(ctx context.Context, v principal.Visitor, conversationID uuid.UUID) (string, error) {
	return s.sendTranscript(ctx, conversationID, func(q *dbq.Queries) error {
		rcpt, err := q.MailRecipient(ctx, conversationID)
		if err != nil || rcpt.CustomerID != v.CustomerID {
			return apperr.New(apperr.ConversationNotFound, "conversation not found")
		}
		if err := mailable(ctx, q, rcpt); err != nil {
			return err
		}
		// Counted in the transaction: a refused call does not count, a
		// call over the limit rolls back.
		hit, err := q.HitRateLimit(ctx, dbq.HitRateLimitParams{
			Bucket: "mail_transcript:" + conversationID.String(), WindowSeconds: visitorTranscriptWindow.Seconds(),
		})
		if err != nil {
			return err
		}
		if hit.Hits > visitorTranscripts {
			retry := max(time.Until(hit.WindowStart.Add(visitorTranscriptWindow)).Round(time.Second), time.Second)
			return apperr.New(apperr.RateLimited, "at most %d transcripts an hour; try again in %s", visitorTranscripts, retry).WithRetryAfter(retry)
		}
		return nil
	})
}
