package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/opensupport/livechat/server/apperr"
)

// Limits of what a client may send.
const (
	// MaxTextLen is the longest message, in characters after trimming.
	MaxTextLen = 4000
	// MaxClientMessageIDLen is the longest idempotency key, in characters.
	MaxClientMessageIDLen = 64
	// MaxQueryLen is the longest inbox search, in characters.
	MaxQueryLen = 200
	// MaxConversationPage and DefaultConversationPage bound inbox pages.
	MaxConversationPage     = 100
	DefaultConversationPage = 30
	// MaxMessagePage and DefaultMessagePage bound timeline pages.
	MaxMessagePage     = 200
	DefaultMessagePage = 50
)

// CleanText validates a message's text and returns it trimmed: 1–4000
// characters of valid UTF-8 without control characters other than newline
// and tab.
func CleanText(text string) (string, error) {
	if !utf8.ValidString(text) {
		return "", apperr.New(apperr.TextInvalid, "text is not valid UTF-8")
	}
	t := strings.TrimSpace(text)
	if t == "" {
		return "", apperr.New(apperr.TextEmpty, "text is empty")
	}
	if n := utf8.RuneCountInString(t); n > MaxTextLen {
		return "", apperr.New(apperr.TextTooLong, "text is %d characters long; the limit is %d", n, MaxTextLen)
	}
	for _, r := range t {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return "", apperr.New(apperr.TextInvalid, "text contains the control character U+%04X (only newline and tab are allowed)", r)
		}
	}
	return t, nil
}

// CheckClientMessageID validates an idempotency key: 1–64 characters of
// valid UTF-8 without control characters.
func CheckClientMessageID(id string) error {
	if id == "" {
		return apperr.New(apperr.Required, "client_message_id is required (a key you choose, such as a UUID, so retries are safe)")
	}
	if !utf8.ValidString(id) {
		return apperr.New(apperr.TextInvalid, "client_message_id is not valid UTF-8")
	}
	if utf8.RuneCountInString(id) > MaxClientMessageIDLen {
		return apperr.New(apperr.TextTooLong, "client_message_id is longer than %d characters", MaxClientMessageIDLen)
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return apperr.New(apperr.TextInvalid, "client_message_id contains a control character")
		}
	}
	return nil
}

// pageSize checks a requested page size against its limit.
func pageSize(n int32, def, max int) (int, error) {
	switch {
	case n < 0:
		return 0, apperr.New(apperr.InvalidValue, "page_size must not be negative")
	case n == 0:
		return def, nil
	case int(n) > max:
		return 0, apperr.New(apperr.TooManyItems, "page_size %d is over the limit of %d", n, max)
	}
	return int(n), nil
}

// likePattern turns a search text into an ILIKE pattern matching it
// anywhere, with the pattern's own wildcards escaped.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}
