package views_test

import (
	"context"
	"fmt"
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

// visit opens a conversation on the widget by writing as a new visitor.
func visit(t *testing.T, srv *apptest.Server, siteKey string) *livechatv1.Conversation {
	t.Helper()
	h := http.Header{"Origin": {origin}}
	s, err := srv.NewClient(h).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: siteKey})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	h.Set("Authorization", "Bearer "+s.VisitorToken)
	res, err := srv.NewClient(h).Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hello", ClientMessageId: "m1"})
	if err != nil {
		t.Fatalf("visitor SendMessage: %v", err)
	}
	return res.Conversation
}

func counts(t *testing.T, c *apptest.Client) map[string]int32 {
	t.Helper()
	res, err := c.Views.ListViews(ctx(t), &livechatv1.ListViewsRequest{})
	if err != nil {
		t.Fatalf("ListViews: %v", err)
	}
	out := map[string]int32{}
	for _, v := range res.Views {
		out[v.Name] = v.Count
	}
	return out
}

func TestSavedViewsCountWhatListConversationsLists(t *testing.T) {
	tm := apptest.NewTeam(t)
	admin, lan, minh := tm.Admin, tm.Lan, tm.Minh
	w, err := admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop", AllowedOrigins: []string{origin}}})
	if err != nil {
		t.Fatal(err)
	}
	vip, err := lan.Tags.CreateTag(ctx(t), &livechatv1.CreateTagRequest{Name: "VIP", Color: livechatv1.TagColor_TAG_COLOR_RED})
	if err != nil {
		t.Fatal(err)
	}
	waiting := []livechatv1.ConversationStatus{livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING}
	vipWaiting := &livechatv1.ListConversationsRequest{Statuses: waiting, TagIds: []string{vip.Tag.Id}}
	created, err := lan.Views.CreateView(ctx(t), &livechatv1.CreateViewRequest{Name: "VIP waiting", Filter: vipWaiting})
	if err != nil {
		t.Fatalf("CreateView: %v", err)
	}
	if created.View.Count != 0 || created.View.Filter.GetTagIds()[0] != vip.Tag.Id {
		t.Fatalf("created view %v", created.View)
	}
	if _, err := lan.Views.CreateView(ctx(t), &livechatv1.CreateViewRequest{Name: "Waiting", Filter: &livechatv1.ListConversationsRequest{Statuses: waiting}}); err != nil {
		t.Fatal(err)
	}
	if _, err := lan.Views.CreateView(ctx(t), &livechatv1.CreateViewRequest{Name: "Mine", Filter: &livechatv1.ListConversationsRequest{Assignment: livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_MINE}}); err != nil {
		t.Fatal(err)
	}

	c1 := visit(t, tm.Server, w.Widget.SiteKey)
	visit(t, tm.Server, w.Widget.SiteKey)
	if got := counts(t, lan); got["VIP waiting"] != 0 || got["Waiting"] != 2 || got["Mine"] != 0 {
		t.Errorf("counts %v, want VIP waiting 0, Waiting 2, Mine 0", got)
	}
	if _, err := lan.Conversation.SetConversationTags(ctx(t), &livechatv1.SetConversationTagsRequest{ConversationId: c1.Id, TagIds: []string{vip.Tag.Id}}); err != nil {
		t.Fatal(err)
	}
	if got := counts(t, lan); got["VIP waiting"] != 1 {
		t.Errorf("counts %v after tagging, want VIP waiting 1", got)
	}
	if _, err := lan.Conversation.ClaimConversation(ctx(t), &livechatv1.ClaimConversationRequest{ConversationId: c1.Id}); err != nil {
		t.Fatal(err)
	}
	got := counts(t, lan)
	if got["VIP waiting"] != 0 || got["Waiting"] != 1 || got["Mine"] != 1 {
		t.Errorf("counts %v after claiming, want VIP waiting 0, Waiting 1, Mine 1", got)
	}
	// The count is what ListConversations lists with the same filters.
	for _, v := range mustList(t, lan).Views {
		page, err := lan.Conversation.ListConversations(ctx(t), v.Filter)
		if err != nil {
			t.Fatal(err)
		}
		if int32(len(page.Conversations)) != v.Count {
			t.Errorf("view %q counts %d, ListConversations lists %d", v.Name, v.Count, len(page.Conversations))
		}
	}

	// Views are their owner's: Minh sees none and cannot touch Lan's.
	if got := counts(t, minh); len(got) != 0 {
		t.Errorf("Minh sees views %v", got)
	}
	_, err = minh.Views.DeleteView(ctx(t), &livechatv1.DeleteViewRequest{ViewId: created.View.Id})
	apptest.WantReason(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_VIEW_NOT_FOUND)
	_, err = admin.Views.UpdateView(ctx(t), &livechatv1.UpdateViewRequest{ViewId: created.View.Id, Name: "Mine now"})
	apptest.WantReason(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_VIEW_NOT_FOUND)

	// Rename, reorder, delete.
	if _, err := lan.Views.UpdateView(ctx(t), &livechatv1.UpdateViewRequest{ViewId: created.View.Id, Name: "VIP queue"}); err != nil {
		t.Fatal(err)
	}
	list := mustList(t, lan)
	ids := []string{list.Views[2].Id, list.Views[0].Id, list.Views[1].Id}
	re, err := lan.Views.ReorderViews(ctx(t), &livechatv1.ReorderViewsRequest{ViewIds: ids})
	if err != nil {
		t.Fatal(err)
	}
	if names := fmt.Sprint(re.Views[0].Name, ",", re.Views[1].Name, ",", re.Views[2].Name); names != "Mine,VIP queue,Waiting" {
		t.Errorf("order %s", names)
	}
	_, err = lan.Views.ReorderViews(ctx(t), &livechatv1.ReorderViewsRequest{ViewIds: ids[:2]})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE)
	if _, err := lan.Views.DeleteView(ctx(t), &livechatv1.DeleteViewRequest{ViewId: created.View.Id}); err != nil {
		t.Fatal(err)
	}
	if got := counts(t, lan); len(got) != 2 {
		t.Errorf("views after delete %v", got)
	}
}

