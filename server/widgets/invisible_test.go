package widgets_test

import (
	"context"
	"testing"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// TestInvisibleAgentIsNotAvailable: an invisible agent streaming (at work)
// does not make a widget's agents_online true; the same agent online does,
// and going invisible again takes it back. Colleagues see the status as
// INVISIBLE and not online.
func TestInvisibleAgentIsNotAvailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop", AllowedOrigins: []string{shopOrigin}}).Widget
	visitor, _ := e.visitor(t, w.SiteKey, shopOrigin)
	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()

	agentsOnline := func() bool {
		t.Helper()
		cfg, err := visitor.Widget.GetWidgetConfig(ctx(t), &livechatv1.GetWidgetConfigRequest{SiteKey: w.SiteKey})
		if err != nil {
			t.Fatal(err)
		}
		return cfg.Config.AgentsOnline
	}
	setStatus := func(s livechatv1.AgentStatus) *livechatv1.Agent {
		t.Helper()
		res, err := e.admin.Auth.SetMyStatus(ctx(t), &livechatv1.SetMyStatusRequest{Status: s})
		if err != nil {
			t.Fatal(err)
		}
		return res.Agent
	}

	// Invisible before the stream opens, so there is no online moment.
	if a := setStatus(livechatv1.AgentStatus_AGENT_STATUS_INVISIBLE); a.Status != livechatv1.AgentStatus_AGENT_STATUS_INVISIBLE || a.Online {
		t.Fatalf("the agent sees themself as %v, online %v", a.Status, a.Online)
	}
	stream, err := e.admin.Conversation.Subscribe(sctx, &livechatv1.SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	agentEvents := pump(t, func() (*livechatv1.Event, error) {
		r, err := stream.Receive()
		return r.GetEvent(), err
	})
	agentEvents.next(t, "agent READY", isReady, nil)
	visitorEvents := subscribeVisitor(t, sctx, visitor, "")
	visitorEvents.next(t, "visitor READY", isReady, nil)
	if agentsOnline() {
		t.Fatal("an invisible agent counts as online for the widget")
	}
	list, err := e.admin.Auth.ListAgents(ctx(t), &livechatv1.ListAgentsRequest{})
	if err != nil || len(list.Agents) != 1 || list.Agents[0].Status != livechatv1.AgentStatus_AGENT_STATUS_INVISIBLE || list.Agents[0].Online {
		t.Fatalf("colleagues see %v, %v", list, err)
	}

	// Online: the widget learns live, and its config agrees.
	setStatus(livechatv1.AgentStatus_AGENT_STATUS_ONLINE)
	visitorEvents.next(t, "agents online", func(ev *livechatv1.Event) bool { return ev.GetPresence().GetAgentsOnline() }, nil)
	if !agentsOnline() {
		t.Fatal("an online streaming agent does not count")
	}

	// Invisible again: offline for visitors at once, while the stream stays.
	setStatus(livechatv1.AgentStatus_AGENT_STATUS_INVISIBLE)
	visitorEvents.next(t, "agents offline", func(ev *livechatv1.Event) bool {
		return ev.GetPresence() != nil && !ev.GetPresence().GetAgentsOnline()
	}, nil)
	ev := agentEvents.next(t, "the colleague view", func(ev *livechatv1.Event) bool {
		return ev.GetPresence().GetStatus() == livechatv1.AgentStatus_AGENT_STATUS_INVISIBLE
	}, nil)
	if ev.GetPresence().Online || ev.GetPresence().AgentsOnline {
		t.Fatalf("presence %v", ev.GetPresence())
	}
	if agentsOnline() {
		t.Fatal("the widget config still counts the invisible agent")
	}
}
