package reports_test

import (
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
)

// TestGetReportOverTheAPI: admins get the report of a real conversation
// through the generated client; agents are refused; bad input is a clear
// INVALID_ARGUMENT with its reason.
func TestGetReportOverTheAPI(t *testing.T) {
	t.Parallel()
	tm := apptest.NewTeam(t)
	w, err := tm.Admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := tm.Server.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	v := tm.Server.NewClient(apptest.Bearer(s.VisitorToken))
	sent, err := v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hello", ClientMessageId: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Lan.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: sent.Conversation.Id, Text: "hi!", ClientMessageId: "a1"}); err != nil {
		t.Fatal(err)
	}

	now := time.Now()
	req := &livechatv1.GetReportRequest{
		Start: timestamppb.New(now.Add(-24 * time.Hour)), End: timestamppb.New(now.Add(time.Hour)),
		TimeZone: "Asia/Ho_Chi_Minh", Interval: livechatv1.ReportInterval_REPORT_INTERVAL_HOUR, WidgetId: w.Widget.Id, Compare: true,
	}
	res, err := tm.Admin.Reports.GetReport(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	tot := res.Totals
	if tot.Conversations != 1 || tot.Missed != 0 || tot.Messages != 2 || tot.FirstResponseP50 == nil || len(tot.CsatDistribution) != 5 ||
		res.Previous == nil || res.Previous.Conversations != 0 || len(res.Buckets) < 25 || res.TimeZone != "Asia/Ho_Chi_Minh" {
		t.Fatalf("report: %v", res)
	}
	if len(res.Agents) != 1 || res.Agents[0].AgentName != "lan" || res.Agents[0].Handled != 1 || len(res.Agents[0].HandledByBucket) != len(res.Buckets) {
		t.Fatalf("agents: %v", res.Agents)
	}
	if len(res.Widgets) != 1 || res.Widgets[0].WidgetName != "Shop" {
		t.Fatalf("widgets: %v", res.Widgets)
	}

	_, err = tm.Lan.Reports.GetReport(ctx(t), req)
	if connect.CodeOf(err) != connect.CodePermissionDenied || apperr.DetailOf(err).GetReason() != livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED {
		t.Fatalf("an agent: %v", err)
	}
	_, err = tm.Admin.Reports.GetReport(ctx(t), &livechatv1.GetReportRequest{Start: req.Start, End: req.End, WidgetId: "shop"})
	if d := apperr.DetailOf(err); connect.CodeOf(err) != connect.CodeInvalidArgument || d.GetReason() != livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID || d.GetField() != "widget_id" {
		t.Fatalf("a malformed widget id: %v", err)
	}
	_, err = tm.Admin.Reports.GetReport(ctx(t), &livechatv1.GetReportRequest{Start: req.Start, End: timestamppb.New(now.Add(500 * 24 * time.Hour))})
	if d := apperr.DetailOf(err); connect.CodeOf(err) != connect.CodeInvalidArgument || d.GetReason() != livechatv1.ErrorReason_ERROR_REASON_REPORT_RANGE_TOO_LONG || d.GetLimit() != 400 {
		t.Fatalf("a range too long: %v", err)
	}
}
