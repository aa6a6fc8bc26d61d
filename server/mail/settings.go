package mail

import (
	"context"
	"net/mail"
	"regexp"
	"strings"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/settings"
)

// Section is the settings store's section of this domain.
const Section = "mail"

// passwordLabel binds the sealed SMTP password to its place.
const passwordLabel = "mail.smtp.password"

// Security is how the connection to the SMTP server is protected.
type Security string

// The securities. StartTLS (the default) upgrades a plain connection and
// refuses a server that cannot; ImplicitTLS speaks TLS from the start (port
// 465); None sends in the clear (a relay on the same host, tests).
const (
	StartTLS    Security = "starttls"
	ImplicitTLS Security = "tls"
	None        Security = "none"
)

// SMTP is an outgoing mail server and the sender's addresses.
type SMTP struct {
	Host string
	// Port 0 is the security's usual port: 587, 465 or 25.
	Port     int
	Security Security
	Username string
	Password string
	// From is the sender address; FromName its display name.
	From     string
	FromName string
	// ReplyDomain is the domain of the reply addresses (reply+<token>@…);
	// empty: mails carry no reply address.
	ReplyDomain string
}

// configured reports whether mail can be sent at all.
func (m SMTP) configured() bool { return m.Host != "" && m.From != "" }

// port is the port to dial.
func (m SMTP) port() int {
	switch {
	case m.Port != 0:
		return m.Port
	case m.Security == ImplicitTLS:
		return 465
	case m.Security == None:
		return 25
	}
	return 587
}

// DefaultFollowupMinutes is how long an agent's reply may stay unseen
// before it is emailed, unless an admin chose otherwise.
const DefaultFollowupMinutes = 5

// Settings is the mail configuration as admins see it: never the password,
// only whether one is set.
type Settings struct {
	SMTP SMTP
	// PasswordSet: a password is stored (sealed) or configured.
	PasswordSet bool
	// FollowupMinutes: an agent's reply the customer has not seen for this
	// long is emailed to them (1–1440).
	FollowupMinutes int
	// FromConfiguration: nothing is stored in the dashboard; the server's
	// flags and environment are in force.
	FromConfiguration bool
	// TranscriptOnResolve: resolving a conversation emails the customer
	// its transcript.
	TranscriptOnResolve bool
}

// SettingsInput is what an admin writes. A nil Password keeps the stored
// one; an empty one removes it.
type SettingsInput struct {
	SMTP                SMTP
	Password            *string
	FollowupMinutes     int
	TranscriptOnResolve bool
}

// doc is the stored section, as JSON.
type doc struct {
	Host            string `json:"host"`
	Port            int    `json:"port,omitempty"`
	Security        string `json:"security"`
	Username        string `json:"username,omitempty"`
	PasswordSealed  string `json:"passwordSealed,omitempty"`
	From            string `json:"from"`
	FromName        string `json:"fromName,omitempty"`
	ReplyDomain     string `json:"replyDomain,omitempty"`
	FollowupMinutes int    `json:"followupMinutes,omitempty"`
	// TranscriptOnResolve: see Settings.
	TranscriptOnResolve bool `json:"transcriptOnResolve,omitempty"`
}

// stored reads the section; found is false when admins never saved it.
func (s *Service) stored(ctx context.Context) (d doc, found bool, err error) {
	return s.storedIn(ctx, nil)
}

// storedIn is stored read through q, the caller's transaction (nil: the
// pool); see settings.Get for why.
func (s *Service) storedIn(ctx context.Context, q *dbq.Queries) (d doc, found bool, err error) {
	switch {
	case s.settings == nil:
		return doc{}, false, nil
	case q != nil:
		found, err = settings.Get(ctx, q, Section, &d)
	default:
		found, err = s.settings.Get(ctx, Section, &d)
	}
	return d, found, err
}

// current is the configuration in force: the dashboard's when saved, else
// the flags'. A stored setting without a password uses the configured one.
func (s *Service) current(ctx context.Context) (SMTP, int, error) {
	return s.currentIn(ctx, nil)
}

// currentIn is current read through q, the caller's transaction (nil: the
// pool).
func (s *Service) currentIn(ctx context.Context, q *dbq.Queries) (SMTP, int, error) {
	d, found, err := s.storedIn(ctx, q)
	if err != nil || !found {
		return s.cfg.SMTP, DefaultFollowupMinutes, err
	}
	m := SMTP{
		Host: d.Host, Port: d.Port, Security: Security(d.Security), Username: d.Username,
		From: d.From, FromName: d.FromName, ReplyDomain: d.ReplyDomain, Password: s.cfg.SMTP.Password,
	}
	if d.PasswordSealed != "" && s.box != nil {
		p, err := s.box.Open(d.PasswordSealed, passwordLabel)
		if err != nil {
			return SMTP{}, 0, err
		}
		m.Password = string(p)
	}
	minutes := d.FollowupMinutes
	if minutes == 0 {
		minutes = DefaultFollowupMinutes
	}
	return m, minutes, nil
}

// configuredSMTP is the SMTP server in force.
//
// Errors: MailNotConfigured when there is none.
func (s *Service) configuredSMTP(ctx context.Context) (SMTP, error) {
	m, _, err := s.current(ctx)
	if err != nil {
		return SMTP{}, err
	}
	if !m.configured() {
		return SMTP{}, apperr.New(apperr.MailNotConfigured, "no SMTP server is configured")
	}
	return m, nil
}

