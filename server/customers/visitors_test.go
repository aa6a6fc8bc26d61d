package customers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apptest"
)

const visitorKey = "k3yOfTheBrowser_01"

// setTracking replaces the widget's visitor switches.
func (e *env) setTracking(t *testing.T, tr *livechatv1.VisitorTracking) {
	t.Helper()
	s := e.widget.Settings
	s.VisitorTracking = tr
	res, err := e.Admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: e.widget.Id, Settings: s})
	if err != nil {
		t.Fatalf("UpdateWidget: %v", err)
	}
	e.widget = res.Widget
}

// browse opens a Browse stream and waits for ready; cancel closes the page.
func (e *env) browse(t *testing.T, req *livechatv1.BrowseRequest) (livechatv1connect.VisitorServiceBrowseClientStream, context.CancelFunc, error) {
	t.Helper()
	req.SiteKey = e.widget.SiteKey
	if req.VisitorKey == "" {
		req.VisitorKey = visitorKey
	}
	sctx, cancel := context.WithCancel(ctx(t))
	st, err := e.Server.NewClient(http.Header{"Origin": {origin}}).Visitors.Browse(sctx, req)
	if err == nil {
		var r *livechatv1.BrowseResponse
		if r, err = st.Receive(); err == nil && r.GetReady() == nil {
			t.Fatalf("first Browse message %v, want ready", r)
		}
	}
	if err != nil {
		cancel()
		return st, func() {}, err
	}
	t.Cleanup(cancel)
	return st, cancel, nil
}

