package widgets

import (
	"strings"
	"testing"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestNormalizeSettingsDefaults(t *testing.T) {
	t.Parallel()
	got, err := NormalizeSettings(Settings{Name: "  Shop  "})
	if err != nil {
		t.Fatal(err)
	}
	a := got.Appearance
	if got.Name != "Shop" || a.PrimaryColor != DefaultPrimaryColor || a.Title != DefaultTitle ||
		a.LauncherLabel != DefaultLauncherLabel ||
		a.Position != PositionBottomRight ||
		a.Locale != LocaleAuto {
		t.Errorf("defaults not applied: %+v", got)
	}
}

func TestNormalizeSettingsErrors(t *testing.T) {
	t.Parallel()
	ok := func() Settings { return Settings{Name: "Shop"} }
	field := func(key string, typ FieldType) PrechatField {
		return PrechatField{Key: key, Label: "Label", Type: typ}
	}
	tests := []struct {
		name  string
		edit  func(s *Settings)
		inMsg string
	}{
		{"empty name", func(s *Settings) { s.Name = "  " }, "name is required"},
		{"long name", func(s *Settings) { s.Name = strings.Repeat("x", 65) }, "name is 65 characters"},
		{"bad color", func(s *Settings) { s.Appearance = Appearance{PrimaryColor: "blue"} }, "#rrggbb"},
		{"short color", func(s *Settings) { s.Appearance = Appearance{PrimaryColor: "#fff"} }, "#rrggbb"},
		{"long title", func(s *Settings) {
			s.Appearance = Appearance{Title: strings.Repeat("t", 41)}
		}, "title is 41"},
		{"long greeting", func(s *Settings) {
			s.Appearance = Appearance{Greeting: strings.Repeat("g", 501)}
		}, "greeting is 501"},
		{"unknown position", func(s *Settings) { s.Appearance = Appearance{Position: 9} }, "position"},
		{"unknown locale", func(s *Settings) { s.Appearance = Appearance{Locale: 9} }, "locale"},
		{"long offline message", func(s *Settings) {
			s.Offline = Offline{Message: strings.Repeat("o", 501)}
		}, "offline.message"},
		{"origin with path", func(s *Settings) { s.AllowedOrigins = []string{"https://a.example/x"} }, "no path"},
		{"origin without scheme", func(s *Settings) { s.AllowedOrigins = []string{"a.example.com"} }, "https://"},
		{"ftp origin", func(s *Settings) { s.AllowedOrigins = []string{"ftp://a.example.com"} }, "https://"},
		{"wildcard in the middle", func(s *Settings) { s.AllowedOrigins = []string{"https://a.*.example.com"} }, "first label"},
		{"wildcard over a TLD", func(s *Settings) { s.AllowedOrigins = []string{"https://*.com"} }, "two labels"},
		{"http wildcard", func(s *Settings) { s.AllowedOrigins = []string{"http://*.example.com"} }, "only with https"},
		{"bad port", func(s *Settings) { s.AllowedOrigins = []string{"https://a.example.com:99999"} }, "port"},
		{"too many origins", func(s *Settings) {
			for range 51 {
				s.AllowedOrigins = append(s.AllowedOrigins, "https://a.example.com")
			}
		}, "at most 50"},
		{"bad field key", func(s *Settings) {
			s.Prechat = PrechatForm{Fields: []PrechatField{field("Order No", FieldText)}}
		}, "a-z, 0-9"},
		{"duplicate field key", func(s *Settings) {
			s.Prechat = PrechatForm{Fields: []PrechatField{field("name", FieldName), field("name", FieldText)}}
		}, "used twice"},
		{"field without type", func(s *Settings) {
			s.Prechat = PrechatForm{Fields: []PrechatField{field("order", 0)}}
		}, "needs a type"},
		{"field without label", func(s *Settings) {
			s.Prechat = PrechatForm{Fields: []PrechatField{{Key: "order", Type: FieldText}}}
		}, "prechat.fields[0].label"},
		{"too many fields", func(s *Settings) {
			for i := range 11 {
				s.Prechat.Fields = append(s.Prechat.Fields, field(strings.Repeat("k", i+1), FieldText))
			}
		}, "at most 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok()
			tt.edit(&s)
			_, err := NormalizeSettings(s)
			if !apperr.HasCode(err, apperr.CodeInvalid) || !strings.Contains(err.Error(), tt.inMsg) {
				t.Fatalf("got %v; want Invalid mentioning %q", err, tt.inMsg)
			}
		})
	}
}

