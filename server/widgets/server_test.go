package widgets_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"google.golang.org/protobuf/proto"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/widgets"
)

const (
	shopOrigin = "https://shop.example.com"
	evilOrigin = "https://evil.example"
)

// wantErr fails the test unless err has code and its message contains msg.
func wantErr(t *testing.T, err error, code connect.Code, msg string) {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != code || !strings.Contains(ce.Message(), msg) {
		t.Fatalf("got %v; want %v mentioning %q", err, code, msg)
	}
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return c
}

// env is a running server with a signed-in admin.
type env struct {
	srv   *apptest.Server
	admin *apptest.Client
}

func newEnv(t *testing.T, opts ...apptest.Option) *env {
	t.Helper()
	opts = append([]apptest.Option{func(c *app.Config) { c.ScryptLogN = 10 }}, opts...)
	srv := apptest.New(t, opts...)
	admin := srv.NewClient(nil)
	if _, err := admin.Auth.Setup(ctx(t), &livechatv1.SetupRequest{Username: "boss", DisplayName: "Boss", Password: "correct horse battery"}); err != nil {
		t.Fatalf("setup: %v", err)
	}
	return &env{srv: srv, admin: admin}
}

func (e *env) createWidget(t *testing.T, s *livechatv1.WidgetSettings) *livechatv1.CreateWidgetResponse {
	t.Helper()
	res, err := e.admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: s})
	if err != nil {
		t.Fatalf("CreateWidget: %v", err)
	}
	return res
}

// visitor starts a session from origin and returns a client holding its
// token (and sending the same Origin).
func (e *env) visitor(t *testing.T, siteKey, origin string) (*apptest.Client, *livechatv1.StartSessionResponse) {
	t.Helper()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	res, err := e.srv.NewClient(h).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: siteKey})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	h.Set("Authorization", "Bearer "+res.VisitorToken)
	return e.srv.NewClient(h), res
}

