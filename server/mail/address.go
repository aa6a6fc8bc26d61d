package mail

import (
	"context"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
)

// mailable checks that a conversation's customer may be mailed at their
// address: they have one, gave it themselves or the host site verified it
// (an address an agent typed is never mailed), and it did not unsubscribe,
// bounce or complain.
//
// Errors: NoEmailAddress, AddressNotGiven, AddressUnsubscribed,
// AddressBounced.
func mailable(ctx context.Context, q *dbq.Queries, rcpt dbq.MailRecipientRow) error {
	if rcpt.Email == "" {
		return apperr.New(apperr.NoEmailAddress, "the customer has no email address")
	}
	if !rcpt.Given {
		return apperr.New(apperr.AddressNotGiven, "the customer did not give %s themselves, so it is not mailed", rcpt.Email)
	}
	sup, err := q.MailSuppression(ctx, rcpt.Email)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	when := sup.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")
	switch sup.Reason {
	case "unsubscribed":
		return apperr.New(apperr.AddressUnsubscribed, "the customer unsubscribed from mail")
	case "complained":
		return apperr.New(apperr.AddressBounced, "%s reported our mail as spam on %s; no more mail goes there", rcpt.Email, when)
	}
	detail := ""
	if sup.Detail != "" {
		detail = " (" + sup.Detail + ")"
	}
	return apperr.New(apperr.AddressBounced, "mail to %s bounced on %s%s; no more mail goes there", rcpt.Email, when, detail)
}

// unmailable reports mailable's refusals (as opposed to a failure).
func unmailable(err error) bool {
	switch apperr.ReasonOf(err) {
	case apperr.NoEmailAddress, apperr.AddressNotGiven, apperr.AddressUnsubscribed, apperr.AddressBounced:
		return true
	}
	return false
}