// waitVisitors polls ListVisitors until ok accepts the answer.
func (e *env) waitVisitors(t *testing.T, what string, ok func(*livechatv1.ListVisitorsResponse) bool) *livechatv1.ListVisitorsResponse {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := e.Lan.Visitors.ListVisitors(ctx(t), &livechatv1.ListVisitorsRequest{WidgetId: e.widget.Id})
		if err != nil {
			t.Fatalf("ListVisitors: %v", err)
		}
		if ok(res) {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("visitors now: want %s, have %v", what, res)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestVisitorsNow: a browsing visitor is on the list (page without its
// query string, new or returning) while their page is open, agents' streams
// hear of it, and they leave the list when the page closes. Without "track
// visits" only a visitor who opened the widget is listed.
func TestVisitorsNow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, _, err := e.browse(t, &livechatv1.BrowseRequest{Url: "https://shop.example.com/a"})
	apptest.WantField(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "opened")
	_, _, err = e.browse(t, &livechatv1.BrowseRequest{VisitorKey: "short", Opened: true})
	apptest.WantField(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "visitor_key")

	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	events, err := e.Lan.Conversation.Subscribe(sctx, &livechatv1.SubscribeRequest{})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	e.setTracking(t, &livechatv1.VisitorTracking{TrackVisits: true})
	_, closePage, err := e.browse(t, &livechatv1.BrowseRequest{
		Url: "https://shop.example.com/pricing?coupon=secret#top", Title: "Pricing", VisitMs: 90_000, Returning: true,
	})
	if err != nil {
		t.Fatalf("Browse: %v", err)
	}
	for {
		ev, err := events.Receive()
		if err != nil {
			t.Fatalf("agent stream: %v", err)
		}
		if ev.Event.GetVisitorsChanged().GetWidgetId() == e.widget.Id {
			break
		}
	}
	res := e.waitVisitors(t, "one visitor", func(r *livechatv1.ListVisitorsResponse) bool { return r.Total == 1 })
	v := res.Visitors[0]
	if v.Key != visitorKey || v.Url != "https://shop.example.com/pricing" || v.Title != "Pricing" || !v.Returning || v.Pages != 1 || v.CustomerId != "" {
		t.Fatalf("visitor %v", v)
	}
	if on := time.Since(v.VisitStartedAt.AsTime()); on < 89*time.Second || on > 2*time.Minute {
		t.Fatalf("time on site %v, want about 90 s", on)
	}
	// Every widget's list holds them too.
	all, err := e.Lan.Visitors.ListVisitors(ctx(t), &livechatv1.ListVisitorsRequest{})
	if err != nil || all.Total != 1 {
		t.Fatalf("ListVisitors(all): %v %v", all, err)
	}

	// A second tab of the same browser is the same visitor.
	_, closeTab, err := e.browse(t, &livechatv1.BrowseRequest{Url: "https://shop.example.com/cart", Title: "Cart"})
	if err != nil {
		t.Fatalf("Browse (tab): %v", err)
	}
	e.waitVisitors(t, "one visitor on two pages", func(r *livechatv1.ListVisitorsResponse) bool {
		return r.Total == 1 && r.Visitors[0].Pages == 2 && r.Visitors[0].Title == "Cart"
	})
	closeTab()
	e.waitVisitors(t, "back on one page", func(r *livechatv1.ListVisitorsResponse) bool {
		return r.Total == 1 && r.Visitors[0].Pages == 1 && r.Visitors[0].Title == "Pricing"
	})
	closePage()
	e.waitVisitors(t, "nobody", func(r *livechatv1.ListVisitorsResponse) bool { return r.Total == 0 })

	// Pages off: listed, without a page.
	e.setTracking(t, &livechatv1.VisitorTracking{TrackVisits: true, PagesOff: true})
	if _, _, err := e.browse(t, &livechatv1.BrowseRequest{Url: "https://shop.example.com/x", Title: "X"}); err != nil {
		t.Fatalf("Browse: %v", err)
	}
	res = e.waitVisitors(t, "one visitor", func(r *livechatv1.ListVisitorsResponse) bool { return r.Total == 1 })
	if res.Visitors[0].Url != "" || res.Visitors[0].Title != "" {
		t.Fatalf("pages off, yet %v", res.Visitors[0])
	}
}

// TestProactiveChat: an agent invites a visitor on the site; their page
// gets the invitation, and accepting it stores the agent's message as the
// first message of a conversation assigned to the agent, once.
func TestProactiveChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := http.Header{"Origin": {origin}}
	s, err := e.Server.NewClient(h).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: e.widget.SiteKey})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	st, _, err := e.browse(t, &livechatv1.BrowseRequest{Url: "https://shop.example.com/", VisitorToken: s.VisitorToken})
	if err != nil {
		t.Fatalf("Browse with a session: %v", err)
	}
	res := e.waitVisitors(t, "the customer", func(r *livechatv1.ListVisitorsResponse) bool { return r.Total == 1 })
	if res.Visitors[0].CustomerId != s.Customer.Id || res.Visitors[0].OpenConversationId != "" {
		t.Fatalf("visitor %v", res.Visitors[0])
	}
	// The customer panel asks for one customer's pages.
	for id, want := range map[string]int32{s.Customer.Id: 1, "00000000-0000-0000-0000-000000000001": 0} {
		one, err := e.Lan.Visitors.ListVisitors(ctx(t), &livechatv1.ListVisitorsRequest{CustomerId: id})
		if err != nil || one.Total != want {
			t.Fatalf("ListVisitors(customer %s): %v %v, want %d", id, one, err, want)
		}
	}

	_, err = e.Lan.Visitors.InviteVisitor(ctx(t), &livechatv1.InviteVisitorRequest{WidgetId: e.widget.Id, VisitorKey: "someone-else-entirely", Text: "Hi"})
	apptest.WantField(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_VISITOR_NOT_ON_SITE, "")
	if _, err := e.Lan.Visitors.InviteVisitor(ctx(t), &livechatv1.InviteVisitorRequest{WidgetId: e.widget.Id, VisitorKey: visitorKey, Text: "Hi! Need help with pricing?"}); err != nil {
		t.Fatalf("InviteVisitor: %v", err)
	}
	r, err := st.Receive()
	if err != nil {
		t.Fatalf("Browse stream: %v", err)
	}
	inv := r.GetInvitation()
	if inv.GetText() != "Hi! Need help with pricing?" || inv.GetAgentName() == "" || inv.GetToken() == "" {
		t.Fatalf("invitation %v", r)
	}

	h.Set("Authorization", "Bearer "+s.VisitorToken)
	v := e.Server.NewClient(h)
	_, err = v.Visitors.AcceptInvitation(ctx(t), &livechatv1.AcceptInvitationRequest{Token: inv.Token + "x"})
	apptest.WantField(t, err, connect.CodeFailedPrecondition, livechatv1.ErrorReason_ERROR_REASON_INVITATION_INVALID, "")
	for range 2 { // accepting again stores nothing new
		acc, err := v.Visitors.AcceptInvitation(ctx(t), &livechatv1.AcceptInvitationRequest{Token: inv.Token})
		if err != nil {
			t.Fatalf("AcceptInvitation: %v", err)
		}
		if acc.Conversation.Status != livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE {
			t.Fatalf("conversation %v, want active", acc.Conversation)
		}
	}
	msgs, err := v.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{})
	if err != nil {
		t.Fatalf("ListMessages: %v", err)
	}
	agentLines := 0
	for _, m := range msgs.Messages {
		if m.SenderType == livechatv1.SenderType_SENDER_TYPE_AGENT {
			agentLines++
			if m.Text != "Hi! Need help with pricing?" {
				t.Fatalf("agent message %q", m.Text)
			}
		}
	}
	if agentLines != 1 {
		t.Fatalf("%d agent messages, want 1: %v", agentLines, msgs.Messages)
	}
	res = e.waitVisitors(t, "an open chat", func(r *livechatv1.ListVisitorsResponse) bool {
		return r.Total == 1 && r.Visitors[0].OpenConversationId != ""
	})

	// The host refuses proactive chats.
	e.setTracking(t, &livechatv1.VisitorTracking{ProactiveOff: true})
	_, err = e.Lan.Visitors.InviteVisitor(ctx(t), &livechatv1.InviteVisitorRequest{WidgetId: e.widget.Id, VisitorKey: visitorKey, Text: "Hi"})
	apptest.WantField(t, err, connect.CodeFailedPrecondition, livechatv1.ErrorReason_ERROR_REASON_PROACTIVE_NOT_ALLOWED, "")
}

