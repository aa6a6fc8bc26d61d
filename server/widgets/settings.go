package widgets

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/limits"
)

// Position is the corner the launcher sits in. The values are numbered as
// in the API (livechat.v1.WidgetPosition), so the handler's conversion is a
// cast and a value the API does not know reaches validation as itself.
type Position int

// The positions.
const (
	PositionUnset       Position = 0
	PositionBottomRight Position = 1
	PositionBottomLeft  Position = 2
)

// Locale is the widget's language; numbered as in the API
// (livechat.v1.WidgetLocale), see Position.
type Locale int

// The locales.
const (
	LocaleUnset Locale = 0
	// LocaleAuto follows the visitor's browser.
	LocaleAuto Locale = 1
	LocaleEN   Locale = 2
	LocaleVI   Locale = 3
)

// FieldType is the kind of a pre-chat field, which says where its answer
// is stored; numbered as in the API (livechat.v1.PrechatFieldType), see
// Position.
type FieldType int

// The field types.
const (
	FieldUnset FieldType = 0
	// FieldName is stored as the customer's name.
	FieldName FieldType = 1
	// FieldEmail is stored as the customer's email; it must look like one.
	FieldEmail FieldType = 2
	// FieldPhone is stored as the customer's phone.
	FieldPhone FieldType = 3
	// FieldText is stored in the customer's attributes under its key.
	FieldText FieldType = 4
)

// Settings is everything an admin edits on a widget.
type Settings struct {
	// Name is for admins.
	Name string
	// AllowedOrigins may embed the widget; empty allows any origin.
	AllowedOrigins []string
	Appearance     Appearance
	Prechat        PrechatForm
	Offline        Offline
	// Translations are the visitor-facing texts in other languages, keyed
	// by language (one of Languages). The texts in Appearance, Prechat and
	// Offline are the default, shown where a translation has none.
	Translations map[string]Texts
	// Csat is whether, and on which scale, visitors are asked to rate a
	// resolved conversation.
	Csat CsatScale
	// Tracking is what the widget reports of the visitor's browsing.
	Tracking Tracking
	// AttachmentKinds are the kinds of file visitors may send; empty
	// (normalised to attachments.DefaultKinds) allows the default ones.
	AttachmentKinds []attachments.Kind
}

// Tracking is what the widget reports of a visitor's browsing (package
// customers keeps the reports). The zero value is the default: pages are
// reported without their query strings, and only once the visitor has
// opened the widget.
type Tracking struct {
	// PagesOff stops page reports altogether (the device is still told).
	PagesOff bool
	// KeepQueryStrings keeps "?…" in reported URLs.
	KeepQueryStrings bool
	// TrackVisits reports pages before the visitor opens the widget.
	TrackVisits bool
	// ProactiveOff refuses proactive chats (agents starting a chat with a
	// visitor on the site); they are allowed by default.
	ProactiveOff bool `json:"proactiveOff,omitempty"`
	// Triggers are the widget's automatic messages, evaluated in the
	// visitor's browser.
	Triggers []Trigger `json:"triggers,omitempty"`
}

// Trigger is an automatic message: after Delay seconds on a page whose path
// matches Pattern ("*" matches anything), the widget opens with the text
// in the visitor's language.
type Trigger struct {
	Pattern string `json:"pattern"`
	Delay   int    `json:"delay"`
	TextEn  string `json:"textEn,omitempty"`
	TextVi  string `json:"textVi,omitempty"`
}

// The bounds of triggers.
const (
	MaxTriggers       = 10
	MaxTriggerDelay   = 3600
	MaxTriggerPattern = 200
)

// isZero reports whether t is all defaults.
func (t Tracking) isZero() bool {
	return !t.PagesOff && !t.KeepQueryStrings && !t.TrackVisits && !t.ProactiveOff && len(t.Triggers) == 0
}