func TestAdminRPCs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	created := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop", AllowedOrigins: []string{shopOrigin}})
	w := created.Widget
	if created.IdentitySecret == "" || w.Settings.Appearance.Title != widgets.DefaultTitle {
		t.Fatalf("created %v", created)
	}

	t.Run("list, get, update, rotate, delete", func(t *testing.T) {
		list, err := e.admin.Widget.ListWidgets(ctx(t), &livechatv1.ListWidgetsRequest{})
		if err != nil || len(list.Widgets) != 1 || list.Widgets[0].Id != w.Id {
			t.Fatalf("list %v, %v", list, err)
		}
		up, err := e.admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: w.Id, Settings: &livechatv1.WidgetSettings{
			Name: "Shop EU", Appearance: &livechatv1.WidgetAppearance{Position: livechatv1.WidgetPosition_WIDGET_POSITION_BOTTOM_LEFT},
		}})
		if err != nil || up.Widget.Settings.Name != "Shop EU" || up.Widget.SiteKey != w.SiteKey {
			t.Fatalf("update %v, %v", up, err)
		}
		_, err = e.admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: w.Id, Settings: &livechatv1.WidgetSettings{
			Name: "Shop", Appearance: &livechatv1.WidgetAppearance{PrimaryColor: "red"},
		}})
		wantErr(t, err, connect.CodeInvalidArgument, "#rrggbb")
		rot, err := e.admin.Widget.RotateWidgetSecret(ctx(t), &livechatv1.RotateWidgetSecretRequest{WidgetId: w.Id})
		if err != nil || rot.IdentitySecret == created.IdentitySecret {
			t.Fatalf("rotate %v, %v", rot, err)
		}
		got, err := e.admin.Widget.GetWidget(ctx(t), &livechatv1.GetWidgetRequest{WidgetId: w.Id})
		if err != nil || got.Widget.Settings.Appearance.Position != livechatv1.WidgetPosition_WIDGET_POSITION_BOTTOM_LEFT {
			t.Fatalf("get %v, %v", got, err)
		}
	})
	t.Run("malformed and unknown ids", func(t *testing.T) {
		_, err := e.admin.Widget.GetWidget(ctx(t), &livechatv1.GetWidgetRequest{WidgetId: "nope"})
		wantErr(t, err, connect.CodeInvalidArgument, "not a valid id")
		_, err = e.admin.Widget.DeleteWidget(ctx(t), &livechatv1.DeleteWidgetRequest{})
		wantErr(t, err, connect.CodeInvalidArgument, "widget_id is required")
		_, err = e.admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{
			WidgetId: "00000000-0000-0000-0000-000000000000", Settings: &livechatv1.WidgetSettings{Name: "x"},
		})
		wantErr(t, err, connect.CodeNotFound, "widget not found")
	})
	t.Run("visitors and strangers may not manage widgets", func(t *testing.T) {
		_, err := e.srv.NewClient(nil).Widget.ListWidgets(ctx(t), &livechatv1.ListWidgetsRequest{})
		wantErr(t, err, connect.CodeUnauthenticated, "")
		v, _ := e.visitor(t, w.SiteKey, "")
		_, err = v.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "x"}})
		wantErr(t, err, connect.CodePermissionDenied, "")
		_, err = v.Conversation.ListConversations(ctx(t), &livechatv1.ListConversationsRequest{})
		wantErr(t, err, connect.CodePermissionDenied, "")
	})
	t.Run("a deleted widget's site key and visitors get NotFound", func(t *testing.T) {
		other := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Old site"}).Widget
		v, _ := e.visitor(t, other.SiteKey, "")
		if _, err := e.admin.Widget.DeleteWidget(ctx(t), &livechatv1.DeleteWidgetRequest{WidgetId: other.Id}); err != nil {
			t.Fatal(err)
		}
		_, err := e.srv.NewClient(nil).Widget.GetWidgetConfig(ctx(t), &livechatv1.GetWidgetConfigRequest{SiteKey: other.SiteKey})
		wantErr(t, err, connect.CodeNotFound, "site key")
		_, err = v.Widget.UpdateCustomer(ctx(t), &livechatv1.UpdateCustomerRequest{Name: new("Ann")})
		wantErr(t, err, connect.CodeNotFound, "no longer exists")
		_, err = e.admin.Widget.GetWidget(ctx(t), &livechatv1.GetWidgetRequest{WidgetId: other.Id})
		wantErr(t, err, connect.CodeNotFound, "widget not found")
	})
}

func TestGetWidgetConfigIsACacheableGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop", Appearance: &livechatv1.WidgetAppearance{Greeting: "Hello!"}}).Widget
	c := e.srv.NewClient(nil, connecthttp.WithHTTPGet())
	cctx, info := connect.NewClientContext(ctx(t))
	res, err := c.Widget.GetWidgetConfig(cctx, &livechatv1.GetWidgetConfigRequest{SiteKey: w.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	if res.Config.Appearance.Greeting != "Hello!" || res.Config.SiteKey != w.SiteKey || res.Config.AgentsOnline {
		t.Fatalf("config %v", res.Config)
	}
	if got := info.ResponseHeader().Get("Cache-Control"); got != "public, max-age=30" {
		t.Fatalf("Cache-Control %q", got)
	}
	if hi, _ := connecthttp.ClientInfoForContext(cctx); hi.HTTPMethod() != http.MethodGet {
		t.Fatalf("sent as %q", hi.HTTPMethod())
	}
	for _, key := range []string{"lcw_unknown", "lcw_\x00", "lcw_0123456789abcdef0123456\x00", strings.Repeat("k", 500)} {
		_, err = c.Widget.GetWidgetConfig(ctx(t), &livechatv1.GetWidgetConfigRequest{SiteKey: key})
		wantErr(t, err, connect.CodeNotFound, "site key")
		_, err = c.Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: key})
		wantErr(t, err, connect.CodeNotFound, "site key")
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	shop := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop", AllowedOrigins: []string{shopOrigin}}).Widget
	blog := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Blog", AllowedOrigins: []string{"https://*.blog.example"}}).Widget
	startPath := livechatv1connect.WidgetServiceStartSessionProcedure

	preflight := func(t *testing.T, path, origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx(t), http.MethodOptions, e.srv.URL+path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,connect-protocol-version,content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}

	t.Run("preflight from an allowed origin", func(t *testing.T) {
		for _, origin := range []string{shopOrigin, "https://news.blog.example"} {
			res := preflight(t, startPath, origin)
			h := res.Header
			if h.Get("Access-Control-Allow-Origin") != origin || h.Get("Access-Control-Max-Age") != "7200" ||
				!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") ||
				h.Get("Access-Control-Allow-Credentials") != "" {
				t.Fatalf("%s: status %d, headers %v", origin, res.StatusCode, h)
			}
		}
	})
	t.Run("preflight from another origin is refused", func(t *testing.T) {
		if got := preflight(t, startPath, evilOrigin).Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("allowed %q", got)
		}
	})
	t.Run("a refused origin can read why GetWidgetConfig refused it", func(t *testing.T) {
		url := e.srv.URL + livechatv1connect.WidgetServiceGetWidgetConfigProcedure +
			"?connect=v1&encoding=json&message=" + neturl.QueryEscape(`{"siteKey":"`+shop.SiteKey+`"}`)
		req, _ := http.NewRequestWithContext(ctx(t), http.MethodGet, url, nil)
		req.Header.Set("Origin", evilOrigin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.Header.Get("Access-Control-Allow-Origin") != evilOrigin || res.StatusCode != http.StatusForbidden ||
			!strings.Contains(string(body), "origin https://evil.example is not allowed") {
			t.Fatalf("status %d, headers %v, body %s", res.StatusCode, res.Header, body)
		}
	})
	t.Run("agent services answer no cross-origin preflight", func(t *testing.T) {
		h := preflight(t, livechatv1connect.ConversationServiceListConversationsProcedure, shopOrigin).Header
		if h.Get("Access-Control-Allow-Origin") != "" || h.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("headers %v", h)
		}
	})
	t.Run("call from an allowed origin", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(ctx(t), http.MethodPost, e.srv.URL+startPath,
			strings.NewReader(`{"siteKey":"`+shop.SiteKey+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", shopOrigin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") != shopOrigin {
			t.Fatalf("status %d, headers %v", res.StatusCode, res.Header)
		}
		v, _ := e.visitor(t, shop.SiteKey, shopOrigin)
		if _, err := v.Widget.UpdateCustomer(ctx(t), &livechatv1.UpdateCustomerRequest{Name: new("Ann")}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("calls from another origin are refused", func(t *testing.T) {
		evil := e.srv.NewClient(http.Header{"Origin": {evilOrigin}})
		_, err := evil.Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: shop.SiteKey})
		wantErr(t, err, connect.CodePermissionDenied, "origin https://evil.example is not allowed for this widget")
		_, err = evil.Widget.GetWidgetConfig(ctx(t), &livechatv1.GetWidgetConfigRequest{SiteKey: shop.SiteKey})
		wantErr(t, err, connect.CodePermissionDenied, "not allowed for this widget")
		// Allowed for some widget is not enough: it must be this widget's.
		blogPage := e.srv.NewClient(http.Header{"Origin": {"https://news.blog.example"}})
		_, err = blogPage.Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: shop.SiteKey})
		wantErr(t, err, connect.CodePermissionDenied, "not allowed for this widget")
		if _, err := blogPage.Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: blog.SiteKey}); err != nil {
			t.Fatal(err)
		}
		// A visitor token copied to another site does not work there.
		_, started := e.visitor(t, shop.SiteKey, shopOrigin)
		stolen := e.srv.NewClient(http.Header{"Origin": {evilOrigin}, "Authorization": {"Bearer " + started.VisitorToken}})
		_, err = stolen.Widget.UpdateCustomer(ctx(t), &livechatv1.UpdateCustomerRequest{Name: new("Eve")})
		wantErr(t, err, connect.CodePermissionDenied, "not allowed for this widget")
	})
	t.Run("calls without Origin come from servers and are allowed", func(t *testing.T) {
		if _, err := e.srv.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: shop.SiteKey}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a widget without origins allows any", func(t *testing.T) {
		open := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Anywhere"}).Widget
		if got := preflight(t, startPath, evilOrigin).Header.Get("Access-Control-Allow-Origin"); got != evilOrigin {
			t.Fatalf("preflight allowed %q", got)
		}
		if _, err := e.srv.NewClient(http.Header{"Origin": {evilOrigin}}).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: open.SiteKey}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIdentityVerificationOverAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	created := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop"})
	c := e.srv.NewClient(nil)
	start := func(mac string) (*livechatv1.StartSessionResponse, error) {
		return c.Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{
			SiteKey:  created.Widget.SiteKey,
			Identity: &livechatv1.VerifiedIdentity{UserId: "user-1", Hmac: mac, Name: "Ann", Email: "ann@example.com"},
		})
	}
	a, err := start(widgets.IdentityHMAC(created.IdentitySecret, "user-1"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Customer.VerifiedUserId != "user-1" || a.Customer.Name != "Ann" {
		t.Fatalf("customer %v", a.Customer)
	}
	b, err := start(widgets.IdentityHMAC(created.IdentitySecret, "user-1"))
	if err != nil || b.Customer.Id != a.Customer.Id {
		t.Fatalf("another device should reach the same customer: %v, %v", b, err)
	}
	_, err = start(widgets.IdentityHMAC(created.IdentitySecret, "user-2"))
	wantErr(t, err, connect.CodePermissionDenied, "identity verification failed")
	_, err = start(widgets.IdentityHMAC("lcwsk_guess", "user-1"))
	wantErr(t, err, connect.CodePermissionDenied, "identity verification failed")
}

func TestStartSessionRateLimitOverAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *app.Config) { c.WidgetLimits = widgets.Limits{StartSessions: 2} })
	w := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop"}).Widget
	c := e.srv.NewClient(nil)
	for range 2 {
		if _, err := c.Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.SiteKey}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.SiteKey})
	wantErr(t, err, connect.CodeResourceExhausted, "too many new chat sessions")
}