func mustList(t *testing.T, c *apptest.Client) *livechatv1.ListViewsResponse {
	t.Helper()
	res, err := c.Views.ListViews(ctx(t), &livechatv1.ListViewsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestViewErrorsAndLimits(t *testing.T) {
	tm := apptest.NewTeam(t)
	lan := tm.Lan
	empty := &livechatv1.ListConversationsRequest{}
	_, err := lan.Views.CreateView(ctx(t), &livechatv1.CreateViewRequest{Name: "  ", Filter: empty})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TEXT_EMPTY)
	_, err = lan.Views.CreateView(ctx(t), &livechatv1.CreateViewRequest{Name: "No filter"})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_REQUIRED)
	_, err = lan.Views.CreateView(ctx(t), &livechatv1.CreateViewRequest{Name: "Bad", Filter: &livechatv1.ListConversationsRequest{TeamId: "nope"}})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID)
	_, err = lan.Views.CreateView(ctx(t), &livechatv1.CreateViewRequest{Name: "Bad", Filter: &livechatv1.ListConversationsRequest{
		Assignment: livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_MINE, AssigneeId: "00000000-0000-0000-0000-000000000001"}})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE)
	_, err = lan.Views.DeleteView(ctx(t), &livechatv1.DeleteViewRequest{ViewId: "x"})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID)

	for i := range 20 {
		if _, err := lan.Views.CreateView(ctx(t), &livechatv1.CreateViewRequest{Name: fmt.Sprintf("View %d", i), Filter: empty}); err != nil {
			t.Fatalf("view %d: %v", i, err)
		}
	}
	_, err = lan.Views.CreateView(ctx(t), &livechatv1.CreateViewRequest{Name: "One too many", Filter: empty})
	if d := apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TOO_MANY_ITEMS); d.GetLimit() != 20 {
		t.Errorf("limit %d, want 20", d.GetLimit())
	}
	_, err = lan.Views.UpdateView(ctx(t), &livechatv1.UpdateViewRequest{ViewId: mustList(t, lan).Views[0].Id, Name: "view 1"})
	apptest.WantReason(t, err, connect.CodeAlreadyExists, livechatv1.ErrorReason_ERROR_REASON_ALREADY_EXISTS)

	// Counting 20 views twice in a row waits out the agent's interval:
	// the second list is never sooner than a second after the first.
	start := time.Now()
	mustList(t, lan)
	mustList(t, lan)
	if d := time.Since(start); d < time.Second {
		t.Errorf("two countings of 20 views took %v, want them a second apart", d)
	}
}