// normalizeTriggers checks the automatic messages.
func normalizeTriggers(in []Trigger) ([]Trigger, error) {
	const path = "settings.visitor_tracking.triggers"
	if len(in) > MaxTriggers {
		return nil, apperr.New(apperr.TooManyItems, "at most %d triggers", MaxTriggers).WithField(path).WithLimit(MaxTriggers)
	}
	out := make([]Trigger, 0, len(in))
	for i, t := range in {
		at := fmt.Sprintf("%s[%d].", path, i)
		var err error
		if t.Pattern, err = limits.Clean(at+"url_pattern", t.Pattern, MaxTriggerPattern, false); err != nil {
			return nil, err
		}
		if t.Pattern[0] != '/' && t.Pattern[0] != '*' {
			return nil, apperr.New(apperr.InvalidValue, "a page pattern starts with / or *").WithField(at + "url_pattern")
		}
		if t.Delay < 0 || t.Delay > MaxTriggerDelay {
			return nil, apperr.New(apperr.InvalidValue, "the delay is 0–%d seconds", MaxTriggerDelay).WithField(at + "delay_seconds").WithLimit(MaxTriggerDelay)
		}
		if t.TextEn, err = limits.CleanOptional(at+"text_en", t.TextEn, limits.WidgetLongText, true); err != nil {
			return nil, err
		}
		if t.TextVi, err = limits.CleanOptional(at+"text_vi", t.TextVi, limits.WidgetLongText, true); err != nil {
			return nil, err
		}
		if t.TextEn == "" && t.TextVi == "" {
			return nil, apperr.New(apperr.Required, "a trigger needs its message in English or Vietnamese").WithField(at + "text_en")
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// CsatScale is the scale a widget asks visitors to rate on; numbered as in
// the API (livechat.v1.CsatScale), see Position.
type CsatScale int

// The scales.
const (
	// CsatOff asks nothing.
	CsatOff    CsatScale = 0
	CsatFive   CsatScale = 1
	CsatThumbs CsatScale = 2
)

// Appearance is how the widget looks.
type Appearance struct {
	// PrimaryColor is "#rrggbb".
	PrimaryColor  string
	Position      Position
	Title         string
	Greeting      string
	LauncherLabel string
	Locale        Locale
}

// PrechatForm is asked before the first message.
type PrechatForm struct {
	Enabled bool
	Fields  []PrechatField
}

// PrechatField is one field of the pre-chat form.
type PrechatField struct {
	// Key is unique within the form.
	Key      string
	Label    string
	Type     FieldType
	Required bool
}

// Offline is what the widget does when no agent is online.
type Offline struct {
	// Message is shown instead of the greeting.
	Message string
	// CollectEmail asks for an email so agents can answer later.
	CollectEmail bool
}

// Texts is the admin-written text a visitor reads, in one language. An
// empty text falls back to the default.
type Texts struct {
	Title          string
	Greeting       string
	LauncherLabel  string
	OfflineMessage string
	// PrechatLabels translate the pre-chat fields' labels, by field key.
	PrechatLabels map[string]string
}

// Languages are the languages a widget's texts may be translated into: the
// languages the widget itself speaks.
var Languages = []string{"en", "vi"}

// Defaults for unset appearance fields, so a widget created with only a name
// already looks finished.
const (
	DefaultPrimaryColor  = "#2563eb"
	DefaultTitle         = "Chat with us"
	DefaultLauncherLabel = "Chat"
)

// maxOriginLen bounds one allowed origin, far above any real one.
const maxOriginLen = 300

var (
	colorRE    = regexp.MustCompile(`^#[0-9a-f]{6}$`)
	fieldKeyRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
)

// NormalizeSettings validates an admin's widget settings and returns a
// cleaned copy: text trimmed, color and origins in lower case, defaults
// filled in for unset appearance fields, empty translations dropped. The
// input is not modified. Texts are checked with the one text validator
// (limits.Clean) against the limits in package limits; errors name the
// field by its path in the API's WidgetSettings.
//
// Errors (all INVALID_ARGUMENT): TextEmpty, TextTooLong, TextInvalid,
// TooManyItems, Required or InvalidValue, naming the field and the rule.
func NormalizeSettings(in Settings) (Settings, error) {
	s := in
	var err error
	if s.Name, err = limits.Clean("settings.name", s.Name, limits.WidgetName, false); err != nil {
		return Settings{}, err
	}
	if s.AllowedOrigins, err = normalizeOrigins(s.AllowedOrigins); err != nil {
		return Settings{}, err
	}
	if s.Appearance, err = normalizeAppearance(s.Appearance); err != nil {
		return Settings{}, err
	}
	if s.Prechat, err = normalizePrechat(s.Prechat); err != nil {
		return Settings{}, err
	}
	if s.Offline.Message, err = limits.CleanOptional("settings.offline.message", s.Offline.Message, limits.WidgetLongText, true); err != nil {
		return Settings{}, err
	}
	if s.Translations, err = normalizeTranslations(s.Translations, s.Prechat); err != nil {
		return Settings{}, err
	}
	if s.Tracking.Triggers, err = normalizeTriggers(s.Tracking.Triggers); err != nil {
		return Settings{}, err
	}
	switch s.Csat {
	case CsatOff, CsatFive, CsatThumbs:
	default:
		return Settings{}, apperr.New(apperr.InvalidValue, "csat scale %d is not a known scale", s.Csat).WithField("settings.csat")
	}
	names, err := attachments.KindNames(s.AttachmentKinds)
	if err != nil {
		return Settings{}, err.(*apperr.Error).WithField("settings.attachment_kinds")
	}
	s.AttachmentKinds = attachments.KindsOf(names)
	return s, nil
}

func normalizeAppearance(a Appearance) (Appearance, error) {
	a.PrimaryColor = strings.ToLower(strings.TrimSpace(a.PrimaryColor))
	if a.PrimaryColor == "" {
		a.PrimaryColor = DefaultPrimaryColor
	}
	if !colorRE.MatchString(a.PrimaryColor) {
		return a, apperr.New(apperr.InvalidValue, "primary color %q must look like #rrggbb", a.PrimaryColor).
			WithField("settings.appearance.primary_color")
	}
	switch a.Position {
	case PositionUnset:
		a.Position = PositionBottomRight
	case PositionBottomRight, PositionBottomLeft:
	default:
		return a, apperr.New(apperr.InvalidValue, "position %d is not a known position", a.Position).
			WithField("settings.appearance.position")
	}
	switch a.Locale {
	case LocaleUnset:
		a.Locale = LocaleAuto
	case LocaleAuto, LocaleEN, LocaleVI:
	default:
		return a, apperr.New(apperr.InvalidValue, "locale %d is not a known locale", a.Locale).
			WithField("settings.appearance.locale")
	}
	var err error
	if strings.TrimSpace(a.Title) == "" {
		a.Title = DefaultTitle
	}
	if a.Title, err = limits.Clean("settings.appearance.title", a.Title, limits.WidgetShortText, false); err != nil {
		return a, err
	}
	if strings.TrimSpace(a.LauncherLabel) == "" {
		a.LauncherLabel = DefaultLauncherLabel
	}
	if a.LauncherLabel, err = limits.Clean("settings.appearance.launcher_label", a.LauncherLabel, limits.WidgetShortText, false); err != nil {
		return a, err
	}
	a.Greeting, err = limits.CleanOptional("settings.appearance.greeting", a.Greeting, limits.WidgetLongText, true)
	return a, err
}

func normalizePrechat(p PrechatForm) (PrechatForm, error) {
	if len(p.Fields) > limits.PrechatFields {
		return p, apperr.New(apperr.TooManyItems, "the pre-chat form has %d fields; at most %d are allowed", len(p.Fields), limits.PrechatFields).
			WithField("settings.prechat.fields").WithLimit(limits.PrechatFields)
	}
	fields := make([]PrechatField, len(p.Fields))
	seen := make(map[string]bool, len(p.Fields))
	for i, f := range p.Fields {
		path := fmt.Sprintf("settings.prechat.fields[%d]", i)
		f.Key = strings.TrimSpace(f.Key)
		if !fieldKeyRE.MatchString(f.Key) {
			return p, apperr.New(apperr.InvalidValue, "pre-chat field key %q must be 1–32 characters of a-z, 0-9 and _", f.Key).
				WithField(path + ".key")
		}
		if seen[f.Key] {
			return p, apperr.New(apperr.InvalidValue, "pre-chat field key %q is used twice", f.Key).WithField(path + ".key")
		}
		seen[f.Key] = true
		var err error
		if f.Label, err = limits.Clean(path+".label", f.Label, limits.WidgetName, false); err != nil {
			return p, err
		}
		switch f.Type {
		case FieldName, FieldEmail, FieldPhone, FieldText:
		default:
			return p, apperr.New(apperr.InvalidValue, "pre-chat field %q needs a type: name, email, phone or text", f.Key).
				WithField(path + ".type")
		}
		fields[i] = f
	}
	p.Fields = fields
	return p, nil
}

// normalizeTranslations checks the texts of each language against the
// limits of the defaults they translate. Only Languages are accepted, and
// pre-chat labels only for fields of the form. Empty texts are dropped (the
// default shows), and so is a language left with none.
func normalizeTranslations(in map[string]Texts, form PrechatForm) (map[string]Texts, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]Texts, len(in))
	// In order, so the first error is the same on every call.
	for _, lang := range slices.Sorted(maps.Keys(in)) {
		if !slices.Contains(Languages, lang) {
			return nil, apperr.New(apperr.InvalidValue, "translations: %q is not a supported language; use one of %s", lang, strings.Join(Languages, ", ")).
				WithField("settings.translations")
		}
		t, err := normalizeTexts("settings.translations["+lang+"]", in[lang], form)
		if err != nil {
			return nil, err
		}
		if !t.empty() {
			out[lang] = t
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func normalizeTexts(path string, t Texts, form PrechatForm) (Texts, error) {
	var err error
	if t.Title, err = limits.CleanOptional(path+".title", t.Title, limits.WidgetShortText, false); err != nil {
		return t, err
	}
	if t.Greeting, err = limits.CleanOptional(path+".greeting", t.Greeting, limits.WidgetLongText, true); err != nil {
		return t, err
	}
	if t.LauncherLabel, err = limits.CleanOptional(path+".launcher_label", t.LauncherLabel, limits.WidgetShortText, false); err != nil {
		return t, err
	}
	if t.OfflineMessage, err = limits.CleanOptional(path+".offline_message", t.OfflineMessage, limits.WidgetLongText, true); err != nil {
		return t, err
	}
	if len(t.PrechatLabels) == 0 {
		t.PrechatLabels = nil
		return t, nil
	}
	fields := make(map[string]bool, len(form.Fields))
	for _, f := range form.Fields {
		fields[f.Key] = true
	}
	labels := make(map[string]string, len(t.PrechatLabels))
	for key, label := range t.PrechatLabels {
		field := path + ".prechat_labels[" + key + "]"
		if label, err = limits.CleanOptional(field, label, limits.WidgetName, false); err != nil {
			return t, err
		}
		if label == "" {
			continue // the default label shows
		}
		if !fields[key] {
			return t, apperr.New(apperr.InvalidValue, "translations: the pre-chat form has no field %q", key).WithField(field)
		}
		labels[key] = label
	}
	t.PrechatLabels = labels
	if len(labels) == 0 {
		t.PrechatLabels = nil
	}
	return t, nil
}

func (t Texts) empty() bool {
	return t.Title == "" && t.Greeting == "" && t.LauncherLabel == "" && t.OfflineMessage == "" && len(t.PrechatLabels) == 0
}
