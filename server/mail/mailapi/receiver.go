package mailapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/mail"
)

// ReceiverOptions bound the built-in SMTP receiver.
type ReceiverOptions struct {
	// Domain is the name it greets with (the server's host name).
	Domain string
	// MaxBytes is the largest message accepted (default 1 MiB).
	MaxBytes int64
	// Timeout bounds every read and write (default 1 minute).
	Timeout time.Duration
	// TLS, when set, is offered with STARTTLS (the certificate of the MX
	// host name); nil: plain SMTP only.
	TLS *tls.Config
}

// Receiver is the built-in SMTP server that takes customers' replies by
// email: mail to the reply addresses (reply+<token>@<reply domain>) of
// existing conversations, and nothing else — any other recipient is refused
// at RCPT, so it is no open relay. Point the reply domain's MX record at
// it (docs/email.md).
type Receiver struct {
	svc *mail.Service
	log *slog.Logger
	srv *smtp.Server
}

// NewReceiver returns the receiver of svc.
func NewReceiver(svc *mail.Service, log *slog.Logger, o ReceiverOptions) *Receiver {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 20
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	if o.Domain == "" {
		o.Domain = "localhost"
	}
	r := &Receiver{svc: svc, log: log}
	s := smtp.NewServer(r)
	s.Domain = o.Domain
	s.MaxMessageBytes = o.MaxBytes
	s.MaxRecipients = 10
	s.ReadTimeout, s.WriteTimeout = o.Timeout, o.Timeout
	s.ErrorLog = slogLogger{log}
	s.TLSConfig = o.TLS
	r.srv = s
	return r
}

// Serve takes mail on ln until Close.
func (r *Receiver) Serve(ln net.Listener) error {
	err := r.srv.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops taking mail and closes every connection.
func (r *Receiver) Close() error { return r.srv.Close() }

// NewSession implements smtp.Backend.
func (r *Receiver) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{r: r}, nil
}

// session is one SMTP conversation: the recipients accepted so far.
type session struct {
	r  *Receiver
	to []string
}

func (s *session) Reset()                               { s.to = nil }
func (s *session) Logout() error                        { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// Rcpt accepts only reply addresses of existing conversations.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ctx, cancel := s.ctx()
	defer cancel()
	if err := s.r.svc.CheckRecipient(ctx, to); err != nil {
		return smtpError(err)
	}
	s.to = append(s.to, to)
	return nil
}

// Data stores the message for each recipient (the server bounds its size).
func (s *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	for _, to := range s.to {
		if err := s.r.svc.ReceiveReply(ctx, to, buf.Bytes()); err != nil {
			s.r.log.WarnContext(ctx, "reply by email refused", "to", to, "err", err)
			return smtpError(err)
		}
	}
	return nil
}

// smtpError answers a refusal: 550 for an unknown recipient, 554 for a
// message that cannot be read, else 451 (the sender tries again later).
func smtpError(err error) error {
	switch {
	case apperr.Is(err, apperr.NotFound):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such reply address"}
	case apperr.Is(err, apperr.InvalidValue):
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message cannot be read"}
	}
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
}

// slogLogger writes the SMTP server's own errors to the server's log.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(format string, v ...any) {
	l.log.Debug("smtp receiver", "msg", fmt.Sprintf(format, v...))
}
func (l slogLogger) Println(v ...any) { l.log.Debug("smtp receiver", "msg", fmt.Sprint(v...)) }
