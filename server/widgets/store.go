package widgets

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// The widgets.settings column holds a widget's Settings but its name (which
// has a column of its own) as a JSON document. Its shape is the one widgets
// have always been stored in, the protobuf JSON form of
// livechat.v1.WidgetSettings: lowerCamelCase keys, enums by their proto
// names, zero values left out. Rows written before Settings was a Go type
// therefore load unchanged, and SQL that reads the document
// (settings -> 'allowedOrigins') keeps working. The document is spelled out
// here rather than produced from the API's types so that the stored format
// changes only on purpose.

type settingsDoc struct {
	AllowedOrigins []string            `json:"allowedOrigins,omitempty"`
	Appearance     *appearanceDoc      `json:"appearance,omitempty"`
	Prechat        *prechatDoc         `json:"prechat,omitempty"`
	Offline        *offlineDoc         `json:"offline,omitempty"`
	Translations   map[string]textsDoc `json:"translations,omitempty"`
	Csat           storedEnum          `json:"csat,omitempty"`
	Tracking       *trackingDoc        `json:"tracking,omitempty"`
}

type trackingDoc struct {
	PagesOff         bool      `json:"pagesOff,omitempty"`
	KeepQueryStrings bool      `json:"keepQueryStrings,omitempty"`
	TrackVisits      bool      `json:"trackVisits,omitempty"`
	ProactiveOff     bool      `json:"proactiveOff,omitempty"`
	Triggers         []Trigger `json:"triggers,omitempty"`
}

type appearanceDoc struct {
	PrimaryColor  string     `json:"primaryColor,omitempty"`
	Position      storedEnum `json:"position,omitempty"`
	Title         string     `json:"title,omitempty"`
	Greeting      string     `json:"greeting,omitempty"`
	LauncherLabel string     `json:"launcherLabel,omitempty"`
	Locale        storedEnum `json:"locale,omitempty"`
}

type prechatDoc struct {
	Enabled bool              `json:"enabled,omitempty"`
	Fields  []prechatFieldDoc `json:"fields,omitempty"`
}

type prechatFieldDoc struct {
	Key      string     `json:"key,omitempty"`
	Label    string     `json:"label,omitempty"`
	Type     storedEnum `json:"type,omitempty"`
	Required bool       `json:"required,omitempty"`
}

type offlineDoc struct {
	Message      string `json:"message,omitempty"`
	CollectEmail bool   `json:"collectEmail,omitempty"`
}

type textsDoc struct {
	Title          string            `json:"title,omitempty"`
	Greeting       string            `json:"greeting,omitempty"`
	LauncherLabel  string            `json:"launcherLabel,omitempty"`
	OfflineMessage string            `json:"offlineMessage,omitempty"`
	PrechatLabels  map[string]string `json:"prechatLabels,omitempty"`
}

// The stored names of the enums, by value (as protobuf JSON spells them).
var (
	positionNames  = []string{"WIDGET_POSITION_UNSPECIFIED", "WIDGET_POSITION_BOTTOM_RIGHT", "WIDGET_POSITION_BOTTOM_LEFT"}
	localeNames    = []string{"WIDGET_LOCALE_UNSPECIFIED", "WIDGET_LOCALE_AUTO", "WIDGET_LOCALE_EN", "WIDGET_LOCALE_VI"}
	fieldTypeNames = []string{"PRECHAT_FIELD_TYPE_UNSPECIFIED", "PRECHAT_FIELD_TYPE_NAME", "PRECHAT_FIELD_TYPE_EMAIL", "PRECHAT_FIELD_TYPE_PHONE", "PRECHAT_FIELD_TYPE_TEXT"}
	csatNames      = []string{"CSAT_SCALE_UNSPECIFIED", "CSAT_SCALE_FIVE", "CSAT_SCALE_THUMBS"}
)

// storedEnum is an enum as stored: its name, or (as protobuf JSON also
// allows) its number.
type storedEnum string

func enumName(v int, names []string) storedEnum {
	if v == 0 {
		return "" // left out, as protobuf JSON does
	}
	if v > 0 && v < len(names) {
		return storedEnum(names[v])
	}
	return storedEnum(strconv.Itoa(v))
}

