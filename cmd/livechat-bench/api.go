package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
)

// srcAddr returns the i-th loopback source address of a block. Linux routes
// all of 127.0.0.0/8 to the loopback device, so spreading connections over
// many source addresses multiplies the ephemeral ports available and gives
// each simulated visitor a distinct client address (the server rate-limits
// StartSession per address).
func srcAddr(block, i int) *net.TCPAddr {
	return &net.TCPAddr{IP: net.IPv4(127, byte(block), byte(1+i/250%250), byte(1+i%250))}
}

// rotatingDialer dials each new connection from the next source address of
// its block.
type rotatingDialer struct {
	block int
	next  atomic.Int64
	per   int // connections per source address
}

func (d *rotatingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	n := int(d.next.Add(1) - 1)
	dl := net.Dialer{LocalAddr: srcAddr(d.block, n/max(d.per, 1)), Timeout: 30 * time.Second}
	return dl.DialContext(ctx, network, addr)
}

// newHTTPClient returns a client for one protocol: "h1" keeps one
// connection per in-flight call (as browsers without HTTP/2), "h2"
// multiplexes calls over HTTP/2 without TLS, "h2tls" speaks HTTP/2 over TLS
// (one connection per client: holders give each stream its own).
func newHTTPClient(proto string, block, perAddr int) *http.Client {
	d := &rotatingDialer{block: block, per: perAddr}
	tr := &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		Protocols:           new(http.Protocols),
		// Any protocol may reach a server of the run over TLS (M4's
		// production shape probes it over HTTPS/1.1).
		TLSClientConfig: benchTLSClientConfig(),
	}
	switch proto {
	case "h2":
		tr.Protocols.SetUnencryptedHTTP2(true)
	case "h2tls":
		tr.Protocols.SetHTTP2(true)
		tr.ForceAttemptHTTP2 = true
	default:
		tr.Protocols.SetHTTP1(true)
	}
	return &http.Client{Transport: tr}
}

// clients are the generated clients of the three services over one HTTP
// client, all sending the same headers.
type clients struct {
	// hc, base and header are the raw client, for peers' protocols.
	hc           *http.Client
	base         string
	header       http.Header
	Auth         livechatv1connect.AuthServiceClient
	Conversation livechatv1connect.ConversationServiceClient
	Widget       livechatv1connect.WidgetServiceClient
	Reports      livechatv1connect.ReportServiceClient
	Customer     livechatv1connect.CustomerServiceClient
}

func newClients(hc *http.Client, baseURL string, header http.Header, opts ...connecthttp.Option) clients {
	hc2 := *hc
	hc2.Transport = headerTransport{header: header, next: hc.Transport}
	cc := connect.NewClient(connecthttp.NewTransport(&hc2, baseURL, opts...))
	return clients{
		hc: hc, base: baseURL, header: header,
		Auth:         livechatv1connect.NewAuthServiceClient(cc),
		Conversation: livechatv1connect.NewConversationServiceClient(cc),
		Widget:       livechatv1connect.NewWidgetServiceClient(cc),
		Reports:      livechatv1connect.NewReportServiceClient(cc),
		Customer:     livechatv1connect.NewCustomerServiceClient(cc),
	}
}

