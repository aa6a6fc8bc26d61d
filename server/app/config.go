package app

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/attachments/s3store"
	"github.com/opensupport/livechat/server/mail"
	"github.com/opensupport/livechat/server/outbound"
	"github.com/opensupport/livechat/server/realtime"
	"github.com/opensupport/livechat/server/webhooks"
	"github.com/opensupport/livechat/server/widgets"
)

// Config is everything `livechat serve` can be told, by flag or environment.
type Config struct {
	// Listen is the HTTP listen address.
	Listen string
	// PublicURL is the address browsers use to reach this server (for
	// example https://chat.example.com); it decides the dashboard's origin
	// for CSRF checks, Secure cookies and the embed snippet. Empty means the
	// address the request came to.
	PublicURL string
	// DatabaseURL selects an existing PostgreSQL; empty starts the embedded one.
	DatabaseURL string
	// PGData is the embedded PostgreSQL's data directory.
	PGData string
	// PGBin is the directory of the PostgreSQL server binaries to use for the
	// embedded database; empty searches the usual places.
	PGBin string
	// NoMigrate skips applying pending migrations at start.
	NoMigrate bool
	// LogFormat is "text" or "json"; LogLevel is debug, info, warn or error.
	LogFormat string
	LogLevel  string
	// ShutdownTimeout bounds a graceful shutdown.
	ShutdownTimeout time.Duration
	// SecureCookies forces the Secure attribute on cookies even over plain
	// HTTP (behind a TLS-terminating proxy).
	SecureCookies bool
	// EdgeConfig holds HTTPS, trusted proxies and the side listeners.
	EdgeConfig
	// SessionIdle ends a dashboard session unused for this long (sliding);
	// SessionMaxAge ends it this long after sign-in regardless. Zero means
	// the defaults, 7 and 30 days.
	SessionIdle   time.Duration
	SessionMaxAge time.Duration
	// ScryptLogN is log2 of the scrypt cost for new password hashes; zero
	// means the default (15). Raising it upgrades each hash at its agent's
	// next sign-in.
	ScryptLogN uint8
	// WidgetLimits are WidgetService's abuse limits; zero fields take the
	// defaults (tests lower them).
	WidgetLimits widgets.Limits
	// envErrs are environment variables that could not be read.
	envErrs []error
	// SecretsKey is a comma-separated list of base64 AES-256 keys that seal
	// stored secrets (the first seals, all open); empty reads, or creates,
	// SecretsKeyFile.
	SecretsKey string
	// SecretsKeyFile holds the keys when SecretsKey is empty; empty means
	// secrets.key beside the embedded database's data directory.
	SecretsKeyFile string
	// Realtime tunes the event hub (heartbeats, presence grace, buffers);
	// zero fields take the defaults (tests shorten them).
	Realtime realtime.Options
	// Webhooks tunes webhook delivery (polling, leases, retries); zero
	// fields take the defaults (tests shorten them).
	Webhooks webhooks.Options
	// Outbound bounds the server's own requests (timeouts, response size)
	// and lists the private networks the operator allows webhooks to reach.
	Outbound outbound.Options
	// MessageEditWindow is how long after sending agents and visitors may
	// edit or delete their own messages; zero means chat.DefaultEditWindow.
	MessageEditWindow time.Duration
	// Attachments are the limits of files (see attachments.go).
	Attachments attachments.Config
	// AttachmentStore is where new files go: "postgres" (default) or "s3"
	// (then S3 says where).
	AttachmentStore string
	S3              s3store.Config
	// TestClock, for tests only, is the time business hours are read at
	// when the server starts (see testclock.go); zero is the real clock.
	TestClock time.Time
	// Mail is the outgoing mail server of the flags and the mail worker's
	// timing (tests shorten it).
	Mail mail.Config
	// MailReceiver is the listen address of the built-in SMTP receiver of
	// replies by email; empty: off. MailReceiverMaxBytes bounds a message
	// (zero: 1 MiB).
	MailReceiver         string
	MailReceiverMaxBytes int64
	// GeoIPDB is a MaxMind-format database file (.mmdb) that locates
	// visitors' addresses (country and city); empty: no location.
	GeoIPDB string
	// MailReceiverTLSCert and MailReceiverTLSKey are PEM files of the
	// certificate the receiver offers with STARTTLS; empty: no STARTTLS.
	MailReceiverTLSCert, MailReceiverTLSKey string
}

