package csat_test

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
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const origin = "https://shop.example.com"

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// visitor starts a session on a widget with the given rating scale and
// opens a conversation by writing.
func visitor(t *testing.T, tm *apptest.Team, scale livechatv1.CsatScale) (*apptest.Client, *livechatv1.Conversation) {
	t.Helper()
	w, err := tm.Admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{
		Name: "Shop", AllowedOrigins: []string{origin}, Csat: scale,
	}})
	if err != nil {
		t.Fatalf("CreateWidget: %v", err)
	}
	if w.Widget.Settings.Csat != scale {
		t.Fatalf("the widget's scale: %v", w.Widget.Settings)
	}
	h := http.Header{"Origin": {origin}}
	s, err := tm.Server.NewClient(h).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	cfg, err := tm.Server.NewClient(h).Widget.GetWidgetConfig(ctx(t), &livechatv1.GetWidgetConfigRequest{SiteKey: w.Widget.SiteKey})
	if err != nil || cfg.Config.Csat != scale {
		t.Fatalf("GetWidgetConfig: the visitor should learn the scale: %v, %v", cfg, err)
	}
	h.Set("Authorization", "Bearer "+s.VisitorToken)
	v := tm.Server.NewClient(h)
	res, err := v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hello", ClientMessageId: "m1"})
	if err != nil {
		t.Fatalf("visitor SendMessage: %v", err)
	}
	return v, res.Conversation
}

func resolve(t *testing.T, agent *apptest.Client, id string) {
	t.Helper()
	if _, err := agent.Conversation.ClaimConversation(ctx(t), &livechatv1.ClaimConversationRequest{ConversationId: id}); err != nil {
		t.Fatalf("claim: %v", err)
	}
	if _, err := agent.Conversation.SetConversationStatus(ctx(t), &livechatv1.SetConversationStatusRequest{
		ConversationId: id, Status: livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED,
	}); err != nil {
		t.Fatalf("resolve: %v", err)
	}
}

// TestRatingReachesAgentsLive: the visitor rates the resolved
// conversation; an agent's open stream gets the conversation with the
// rating, and so do later reads. A change within the window replaces it and
// is announced too.
func TestRatingReachesAgentsLive(t *testing.T) {
	t.Parallel()
	tm := apptest.NewTeam(t)
	v, conv := visitor(t, tm, livechatv1.CsatScale_CSAT_SCALE_FIVE)

	sctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	stream, err := tm.Minh.Conversation.Subscribe(sctx, &livechatv1.SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan *livechatv1.Event, 64)
	var streamErr error
	go func() {
		defer close(events)
		for {
			r, err := stream.Receive()
			if err != nil {
				streamErr = err
				return
			}
			events <- r.Event
		}
	}()
	rated := func(score int32) *livechatv1.Conversation {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatalf("the stream ended: %v", streamErr)
				}
				if c := ev.GetConversationUpdated(); c.GetId() == conv.Id && c.GetRating().GetScore() == score {
					return c
				}
			case <-timeout:
				t.Fatalf("no conversation_updated with the rating %d within 10s", score)
			}
		}
	}

	// Not resolved yet: nothing to rate.
	_, err = v.Widget.RateConversation(ctx(t), &livechatv1.RateConversationRequest{ConversationId: conv.Id, Score: 4})
	apptest.WantField(t, err, connect.CodeFailedPrecondition, livechatv1.ErrorReason_ERROR_REASON_RATING_NOT_YET, "")

	resolve(t, tm.Lan, conv.Id)
	res, err := v.Widget.RateConversation(ctx(t), &livechatv1.RateConversationRequest{ConversationId: conv.Id, Score: 4, Comment: "  Quick and kind \n"})
	if err != nil {
		t.Fatalf("RateConversation: %v", err)
	}
	r := res.Rating
	if r.Score != 4 || r.Scale != livechatv1.CsatScale_CSAT_SCALE_FIVE || r.Comment != "Quick and kind" ||
		r.ChangeableUntil.AsTime().Sub(r.CreatedAt.AsTime()) != 10*time.Minute {
		t.Fatalf("rating: %v", r)
	}
	live := rated(4)
	if live.Rating.Comment != "Quick and kind" {
		t.Fatalf("live rating: %v", live.Rating)
	}
	got, err := tm.Lan.Conversation.GetConversation(ctx(t), &livechatv1.GetConversationRequest{ConversationId: conv.Id})
	if err != nil || got.Conversation.Rating.GetScore() != 4 {
		t.Fatalf("GetConversation: %v, %v", got, err)
	}

	// Changed within the window: one rating, the new score.
	res, err = v.Widget.RateConversation(ctx(t), &livechatv1.RateConversationRequest{ConversationId: conv.Id, Score: 5})
	if err != nil || res.Rating.Score != 5 || res.Rating.Comment != "" || !res.Rating.CreatedAt.AsTime().Equal(r.CreatedAt.AsTime()) {
		t.Fatalf("changing the rating: %v, %v", res, err)
	}
	rated(5)
	var n int
	if err := tm.Server.Pool.QueryRow(ctx(t), `SELECT count(*) FROM conversation_ratings`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("ratings stored: %d, %v", n, err)
	}

	// Once the window has passed the rating is final.
	if _, err := tm.Server.Pool.Exec(ctx(t), `UPDATE conversation_ratings SET created_at = now() - interval '11 minutes'`); err != nil {
		t.Fatal(err)
	}
	_, err = v.Widget.RateConversation(ctx(t), &livechatv1.RateConversationRequest{ConversationId: conv.Id, Score: 1})
	apptest.WantField(t, err, connect.CodeFailedPrecondition, livechatv1.ErrorReason_ERROR_REASON_RATING_FINAL, "")
	got, err = tm.Lan.Conversation.GetConversation(ctx(t), &livechatv1.GetConversationRequest{ConversationId: conv.Id})
	if err != nil || got.Conversation.Rating.GetScore() != 5 {
		t.Fatalf("after a refused change: %v, %v", got, err)
	}
	// The visitor sees their own rating on their conversation.
	sent, err := v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "one more thing", ClientMessageId: "m2"})
	if err != nil || sent.Conversation.GetRating().GetScore() != 5 {
		t.Fatalf("the visitor's conversation: %v, %v", sent, err)
	}
}