// headerTransport adds fixed headers to every request.
type headerTransport struct {
	header http.Header
	next   http.RoundTripper
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if len(t.header) > 0 {
		r = r.Clone(r.Context())
		for k, v := range t.header {
			r.Header[k] = v
		}
	}
	return t.next.RoundTrip(r)
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// errUnavailable marks a figure whose service has not landed in this build:
// the table says so instead of failing the run.
var errUnavailable = errors.New("not available in this build")

// unavailable turns an Unimplemented answer into errUnavailable.
func unavailable(what string, err error) error {
	if connect.CodeOf(err) == connect.CodeUnimplemented {
		return fmt.Errorf("%s: %w", what, errUnavailable)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// visitor is a simulated website visitor with an open conversation.
type visitor struct {
	token          string
	customerID     string
	conversationID string
}

// fixture is the data every figure shares, created once through the API:
// the first admin, an admin API token, a widget and visitors.
type fixture struct {
	token    string // admin-scope API token
	siteKey  string
	visitors []visitor
	// errVisitors is why there are no visitors (the widget API has not
	// landed), nil when there are.
	errVisitors error
}

const (
	blockSetup = 2 // source addresses of the setup's visitors
	// visitorsPerAddr stays under StartSession's 20 per 10 minutes per
	// client address.
	visitorsPerAddr = 15
)

// setupFixture creates the fixture on a fresh installation.
func setupFixture(ctx context.Context, baseURL string, nVisitors int) (*fixture, error) {
	jar, _ := cookiejar.New(nil)
	hc := newHTTPClient("h1", 1, 1000)
	hc.Jar = jar
	// A dashboard session is accepted from the dashboard's own origin only.
	admin := newClients(hc, baseURL, http.Header{"Origin": {baseURL}})
	_, err := admin.Auth.Setup(ctx, &livechatv1.SetupRequest{
		Username: benchAdmin, DisplayName: "Bench Admin", Password: benchAdminPassword,
	})
	if err != nil {
		return nil, unavailable("AuthService.Setup", err)
	}
	tok, err := admin.Auth.CreateApiToken(ctx, &livechatv1.CreateApiTokenRequest{
		Name: "bench", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN,
	})
	if err != nil {
		return nil, unavailable("AuthService.CreateApiToken", err)
	}
	f := &fixture{token: tok.GetSecret()}
	api := newClients(hc, baseURL, bearer(f.token))
	w, err := api.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{
		Name: "Bench shop",
		Appearance: &livechatv1.WidgetAppearance{
			PrimaryColor: "#1f6feb", Position: livechatv1.WidgetPosition_WIDGET_POSITION_BOTTOM_RIGHT,
			Title: "Chat with us", Greeting: "Hi! How can we help?", LauncherLabel: "Chat",
			Locale: livechatv1.WidgetLocale_WIDGET_LOCALE_AUTO,
		},
		Offline: &livechatv1.OfflineSettings{Message: "We are away."},
	}})
	if err != nil {
		f.errVisitors = unavailable("WidgetService.CreateWidget", err)
		return f, nil
	}
	f.siteKey = w.GetWidget().GetSiteKey()
	f.visitors, err = createVisitors(ctx, baseURL, f.siteKey, nVisitors)
	if err != nil {
		f.errVisitors = err
	}
	return f, nil
}

// createVisitors starts n visitor sessions, each from its own client address
// (in groups under the rate limit), and opens each one's conversation with a
// first message.
func createVisitors(ctx context.Context, baseURL, siteKey string, n int) ([]visitor, error) {
	out := make([]visitor, n)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  atomic.Int64
	)
	// One HTTP client per source address, so each group of visitors comes
	// from its own client address.
	groups := (n + visitorsPerAddr - 1) / visitorsPerAddr
	hcs := make([]*http.Client, groups)
	for g := range hcs {
		hcs[g] = newHTTPClient("h1", blockSetup, 1)
		hcs[g].Transport.(*http.Transport).DialContext = fixedSrcDialer(srcAddr(blockSetup, g))
	}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				v, err := newVisitor(ctx, hcs[i/visitorsPerAddr], baseURL, siteKey, i)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				out[i] = v
			}
		}()
	}
	wg.Wait()
	for _, hc := range hcs {
		hc.CloseIdleConnections()
	}
	// Keep the visitors that were created, in order.
	ok := out[:0]
	for _, v := range out {
		if v.conversationID != "" {
			ok = append(ok, v)
		}
	}
	return ok, first
}

func fixedSrcDialer(src *net.TCPAddr) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{LocalAddr: src, Timeout: 30 * time.Second}
		return d.DialContext(ctx, network, addr)
	}
}

func newVisitor(ctx context.Context, hc *http.Client, baseURL, siteKey string, i int) (visitor, error) {
	anon := newClients(hc, baseURL, nil)
	s, err := anon.Widget.StartSession(ctx, &livechatv1.StartSessionRequest{SiteKey: siteKey})
	if err != nil {
		return visitor{}, unavailable("WidgetService.StartSession", err)
	}
	v := visitor{token: s.GetVisitorToken(), customerID: s.GetCustomer().GetId()}
	vc := newClients(hc, baseURL, bearer(v.token))
	m, err := vc.Widget.SendMessage(ctx, &livechatv1.WidgetServiceSendMessageRequest{
		Text: fmt.Sprintf("visitor %d: %s", i, payload), ClientMessageId: fmt.Sprintf("open-%d", i),
	})
	if err != nil {
		return visitor{}, unavailable("WidgetService.SendMessage", err)
	}
	v.conversationID = m.GetConversation().GetId()
	if v.conversationID == "" {
		v.conversationID = m.GetMessage().GetConversationId()
	}
	return v, nil
}