func TestLimitsHoldAcrossInstances(t *testing.T) {
	t.Parallel()
	limits := func(c *app.Config) {
		c.ScryptLogN = 10
		c.WidgetLimits = widgets.Limits{StartSessions: 2}
	}
	pool := dbtest.New(t)
	one := apptest.NewOnPool(t, pool, limits)
	two := apptest.NewOnPool(t, pool, limits)
	e := &env{srv: one, admin: one.NewClient(nil)}
	if _, err := e.admin.Auth.Setup(ctx(t), &livechatv1.SetupRequest{Username: "boss", DisplayName: "Boss", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	w := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop"}).Widget
	req := &livechatv1.StartSessionRequest{SiteKey: w.SiteKey}
	if _, err := one.NewClient(nil).Widget.StartSession(ctx(t), req); err != nil {
		t.Fatal(err)
	}
	if _, err := two.NewClient(nil).Widget.StartSession(ctx(t), req); err != nil {
		t.Fatal(err)
	}
	_, err := one.NewClient(nil).Widget.StartSession(ctx(t), req)
	wantErr(t, err, connect.CodeResourceExhausted, "too many new chat sessions")
	_, err = two.NewClient(nil).Widget.StartSession(ctx(t), req)
	wantErr(t, err, connect.CodeResourceExhausted, "too many new chat sessions")
}

// TestTranslationsOverAPI: per-language texts are validated, stored, and
// returned to admins and to visitors.
func TestTranslationsOverAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	settings := &livechatv1.WidgetSettings{
		Name:       "Shop",
		Appearance: &livechatv1.WidgetAppearance{Title: "Chat with us", Greeting: "Hello!"},
		Prechat: &livechatv1.PrechatForm{Enabled: true, Fields: []*livechatv1.PrechatField{
			{Key: "email", Label: "Email", Type: livechatv1.PrechatFieldType_PRECHAT_FIELD_TYPE_EMAIL},
		}},
		Offline: &livechatv1.OfflineSettings{Message: "We are away"},
		Translations: map[string]*livechatv1.WidgetTexts{
			"vi": {
				Title: " Trò chuyện với chúng tôi ", Greeting: "Xin chào!", LauncherLabel: "Hỏi đáp",
				OfflineMessage: "Chúng tôi đang vắng mặt", PrechatLabels: map[string]string{"email": "Địa chỉ email"},
			},
			"en": {Greeting: "Hi there!"},
		},
	}
	w := e.createWidget(t, settings).Widget
	wantVI := &livechatv1.WidgetTexts{
		Title: "Trò chuyện với chúng tôi", Greeting: "Xin chào!", LauncherLabel: "Hỏi đáp",
		OfflineMessage: "Chúng tôi đang vắng mặt", PrechatLabels: map[string]string{"email": "Địa chỉ email"},
	}
	check := func(t *testing.T, where string, got map[string]*livechatv1.WidgetTexts) {
		t.Helper()
		if len(got) != 2 || !proto.Equal(got["vi"], wantVI) || got["en"].GetGreeting() != "Hi there!" || got["en"].GetTitle() != "" {
			t.Fatalf("%s: translations %v", where, got)
		}
	}
	check(t, "CreateWidget", w.Settings.Translations)
	got, err := e.admin.Widget.GetWidget(ctx(t), &livechatv1.GetWidgetRequest{WidgetId: w.Id})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "GetWidget", got.Widget.Settings.Translations)
	cfg, err := e.srv.NewClient(nil).Widget.GetWidgetConfig(ctx(t), &livechatv1.GetWidgetConfigRequest{SiteKey: w.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "GetWidgetConfig", cfg.Config.Translations)
	if cfg.Config.Appearance.Greeting != "Hello!" {
		t.Fatalf("the default texts stay: %v", cfg.Config.Appearance)
	}
	_, started := e.visitor(t, w.SiteKey, "")
	check(t, "StartSession", started.Config.Translations)

	// Bad translations are refused with a reason and the field.
	bad := proto.CloneOf(settings)
	bad.Translations = map[string]*livechatv1.WidgetTexts{"fr": {Title: "Discuter"}}
	_, err = e.admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: w.Id, Settings: bad})
	wantErr(t, err, connect.CodeInvalidArgument, `"fr" is not a supported language`)
	bad.Translations = map[string]*livechatv1.WidgetTexts{"vi": {PrechatLabels: map[string]string{"order": "Đơn hàng"}}}
	_, err = e.admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: w.Id, Settings: bad})
	wantErr(t, err, connect.CodeInvalidArgument, `no field "order"`)
	bad.Translations = map[string]*livechatv1.WidgetTexts{"vi": {Title: strings.Repeat("t", 41)}}
	_, err = e.admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: w.Id, Settings: bad})
	wantErr(t, err, connect.CodeInvalidArgument, "title is 41")
	if d := apperr.DetailOf(err); d.GetReason() != livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG ||
		d.GetField() != "settings.translations[vi].title" || d.GetLimit() != 40 {
		t.Fatalf("detail %v", d)
	}

	// An update without translations removes them.
	up, err := e.admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: w.Id, Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil || len(up.Widget.Settings.Translations) != 0 {
		t.Fatalf("update %v, %v", up, err)
	}
}
