package tags_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/tags"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	password = apptest.TeamPassword
	origin   = "https://shop.example.com"
	red      = livechatv1.TagColor_TAG_COLOR_RED
	blue     = livechatv1.TagColor_TAG_COLOR_BLUE
)

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// env is a running server with a signed-in admin and two signed-in agents.
type env struct {
	srv              *apptest.Server
	admin, lan, minh *apptest.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	tm := apptest.NewTeam(t)
	return &env{srv: tm.Server, admin: tm.Admin, lan: tm.Lan, minh: tm.Minh}
}

// visitor starts a widget session and opens a conversation by writing.
func (e *env) visitor(t *testing.T) (*apptest.Client, *livechatv1.Conversation) {
	t.Helper()
	w, err := e.admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop", AllowedOrigins: []string{origin}}})
	if err != nil {
		t.Fatalf("CreateWidget: %v", err)
	}
	h := http.Header{"Origin": {origin}}
	s, err := e.srv.NewClient(h).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	h.Set("Authorization", "Bearer "+s.VisitorToken)
	v := e.srv.NewClient(h)
	res, err := v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hello", ClientMessageId: "m1"})
	if err != nil {
		t.Fatalf("visitor SendMessage: %v", err)
	}
	return v, res.Conversation
}

func createTag(t *testing.T, c *apptest.Client, name string, color livechatv1.TagColor) *livechatv1.Tag {
	t.Helper()
	res, err := c.Tags.CreateTag(ctx(t), &livechatv1.CreateTagRequest{Name: name, Color: color})
	if err != nil {
		t.Fatalf("CreateTag %q: %v", name, err)
	}
	return res.Tag
}

func tagNames(ts []*livechatv1.Tag) string {
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
	}
	return strings.Join(names, ",")
}

// TestTagCRUD: any agent creates, admins rename, recolour and delete.
func TestTagCRUD(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vip := createTag(t, e.lan, "  VIP ", red)
	if vip.Name != "VIP" || vip.Color != red || vip.Id == "" || vip.CreatedAt == nil {
		t.Fatalf("created %v", vip)
	}
	createTag(t, e.minh, "billing", blue)
	list, err := e.minh.Tags.ListTags(ctx(t), &livechatv1.ListTagsRequest{})
	if err != nil || tagNames(list.Tags) != "billing,VIP" {
		t.Fatalf("ListTags: %v, %v", list, err)
	}

	// Agents may not change or delete tags: they are the team's.
	_, err = e.lan.Tags.UpdateTag(ctx(t), &livechatv1.UpdateTagRequest{TagId: vip.Id, Name: "V.I.P.", Color: blue})
	apptest.WantField(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED, "")
	_, err = e.lan.Tags.DeleteTag(ctx(t), &livechatv1.DeleteTagRequest{TagId: vip.Id})
	apptest.WantField(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED, "")

	upd, err := e.admin.Tags.UpdateTag(ctx(t), &livechatv1.UpdateTagRequest{TagId: vip.Id, Name: "vip", Color: blue})
	if err != nil || upd.Tag.Name != "vip" || upd.Tag.Color != blue || upd.Tag.Id != vip.Id {
		t.Fatalf("UpdateTag (a change of case only): %v, %v", upd, err)
	}
	_, err = e.admin.Tags.UpdateTag(ctx(t), &livechatv1.UpdateTagRequest{TagId: vip.Id, Name: "BILLING", Color: blue})
	apptest.WantField(t, err, connect.CodeAlreadyExists, livechatv1.ErrorReason_ERROR_REASON_ALREADY_EXISTS, "name")

	if _, err := e.admin.Tags.DeleteTag(ctx(t), &livechatv1.DeleteTagRequest{TagId: vip.Id}); err != nil {
		t.Fatalf("DeleteTag: %v", err)
	}
	_, err = e.admin.Tags.DeleteTag(ctx(t), &livechatv1.DeleteTagRequest{TagId: vip.Id})
	apptest.WantField(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_NOT_FOUND, "")
	_, err = e.admin.Tags.UpdateTag(ctx(t), &livechatv1.UpdateTagRequest{TagId: vip.Id, Name: "x", Color: blue})
	apptest.WantField(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_NOT_FOUND, "")
	list, err = e.lan.Tags.ListTags(ctx(t), &livechatv1.ListTagsRequest{})
	if err != nil || tagNames(list.Tags) != "billing" {
		t.Fatalf("ListTags after delete: %v, %v", list, err)
	}
}

func TestTagValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	createTag(t, e.lan, "Urgent", red)
	for _, c := range []struct {
		name   string
		req    *livechatv1.CreateTagRequest
		code   connect.Code
		reason livechatv1.ErrorReason
		field  string
	}{
		{"empty name", &livechatv1.CreateTagRequest{Name: "  ", Color: red}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TEXT_EMPTY, "name"},
		{"long name", &livechatv1.CreateTagRequest{Name: strings.Repeat("é", 33), Color: red}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "name"},
		{"control character", &livechatv1.CreateTagRequest{Name: "a\x00b", Color: red}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TEXT_INVALID, "name"},
		{"no colour", &livechatv1.CreateTagRequest{Name: "a"}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_REQUIRED, "color"},
		{"unknown colour", &livechatv1.CreateTagRequest{Name: "a", Color: 99}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "color"},
		{"same name, other case", &livechatv1.CreateTagRequest{Name: "uRGENT", Color: blue}, connect.CodeAlreadyExists, livechatv1.ErrorReason_ERROR_REASON_ALREADY_EXISTS, "name"},
	} {
		_, err := e.lan.Tags.CreateTag(ctx(t), c.req)
		t.Run(c.name, func(t *testing.T) { apptest.WantField(t, err, c.code, c.reason, c.field) })
	}
	createTag(t, e.lan, strings.Repeat("é", 32), red) // the longest name fits
	_, err := e.admin.Tags.UpdateTag(ctx(t), &livechatv1.UpdateTagRequest{TagId: "nope", Name: "a", Color: red})
	apptest.WantField(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "tag_id")
	_, err = e.admin.Tags.DeleteTag(ctx(t), &livechatv1.DeleteTagRequest{})
	apptest.WantField(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_REQUIRED, "tag_id")
}

// TestConversationTags: agents tag conversations; the inbox, the
// conversation and other agents' live streams carry the tags; the
// visitor never sees them, neither in answers nor in events.
func TestConversationTags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vip := createTag(t, e.admin, "VIP", red)
	billing := createTag(t, e.lan, "Billing", blue)
	visitor, conv := e.visitor(t)

	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	agentStream, err := e.minh.Conversation.Subscribe(sctx, &livechatv1.SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	agent := pump(func() (*livechatv1.Event, error) { r, err := agentStream.Receive(); return r.GetEvent(), err })
	agent.next(t, "agent READY", isReady)
	visitorStream, err := visitor.Widget.Subscribe(sctx, &livechatv1.WidgetServiceSubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	vis := pump(func() (*livechatv1.Event, error) { r, err := visitorStream.Receive(); return r.GetEvent(), err })
	vis.next(t, "visitor READY", isReady)

	res, err := e.lan.Conversation.SetConversationTags(ctx(t), &livechatv1.SetConversationTagsRequest{
		ConversationId: conv.Id, TagIds: []string{vip.Id, billing.Id, vip.Id},
	})
	if err != nil || tagNames(res.Conversation.Tags) != "Billing,VIP" || res.Conversation.Tags[1].Color != red {
		t.Fatalf("SetConversationTags: %v, %v", res, err)
	}
	ev := agent.next(t, "the tags live", func(ev *livechatv1.Event) bool {
		return ev.GetConversationUpdated().GetId() == conv.Id && len(ev.GetConversationUpdated().GetTags()) == 2
	})
	if tagNames(ev.GetConversationUpdated().Tags) != "Billing,VIP" {
		t.Fatalf("event tags: %v", ev)
	}
	// The visitor is told the conversation changed, without the tags.
	vev := vis.next(t, "the visitor's update", func(ev *livechatv1.Event) bool { return ev.GetConversationUpdated() != nil })
	if len(vev.GetConversationUpdated().Tags) != 0 {
		t.Fatalf("the visitor got tags: %v", vev)
	}

	list, err := e.minh.Conversation.ListConversations(ctx(t), &livechatv1.ListConversationsRequest{})
	if err != nil || len(list.Conversations) != 1 || tagNames(list.Conversations[0].Tags) != "Billing,VIP" {
		t.Fatalf("ListConversations: %v, %v", list, err)
	}
	got, err := e.admin.Conversation.GetConversation(ctx(t), &livechatv1.GetConversationRequest{ConversationId: conv.Id})
	if err != nil || tagNames(got.Conversation.Tags) != "Billing,VIP" {
		t.Fatalf("GetConversation: %v, %v", got, err)
	}
	sent, err := visitor.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "still there?", ClientMessageId: "m2"})
	if err != nil || sent.Conversation == nil || len(sent.Conversation.Tags) != 0 {
		t.Fatalf("the visitor's conversation: %v, %v", sent, err)
	}

	// The same set again changes nothing and announces nothing; removing
	// one is announced.
	before := eventCount(t, e)
	if _, err := e.minh.Conversation.SetConversationTags(ctx(t), &livechatv1.SetConversationTagsRequest{ConversationId: conv.Id, TagIds: []string{billing.Id, vip.Id}}); err != nil {
		t.Fatal(err)
	}
	if n := eventCount(t, e); n != before {
		t.Fatalf("an unchanged set wrote %d events", n-before)
	}
	res, err = e.minh.Conversation.SetConversationTags(ctx(t), &livechatv1.SetConversationTagsRequest{ConversationId: conv.Id, TagIds: []string{billing.Id}})
	if err != nil || tagNames(res.Conversation.Tags) != "Billing" {
		t.Fatalf("removing VIP: %v, %v", res, err)
	}
	agent.next(t, "the removal live", func(ev *livechatv1.Event) bool {
		return ev.GetConversationUpdated().GetId() == conv.Id && tagNames(ev.GetConversationUpdated().GetTags()) == "Billing"
	})
	// Deleting a tag takes it off the conversation.
	if _, err := e.admin.Tags.DeleteTag(ctx(t), &livechatv1.DeleteTagRequest{TagId: billing.Id}); err != nil {
		t.Fatal(err)
	}
	got, err = e.lan.Conversation.GetConversation(ctx(t), &livechatv1.GetConversationRequest{ConversationId: conv.Id})
	if err != nil || len(got.Conversation.Tags) != 0 {
		t.Fatalf("after deleting the tag: %v, %v", got, err)
	}
}

func TestSetConversationTagsErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, conv := e.visitor(t)
	vip := createTag(t, e.lan, "VIP", red)
	set := func(id string, tagIDs ...string) error {
		_, err := e.lan.Conversation.SetConversationTags(ctx(t), &livechatv1.SetConversationTagsRequest{ConversationId: id, TagIds: tagIDs})
		return err
	}
	const unknown = "123e4567-e89b-12d3-a456-426614174000"
	apptest.WantField(t, set("nope", vip.Id), connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "conversation_id")
	apptest.WantField(t, set(conv.Id, "nope"), connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "tag_ids")
	apptest.WantField(t, set(unknown, vip.Id), connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_CONVERSATION_NOT_FOUND, "")
	apptest.WantField(t, set(conv.Id, vip.Id, unknown), connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_NOT_FOUND, "tag_ids")
	var many []string
	for i := range 21 {
		many = append(many, createTag(t, e.lan, "t"+strings.Repeat("x", i), blue).Id)
	}
	apptest.WantField(t, set(conv.Id, many...), connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TOO_MANY_ITEMS, "tag_ids")
	if err := set(conv.Id, many[:20]...); err != nil {
		t.Fatalf("20 tags: %v", err)
	}
	// Nothing refused was half-written.
	got, err := e.lan.Conversation.GetConversation(ctx(t), &livechatv1.GetConversationRequest{ConversationId: conv.Id})
	if err != nil || len(got.Conversation.Tags) != 20 {
		t.Fatalf("tags: %v, %v", got, err)
	}
	if err := set(conv.Id); err != nil {
		t.Fatalf("clearing: %v", err)
	}
}

func eventCount(t *testing.T, e *env) int {
	t.Helper()
	var n int
	if err := e.srv.Pool.QueryRow(ctx(t), `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// events pumps a stream into a channel so tests wait with a deadline.
type events struct {
	ch   chan *livechatv1.Event
	errc chan error
}

func pump(recv func() (*livechatv1.Event, error)) *events {
	e := &events{ch: make(chan *livechatv1.Event, 256), errc: make(chan error, 1)}
	go func() {
		for {
			ev, err := recv()
			if err != nil {
				e.errc <- err
				return
			}
			e.ch <- ev
		}
	}()
	return e
}

// next returns the first event matching want, skipping others; it fails
// when none arrives within 10 seconds.
func (e *events) next(t *testing.T, what string, want func(*livechatv1.Event) bool) *livechatv1.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-e.ch:
			if want(ev) {
				return ev
			}
		case err := <-e.errc:
			t.Fatalf("waiting for %s: stream ended: %v", what, err)
		case <-timeout:
			t.Fatalf("no %s within 10s", what)
		}
	}
}

func isReady(ev *livechatv1.Event) bool { return ev.GetReady() != nil }

// TestTagsAreBounded: any agent may create tags, so an installation has at
// most tags.MaxTags, and ListTags returns them all.
func TestTagsAreBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.srv.Pool.Exec(ctx(t), `INSERT INTO tags (name, color) SELECT 'tag ' || i, 'grey' FROM generate_series(2, $1::int) i`, tags.MaxTags); err != nil {
		t.Fatal(err)
	}
	createTag(t, e.lan, "the last one", red)
	_, err := e.lan.Tags.CreateTag(ctx(t), &livechatv1.CreateTagRequest{Name: "one too many", Color: red})
	d := apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TOO_MANY_ITEMS)
	if d.GetLimit() != tags.MaxTags {
		t.Fatalf("limit %d, want %d", d.GetLimit(), tags.MaxTags)
	}
	res, err := e.lan.Tags.ListTags(ctx(t), &livechatv1.ListTagsRequest{})
	if err != nil || len(res.Tags) != tags.MaxTags {
		t.Fatalf("ListTags: %d tags, %v", len(res.GetTags()), err)
	}
	// Deleting one makes room again.
	if _, err := e.admin.Tags.DeleteTag(ctx(t), &livechatv1.DeleteTagRequest{TagId: res.Tags[0].Id}); err != nil {
		t.Fatal(err)
	}
	createTag(t, e.lan, "room again", red)
}
