package widgets

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
)

// Limits on what an admin may store in a widget, as documented in
// widget.proto.
const (
	maxNameLen       = 64
	maxOrigins       = 50
	maxShortTextLen  = 40 // title, launcher label
	maxLongTextLen   = 500
	maxPrechatFields = 10
	maxFieldLabelLen = 64
)

// Defaults for unset appearance fields, so a widget created with only a name
// already looks finished.
const (
	DefaultPrimaryColor  = "#2563eb"
	DefaultTitle         = "Chat with us"
	DefaultLauncherLabel = "Chat"
)

var (
	colorRE      = regexp.MustCompile(`^#[0-9a-f]{6}$`)
	fieldKeyRE   = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	hostLabelRE  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	defaultPorts = map[string]string{"http": "80", "https": "443"}
)

// NormalizeSettings validates an admin's widget settings and returns a
// cleaned copy: text trimmed, color and origins in lower case, defaults
// filled in for unset appearance fields. The input is not modified.
//
// Errors: Invalid, naming the field and the rule it breaks.
func NormalizeSettings(in *livechatv1.WidgetSettings) (*livechatv1.WidgetSettings, error) {
	if in == nil {
		return nil, apperr.New(apperr.Required, "settings are required")
	}
	s := proto.CloneOf(in)

	s.Name = strings.TrimSpace(s.Name)
	if err := checkText("name", s.Name, 1, maxNameLen); err != nil {
		return nil, err
	}

	origins, err := normalizeOrigins(s.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	s.AllowedOrigins = origins

	if s.Appearance == nil {
		s.Appearance = &livechatv1.WidgetAppearance{}
	}
	if err := normalizeAppearance(s.Appearance); err != nil {
		return nil, err
	}

	if s.Prechat == nil {
		s.Prechat = &livechatv1.PrechatForm{}
	}
	if err := normalizePrechat(s.Prechat); err != nil {
		return nil, err
	}

	if s.Offline == nil {
		s.Offline = &livechatv1.OfflineSettings{}
	}
	s.Offline.Message = strings.TrimSpace(s.Offline.Message)
	if err := checkText("offline message", s.Offline.Message, 0, maxLongTextLen); err != nil {
		return nil, err
	}
	return s, nil
}

func normalizeAppearance(a *livechatv1.WidgetAppearance) error {
	a.PrimaryColor = strings.ToLower(strings.TrimSpace(a.PrimaryColor))
	if a.PrimaryColor == "" {
		a.PrimaryColor = DefaultPrimaryColor
	}
	if !colorRE.MatchString(a.PrimaryColor) {
		return apperr.New(apperr.InvalidValue, "primary color %q must look like #rrggbb", a.PrimaryColor)
	}
	switch a.Position {
	case livechatv1.WidgetPosition_WIDGET_POSITION_UNSPECIFIED:
		a.Position = livechatv1.WidgetPosition_WIDGET_POSITION_BOTTOM_RIGHT
	case livechatv1.WidgetPosition_WIDGET_POSITION_BOTTOM_RIGHT, livechatv1.WidgetPosition_WIDGET_POSITION_BOTTOM_LEFT:
	default:
		return apperr.New(apperr.InvalidValue, "position %d is not a known position", a.Position)
	}
	switch a.Locale {
	case livechatv1.WidgetLocale_WIDGET_LOCALE_UNSPECIFIED:
		a.Locale = livechatv1.WidgetLocale_WIDGET_LOCALE_AUTO
	case livechatv1.WidgetLocale_WIDGET_LOCALE_AUTO, livechatv1.WidgetLocale_WIDGET_LOCALE_EN, livechatv1.WidgetLocale_WIDGET_LOCALE_VI:
	default:
		return apperr.New(apperr.InvalidValue, "locale %d is not a known locale", a.Locale)
	}
	a.Title = strings.TrimSpace(a.Title)
	if a.Title == "" {
		a.Title = DefaultTitle
	}
	if err := checkText("title", a.Title, 1, maxShortTextLen); err != nil {
		return err
	}
	a.LauncherLabel = strings.TrimSpace(a.LauncherLabel)
	if a.LauncherLabel == "" {
		a.LauncherLabel = DefaultLauncherLabel
	}
	if err := checkText("launcher label", a.LauncherLabel, 1, maxShortTextLen); err != nil {
		return err
	}
	a.Greeting = strings.TrimSpace(a.Greeting)
	return checkText("greeting", a.Greeting, 0, maxLongTextLen)
}

func normalizePrechat(p *livechatv1.PrechatForm) error {
	if len(p.Fields) > maxPrechatFields {
		return apperr.New(apperr.TooManyItems, "the pre-chat form has %d fields; at most %d are allowed", len(p.Fields), maxPrechatFields)
	}
	seen := make(map[string]bool, len(p.Fields))
	for i, f := range p.Fields {
		if f == nil {
			return apperr.New(apperr.InvalidValue, "pre-chat field %d is empty", i+1)
		}
		f.Key = strings.TrimSpace(f.Key)
		if !fieldKeyRE.MatchString(f.Key) {
			return apperr.New(apperr.InvalidValue, "pre-chat field key %q must be 1–32 characters of a-z, 0-9 and _", f.Key)
		}
		if seen[f.Key] {
			return apperr.New(apperr.InvalidValue, "pre-chat field key %q is used twice", f.Key)
		}
		seen[f.Key] = true
		f.Label = strings.TrimSpace(f.Label)
		if err := checkText(fmt.Sprintf("label of pre-chat field %q", f.Key), f.Label, 1, maxFieldLabelLen); err != nil {
			return err
		}
		switch f.Type {
		case livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_NAME,
			livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_EMAIL,
			livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_PHONE,
			livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_TEXT:
		default:
			return apperr.New(apperr.InvalidValue, "pre-chat field %q needs a type: name, email, phone or text", f.Key)
		}
	}
	return nil
}

// checkText checks a trimmed admin-entered text: valid UTF-8, no control
// characters except newline, and a length in characters within [min, max].
func checkText(field, s string, min, max int) error {
	if !utf8.ValidString(s) {
		return apperr.New(apperr.TextInvalid, "%s is not valid UTF-8", field)
	}
	n := utf8.RuneCountInString(s)
	if n < min {
		if min == 1 {
			return apperr.New(apperr.Required, "%s is required", field)
		}
		return apperr.New(apperr.InvalidValue, "%s must be at least %d characters", field, min)
	}
	if n > max {
		return apperr.New(apperr.TextTooLong, "%s is %d characters; at most %d are allowed", field, n, max)
	}
	for _, r := range s {
		if r != '\n' && unicode.IsControl(r) {
			return apperr.New(apperr.TextInvalid, "%s contains a control character", field)
		}
	}
	return nil
}

// normalizeOrigins validates allowed origins and returns them canonical
// (lower case, default ports dropped), without duplicates, in the given order.
func normalizeOrigins(in []string) ([]string, error) {
	if len(in) > maxOrigins {
		return nil, apperr.New(apperr.TooManyItems, "%d allowed origins given; at most %d are allowed", len(in), maxOrigins)
	}
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, o := range in {
		n, err := parseOriginPattern(o)
		if err != nil {
			return nil, err
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// parseOriginPattern checks one allowed origin: "https://host[:port]",
// "http://host[:port]" or "https://*.example.com[:port]", and returns its
// canonical form.
func parseOriginPattern(raw string) (string, error) {
	bad := func(why string) error {
		return apperr.New(apperr.InvalidValue, "allowed origin %q %s", raw, why)
	}
	s := strings.TrimSpace(raw)
	if len(s) > 300 {
		return "", bad("is too long")
	}
	scheme, rest, ok := strings.Cut(strings.ToLower(s), "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return "", bad("must start with https:// or http://")
	}
	rest = strings.TrimSuffix(rest, "/")
	if strings.ContainsAny(rest, "/?#@ \\") {
		return "", bad("must be an origin only: a scheme and a host, with no path, query or user")
	}
	wildcard := false
	if strings.HasPrefix(rest, "*.") {
		if scheme != "https" {
			return "", bad("may use a * wildcard only with https")
		}
		wildcard = true
		rest = rest[2:]
	}
	if strings.Contains(rest, "*") {
		return "", bad("may use * only as its first label, as in https://*.example.com")
	}
	u, err := url.Parse(scheme + "://" + rest)
	if err != nil || u.Host == "" {
		return "", bad("is not a valid origin")
	}
	host, port := u.Hostname(), u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", bad("has an invalid port")
		}
		port = strconv.Itoa(n)
		if port == defaultPorts[scheme] {
			port = ""
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", bad("has an invalid port")
	}
	if ip := net.ParseIP(host); ip != nil {
		if wildcard {
			return "", bad("may not combine a wildcard with an IP address")
		}
		if ip.To4() == nil {
			host = "[" + ip.String() + "]"
		}
	} else {
		labels := strings.Split(host, ".")
		for _, l := range labels {
			if !hostLabelRE.MatchString(l) {
				return "", bad("has an invalid host name")
			}
		}
		if wildcard && len(labels) < 2 {
			return "", bad("must have a wildcard over a domain with at least two labels, as in https://*.example.com")
		}
	}
	out := scheme + "://"
	if wildcard {
		out += "*."
	}
	out += host
	if port != "" {
		out += ":" + port
	}
	return out, nil
}

// canonicalOrigin returns the Origin header of a request in the form
// allowed origins are stored in, or "" when it is not an http(s) origin.
func canonicalOrigin(origin string) string {
	n, err := parseOriginPattern(origin)
	if err != nil || strings.Contains(n, "*") {
		return ""
	}
	return n
}

// originAllowed reports whether a request's Origin header matches a
// widget's allowed origins. An empty list allows any origin. A wildcard
// https://*.example.com matches subdomains at any depth but not
// example.com itself (list it separately).
func originAllowed(allowed []string, origin string) bool {
	if len(allowed) == 0 {
		return true
	}
	o := canonicalOrigin(origin)
	if o == "" {
		return false
	}
	for _, a := range allowed {
		if a == o {
			return true
		}
		if rest, ok := strings.CutPrefix(a, "https://*."); ok {
			host, ok := strings.CutPrefix(o, "https://")
			if ok && strings.HasSuffix(host, "."+rest) {
				return true
			}
		}
	}
	return false
}
