package app

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/opensupport/livechat/server/mail"
	"github.com/opensupport/livechat/server/mail/mailapi"
)

// registerMailFlags adds the outgoing mail flags of `livechat serve`: the
// SMTP server used until an admin saves other settings in the dashboard
// (the password only ever in configuration, then).
func (c *Config) registerMailFlags(fs *flag.FlagSet) {
	m := &c.Mail.SMTP
	fs.StringVar(&m.Host, "smtp-host", envOr("LIVECHAT_SMTP_HOST", ""),
		"SMTP server for outgoing mail; empty: none until an admin sets one in the dashboard [$LIVECHAT_SMTP_HOST]")
	fs.Func("smtp-port", "SMTP port; default 587, 465 with --smtp-security=tls, 25 with none [$LIVECHAT_SMTP_PORT]",
		func(s string) error { return c.setSMTPPort(s) })
	if v, ok := os.LookupEnv("LIVECHAT_SMTP_PORT"); ok {
		_ = c.setSMTPPort(v) // a bad value is reported by Validate
	}
	fs.Func("smtp-security", "starttls (default), tls (implicit TLS) or none [$LIVECHAT_SMTP_SECURITY]",
		func(s string) error { m.Security = mail.Security(s); return nil })
	m.Security = mail.Security(envOr("LIVECHAT_SMTP_SECURITY", string(mail.StartTLS)))
	fs.StringVar(&m.Username, "smtp-username", envOr("LIVECHAT_SMTP_USERNAME", ""),
		"SMTP user name; empty: no authentication [$LIVECHAT_SMTP_USERNAME]")
	fs.StringVar(&m.Password, "smtp-password", envOr("LIVECHAT_SMTP_PASSWORD", ""),
		"SMTP password; prefer the environment variable [$LIVECHAT_SMTP_PASSWORD]")
	fs.StringVar(&m.From, "mail-from", envOr("LIVECHAT_MAIL_FROM", ""),
		"sender address of outgoing mail, e.g. support@example.com [$LIVECHAT_MAIL_FROM]")
	fs.StringVar(&m.FromName, "mail-from-name", envOr("LIVECHAT_MAIL_FROM_NAME", ""),
		"sender name of outgoing mail [$LIVECHAT_MAIL_FROM_NAME]")
	fs.StringVar(&c.MailReceiver, "mail-receiver-listen", envOr("LIVECHAT_MAIL_RECEIVER_LISTEN", ""),
		"address of the built-in SMTP receiver for customers' replies by email, e.g. :25; empty: off [$LIVECHAT_MAIL_RECEIVER_LISTEN]")
	fs.Int64Var(&c.MailReceiverMaxBytes, "mail-receiver-max-bytes", 1<<20,
		"largest reply by email the receiver accepts, in bytes")
	fs.StringVar(&c.MailReceiverTLSCert, "mail-receiver-tls-cert", envOr("LIVECHAT_MAIL_RECEIVER_TLS_CERT", ""),
		"PEM certificate (chain) the SMTP receiver offers with STARTTLS, for the MX host name; empty: no STARTTLS [$LIVECHAT_MAIL_RECEIVER_TLS_CERT]")
	fs.StringVar(&c.MailReceiverTLSKey, "mail-receiver-tls-key", envOr("LIVECHAT_MAIL_RECEIVER_TLS_KEY", ""),
		"PEM private key of --mail-receiver-tls-cert [$LIVECHAT_MAIL_RECEIVER_TLS_KEY]")
	fs.StringVar(&m.ReplyDomain, "mail-reply-domain", envOr("LIVECHAT_MAIL_REPLY_DOMAIN", ""),
		"domain of the reply+<token>@ addresses whose mail comes back into conversations [$LIVECHAT_MAIL_REPLY_DOMAIN]")
}

// setSMTPPort parses --smtp-port; a bad value is kept for Validate.
func (c *Config) setSMTPPort(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		c.Mail.SMTP.Port = -1
		return errors.New("must be a port number, 1–65535")
	}
	c.Mail.SMTP.Port = n
	return nil
}

// validateMail checks the mail flags.
func (c *Config) validateMail() error {
	m := c.Mail.SMTP
	if m.Port < 0 {
		return errors.New("--smtp-port must be a port number, 1–65535")
	}
	switch m.Security {
	case "":
		c.Mail.SMTP.Security = mail.StartTLS
	case mail.StartTLS, mail.ImplicitTLS, mail.None:
	default:
		return fmt.Errorf("--smtp-security must be starttls, tls or none, not %q", m.Security)
	}
	if m.Username != "" && c.Mail.SMTP.Security == mail.None {
		return errors.New("--smtp-username needs --smtp-security starttls or tls: a password is never sent unencrypted")
	}
	if m.Host != "" && m.From == "" {
		return errors.New("--mail-from is required with --smtp-host")
	}
	if c.MailReceiverMaxBytes < 0 || (c.MailReceiverMaxBytes > 0 && c.MailReceiverMaxBytes < 1024) {
		return errors.New("--mail-receiver-max-bytes must be at least 1024")
	}
	if (c.MailReceiverTLSCert == "") != (c.MailReceiverTLSKey == "") {
		return errors.New("--mail-receiver-tls-cert and --mail-receiver-tls-key go together")
	}
	c.Mail.PublicURL = c.PublicURL
	return nil
}

// listenMail opens the SMTP receiver's listener when one is configured.
func (a *App) listenMail() error {
	if a.cfg.MailReceiver == "" {
		return nil
	}
	var tlsCfg *tls.Config
	if a.cfg.MailReceiverTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(a.cfg.MailReceiverTLSCert, a.cfg.MailReceiverTLSKey)
		if err != nil {
			return fmt.Errorf("--mail-receiver-tls-cert: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", a.cfg.MailReceiver)
	if err != nil {
		return fmt.Errorf("--mail-receiver-listen: %w", err)
	}
	host := "localhost"
	if u, err := url.Parse(a.cfg.PublicURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	a.mailLn = ln
	a.receiver = mailapi.NewReceiver(a.mail, a.log, mailapi.ReceiverOptions{Domain: host, MaxBytes: a.cfg.MailReceiverMaxBytes, TLS: tlsCfg})
	return nil
}

// MailReceiverAddr is the SMTP receiver's address, or "" when it is off.
func (a *App) MailReceiverAddr() string {
	if a.mailLn == nil {
		return ""
	}
	return a.mailLn.Addr().String()
}

// serveMail receives replies by email until ctx ends.
func (a *App) serveMail(ctx context.Context) {
	if a.receiver == nil {
		return
	}
	go func() {
		<-ctx.Done()
		_ = a.receiver.Close()
	}()
	if err := a.receiver.Serve(a.mailLn); err != nil && ctx.Err() == nil {
		a.log.Error("the SMTP receiver stopped", "err", err)
	}
}

// runMail runs the mail worker once the schema is current, until ctx ends.
func (a *App) runMail(ctx context.Context) {
	for a.schema.behind.Load() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(schemaPollInterval):
		}
	}
	a.mail.Run(ctx)
}

// Mail returns the email domain, for tests that move its clock or step its
// worker.
func (a *App) Mail() *mail.Service { return a.mail }
