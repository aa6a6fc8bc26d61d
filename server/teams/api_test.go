package teams_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const origin = "https://shop.example.com"

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestTeamsAndTheTeamInbox(t *testing.T) {
	tm := apptest.NewTeam(t)
	admin, lan := tm.Admin, tm.Lan
	me, err := lan.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
	if err != nil {
		t.Fatal(err)
	}

	_, err = lan.Teams.CreateTeam(ctx(t), &livechatv1.CreateTeamRequest{Name: "Billing"})
	apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED)
	billing, err := admin.Teams.CreateTeam(ctx(t), &livechatv1.CreateTeamRequest{Name: "Billing"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.Teams.CreateTeam(ctx(t), &livechatv1.CreateTeamRequest{Name: "billing"})
	apptest.WantReason(t, err, connect.CodeAlreadyExists, livechatv1.ErrorReason_ERROR_REASON_ALREADY_EXISTS)
	_, err = admin.Teams.SetTeamMembers(ctx(t), &livechatv1.SetTeamMembersRequest{TeamId: billing.Team.Id, AgentIds: []string{"00000000-0000-0000-0000-000000000001"}})
	apptest.WantReason(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_AGENT_NOT_FOUND)
	set, err := admin.Teams.SetTeamMembers(ctx(t), &livechatv1.SetTeamMembersRequest{TeamId: billing.Team.Id, AgentIds: []string{me.Agent.Id, me.Agent.Id}})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Team.AgentIds) != 1 || set.Team.AgentIds[0] != me.Agent.Id {
		t.Errorf("members %v, want Lan once", set.Team.AgentIds)
	}
	_, err = admin.Teams.RenameTeam(ctx(t), &livechatv1.RenameTeamRequest{TeamId: "00000000-0000-0000-0000-000000000001", Name: "X"})
	apptest.WantReason(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_TEAM_NOT_FOUND)

	// Two widgets, one routed to the team: the team inbox lists its conversations only.
	widget := func(name string) *livechatv1.Widget {
		w, err := admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: name, AllowedOrigins: []string{origin}}})
		if err != nil {
			t.Fatal(err)
		}
		return w.Widget
	}
	billingWidget, shop := widget("Billing desk"), widget("Shop")
	_, err = admin.Routing.UpdateWidgetRouting(ctx(t), &livechatv1.UpdateWidgetRoutingRequest{WidgetId: billingWidget.Id,
		Routing: &livechatv1.WidgetRouting{Mode: livechatv1.AssignmentMode_ASSIGNMENT_MODE_MANUAL, TeamId: "00000000-0000-0000-0000-000000000001"}})
	apptest.WantReason(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_TEAM_NOT_FOUND)
	r, err := admin.Routing.UpdateWidgetRouting(ctx(t), &livechatv1.UpdateWidgetRoutingRequest{WidgetId: billingWidget.Id,
		Routing: &livechatv1.WidgetRouting{Mode: livechatv1.AssignmentMode_ASSIGNMENT_MODE_MANUAL, TeamId: billing.Team.Id}})
	if err != nil || r.Routing.TeamId != billing.Team.Id {
		t.Fatalf("UpdateWidgetRouting: %v, %v", r, err)
	}
	visit(t, tm.Server, billingWidget.SiteKey)
	visit(t, tm.Server, shop.SiteKey)
	page, err := lan.Conversation.ListConversations(ctx(t), &livechatv1.ListConversationsRequest{TeamId: billing.Team.Id})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Conversations) != 1 || page.Conversations[0].WidgetId != billingWidget.Id {
		t.Errorf("team inbox lists %d conversations, want the billing desk's one", len(page.Conversations))
	}
	_, err = lan.Conversation.ListConversations(ctx(t), &livechatv1.ListConversationsRequest{TeamId: "billing"})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID)

	// Deleting the team routes the widget to everyone again.
	if _, err := admin.Teams.DeleteTeam(ctx(t), &livechatv1.DeleteTeamRequest{TeamId: billing.Team.Id}); err != nil {
		t.Fatal(err)
	}
	g, err := admin.Routing.GetWidgetRouting(ctx(t), &livechatv1.GetWidgetRoutingRequest{WidgetId: billingWidget.Id})
	if err != nil || g.Routing.TeamId != "" {
		t.Errorf("routing after delete %v, %v: want no team", g, err)
	}
	list, err := lan.Teams.ListTeams(ctx(t), &livechatv1.ListTeamsRequest{})
	if err != nil || len(list.Teams) != 0 {
		t.Errorf("teams %v, %v", list, err)
	}
}

func visit(t *testing.T, srv *apptest.Server, siteKey string) {
	t.Helper()
	h := http.Header{"Origin": {origin}}
	s, err := srv.NewClient(h).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: siteKey})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	h.Set("Authorization", "Bearer "+s.VisitorToken)
	if _, err := srv.NewClient(h).Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hello", ClientMessageId: "m1"}); err != nil {
		t.Fatalf("visitor SendMessage: %v", err)
	}
}