// defaultPGData is the embedded PostgreSQL's data directory when none is
// given.
const defaultPGData = "./data/postgres"

// envOr returns the environment variable key, or def when it is unset.
func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// envBool returns the boolean environment variable key, or def when it is
// unset; a value that is not a boolean is reported by Validate.
func (c *Config) envBool(key string, def bool) bool {
	v, ok := os.LookupEnv(key)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		c.envErrs = append(c.envErrs, fmt.Errorf("$%s must be true or false, not %q", key, v))
		return def
	}
	return b
}

// envDuration returns the duration environment variable key, or def when
// it is unset; a value that is not a duration is reported by Validate.
func (c *Config) envDuration(key string, def time.Duration) time.Duration {
	v, ok := os.LookupEnv(key)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		c.envErrs = append(c.envErrs, fmt.Errorf("$%s must be a duration with a unit such as 30s, 15m or 168h, not %q", key, v))
		return def
	}
	return d
}

// RegisterDatabaseFlags adds the flags that choose the database; `serve`,
// `migrate` and `agent` share them.
func (c *Config) RegisterDatabaseFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", envOr("DATABASE_URL", ""),
		"PostgreSQL connection URL [$DATABASE_URL]; empty runs an embedded PostgreSQL")
	fs.StringVar(&c.PGData, "pg-data", envOr("LIVECHAT_PG_DATA", defaultPGData),
		"data directory of the embedded PostgreSQL [$LIVECHAT_PG_DATA]")
	fs.StringVar(&c.PGBin, "pg-bin", envOr("PG_BIN", ""),
		"directory of the PostgreSQL server binaries for the embedded database [$PG_BIN]; empty searches pg_config --bindir and /usr/lib/postgresql/*/bin")
	fs.StringVar(&c.LogFormat, "log-format", envOr("LIVECHAT_LOG_FORMAT", "text"),
		"log format: text or json [$LIVECHAT_LOG_FORMAT]")
	fs.StringVar(&c.LogLevel, "log-level", envOr("LIVECHAT_LOG_LEVEL", "info"),
		"log level: debug, info, warn or error [$LIVECHAT_LOG_LEVEL]")
}

// RegisterPasswordFlags adds the password-hashing flag; `serve` and
// `agent create` share it, so an agent created from the shell gets the
// same cost as one created in the dashboard.
func (c *Config) RegisterPasswordFlags(fs *flag.FlagSet) {
	fs.Func("scrypt-log-n", "log2 of the scrypt cost of password hashes, 14–22; existing hashes are upgraded at sign-in (default 15) [$LIVECHAT_SCRYPT_LOG_N]",
		func(s string) error { return c.setScryptLogN(s) })
	if v, ok := os.LookupEnv("LIVECHAT_SCRYPT_LOG_N"); ok {
		_ = c.setScryptLogN(v) // a bad value is reported by Validate
	}
}

