package tags_test

import (
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
)

// TestInboxFilters: ListConversations' filters, each and combined, and
// paging under a filter.
func TestInboxFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vip := createTag(t, e.admin, "VIP", red)
	billing := createTag(t, e.admin, "Billing", blue)
	var cs []*livechatv1.Conversation // c[0] is the oldest
	for range 5 {
		_, c := e.visitor(t)
		cs = append(cs, c)
	}
	name := map[string]string{}
	for i, c := range cs {
		name[c.Id] = string(rune('a' + i))
	}
	tag := func(c *livechatv1.Conversation, ids ...string) {
		if _, err := e.lan.Conversation.SetConversationTags(ctx(t), &livechatv1.SetConversationTagsRequest{ConversationId: c.Id, TagIds: ids}); err != nil {
			t.Fatal(err)
		}
	}
	tag(cs[0], vip.Id)
	tag(cs[1], vip.Id)
	tag(cs[2], vip.Id, billing.Id)
	tag(cs[3], billing.Id)
	lanID := e.agentID(t, e.lan)
	for _, c := range []*livechatv1.Conversation{cs[1], cs[3]} {
		if _, err := e.lan.Conversation.ClaimConversation(ctx(t), &livechatv1.ClaimConversationRequest{ConversationId: c.Id}); err != nil {
			t.Fatal(err)
		}
	}

	// list pages through a filter one conversation at a time and names
	// what it found, oldest first.
	list := func(req *livechatv1.ListConversationsRequest) string {
		t.Helper()
		req.PageSize = 1
		var got []string
		for {
			res, err := e.minh.Conversation.ListConversations(ctx(t), req)
			if err != nil {
				t.Fatalf("ListConversations %v: %v", req, err)
			}
			for _, c := range res.Conversations {
				got = append(got, name[c.Id])
			}
			if res.NextPageToken == "" {
				break
			}
			req.PageToken = res.NextPageToken
		}
		slices.Sort(got)
		return strings.Join(got, "")
	}
	at := func(c *livechatv1.Conversation) *timestamppb.Timestamp { return c.CreatedAt }
	for _, c := range []struct {
		name string
		req  *livechatv1.ListConversationsRequest
		want string
	}{
		{"none", &livechatv1.ListConversationsRequest{}, "abcde"},
		{"one tag", &livechatv1.ListConversationsRequest{TagIds: []string{vip.Id}}, "abc"},
		{"any of two tags", &livechatv1.ListConversationsRequest{TagIds: []string{vip.Id, billing.Id}}, "abcd"},
		{"unknown tag", &livechatv1.ListConversationsRequest{TagIds: []string{"123e4567-e89b-12d3-a456-426614174000"}}, ""},
		{"widget", &livechatv1.ListConversationsRequest{WidgetId: cs[4].WidgetId}, "e"},
		{"assignee", &livechatv1.ListConversationsRequest{AssigneeId: lanID}, "bd"},
		{"created after", &livechatv1.ListConversationsRequest{CreatedAfter: at(cs[2])}, "cde"},
		{"created before", &livechatv1.ListConversationsRequest{CreatedBefore: at(cs[2])}, "ab"},
		{"created range", &livechatv1.ListConversationsRequest{CreatedAfter: at(cs[1]), CreatedBefore: at(cs[3])}, "bc"},
		{"tag and assignee", &livechatv1.ListConversationsRequest{TagIds: []string{vip.Id}, AssigneeId: lanID}, "b"},
		{"tag and status", &livechatv1.ListConversationsRequest{TagIds: []string{vip.Id}, Statuses: []livechatv1.ConversationStatus{livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING}}, "ac"},
		{"tag, unassigned and range", &livechatv1.ListConversationsRequest{
			TagIds: []string{billing.Id, vip.Id}, Assignment: livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_UNASSIGNED, CreatedAfter: at(cs[1]),
		}, "c"},
		{"tag and text", &livechatv1.ListConversationsRequest{TagIds: []string{billing.Id}, Query: "HELLO"}, "cd"},
		{"tag and other text", &livechatv1.ListConversationsRequest{TagIds: []string{billing.Id}, Query: "goodbye"}, ""},
		{"widget and tag", &livechatv1.ListConversationsRequest{WidgetId: cs[3].WidgetId, TagIds: []string{vip.Id}}, ""},
	} {
		if got := list(c.req); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}

	bad := func(req *livechatv1.ListConversationsRequest) error {
		_, err := e.minh.Conversation.ListConversations(ctx(t), req)
		return err
	}
	apptest.WantField(t, bad(&livechatv1.ListConversationsRequest{AssigneeId: lanID, Assignment: livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_MINE}),
		connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "assignee_id")
	apptest.WantField(t, bad(&livechatv1.ListConversationsRequest{WidgetId: "x"}), connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "widget_id")
	apptest.WantField(t, bad(&livechatv1.ListConversationsRequest{AssigneeId: "x"}), connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "assignee_id")
	apptest.WantField(t, bad(&livechatv1.ListConversationsRequest{TagIds: []string{vip.Id, "x"}}), connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "tag_ids")
	apptest.WantField(t, bad(&livechatv1.ListConversationsRequest{CreatedAfter: at(cs[2]), CreatedBefore: at(cs[2])}),
		connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "created_before")
	var many []string
	for range 21 {
		many = append(many, "123e4567-e89b-12d3-a456-4266141740"+string(rune('a'+len(many)/10))+string(rune('0'+len(many)%10)))
	}
	apptest.WantField(t, bad(&livechatv1.ListConversationsRequest{TagIds: many}), connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TOO_MANY_ITEMS, "tag_ids")
}

// agentID is the id of the agent c is signed in as.
func (e *env) agentID(t *testing.T, c *apptest.Client) string {
	t.Helper()
	me, err := c.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return me.Agent.Id
}