// TestTriggersValidated: automatic messages are checked and reach the
// widget's public configuration.
func TestTriggersValidated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.widget.Settings
	s.VisitorTracking = &livechatv1.VisitorTracking{Triggers: []*livechatv1.ChatTrigger{{UrlPattern: "pricing", DelaySeconds: 5, TextEn: "Hi"}}}
	_, err := e.Admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: e.widget.Id, Settings: s})
	apptest.WantField(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "settings.visitor_tracking.triggers[0].url_pattern")
	s.VisitorTracking = &livechatv1.VisitorTracking{Triggers: []*livechatv1.ChatTrigger{{UrlPattern: "/pricing*", DelaySeconds: 5}}}
	_, err = e.Admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: e.widget.Id, Settings: s})
	apptest.WantField(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_REQUIRED, "settings.visitor_tracking.triggers[0].text_en")
	e.setTracking(t, &livechatv1.VisitorTracking{Triggers: []*livechatv1.ChatTrigger{{UrlPattern: "/pricing*", DelaySeconds: 5, TextEn: "Questions?", TextVi: "Bạn cần hỏi gì?"}}})
	cfg, err := e.Server.NewClient(http.Header{"Origin": {origin}}).Widget.GetWidgetConfig(ctx(t), &livechatv1.GetWidgetConfigRequest{SiteKey: e.widget.SiteKey})
	if err != nil {
		t.Fatalf("GetWidgetConfig: %v", err)
	}
	tr := cfg.Config.GetVisitorTracking().GetTriggers()
	if len(tr) != 1 || tr[0].UrlPattern != "/pricing*" || tr[0].DelaySeconds != 5 || tr[0].TextVi != "Bạn cần hỏi gì?" {
		t.Fatalf("triggers in config %v", tr)
	}
}

// TestVisitorsAcrossInstances: a visitor browsing through one instance is
// listed by another, whose agent's invitation reaches the visitor's page,
// and they leave both lists when the page closes.
func TestVisitorsAcrossInstances(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setTracking(t, &livechatv1.VisitorTracking{TrackVisits: true})
	other := apptest.NewOnPool(t, e.Server.Pool)
	lan := other.NewClient(nil)
	if _, err := lan.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "lan", Password: apptest.TeamPassword}); err != nil {
		t.Fatalf("Login on the other instance: %v", err)
	}
	list := func(want int32) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			res, err := lan.Visitors.ListVisitors(ctx(t), &livechatv1.ListVisitorsRequest{WidgetId: e.widget.Id})
			if err != nil {
				t.Fatalf("ListVisitors on the other instance: %v", err)
			}
			if res.Total == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the other instance lists %d visitors, want %d", res.Total, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	st, closePage, err := e.browse(t, &livechatv1.BrowseRequest{Url: "https://shop.example.com/", Title: "Home"})
	if err != nil {
		t.Fatalf("Browse: %v", err)
	}
	list(1)
	if _, err := lan.Visitors.InviteVisitor(ctx(t), &livechatv1.InviteVisitorRequest{WidgetId: e.widget.Id, VisitorKey: visitorKey, Text: "Hello from the other server"}); err != nil {
		t.Fatalf("InviteVisitor on the other instance: %v", err)
	}
	r, err := st.Receive()
	if err != nil || r.GetInvitation().GetText() != "Hello from the other server" {
		t.Fatalf("Browse stream: %v %v", r, err)
	}
	closePage()
	list(0)
}