// RegisterServeFlags adds the flags of `livechat serve`.
func (c *Config) RegisterServeFlags(fs *flag.FlagSet) {
	c.RegisterDatabaseFlags(fs)
	fs.StringVar(&c.Listen, "listen", envOr("LIVECHAT_LISTEN", ""),
		"listen address; default :8080, or :443 when serving HTTPS [$LIVECHAT_LISTEN]")
	fs.StringVar(&c.PublicURL, "public-url", envOr("LIVECHAT_PUBLIC_URL", ""),
		"URL browsers use to reach this server, e.g. https://chat.example.com [$LIVECHAT_PUBLIC_URL]")
	fs.BoolVar(&c.NoMigrate, "no-migrate", c.envBool("LIVECHAT_NO_MIGRATE", false),
		"do not apply database migrations at start [$LIVECHAT_NO_MIGRATE]")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.envDuration("LIVECHAT_SHUTDOWN_TIMEOUT", 15*time.Second),
		"how long a graceful shutdown may take [$LIVECHAT_SHUTDOWN_TIMEOUT]")
	fs.DurationVar(&c.SessionIdle, "session-idle", c.envDuration("LIVECHAT_SESSION_IDLE", 7*24*time.Hour),
		"sign agents out after this long without activity [$LIVECHAT_SESSION_IDLE]")
	fs.DurationVar(&c.SessionMaxAge, "session-max-age", c.envDuration("LIVECHAT_SESSION_MAX_AGE", 30*24*time.Hour),
		"sign agents out this long after they signed in, active or not [$LIVECHAT_SESSION_MAX_AGE]")
	c.RegisterPasswordFlags(fs)
	fs.StringVar(&c.SecretsKey, "secrets-key", envOr("LIVECHAT_SECRETS_KEY", ""),
		"base64 key(s), comma-separated, that encrypt stored secrets; the first encrypts, all decrypt; every instance needs the same [$LIVECHAT_SECRETS_KEY]")
	fs.StringVar(&c.SecretsKeyFile, "secrets-key-file", envOr("LIVECHAT_SECRETS_KEY_FILE", ""),
		"file holding the secrets key when --secrets-key is empty; created with a random key if missing (default: secrets.key beside --pg-data) [$LIVECHAT_SECRETS_KEY_FILE]")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", c.envBool("LIVECHAT_SECURE_COOKIES", false),
		"always mark cookies Secure, e.g. behind a TLS-terminating proxy [$LIVECHAT_SECURE_COOKIES]")
	c.registerEdgeFlags(fs)
	fs.DurationVar(&c.MessageEditWindow, "message-edit-window", c.envDuration("LIVECHAT_MESSAGE_EDIT_WINDOW", 15*time.Minute),
		"how long after sending agents and visitors may edit or delete their own messages, 1m to 168h [$LIVECHAT_MESSAGE_EDIT_WINDOW]")
	c.registerAttachmentFlags(fs)
	c.readTestClock()
	c.registerMailFlags(fs)
	fs.StringVar(&c.GeoIPDB, "geoip-db", envOr("LIVECHAT_GEOIP_DB", ""),
		"a MaxMind-format GeoIP city database (.mmdb, e.g. GeoLite2-City) that locates visitors' addresses; reloaded when the file is replaced; empty: no location")
}

// Validate checks values that flag parsing cannot, and reports environment
// variables that could not be read (a flag given on the command line wins
// over its variable, but a bad variable is still an error: it would be
// silently ignored the day the flag is removed).
func (c *Config) Validate() error {
	if len(c.envErrs) > 0 {
		return errors.Join(c.envErrs...)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		return fmt.Errorf("--public-url must start with http:// or https://, not %q", c.PublicURL)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.SessionIdle < 0 || c.SessionMaxAge < 0 || (c.SessionIdle > 0 && c.SessionMaxAge > 0 && c.SessionIdle > c.SessionMaxAge) {
		return fmt.Errorf("--session-idle (%s) must be positive and at most --session-max-age (%s)", c.SessionIdle, c.SessionMaxAge)
	}
	if c.ScryptLogN != 0 && (c.ScryptLogN < 14 || c.ScryptLogN > 22) {
		return fmt.Errorf("--scrypt-log-n must be between 14 and 22, not %d", c.ScryptLogN)
	}
	if c.MessageEditWindow != 0 && (c.MessageEditWindow < time.Minute || c.MessageEditWindow > 168*time.Hour) {
		return fmt.Errorf("--message-edit-window must be between 1m and 168h, not %s", c.MessageEditWindow)
	}
	if err := c.validateEdge(); err != nil {
		return err
	}
	return c.validateMail()
}

// setScryptLogN parses --scrypt-log-n; out-of-range values are kept for
// Validate to report.
func (c *Config) setScryptLogN(s string) error {
	n, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		c.ScryptLogN = 255
		return fmt.Errorf("must be a number between 14 and 22")
	}
	c.ScryptLogN = uint8(n)
	return nil
}
