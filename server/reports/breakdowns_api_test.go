package reports_test

import (
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
)

// TestReportBreakdownsOverTheAPI: a widget routed to a team through the
// API, a conversation tagged by its agent; the report's teams and tags
// show them, the team filter narrows to them, and a malformed or unknown
// team is refused with its reason.
func TestReportBreakdownsOverTheAPI(t *testing.T) {
	t.Parallel()
	tm := apptest.NewTeam(t)
	w, err := tm.Admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatal(err)
	}
	team, err := tm.Admin.Teams.CreateTeam(ctx(t), &livechatv1.CreateTeamRequest{Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Admin.Routing.UpdateWidgetRouting(ctx(t), &livechatv1.UpdateWidgetRoutingRequest{WidgetId: w.Widget.Id,
		Routing: &livechatv1.WidgetRouting{Mode: livechatv1.AssignmentMode_ASSIGNMENT_MODE_MANUAL, TeamId: team.Team.Id}}); err != nil {
		t.Fatal(err)
	}
	s, err := tm.Server.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := tm.Server.NewClient(apptest.Bearer(s.VisitorToken)).Widget.SendMessage(ctx(t),
		&livechatv1.WidgetServiceSendMessageRequest{Text: "hello", ClientMessageId: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	tag, err := tm.Admin.Tags.CreateTag(ctx(t), &livechatv1.CreateTagRequest{Name: "VIP", Color: livechatv1.TagColor_TAG_COLOR_RED})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Lan.Conversation.SetConversationTags(ctx(t), &livechatv1.SetConversationTagsRequest{
		ConversationId: sent.Conversation.Id, TagIds: []string{tag.Tag.Id}}); err != nil {
		t.Fatal(err)
	}

	now := time.Now()
	req := &livechatv1.GetReportRequest{Start: timestamppb.New(now.Add(-24 * time.Hour)), End: timestamppb.New(now.Add(time.Hour)),
		TimeZone: "Asia/Ho_Chi_Minh", TeamId: team.Team.Id}
	res, err := tm.Admin.Reports.GetReport(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.Conversations != 1 || len(res.Teams) != 1 || res.Teams[0].TeamName != "Sales" || res.Teams[0].TeamId != team.Team.Id ||
		res.Teams[0].Conversations != 1 || res.Teams[0].Missed != 1 || res.Teams[0].FirstResponseP50 != nil {
		t.Fatalf("Sales: %v", res)
	}
	if len(res.Tags) != 1 || res.Tags[0].TagName != "VIP" || res.Tags[0].TagId != tag.Tag.Id || res.Tags[0].Conversations != 1 || res.OtherTags != 0 {
		t.Fatalf("tags: %v", res.Tags)
	}

	for _, c := range []struct {
		team   string
		code   connect.Code
		reason livechatv1.ErrorReason
	}{
		{"sales", connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID},
		{uuid.NewString(), connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_TEAM_NOT_FOUND},
	} {
		_, err := tm.Admin.Reports.GetReport(ctx(t), &livechatv1.GetReportRequest{Start: req.Start, End: req.End, TeamId: c.team})
		if d := apperr.DetailOf(err); connect.CodeOf(err) != c.code || d.GetReason() != c.reason || d.GetField() != "team_id" {
			t.Errorf("team %q: %v", c.team, err)
		}
	}
}