func TestOrigins(t *testing.T) {
	t.Parallel()
	got, err := normalizeOrigins([]string{
		"HTTPS://Shop.Example.com/", "https://shop.example.com:443", "http://localhost:3000",
		"https://*.example.org", "http://127.0.0.1:8080", "http://[::1]:5173",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://shop.example.com", "http://localhost:3000", "https://*.example.org", "http://127.0.0.1:8080", "http://[::1]:5173"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("normalized %v; want %v", got, want)
	}
	tests := []struct {
		origin string
		want   bool
	}{
		{"https://shop.example.com", true},
		{"https://SHOP.example.com:443", true},
		{"http://shop.example.com", false},
		{"https://shop.example.com:8443", false},
		{"https://evil.example", false},
		{"https://shop.example.com.evil.example", false},
		{"http://localhost:3000", true},
		{"http://localhost:3001", false},
		{"https://a.example.org", true},
		{"https://a.b.example.org", true},
		{"https://example.org", false},
		{"https://evilexample.org", false},
		{"http://[::1]:5173", true},
		{"null", false},
	}
	for _, tt := range tests {
		if g := originAllowed(got, tt.origin); g != tt.want {
			t.Errorf("originAllowed(%q) = %v; want %v", tt.origin, g, tt.want)
		}
	}
	if !originAllowed(nil, "https://anything.example") {
		t.Error("an empty list must allow any origin")
	}
}

func TestClientAddress(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"203.0.113.7:5555":           "203.0.113.7",
		"203.0.113.7":                "203.0.113.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[::ffff:203.0.113.7]:1":     "203.0.113.7",
		"":                           "unknown",
		"not an address":             "unknown",
	} {
		if got := ClientAddress(in); got != want {
			t.Errorf("ClientAddress(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestIdentityHMAC(t *testing.T) {
	t.Parallel()
	mac := IdentityHMAC("secret", "user-1")
	if !ValidIdentityHMAC("secret", "user-1", mac) || !ValidIdentityHMAC("secret", "user-1", strings.ToUpper(mac)) {
		t.Fatal("the right HMAC must be accepted")
	}
	for _, bad := range []string{"", "zz", mac[:10], IdentityHMAC("secret", "user-2"), IdentityHMAC("other", "user-1")} {
		if ValidIdentityHMAC("secret", "user-1", bad) {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestTranslations(t *testing.T) {
	t.Parallel()
	form := PrechatForm{Enabled: true, Fields: []PrechatField{{Key: "email", Label: "Email", Type: FieldEmail}}}
	with := func(tr map[string]Texts) Settings {
		return Settings{Name: "Shop", Prechat: form, Translations: tr}
	}

	t.Run("kept trimmed, empty texts fall back", func(t *testing.T) {
		got, err := NormalizeSettings(with(map[string]Texts{
			"vi": {Title: " Trò chuyện ", Greeting: "Xin chào!\nChúng tôi ở đây.", PrechatLabels: map[string]string{"email": "Địa chỉ email", "": ""}},
			"en": {Title: "  ", PrechatLabels: map[string]string{"email": " "}},
		}))
		if err != nil {
			t.Fatal(err)
		}
		vi := got.Translations["vi"]
		if vi.Title != "Trò chuyện" || vi.Greeting != "Xin chào!\nChúng tôi ở đây." || vi.LauncherLabel != "" ||
			len(vi.PrechatLabels) != 1 || vi.PrechatLabels["email"] != "Địa chỉ email" {
			t.Fatalf("vi: %+v", vi)
		}
		if _, ok := got.Translations["en"]; ok || len(got.Translations) != 1 {
			t.Fatalf("a language with only empty texts must be dropped: %+v", got.Translations)
		}
	})

	tests := []struct {
		name   string
		tr     map[string]Texts
		reason apperr.Reason
		inMsg  string
	}{
		{"unknown language", map[string]Texts{"fr": {Title: "Discuter"}}, apperr.InvalidValue, `"fr" is not a supported language`},
		{"language in another case", map[string]Texts{"VI": {Title: "Chat"}}, apperr.InvalidValue, `"VI" is not a supported language`},
		{"long title", map[string]Texts{"vi": {Title: strings.Repeat("t", 41)}}, apperr.TextTooLong, "translations[vi].title is 41"},
		{"long launcher label", map[string]Texts{"vi": {LauncherLabel: strings.Repeat("l", 41)}}, apperr.TextTooLong, "launcher label is 41"},
		{"long greeting", map[string]Texts{"en": {Greeting: strings.Repeat("g", 501)}}, apperr.TextTooLong, "translations[en].greeting is 501"},
		{"long offline message", map[string]Texts{"vi": {OfflineMessage: strings.Repeat("o", 501)}}, apperr.TextTooLong, "offline message is 501"},
		{"control character in a title", map[string]Texts{"vi": {Title: "a\nb"}}, apperr.TextInvalid, "control character"},
		{"label of a field the form lacks", map[string]Texts{"vi": {PrechatLabels: map[string]string{"phone": "Số điện thoại"}}}, apperr.InvalidValue, `no field "phone"`},
		{"long label", map[string]Texts{"vi": {PrechatLabels: map[string]string{"email": strings.Repeat("e", 65)}}}, apperr.TextTooLong, "prechat labels[email] is 65"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NormalizeSettings(with(tt.tr))
			if !apperr.Is(err, tt.reason) || !strings.Contains(err.Error(), tt.inMsg) {
				t.Fatalf("got %v; want %s mentioning %q", err, tt.reason, tt.inMsg)
			}
		})
	}
	t.Run("at the limits", func(t *testing.T) {
		_, err := NormalizeSettings(with(map[string]Texts{"vi": {
			Title: strings.Repeat("t", 40), LauncherLabel: strings.Repeat("l", 40),
			Greeting: strings.Repeat("g", 500), OfflineMessage: strings.Repeat("o", 500),
			PrechatLabels: map[string]string{"email": strings.Repeat("e", 64)},
		}}))
		if err != nil {
			t.Fatal(err)
		}
	})
}
