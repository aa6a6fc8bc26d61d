package widgets

import (
	"strings"
	"testing"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestNormalizeSettingsDefaults(t *testing.T) {
	t.Parallel()
	got, err := NormalizeSettings(&livechatv1.WidgetSettings{Name: "  Shop  "})
	if err != nil {
		t.Fatal(err)
	}
	a := got.Appearance
	if got.Name != "Shop" || a.PrimaryColor != DefaultPrimaryColor || a.Title != DefaultTitle ||
		a.LauncherLabel != DefaultLauncherLabel ||
		a.Position != livechatv1.WidgetPosition_WIDGET_POSITION_BOTTOM_RIGHT ||
		a.Locale != livechatv1.WidgetLocale_WIDGET_LOCALE_AUTO {
		t.Errorf("defaults not applied: %v", got)
	}
	if got.Prechat == nil || got.Offline == nil {
		t.Errorf("sub-settings missing: %v", got)
	}
}

func TestNormalizeSettingsErrors(t *testing.T) {
	t.Parallel()
	ok := func() *livechatv1.WidgetSettings { return &livechatv1.WidgetSettings{Name: "Shop"} }
	field := func(key string, typ livechatv1.PrechatFieldType) *livechatv1.PrechatField {
		return &livechatv1.PrechatField{Key: key, Label: "Label", Type: typ}
	}
	tests := []struct {
		name  string
		edit  func(s *livechatv1.WidgetSettings)
		inMsg string
	}{
		{"empty name", func(s *livechatv1.WidgetSettings) { s.Name = "  " }, "name is required"},
		{"long name", func(s *livechatv1.WidgetSettings) { s.Name = strings.Repeat("x", 65) }, "name is 65 characters"},
		{"bad color", func(s *livechatv1.WidgetSettings) { s.Appearance = &livechatv1.WidgetAppearance{PrimaryColor: "blue"} }, "#rrggbb"},
		{"short color", func(s *livechatv1.WidgetSettings) { s.Appearance = &livechatv1.WidgetAppearance{PrimaryColor: "#fff"} }, "#rrggbb"},
		{"long title", func(s *livechatv1.WidgetSettings) {
			s.Appearance = &livechatv1.WidgetAppearance{Title: strings.Repeat("t", 41)}
		}, "title is 41"},
		{"long greeting", func(s *livechatv1.WidgetSettings) {
			s.Appearance = &livechatv1.WidgetAppearance{Greeting: strings.Repeat("g", 501)}
		}, "greeting is 501"},
		{"unknown position", func(s *livechatv1.WidgetSettings) { s.Appearance = &livechatv1.WidgetAppearance{Position: 9} }, "position"},
		{"unknown locale", func(s *livechatv1.WidgetSettings) { s.Appearance = &livechatv1.WidgetAppearance{Locale: 9} }, "locale"},
		{"long offline message", func(s *livechatv1.WidgetSettings) {
			s.Offline = &livechatv1.OfflineSettings{Message: strings.Repeat("o", 501)}
		}, "offline message"},
		{"origin with path", func(s *livechatv1.WidgetSettings) { s.AllowedOrigins = []string{"https://a.example/x"} }, "no path"},
		{"origin without scheme", func(s *livechatv1.WidgetSettings) { s.AllowedOrigins = []string{"a.example.com"} }, "https://"},
		{"ftp origin", func(s *livechatv1.WidgetSettings) { s.AllowedOrigins = []string{"ftp://a.example.com"} }, "https://"},
		{"wildcard in the middle", func(s *livechatv1.WidgetSettings) { s.AllowedOrigins = []string{"https://a.*.example.com"} }, "first label"},
		{"wildcard over a TLD", func(s *livechatv1.WidgetSettings) { s.AllowedOrigins = []string{"https://*.com"} }, "two labels"},
		{"http wildcard", func(s *livechatv1.WidgetSettings) { s.AllowedOrigins = []string{"http://*.example.com"} }, "only with https"},
		{"bad port", func(s *livechatv1.WidgetSettings) { s.AllowedOrigins = []string{"https://a.example.com:99999"} }, "port"},
		{"too many origins", func(s *livechatv1.WidgetSettings) {
			for range 51 {
				s.AllowedOrigins = append(s.AllowedOrigins, "https://a.example.com")
			}
		}, "at most 50"},
		{"bad field key", func(s *livechatv1.WidgetSettings) {
			s.Prechat = &livechatv1.PrechatForm{Fields: []*livechatv1.PrechatField{field("Order No", livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_TEXT)}}
		}, "a-z, 0-9"},
		{"duplicate field key", func(s *livechatv1.WidgetSettings) {
			s.Prechat = &livechatv1.PrechatForm{Fields: []*livechatv1.PrechatField{
				field("name", livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_NAME),
				field("name", livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_TEXT),
			}}
		}, "used twice"},
		{"field without type", func(s *livechatv1.WidgetSettings) {
			s.Prechat = &livechatv1.PrechatForm{Fields: []*livechatv1.PrechatField{field("order", 0)}}
		}, "needs a type"},
		{"field without label", func(s *livechatv1.WidgetSettings) {
			s.Prechat = &livechatv1.PrechatForm{Fields: []*livechatv1.PrechatField{{Key: "order", Type: livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_TEXT}}}
		}, "label of pre-chat field"},
		{"too many fields", func(s *livechatv1.WidgetSettings) {
			s.Prechat = &livechatv1.PrechatForm{}
			for i := range 11 {
				s.Prechat.Fields = append(s.Prechat.Fields, field(strings.Repeat("k", i+1), livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_TEXT))
			}
		}, "at most 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok()
			tt.edit(s)
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
