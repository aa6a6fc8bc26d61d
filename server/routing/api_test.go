package routing_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/widgets"
)

// instances starts two servers on one database, each with its own pool,
// as two instances behind a balancer would run.
func instances(t *testing.T) (a, b *apptest.Server) {
	t.Helper()
	opts := func(c *app.Config) {
		c.ScryptLogN = 10
		// Every visitor of these tests comes from 127.0.0.1.
		c.WidgetLimits = widgets.Limits{StartSessions: 1000, StartSessionWindow: time.Minute}
	}
	a = apptest.New(t, opts)
	pool, err := pgxpool.New(t.Context(), a.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return a, apptest.NewOnPool(t, pool, opts)
}

// routed is a signed-in agent with an open stream on one instance.
type routed struct {
	id     string
	client *apptest.Client
}

// online signs name in on srv and opens their stream, so they count as
// online; the stream is read until the test ends.
func online(t *testing.T, admin *apptest.Client, srv *apptest.Server, name string, capacity int32) routed {
	t.Helper()
	ctx := t.Context()
	res, err := admin.Auth.CreateAgent(ctx, &livechatv1.CreateAgentRequest{
		Username: name, DisplayName: name, Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: apptest.TeamPassword,
	})
	if err != nil {
		t.Fatal(err)
	}
	id := res.GetAgent().GetId()
	if _, err := admin.Routing.SetAgentCapacity(ctx, &livechatv1.SetAgentCapacityRequest{AgentId: id, MaxActiveConversations: capacity}); err != nil {
		t.Fatal(err)
	}
	c := srv.NewClient(nil)
	if _, err := c.Auth.Login(ctx, &livechatv1.LoginRequest{Username: name, Password: apptest.TeamPassword}); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(context.Background())
	stream, err := c.Conversation.Subscribe(sctx, &livechatv1.SubscribeRequest{})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	for {
		r, err := stream.Receive()
		if err != nil {
			cancel()
			t.Fatalf("%s's stream: %v", name, err)
		}
		if r.GetEvent().GetReady() != nil {
			break
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := stream.Receive(); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return routed{id: id, client: c}
}

// visit starts a visitor session on srv and sends a first message; it
// returns the conversation's id.
func visit(ctx context.Context, srv *apptest.Server, siteKey string) (string, error) {
	sess, err := srv.NewClient(nil).Widget.StartSession(ctx, &livechatv1.StartSessionRequest{SiteKey: siteKey})
	if err != nil {
		return "", err
	}
	v := srv.NewClient(apptest.Bearer(sess.GetVisitorToken()))
	res, err := v.Widget.SendMessage(ctx, &livechatv1.WidgetServiceSendMessageRequest{Text: "Hello", ClientMessageId: uuid.NewString()})
	if err != nil {
		return "", err
	}
	return res.GetConversation().GetId(), nil
}

// loads polls until the queue holds want conversations, then returns each
// agent's active conversations by id.
func loads(t *testing.T, c *apptest.Client, queued int32, total int32) map[string]int32 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := c.Routing.ListAgentCapacities(t.Context(), &livechatv1.ListAgentCapacitiesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int32{}
		var sum int32
		for _, a := range res.Agents {
			out[a.AgentId] = a.ActiveConversations
			sum += a.ActiveConversations
		}
		if res.QueuedConversations == queued && sum == total {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue %d, %d active; want %d and %d", res.QueuedConversations, sum, queued, total)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRoutingAcrossInstances: 100 conversations arriving at once through
// two instances are spread over the three online agents within capacity,
// with counts differing by at most one; none goes to an away or a full
// agent. A conversation that finds everyone full waits, and is assigned
// when an agent comes online.
func TestRoutingAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b := instances(t)
	ctx := t.Context()
	admin := a.NewClient(nil)
	if _, err := admin.Auth.Setup(ctx, &livechatv1.SetupRequest{Username: "root", DisplayName: "Root", Password: apptest.TeamPassword}); err != nil {
		t.Fatal(err)
	}
	// Root streams nowhere: never online, never routed to.
	w, err := admin.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatal(err)
	}
	siteKey, widgetID := w.GetWidget().GetSiteKey(), w.GetWidget().GetId()

	lan, minh, hoa := online(t, admin, a, "lan", 40), online(t, admin, b, "minh", 40), online(t, admin, a, "hoa", 40)
	away := online(t, admin, b, "away", 40)
	if _, err := away.client.Auth.SetMyStatus(ctx, &livechatv1.SetMyStatusRequest{Status: livechatv1.AgentStatus_AGENT_STATUS_AWAY}); err != nil {
		t.Fatal(err)
	}
	// Full has two conversations, claimed while the widget was manual, and
	// a capacity of two.
	full := online(t, admin, b, "full", 2)
	for range 2 {
		id, err := visit(ctx, a, siteKey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := full.client.Conversation.ClaimConversation(ctx, &livechatv1.ClaimConversationRequest{ConversationId: id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := admin.Routing.UpdateWidgetRouting(ctx, &livechatv1.UpdateWidgetRoutingRequest{
		WidgetId: widgetID, Routing: &livechatv1.WidgetRouting{Mode: livechatv1.AssignmentMode_ASSIGNMENT_MODE_AUTO},
	}); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	for i := range 100 {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		wg.Go(func() {
			if _, err := visit(ctx, srv, siteKey); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := loads(t, admin, 0, 102)
	counts := []int32{got[lan.id], got[minh.id], got[hoa.id]}
	if slices.Max(counts)-slices.Min(counts) > 1 {
		t.Errorf("lan, minh, hoa have %v conversations: more than one apart", counts)
	}
	if got[away.id] != 0 || got[full.id] != 2 {
		t.Errorf("away has %d (want 0), full has %d (want 2)", got[away.id], got[full.id])
	}

	t.Run("the queue drains when an agent comes online", func(t *testing.T) {
		for _, r := range []routed{lan, minh, hoa} {
			if _, err := admin.Routing.SetAgentCapacity(ctx, &livechatv1.SetAgentCapacityRequest{AgentId: r.id, MaxActiveConversations: got[r.id]}); err != nil {
				t.Fatal(err)
			}
		}
		id, err := visit(ctx, b, siteKey)
		if err != nil {
			t.Fatal(err)
		}
		loads(t, admin, 1, 102)
		if _, err := away.client.Auth.SetMyStatus(ctx, &livechatv1.SetMyStatusRequest{Status: livechatv1.AgentStatus_AGENT_STATUS_ONLINE}); err != nil {
			t.Fatal(err)
		}
		loads(t, admin, 0, 103)
		conv, err := admin.Conversation.GetConversation(ctx, &livechatv1.GetConversationRequest{ConversationId: id})
		if err != nil {
			t.Fatal(err)
		}
		if conv.GetConversation().GetAssigneeId() != away.id {
			t.Errorf("the waiting conversation went to %q, want the agent who came online (%s)", conv.GetConversation().GetAssigneeId(), away.id)
		}
	})
}

// TestRoutingAPIErrors: bad input gets its reason; agents may read loads
// but not change routing.
func TestRoutingAPIErrors(t *testing.T) {
	t.Parallel()
	tm := apptest.NewTeam(t)
	ctx := t.Context()
	me, err := tm.Lan.Auth.GetMe(ctx, &livechatv1.GetMeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	lanID := me.GetAgent().GetId()
	w, err := tm.Admin.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatal(err)
	}
	widgetID := w.GetWidget().GetId()
	cases := []struct {
		name   string
		call   func() error
		reason livechatv1.ErrorReason
	}{
		{"capacity over 100", func() error {
			_, err := tm.Admin.Routing.SetAgentCapacity(ctx, &livechatv1.SetAgentCapacityRequest{AgentId: lanID, MaxActiveConversations: 101})
			return err
		}, livechatv1.ErrorReason_ERROR_REASON_CAPACITY_OUT_OF_RANGE},
		{"malformed agent id", func() error {
			_, err := tm.Admin.Routing.SetAgentCapacity(ctx, &livechatv1.SetAgentCapacityRequest{AgentId: "lan"})
			return err
		}, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID},
		{"unknown agent", func() error {
			_, err := tm.Admin.Routing.SetAgentCapacity(ctx, &livechatv1.SetAgentCapacityRequest{AgentId: uuid.NewString(), MaxActiveConversations: 1})
			return err
		}, livechatv1.ErrorReason_ERROR_REASON_AGENT_NOT_FOUND},
		{"routing missing", func() error {
			_, err := tm.Admin.Routing.UpdateWidgetRouting(ctx, &livechatv1.UpdateWidgetRoutingRequest{WidgetId: widgetID})
			return err
		}, livechatv1.ErrorReason_ERROR_REASON_REQUIRED},
		{"mode unset", func() error {
			_, err := tm.Admin.Routing.UpdateWidgetRouting(ctx, &livechatv1.UpdateWidgetRoutingRequest{WidgetId: widgetID, Routing: &livechatv1.WidgetRouting{}})
			return err
		}, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE},
		{"unknown widget", func() error {
			_, err := tm.Admin.Routing.GetWidgetRouting(ctx, &livechatv1.GetWidgetRoutingRequest{WidgetId: uuid.NewString()})
			return err
		}, livechatv1.ErrorReason_ERROR_REASON_WIDGET_NOT_FOUND},
		{"an agent sets a capacity", func() error {
			_, err := tm.Lan.Routing.SetAgentCapacity(ctx, &livechatv1.SetAgentCapacityRequest{AgentId: lanID, MaxActiveConversations: 50})
			return err
		}, livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if got := apperr.DetailOf(err).GetReason(); got != c.reason {
				t.Errorf("got %v (reason %v), want %v", err, got, c.reason)
			}
		})
	}

	res, err := tm.Lan.Routing.ListAgentCapacities(ctx, &livechatv1.ListAgentCapacitiesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Agents) != 3 || res.Agents[0].MaxActiveConversations != 5 {
		t.Errorf("agents see %v", res.Agents)
	}
	mode, err := tm.Admin.Routing.GetWidgetRouting(ctx, &livechatv1.GetWidgetRoutingRequest{WidgetId: widgetID})
	if err != nil || mode.GetRouting().GetMode() != livechatv1.AssignmentMode_ASSIGNMENT_MODE_MANUAL {
		t.Errorf("a new widget's routing: %v, %v", mode, err)
	}
}

// TestWidgetConfigCarriesBusinessHours: with the server's clock at 7:00 on
// a Monday in Saigon, a widget open 8:00–17:00 there tells visitors it is
// closed, opens at 8:00, and how soon agents usually reply.
func TestWidgetConfigCarriesBusinessHours(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t, func(c *app.Config) {
		c.ScryptLogN = 10
		c.TestClock = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // 7:00 in Saigon
	})
	ctx := t.Context()
	admin := srv.NewClient(nil)
	if _, err := admin.Auth.Setup(ctx, &livechatv1.SetupRequest{Username: "root", DisplayName: "Root", Password: apptest.TeamPassword}); err != nil {
		t.Fatal(err)
	}
	w, err := admin.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatal(err)
	}
	config := func() *livechatv1.WidgetAvailability {
		t.Helper()
		res, err := srv.NewClient(nil).Widget.GetWidgetConfig(ctx, &livechatv1.GetWidgetConfigRequest{SiteKey: w.GetWidget().GetSiteKey()})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetConfig().GetAvailability()
	}
	if a := config(); !a.GetOpen() {
		t.Fatalf("a widget without hours is closed: %v", a)
	}
	days := []*livechatv1.DayHours{}
	for d := int32(1); d <= 5; d++ {
		days = append(days, &livechatv1.DayHours{Day: d, OpenMinute: 480, CloseMinute: 1020})
	}
	res, err := admin.Routing.UpdateWidgetRouting(ctx, &livechatv1.UpdateWidgetRoutingRequest{WidgetId: w.GetWidget().GetId(), Routing: &livechatv1.WidgetRouting{
		Mode:      livechatv1.AssignmentMode_ASSIGNMENT_MODE_MANUAL,
		Hours:     &livechatv1.BusinessHours{Enabled: true, TimeZone: "Asia/Ho_Chi_Minh", Days: days, Outside: livechatv1.OutsideHours_OUTSIDE_HOURS_NOTICE},
		ReplyTime: &livechatv1.ReplyTime{Mode: livechatv1.ReplyTimeMode_REPLY_TIME_MODE_FIXED, FixedMinutes: 5},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.GetRouting(); len(got.GetHours().GetDays()) != 5 || got.GetReplyTime().GetMode() != livechatv1.ReplyTimeMode_REPLY_TIME_MODE_FIXED {
		t.Errorf("stored %v", got)
	}
	a := config()
	if a.GetOpen() || a.GetOutside() != livechatv1.OutsideHours_OUTSIDE_HOURS_NOTICE || a.GetOpensDay() != 1 || a.GetOpensMinute() != 480 ||
		!a.GetOpensAt().AsTime().Equal(time.Date(2026, 1, 5, 1, 0, 0, 0, time.UTC)) || a.GetReplySeconds() != 300 {
		t.Errorf("at 7:00 on Monday: %v", a)
	}
	_, err = admin.Routing.UpdateWidgetRouting(ctx, &livechatv1.UpdateWidgetRoutingRequest{WidgetId: w.GetWidget().GetId(), Routing: &livechatv1.WidgetRouting{
		Mode: livechatv1.AssignmentMode_ASSIGNMENT_MODE_MANUAL, Hours: &livechatv1.BusinessHours{TimeZone: "Saigon"},
	}})
	if got := apperr.DetailOf(err); got.GetReason() != livechatv1.ErrorReason_ERROR_REASON_INVALID_TIME_ZONE || got.GetField() != "routing.hours.time_zone" {
		t.Errorf("an unknown zone: %v", err)
	}
}
