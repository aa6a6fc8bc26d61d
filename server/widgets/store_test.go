package widgets

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/attachments"
)

// storedSettings are the settings of the compatibility tests, as the API's
// message and as Settings.
var storedSettings = struct {
	api    *livechatv1.WidgetSettings
	domain Settings
}{
	api: &livechatv1.WidgetSettings{
		AllowedOrigins: []string{"https://shop.example.com", "https://*.example.org"},
		Appearance: &livechatv1.WidgetAppearance{
			PrimaryColor: "#ff0000", Position: livechatv1.WidgetPosition_WIDGET_POSITION_BOTTOM_LEFT,
			Title: "Hi", Greeting: "Hello!\nAsk us.", LauncherLabel: "Help", Locale: livechatv1.WidgetLocale_WIDGET_LOCALE_VI,
		},
		Prechat: &livechatv1.PrechatForm{Enabled: true, Fields: []*livechatv1.PrechatField{
			{Key: "name", Label: "Your name", Type: livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_NAME, Required: true},
			{Key: "order", Label: "Order", Type: livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_TEXT},
		}},
		Offline: &livechatv1.OfflineSettings{Message: "Back soon", CollectEmail: true},
		Translations: map[string]*livechatv1.WidgetTexts{
			"vi": {Title: "Xin chào", PrechatLabels: map[string]string{"name": "Tên của bạn"}},
		},
	},
	domain: Settings{
		AllowedOrigins: []string{"https://shop.example.com", "https://*.example.org"},
		Appearance: Appearance{
			PrimaryColor: "#ff0000", Position: PositionBottomLeft,
			Title: "Hi", Greeting: "Hello!\nAsk us.", LauncherLabel: "Help", Locale: LocaleVI,
		},
		Prechat: PrechatForm{Enabled: true, Fields: []PrechatField{
			{Key: "name", Label: "Your name", Type: FieldName, Required: true},
			{Key: "order", Label: "Order", Type: FieldText},
		}},
		Offline: Offline{Message: "Back soon", CollectEmail: true},
		Translations: map[string]Texts{
			"vi": {Title: "Xin chào", PrechatLabels: map[string]string{"name": "Tên của bạn"}},
		},
	},
}

// TestStoredSettingsCompatible: widgets have always been stored as the
// protobuf JSON of WidgetSettings. Rows written that way load as the same
// Settings, and what is written now reads back as the same message, so
// instances of either kind may share a database during an upgrade.
func TestStoredSettingsCompatible(t *testing.T) {
	t.Parallel()
	old, err := protojson.Marshal(storedSettings.api)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeSettings(old)
	if err != nil {
		t.Fatalf("decode %s: %v", old, err)
	}
	if !reflect.DeepEqual(got, storedSettings.domain) {
		t.Fatalf("decoded %s as\n%+v; want\n%+v", old, got, storedSettings.domain)
	}

	var back livechatv1.WidgetSettings
	if err := protojson.Unmarshal(encodeSettings(storedSettings.domain), &back); err != nil {
		t.Fatalf("the stored form is not WidgetSettings' JSON: %v", err)
	}
	if !proto.Equal(&back, storedSettings.api) {
		t.Fatalf("stored %v; want %v", &back, storedSettings.api)
	}

	// Enums by number, as protobuf JSON may also write them; absent and
	// empty documents are all defaults.
	got, err = decodeSettings([]byte(`{"appearance":{"position":2,"locale":3},"prechat":{"fields":[{"key":"k","type":4}]}}`))
	if err != nil || got.Appearance.Position != PositionBottomLeft || got.Appearance.Locale != LocaleVI || got.Prechat.Fields[0].Type != FieldText {
		t.Fatalf("numbers: %+v, %v", got, err)
	}
	for _, raw := range []string{"", "{}"} {
		if got, err := decodeSettings([]byte(raw)); err != nil || !reflect.DeepEqual(got, Settings{}) {
			t.Fatalf("%q: %+v, %v", raw, got, err)
		}
	}
}

// TestStoredRowsLoad: a widget row written in the stored format before
// settings were Go values loads with its settings intact.
func TestStoredRowsLoad(t *testing.T) {
	t.Parallel()
	svc, w, _ := newService(t, Limits{}, Settings{})
	old, err := protojson.Marshal(storedSettings.api)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.pool.Exec(t.Context(), `UPDATE widgets SET settings = $1 WHERE id = $2`, old, w.ID); err != nil {
		t.Fatal(err)
	}
	got, err := svc.GetWidget(t.Context(), w.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := storedSettings.domain
	want.Name = "Shop"
	// The attachment kinds have a column of their own; unset, the default.
	want.AttachmentKinds = attachments.DefaultKinds
	if !reflect.DeepEqual(got.Settings, want) {
		t.Fatalf("loaded\n%+v; want\n%+v", got.Settings, want)
	}
	if ok := svc.AllowsOriginAnywhere(t.Context(), "https://a.example.org"); !ok {
		t.Fatal("the stored origins must answer preflights")
	}
}
