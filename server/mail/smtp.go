package mail

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	gomail "github.com/wneessen/go-mail"
)

// message is one mail ready to send.
type message struct {
	To, Subject, Text, HTML string
	// ReplyTo and UnsubscribeURL are optional.
	ReplyTo, UnsubscribeURL string
	// ID is the outbox mail's id (uuid.Nil for a test mail): with a reply
	// domain the envelope sender is bounce+<id>@<reply domain> (VERP), so
	// a bounce names the mail and its recipient.
	ID uuid.UUID
}

// sendError is a failed send: Permanent when the server refused this mail
// for good (a 5xx answer to the sender, a recipient or the content), so
// trying again cannot help; otherwise (the server unreachable, a 4xx
// answer, a failed sign-in) the mail is tried again later.
type sendError struct {
	Permanent bool
	err       error
}

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// send delivers msgs in one SMTP conversation with m, as multipart
// text + HTML. It returns a *sendError.
func send(ctx context.Context, m SMTP, timeout time.Duration, msgs ...message) error {
	opts := []gomail.Option{gomail.WithPort(m.port()), gomail.WithTimeout(timeout)}
	switch m.Security {
	case ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case None:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if m.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(m.Username), gomail.WithPassword(m.Password))
	}
	client, err := gomail.NewClient(m.Host, opts...)
	if err != nil {
		return &sendError{Permanent: false, err: err}
	}
	out := make([]*gomail.Msg, 0, len(msgs))
	for _, mm := range msgs {
		g, err := build(m, mm)
		if err != nil {
			return &sendError{Permanent: true, err: err}
		}
		out = append(out, g)
	}
	if err := client.DialAndSendWithContext(ctx, out...); err != nil {
		return &sendError{Permanent: permanent(err), err: err}
	}
	return nil
}

// build turns a message into a MIME mail: multipart/alternative with the
// text first (what plain clients show) and the HTML.
func build(m SMTP, mm message) (*gomail.Msg, error) {
	g := gomail.NewMsg()
	if err := g.FromFormat(m.FromName, m.From); err != nil {
		return nil, err
	}
	if err := g.To(mm.To); err != nil {
		return nil, err
	}
	if b := bounceAddress(mm.ID, m.ReplyDomain); b != "" {
		// The Return-Path: bounces and complaints come back to the
		// built-in receiver, which marks the address (bounce.go).
		if err := g.EnvelopeFrom(b); err != nil {
			return nil, err
		}
	}
	if mm.ReplyTo != "" {
		if err := g.ReplyTo(mm.ReplyTo); err != nil {
			return nil, err
		}
	}
	if mm.UnsubscribeURL != "" {
		// RFC 8058: mail clients offer a one-click unsubscribe that POSTs
		// to the URL.
		g.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+mm.UnsubscribeURL+">")
		g.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	// Automatic replies (out of office) should not answer these.
	g.SetGenHeader("Auto-Submitted", "auto-generated")
	g.Subject(mm.Subject)
	g.SetMessageID()
	g.SetDate()
	g.SetBodyString(gomail.TypeTextPlain, mm.Text)
	g.AddAlternativeString(gomail.TypeTextHTML, mm.HTML)
	return g, nil
}

// permanent reports whether err is the server refusing a mail for good: a
// 5xx answer to MAIL FROM, RCPT TO or DATA.
func permanent(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case gomail.ErrSMTPMailFrom, gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		return se.ErrorCode() >= 500 && se.ErrorCode() < 600
	}
	return false
}