// GetSettings returns the mail configuration in force, without the
// password.
func (s *Service) GetSettings(ctx context.Context) (Settings, error) {
	d, found, err := s.stored(ctx)
	if err != nil {
		return Settings{}, err
	}
	m, minutes, err := s.current(ctx)
	if err != nil {
		return Settings{}, err
	}
	set := m.Password != ""
	m.Password = ""
	return Settings{SMTP: m, PasswordSet: set, FollowupMinutes: minutes, FromConfiguration: !found, TranscriptOnResolve: d.TranscriptOnResolve}, nil
}

// UpdateSettings stores the mail configuration (sealing the password); it
// is in force on every instance from the next mail on.
//
// Errors: Required for a missing host or sender; InvalidValue for a bad
// host, port, security, reply domain or follow-up delay; InvalidEmail for a
// bad sender; NotAvailable when the server stores no settings.
func (s *Service) UpdateSettings(ctx context.Context, admin principal.Agent, in SettingsInput) (Settings, error) {
	if s.settings == nil || s.box == nil {
		return Settings{}, apperr.New(apperr.NotAvailable, "mail settings cannot be stored on this server")
	}
	m, err := checkSMTP(in.SMTP)
	if err != nil {
		return Settings{}, err
	}
	if in.FollowupMinutes == 0 {
		in.FollowupMinutes = DefaultFollowupMinutes
	}
	if in.FollowupMinutes < 1 || in.FollowupMinutes > 1440 {
		return Settings{}, apperr.New(apperr.InvalidValue, "the follow-up delay must be 1–1440 minutes").WithField("followup_minutes").WithLimit(1440)
	}
	old, _, err := s.stored(ctx)
	if err != nil {
		return Settings{}, err
	}
	d := doc{
		Host: m.Host, Port: m.Port, Security: string(m.Security), Username: m.Username,
		From: m.From, FromName: m.FromName, ReplyDomain: m.ReplyDomain,
		FollowupMinutes: in.FollowupMinutes, PasswordSealed: old.PasswordSealed,
		TranscriptOnResolve: in.TranscriptOnResolve,
	}
	if in.Password != nil {
		d.PasswordSealed = ""
		if *in.Password != "" {
			if len(*in.Password) > 256 {
				return Settings{}, apperr.New(apperr.TextTooLong, "the password is too long").WithField("password").WithLimit(256)
			}
			if d.PasswordSealed, err = s.box.Seal([]byte(*in.Password), passwordLabel); err != nil {
				return Settings{}, err
			}
		}
	}
	if err := s.settings.Put(ctx, Section, d, admin.ID); err != nil {
		return Settings{}, err
	}
	s.nudge()
	return s.GetSettings(ctx)
}

var hostPattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$`)

// checkSMTP validates a server's settings and fills in the defaults.
func checkSMTP(m SMTP) (SMTP, error) {
	m.Host = strings.TrimSpace(m.Host)
	if m.Host == "" {
		return SMTP{}, apperr.New(apperr.Required, "the SMTP host is required").WithField("host")
	}
	if !hostPattern.MatchString(m.Host) {
		return SMTP{}, apperr.New(apperr.InvalidValue, "the SMTP host %q is not a host name or address", m.Host).WithField("host")
	}
	if m.Port < 0 || m.Port > 65535 {
		return SMTP{}, apperr.New(apperr.InvalidValue, "the SMTP port must be 1–65535 (0: the usual one)").WithField("port")
	}
	switch m.Security {
	case "":
		m.Security = StartTLS
	case StartTLS, ImplicitTLS, None:
	default:
		return SMTP{}, apperr.New(apperr.InvalidValue, "unknown security %q", m.Security).WithField("security")
	}
	var err error
	if m.Username, err = limits.CleanOptional("username", m.Username, 256, false); err != nil {
		return SMTP{}, err
	}
	if m.Username != "" && m.Security == None {
		// The mail library refuses to sign in over an unencrypted
		// connection, rightly: the password would travel in the clear.
		return SMTP{}, apperr.New(apperr.InvalidValue, "signing in needs STARTTLS or TLS: a password is never sent unencrypted").WithField("username")
	}
	if m.FromName, err = limits.CleanOptional("from_name", m.FromName, limits.CustomerField, false); err != nil {
		return SMTP{}, err
	}
	if m.From, err = checkAddress("from_address", m.From); err != nil {
		return SMTP{}, err
	}
	if m.From == "" {
		return SMTP{}, apperr.New(apperr.Required, "the sender address is required").WithField("from_address")
	}
	m.ReplyDomain = strings.ToLower(strings.TrimSpace(m.ReplyDomain))
	if m.ReplyDomain != "" && (!hostPattern.MatchString(m.ReplyDomain) || !strings.Contains(m.ReplyDomain, ".")) {
		return SMTP{}, apperr.New(apperr.InvalidValue, "the reply domain %q is not a domain name", m.ReplyDomain).WithField("reply_domain")
	}
	return m, nil
}

// checkAddress validates an optional email address: a bare address with
// a dotted domain, as customers' addresses are checked.
func checkAddress(field, v string) (string, error) {
	v, err := limits.CleanOptional(field, v, limits.CustomerField, false)
	if err != nil || v == "" {
		return v, err
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") {
		return "", apperr.New(apperr.InvalidEmail, "%q is not a valid email address", v).WithField(field)
	}
	return v, nil
}
