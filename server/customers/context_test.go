package customers_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/geoip/geoiptest"
)

// session starts a visitor session from origin and returns the visitor's
// client and customer id.
func (e *env) session(t *testing.T) (*apptest.Client, string) {
	t.Helper()
	h := http.Header{"Origin": {origin}}
	s, err := e.Server.NewClient(h).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: e.widget.SiteKey})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	h.Set("Authorization", "Bearer "+s.VisitorToken)
	return e.Server.NewClient(h), s.Customer.Id
}

func (e *env) tracking(t *testing.T, tr *livechatv1.VisitorTracking) {
	t.Helper()
	settings := e.widget.Settings
	settings.VisitorTracking = tr
	if _, err := e.Admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: e.widget.Id, Settings: settings}); err != nil {
		t.Fatalf("UpdateWidget: %v", err)
	}
}

func trailURLs(c *livechatv1.VisitorContext) string {
	var out []string
	for _, p := range c.GetTrail() {
		out = append(out, p.Url)
	}
	return strings.Join(out, " ")
}

// TestVisitorContext: the widget's reports become the customer's context,
// without query strings unless the widget keeps them, and agents are told
// at once.
func TestVisitorContext(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v, id := e.session(t)
	if _, err := v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hi", ClientMessageId: "m1"}); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	stream, err := e.Lan.Conversation.Subscribe(sctx, &livechatv1.SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan *livechatv1.Event, 64)
	go func() {
		for {
			r, err := stream.Receive()
			if err != nil {
				close(events)
				return
			}
			events <- r.GetEvent()
		}
	}()
	waitFor := func(what string, want func(*livechatv1.Event) bool) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatalf("stream ended waiting for %s", what)
				}
				if want(ev) {
					return
				}
			case <-timeout:
				t.Fatalf("no %s", what)
			}
		}
	}
	waitFor("READY", func(ev *livechatv1.Event) bool { return ev.GetReady() != nil })

	_, err = v.Customers.ReportVisitorContext(ctx(t), &livechatv1.ReportVisitorContextRequest{
		Referrer: "https://search.example/?q=shoes",
		Pages: []*livechatv1.PageView{
			{Url: "https://shop.example.com/?utm_source=mail#top", Title: "Shop", MsAgo: 5000},
			{Url: "javascript:alert(1)", Title: "nope"},
			{Url: "https://shop.example.com/cart?token=secret", Title: "Cart"},
		},
		Device: &livechatv1.DeviceInfo{Browser: "Chrome 131", Os: "Android 15", DeviceType: "mobile", ScreenWidth: 412, ScreenHeight: 915, Language: "vi-VN", TimeZone: "Asia/Ho_Chi_Minh"},
	})
	if err != nil {
		t.Fatalf("ReportVisitorContext: %v", err)
	}
	waitFor("the conversation announced again", func(ev *livechatv1.Event) bool { return ev.GetConversationUpdated() != nil })
	d, err := e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: id})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Profile.Context
	if got := trailURLs(c); got != "https://shop.example.com/cart https://shop.example.com/" {
		t.Fatalf("trail %q", got)
	}
	if c.CurrentPage.GetTitle() != "Cart" || c.Referrer != "https://search.example/" || c.IpAddress != "127.0.0.1" ||
		c.Device.GetTimeZone() != "Asia/Ho_Chi_Minh" || c.Device.GetDeviceType() != "mobile" || c.Device.GetScreenWidth() != 412 {
		t.Fatalf("context %v", c)
	}
	if first := c.Trail[1].SeenAt.AsTime(); time.Since(first) < 4*time.Second || time.Since(first) > time.Minute {
		t.Fatalf("the first page was seen %v ago", time.Since(first))
	}

	// The next report adds to the trail; the device and referrer stay.
	e.tracking(t, &livechatv1.VisitorTracking{KeepQueryStrings: true})
	if _, err := v.Customers.ReportVisitorContext(ctx(t), &livechatv1.ReportVisitorContextRequest{
		Pages: []*livechatv1.PageView{{Url: "https://shop.example.com/search?q=red+shoes", Title: "Search"}},
	}); err != nil {
		t.Fatal(err)
	}
	d, _ = e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: id})
	if c = d.Profile.Context; c.CurrentPage.GetUrl() != "https://shop.example.com/search?q=red+shoes" || len(c.Trail) != 3 ||
		c.Device.GetBrowser() != "Chrome 131" || c.Referrer != "https://search.example/" {
		t.Fatalf("after a second report: %v", c)
	}

	// With page tracking off, pages are not kept.
	e.tracking(t, &livechatv1.VisitorTracking{PagesOff: true})
	if _, err := v.Customers.ReportVisitorContext(ctx(t), &livechatv1.ReportVisitorContextRequest{
		Pages: []*livechatv1.PageView{{Url: "https://shop.example.com/private", Title: "Private"}},
	}); err != nil {
		t.Fatal(err)
	}
	d, _ = e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: id})
	if strings.Contains(trailURLs(d.Profile.Context), "private") {
		t.Fatalf("a page was kept with tracking off: %v", d.Profile.Context)
	}
	// The widget learns the switches from its public config.
	cfg, err := e.Server.NewClient(http.Header{"Origin": {origin}}).Widget.GetWidgetConfig(ctx(t), &livechatv1.GetWidgetConfigRequest{SiteKey: e.widget.SiteKey})
	if err != nil || !cfg.Config.GetVisitorTracking().GetPagesOff() {
		t.Fatalf("config: %v, %v", cfg, err)
	}
}

func TestVisitorContextValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v, _ := e.session(t)
	many := make([]*livechatv1.PageView, 21)
	for i := range many {
		many[i] = &livechatv1.PageView{Url: "https://shop.example.com/"}
	}
	for _, c := range []struct {
		name   string
		req    *livechatv1.ReportVisitorContextRequest
		reason livechatv1.ErrorReason
		field  string
	}{
		{"too many pages", &livechatv1.ReportVisitorContextRequest{Pages: many}, livechatv1.ErrorReason_ERROR_REASON_TOO_MANY_ITEMS, "pages"},
		{"long url", &livechatv1.ReportVisitorContextRequest{Pages: []*livechatv1.PageView{{Url: "https://a.example/" + strings.Repeat("a", 2000)}}}, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "pages[0].url"},
		{"control character in a title", &livechatv1.ReportVisitorContextRequest{Pages: []*livechatv1.PageView{{Url: "https://a.example/", Title: "a\x00"}}}, livechatv1.ErrorReason_ERROR_REASON_TEXT_INVALID, "pages[0].title"},
		{"long browser name", &livechatv1.ReportVisitorContextRequest{Device: &livechatv1.DeviceInfo{Browser: strings.Repeat("b", 65)}}, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "device.browser"},
	} {
		_, err := v.Customers.ReportVisitorContext(ctx(t), c.req)
		t.Run(c.name, func(t *testing.T) { apptest.WantField(t, err, connect.CodeInvalidArgument, c.reason, c.field) })
	}
	// An agent cannot report a visitor's context.
	_, err := e.Lan.Customers.ReportVisitorContext(ctx(t), &livechatv1.ReportVisitorContextRequest{})
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("agent: %v", err)
	}
}

// TestVisitorLocation: with a GeoIP database configured, a visitor's
// address (as a trusted proxy forwards it) is located to a country code and
// a city; a private address is never looked up.
func TestVisitorLocation(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "city.mmdb")
	geoiptest.Write(t, path,
		geoiptest.Place{Network: "14.160.0.0/16", Country: "VN", City: "Hanoi"},
		geoiptest.Place{Network: "10.0.0.0/8", Country: "US", City: "Nowhere"},
	)
	e := newEnv(t, func(c *app.Config) { c.GeoIPDB = path; c.TrustedProxies = "127.0.0.1,::1" })
	located := func(addr string) *livechatv1.VisitorContext {
		t.Helper()
		h := http.Header{"Origin": {origin}, "X-Forwarded-For": {addr}}
		s, err := e.Server.NewClient(h).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: e.widget.SiteKey})
		if err != nil {
			t.Fatalf("StartSession: %v", err)
		}
		h.Set("Authorization", "Bearer "+s.VisitorToken)
		v := e.Server.NewClient(h)
		if _, err := v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hi", ClientMessageId: "m1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Customers.ReportVisitorContext(ctx(t), &livechatv1.ReportVisitorContextRequest{
			Pages: []*livechatv1.PageView{{Url: "https://shop.example.com/", Title: "Shop"}},
		}); err != nil {
			t.Fatalf("ReportVisitorContext: %v", err)
		}
		d, err := e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: s.Customer.Id})
		if err != nil {
			t.Fatal(err)
		}
		return d.Profile.Context
	}
	if c := located("14.160.32.7"); c.IpAddress != "14.160.32.7" || c.Country != "VN" || c.City != "Hanoi" {
		t.Fatalf("public address: %q %q %q", c.IpAddress, c.Country, c.City)
	}
	if c := located("10.1.2.3"); c.IpAddress != "10.1.2.3" || c.Country != "" || c.City != "" {
		t.Fatalf("private address located: %q %q %q", c.IpAddress, c.Country, c.City)
	}
}
