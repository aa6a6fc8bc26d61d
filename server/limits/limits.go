// Package limits is the one set of bounds on what a client may send and the
// one text validator every domain uses. The same numbers reach the clients
// as livechat.v1.Limits (WidgetConfig.limits, GetMeResponse.limits), so the
// dashboard and the widget validate exactly as the server does.
package limits

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
)

// The limits, in characters (code points) after trimming unless noted.
const (
	// MessageText is the longest chat message or internal note.
	MessageText = 4000
	// ClientMessageID is the longest idempotency key of a send.
	ClientMessageID = 64
	// SearchQuery is the longest inbox search.
	SearchQuery = 200
	// DisplayName is the longest agent display name.
	DisplayName = 64
	// TokenName is the longest API token name.
	TokenName = 64
	// PasswordMin and PasswordMax bound a new password. The upper bound
	// keeps hashing cost predictable.
	PasswordMin = 8
	PasswordMax = 256
	// CustomerField is the longest visitor name, email, phone or pre-chat
	// answer.
	CustomerField = 200
	// VerifiedUserID is the longest host-site user id in an identity claim.
	VerifiedUserID = 128
	// WidgetName is the longest widget name and pre-chat field label.
	WidgetName = 64
	// WidgetShortText is the longest widget title or launcher label.
	WidgetShortText = 40
	// WidgetLongText is the longest widget greeting or offline message.
	WidgetLongText = 500
	// PrechatFields is the most fields of a pre-chat form (items).
	PrechatFields = 10
	// AllowedOrigins is the most allowed origins of a widget (items).
	AllowedOrigins = 50
	// ConversationPage and MessagePage are the largest pages (items);
	// the Default* sizes apply when a request asks for none.
	ConversationPage        = 100
	DefaultConversationPage = 30
	MessagePage             = 200
	DefaultMessagePage      = 50
	// CannedTitle is the longest canned response title; CannedShortcut
	// its longest shortcut.
	CannedTitle    = 80
	CannedShortcut = 32
	// CannedPage is the largest page of canned responses (items);
	// DefaultCannedPage applies when a request asks for none.
	CannedPage        = 100
	DefaultCannedPage = 50
	// TagName is the longest tag name; ConversationTags the most tags on
	// one conversation (items).
	TagName          = 32
	ConversationTags = 20
	// RatingComment is the longest comment of a satisfaction rating.
	RatingComment = 1000
	// ReportTags is the most tags a report lists (items).
	ReportTags = 50
	// AttachmentsPerMessage is the most files one message carries;
	// DefaultAttachmentBytes the largest file unless the server is
	// configured otherwise (--attachment-max-bytes).
	AttachmentsPerMessage  = 10
	DefaultAttachmentBytes = 10 << 20
	// AdminListPage is the largest page of agents, API tokens and widgets
	// (items); DefaultAdminListPage applies when a request asks for none.
	AdminListPage        = 500
	DefaultAdminListPage = 200
)

// Proto returns the limits clients read.
func Proto() *livechatv1.Limits {
	return &livechatv1.Limits{
		MessageText:      MessageText,
		ClientMessageId:  ClientMessageID,
		SearchQuery:      SearchQuery,
		DisplayName:      DisplayName,
		TokenName:        TokenName,
		PasswordMin:      PasswordMin,
		PasswordMax:      PasswordMax,
		CustomerField:    CustomerField,
		ConversationPage: ConversationPage,
		MessagePage:      MessagePage,
		CannedTitle:      CannedTitle,
		CannedShortcut:   CannedShortcut,
		TagName:          TagName,
		ConversationTags: ConversationTags,
		RatingComment:    RatingComment,

		AttachmentBytes:       DefaultAttachmentBytes,
		AttachmentsPerMessage: AttachmentsPerMessage,
	}
}

// Clean validates a text a client sent and returns it trimmed of white
// space at both ends. It refuses, never cuts: invalid UTF-8 or a control
// character (other than newline and tab when multiline) is TextInvalid, a
// blank text TextEmpty, more than max characters TextTooLong with the
// limit. field is the request field's proto name, used in the message and
// the error detail.
func Clean(field, s string, max int, multiline bool) (string, error) {
	t, err := CleanOptional(field, s, max, multiline)
	if err == nil && t == "" {
		return "", apperr.New(apperr.TextEmpty, "%s is required", words(field)).WithField(field)
	}
	return t, err
}

// CleanOptional is Clean for a text that may be left blank: a blank text
// is returned as "".
func CleanOptional(field, s string, max int, multiline bool) (string, error) {
	name := words(field)
	if !utf8.ValidString(s) {
		return "", apperr.New(apperr.TextInvalid, "%s is not valid UTF-8", name).WithField(field)
	}
	t := strings.TrimSpace(s)
	if n := utf8.RuneCountInString(t); n > max {
		return "", apperr.New(apperr.TextTooLong, "%s is %d characters long; at most %d are allowed", name, n, max).
			WithField(field).WithLimit(int64(max))
	}
	for _, r := range t {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			allowed := ""
			if multiline {
				allowed = " (only newline and tab are allowed)"
			}
			return "", apperr.New(apperr.TextInvalid, "%s contains the control character U+%04X%s", name, r, allowed).WithField(field)
		}
	}
	return t, nil
}

// CleanEmail checks an optional email address with Clean's rules and
// returns it trimmed: "" or a bare address such as ann@example.com;
// InvalidEmail for anything else.
func CleanEmail(field, v string) (string, error) {
	v, err := CleanOptional(field, v, CustomerField, false)
	if err != nil || v == "" {
		return v, err
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") {
		return "", apperr.New(apperr.InvalidEmail, "%s %q is not a valid email address", field, v).WithField(field)
	}
	return v, nil
}

// PageSize checks a requested page size: 0 means def, more than max is
// TooManyItems.
func PageSize(n int32, def, max int) (int, error) {
	switch {
	case n < 0:
		return 0, apperr.New(apperr.InvalidValue, "page_size must not be negative").WithField("page_size")
	case n == 0:
		return def, nil
	case int(n) > max:
		return 0, apperr.New(apperr.TooManyItems, "page_size %d is over the limit of %d", n, max).
			WithField("page_size").WithLimit(int64(max))
	}
	return int(n), nil
}

// LikePattern turns a search text into an ILIKE pattern matching it
// anywhere, with the pattern's own wildcards escaped.
func LikePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// words turns a proto field name into words for a message: "display_name"
// reads "display name".
func words(field string) string { return strings.ReplaceAll(field, "_", " ") }

// The audit log's bounds.
const (
	// AuditPage is the largest page of audit entries (items);
	// DefaultAuditPage applies when a request asks for none.
	AuditPage        = 200
	DefaultAuditPage = 50
	// AuditExport is the most entries one export holds; a larger selection
	// is cut to its newest entries (narrow the dates to get the rest).
	AuditExport = 100000
)

// Printable returns what a client said about itself (its address, its
// User-Agent, a username it tried) fit to store and show: valid UTF-8,
// control characters dropped, cut to n characters with an ellipsis.
func Printable(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
