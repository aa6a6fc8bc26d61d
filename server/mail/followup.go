package mail

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/reqinfo"
)

// followupWindow bounds the follow-up scan to conversations active this
// recently: an older unseen reply is not news any more.
const followupWindow = 7 * 24 * time.Hour

// followupBatch is how many conversations one round follows up.
const followupBatch = 100

// Presence tells whether any agent is online (the realtime hub).
type Presence interface {
	AgentsOnline() bool
}

// SetPresence gives the service the realtime hub's presence, for the
// acknowledgement of offline messages. Without it every new conversation
// of a customer with an email address is acknowledged.
func (s *Service) SetPresence(p Presence) { s.presence = p }

// queueFollowups queues a mail for every conversation with agent replies
// the customer has neither seen nor been mailed, the oldest of them older
// than the follow-up delay: one mail carries all of them.
func (s *Service) queueFollowups(ctx context.Context) error {
	m, minutes, err := s.current(ctx)
	if err != nil || !m.configured() {
		// Without a server the replies wait, unmailed, until one is set.
		return err
	}
	now := s.now()
	ids, err := s.q.DueFollowups(ctx, dbq.DueFollowupsParams{
		Since: now.Add(-followupWindow), DueBefore: now.Add(-time.Duration(minutes) * time.Minute), Batch: followupBatch,
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.followup(ctx, m, id); err != nil {
			return err
		}
	}
	return nil
}

// followup queues one conversation's follow-up mail. It holds the
// conversation's mail row lock from the start, so of instances that found
// the same conversation one mails each reply and the others find nothing
// left.
func (s *Service) followup(ctx context.Context, m SMTP, conversationID uuid.UUID) error {
	err := db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		mc, err := ensureConversation(ctx, q, conversationID, "")
		if err != nil {
			return err
		}
		replies, err := q.UnseenReplies(ctx, conversationID)
		if err != nil || len(replies) == 0 {
			return err
		}
		if _, err := q.AdvanceMailedSeq(ctx, dbq.AdvanceMailedSeqParams{
			ConversationID: conversationID, MailedSeq: replies[len(replies)-1].Seq,
		}); err != nil {
			return err
		}
		d := data{Replies: make([]reply, 0, len(replies))}
		for _, r := range replies {
			d.Replies = append(d.Replies, reply{Sender: r.SenderName, Text: r.Text})
		}
		return s.queueCustomerMail(ctx, q, m, mc.ReplyToken, conversationID, KindFollowup, tmplFollowup, d)
	})
	if apperr.Is(err, apperr.NotFound) {
		return nil // another instance mailed them first
	}
	return err
}

// CustomerOpened is told of a customer's message that opened (or
// reopened) a conversation, inside the transaction that stores it (the
// chat domain calls it). It records the customer's browser language for
// their mail, and acknowledges the message by mail when no agent is online
// (an offline message): queued in the same transaction, so the mail exists
// exactly when the message does. Nothing is queued when an agent is
// online, the customer has no address or unsubscribed, no mail server is
// set, or the conversation was acknowledged before. In the same way, the
// agents who chose to be emailed about new conversations while nobody is
// online get a notification.
func (s *Service) CustomerOpened(ctx context.Context, q *dbq.Queries, conversationID uuid.UUID, text string) error {
	mc, err := ensureConversation(ctx, q, conversationID, reqinfo.From(ctx).Language)
	if err != nil {
		return err
	}
	if s.presence != nil && s.presence.AgentsOnline() {
		return nil
	}
	m, _, err := s.currentIn(ctx, q)
	if err != nil || !m.configured() {
		return err
	}
	// Agents who asked are told of it by mail, once per opening.
	if err := s.notifyNewConversation(ctx, q, conversationID); err != nil {
		return err
	}
	s.nudge()
	if _, err := q.MarkAcknowledged(ctx, conversationID); apperr.Is(err, apperr.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	err = s.queueCustomerMail(ctx, q, m, mc.ReplyToken, conversationID, KindAcknowledgement, tmplAcknowledgement, data{Text: text})
	if err == nil {
		s.nudge()
	}
	return err
}

// queueCustomerMail renders a mail to a conversation's customer, in their
// language, with the conversation's reply address and unsubscribe link,
// and queues it in q's transaction. An address the customer did not give,
// or that unsubscribed, bounced or complained, gets nothing (see mailable).
func (s *Service) queueCustomerMail(ctx context.Context, q *dbq.Queries, m SMTP, token string, conversationID uuid.UUID, kind Kind, t tmpl, d data) error {
	rcpt, err := q.MailRecipient(ctx, conversationID)
	if err != nil {
		return err
	}
	if err := mailable(ctx, q, rcpt); err != nil {
		if unmailable(err) {
			return nil // nobody to mail, or not this address
		}
		return err
	}
	d.Greet, d.Team = rcpt.Name, rcpt.WidgetName
	d.UnsubscribeURL = s.unsubscribeURL(token)
	reply := replyAddress(token, m.ReplyDomain)
	d.CanReply = reply != ""
	msg := render(langOf(rcpt.WidgetLocale, rcpt.Language), t, d)
	msg.To, msg.ReplyTo, msg.UnsubscribeURL = rcpt.Email, reply, d.UnsubscribeURL
	return s.enqueue(ctx, q, kind, &conversationID, msg)
}

// ensureConversation returns the conversation's mail state, creating it
// with a new reply token, records the customer's language when known
// ("" leaves it), and holds its row lock until q's transaction ends.
func ensureConversation(ctx context.Context, q *dbq.Queries, conversationID uuid.UUID, language string) (dbq.EnsureMailConversationRow, error) {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return q.EnsureMailConversation(ctx, dbq.EnsureMailConversationParams{
		ConversationID: conversationID, ReplyToken: base64.RawURLEncoding.EncodeToString(b[:]), Language: language,
	})
}

// replyAddress is the conversation's reply address, or "" without a reply
// domain.
func replyAddress(token, domain string) string {
	if domain == "" {
		return ""
	}
	return "reply+" + token + "@" + domain
}

// UnsubscribePath is where unsubscribe links point, followed by the token.
const UnsubscribePath = "/mail/unsubscribe/"

// unsubscribeURL is the conversation's one-click unsubscribe link, or ""
// without a public URL to build it on.
func (s *Service) unsubscribeURL(token string) string {
	if s.cfg.PublicURL == "" {
		return ""
	}
	return s.cfg.PublicURL + UnsubscribePath + token
}

// Unsubscribe stops all customer mail to the address of the conversation
// whose reply token is token, at once, and returns the address.
//
// Errors: NotFound for an unknown token.
func (s *Service) Unsubscribe(ctx context.Context, token string) (string, error) {
	if len(token) < 16 || len(token) > 64 {
		return "", apperr.New(apperr.NotFound, "unknown unsubscribe link")
	}
	c, err := s.q.MailConversationByToken(ctx, token)
	if err != nil {
		return "", apperr.NotFoundAs(err, apperr.NotFound, "unknown unsubscribe link")
	}
	if c.Email == "" {
		return "", nil
	}
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := q.SuppressAddress(ctx, dbq.SuppressAddressParams{Address: c.Email, Reason: "unsubscribed", Detail: "one-click unsubscribe"}); err != nil {
			return err
		}
		return q.CancelQueuedMailTo(ctx, c.Email)
	})
	return c.Email, err
}