func TestRatingRefusals(t *testing.T) {
	t.Parallel()
	tm := apptest.NewTeam(t)
	thumbs, conv := visitor(t, tm, livechatv1.CsatScale_CSAT_SCALE_THUMBS)
	off, offConv := visitor(t, tm, livechatv1.CsatScale_CSAT_SCALE_UNSPECIFIED)
	resolve(t, tm.Lan, conv.Id)
	resolve(t, tm.Lan, offConv.Id)

	rate := func(c *apptest.Client, id string, score int32, comment string) error {
		_, err := c.Widget.RateConversation(ctx(t), &livechatv1.RateConversationRequest{ConversationId: id, Score: score, Comment: comment})
		return err
	}
	apptest.WantField(t, rate(off, offConv.Id, 5, ""), connect.CodeFailedPrecondition, livechatv1.ErrorReason_ERROR_REASON_RATINGS_OFF, "")
	apptest.WantField(t, rate(thumbs, conv.Id, 3, ""), connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "score")
	apptest.WantField(t, rate(thumbs, conv.Id, 0, ""), connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "score")
	apptest.WantField(t, rate(thumbs, conv.Id, 5, strings.Repeat("x", 1001)), connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "comment")
	apptest.WantField(t, rate(thumbs, conv.Id, 5, "bad\x00"), connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TEXT_INVALID, "comment")
	apptest.WantField(t, rate(thumbs, "nope", 5, ""), connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "conversation_id")
	// Another visitor's conversation is not theirs to rate.
	apptest.WantField(t, rate(off, conv.Id, 5, ""), connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_CONVERSATION_NOT_FOUND, "")
	// Agents rate nothing.
	apptest.WantField(t, rate(tm.Lan, conv.Id, 5, ""), connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_PERMISSION_DENIED, "")

	if err := rate(thumbs, conv.Id, 1, ""); err != nil {
		t.Fatalf("thumbs down: %v", err)
	}
	// An unknown scale is refused in the settings.
	_, err := tm.Admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "x", Csat: 7}})
	apptest.WantField(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "settings.csat")
}