func (e storedEnum) value(names []string) (int, error) {
	if e == "" {
		return 0, nil
	}
	for i, n := range names {
		if string(e) == n {
			return i, nil
		}
	}
	if n, err := strconv.Atoi(string(e)); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("unknown enum value %q", string(e))
}

// UnmarshalJSON accepts a name or a number.
func (e *storedEnum) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*e = storedEnum(s)
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*e = storedEnum(strconv.Itoa(n))
	return nil
}

// MarshalJSON writes a name as a string and a number as a number.
func (e storedEnum) MarshalJSON() ([]byte, error) {
	if _, err := strconv.Atoi(string(e)); err == nil {
		return []byte(e), nil
	}
	return json.Marshal(string(e))
}

// encodeSettings is the stored document of s (its name is not in it).
func encodeSettings(s Settings) []byte {
	doc := settingsDoc{
		AllowedOrigins: s.AllowedOrigins,
		Appearance: &appearanceDoc{
			PrimaryColor:  s.Appearance.PrimaryColor,
			Position:      enumName(int(s.Appearance.Position), positionNames),
			Title:         s.Appearance.Title,
			Greeting:      s.Appearance.Greeting,
			LauncherLabel: s.Appearance.LauncherLabel,
			Locale:        enumName(int(s.Appearance.Locale), localeNames),
		},
		Prechat: &prechatDoc{Enabled: s.Prechat.Enabled},
		Offline: &offlineDoc{Message: s.Offline.Message, CollectEmail: s.Offline.CollectEmail},
		Csat:    enumName(int(s.Csat), csatNames),
	}
	for _, f := range s.Prechat.Fields {
		doc.Prechat.Fields = append(doc.Prechat.Fields, prechatFieldDoc{
			Key: f.Key, Label: f.Label, Type: enumName(int(f.Type), fieldTypeNames), Required: f.Required,
		})
	}
	if len(s.Translations) > 0 {
		doc.Translations = make(map[string]textsDoc, len(s.Translations))
		for lang, t := range s.Translations {
			doc.Translations[lang] = textsDoc(t)
		}
	}
	if !s.Tracking.isZero() {
		doc.Tracking = (*trackingDoc)(&s.Tracking)
	}
	b, _ := json.Marshal(doc) // strings, bools and maps of strings always encode
	return b
}

// decodeSettings reads a stored document (nil or empty: all defaults).
func decodeSettings(raw []byte) (Settings, error) {
	var doc settingsDoc
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &doc); err != nil {
			return Settings{}, err
		}
	}
	s := Settings{AllowedOrigins: doc.AllowedOrigins}
	if doc.Tracking != nil {
		s.Tracking = Tracking(*doc.Tracking)
	}
	var err error
	if a := doc.Appearance; a != nil {
		s.Appearance = Appearance{PrimaryColor: a.PrimaryColor, Title: a.Title, Greeting: a.Greeting, LauncherLabel: a.LauncherLabel}
		var pos, loc int
		if pos, err = a.Position.value(positionNames); err != nil {
			return Settings{}, err
		}
		if loc, err = a.Locale.value(localeNames); err != nil {
			return Settings{}, err
		}
		s.Appearance.Position, s.Appearance.Locale = Position(pos), Locale(loc)
	}
	if p := doc.Prechat; p != nil {
		s.Prechat.Enabled = p.Enabled
		for _, f := range p.Fields {
			typ, err := f.Type.value(fieldTypeNames)
			if err != nil {
				return Settings{}, err
			}
			s.Prechat.Fields = append(s.Prechat.Fields, PrechatField{Key: f.Key, Label: f.Label, Type: FieldType(typ), Required: f.Required})
		}
	}
	if o := doc.Offline; o != nil {
		s.Offline = Offline{Message: o.Message, CollectEmail: o.CollectEmail}
	}
	if len(doc.Translations) > 0 {
		s.Translations = make(map[string]Texts, len(doc.Translations))
		for lang, t := range doc.Translations {
			s.Translations[lang] = Texts(t)
		}
	}
	csat, err := doc.Csat.value(csatNames)
	if err != nil {
		return Settings{}, err
	}
	s.Csat = CsatScale(csat)
	return s, nil
}
