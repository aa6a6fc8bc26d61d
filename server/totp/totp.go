// Package totp implements time-based one-time passwords (RFC 6238) with the
// parameters every common authenticator app uses by default: HMAC-SHA-1,
// 6 digits and a 30-second step. It is small enough to audit in one reading,
// which is why it is written here on crypto/hmac instead of pulled in.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // RFC 6238 authenticator apps use HMAC-SHA-1; HMAC keeps it sound.
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Step is the length of one time step.
const Step = 30 * time.Second

// Digits is the number of digits of a code.
const Digits = 6

// Skew is how many steps before and after the current one are accepted, to
// tolerate clock drift between the server and the authenticator.
const Skew = 1

// SecretSize is the length of a generated secret in bytes (160 bits, the
// size RFC 4226 recommends for HMAC-SHA-1).
const SecretSize = 20

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a fresh random secret.
func NewSecret() ([]byte, error) {
	s := make([]byte, SecretSize)
	if _, err := rand.Read(s); err != nil {
		return nil, fmt.Errorf("totp secret: %w", err)
	}
	return s, nil
}

// EncodeSecret returns the secret in the unpadded base32 form authenticator
// apps accept when it is typed in.
func EncodeSecret(secret []byte) string { return b32.EncodeToString(secret) }

// Counter returns the time step t falls in.
func Counter(t time.Time) int64 { return t.Unix() / int64(Step/time.Second) }

// Code returns the code for the time step counter (HOTP of RFC 4226 with
// the given number of digits).
func Code(secret []byte, counter int64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// Verify checks code against the steps around now and returns the step it
// matched. A step not greater than last (the step accepted before, or -1)
// is refused so that a code cannot be replayed within its window.
func Verify(secret []byte, code string, now time.Time, last int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != Digits {
		return 0, false
	}
	cur := Counter(now)
	for c := cur - Skew; c <= cur+Skew; c++ {
		if c <= last {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(Code(secret, c, Digits)), []byte(code)) == 1 {
			return c, true
		}
	}
	return 0, false
}

// URI returns the otpauth:// URI authenticator apps read from a QR code.
func URI(issuer, account string, secret []byte) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := url.Values{}
	q.Set("secret", EncodeSecret(secret))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(Digits))
	q.Set("period", fmt.Sprint(int(Step/time.Second)))
	return "otpauth://totp/" + label + "?" + q.Encode()
}
