package webhooks_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
)

const origin = "https://shop.example.com"

// Through the real server: an admin registers a webhook, a visitor's
// message reaches the receiver signed, the log shows it, a resend sends
// it again; agents may not manage webhooks; private targets are refused.
func TestWebhookAPI(t *testing.T) {
	tm := apptest.NewTeam(t)
	ctx := t.Context()
	rcv := newReceiver(t)
	msgCreated := livechatv1.WebhookEventType_WEBHOOK_EVENT_TYPE_MESSAGE_CREATED

	_, err := tm.Lan.Webhooks.ListWebhooks(ctx, &livechatv1.ListWebhooksRequest{})
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("an agent listed webhooks: %v", err)
	}
	for _, url := range []string{rcv.URL, "http://169.254.169.254/latest/meta-data/"} {
		_, err = tm.Admin.Webhooks.CreateWebhook(ctx, &livechatv1.CreateWebhookRequest{Url: url, EventTypes: []livechatv1.WebhookEventType{msgCreated}, Enabled: true})
		apptest.WantField(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_WEBHOOK_TARGET_NOT_ALLOWED, "url")
	}
	_, err = tm.Admin.Webhooks.CreateWebhook(ctx, &livechatv1.CreateWebhookRequest{Url: "gopher://x", EventTypes: []livechatv1.WebhookEventType{msgCreated}})
	apptest.WantField(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_WEBHOOK_URL_INVALID, "url")
	_, err = tm.Admin.Webhooks.CreateWebhook(ctx, &livechatv1.CreateWebhookRequest{Url: "https://example.com/", EventTypes: []livechatv1.WebhookEventType{99}})
	apptest.WantField(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "event_types")
	_, err = tm.Admin.Webhooks.ResendWebhookDelivery(ctx, &livechatv1.ResendWebhookDeliveryRequest{DeliveryId: "abc"})
	apptest.WantField(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "delivery_id")

	created, err := tm.Admin.Webhooks.CreateWebhook(ctx, &livechatv1.CreateWebhookRequest{
		Url: rcv.URL, EventTypes: []livechatv1.WebhookEventType{msgCreated}, Enabled: true, AllowPrivateNetwork: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	hook := created.Webhook
	if hook.State != livechatv1.WebhookState_WEBHOOK_STATE_HEALTHY || len(created.Secret) < 20 {
		t.Fatalf("%v %q", hook, created.Secret)
	}
	list, err := tm.Admin.Webhooks.ListWebhooks(ctx, &livechatv1.ListWebhooksRequest{})
	if err != nil || len(list.Webhooks) != 1 || list.Webhooks[0].Url != rcv.URL {
		t.Fatalf("%v %v", list, err)
	}

	// A visitor writes.
	w, err := tm.Admin.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop", AllowedOrigins: []string{origin}}})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Origin": {origin}}
	s, err := tm.Server.NewClient(h).Widget.StartSession(ctx, &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Authorization", "Bearer "+s.VisitorToken)
	visitor := tm.Server.NewClient(h)
	if _, err := visitor.Widget.SendMessage(ctx, &livechatv1.WidgetServiceSendMessageRequest{Text: "hello hook", ClientMessageId: "m1"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the delivery", func() bool { return len(rcv.accepted()) == 1 })
	got := rcv.accepted()[0]
	if got.Type != "message.created" || got.Data.Message == nil || got.Data.Message.Text != "hello hook" {
		t.Fatalf("got %s %s", got.Type, got.Body)
	}

	var log *livechatv1.ListWebhookDeliveriesResponse
	eventually(t, "the log", func() bool {
		log, err = tm.Admin.Webhooks.ListWebhookDeliveries(ctx, &livechatv1.ListWebhookDeliveriesRequest{WebhookId: hook.Id})
		return err == nil && len(log.Deliveries) == 1
	})
	d := log.Deliveries[0]
	if !d.Succeeded || d.ResponseStatus != 200 || d.MessageId != got.ID || d.EventType != msgCreated || d.Attempt != 1 {
		t.Fatalf("delivery %v", d)
	}
	res, err := tm.Admin.Webhooks.ResendWebhookDelivery(ctx, &livechatv1.ResendWebhookDeliveryRequest{DeliveryId: d.Id})
	if err != nil || !res.Delivery.Manual || !res.Delivery.Succeeded {
		t.Fatalf("%v %v", res, err)
	}
	if n := len(rcv.accepted()); n != 2 {
		t.Fatalf("%d requests after a resend", n)
	}
	if id, _ := strconv.ParseInt(res.Delivery.Id, 10, 64); id <= 0 {
		t.Fatalf("delivery id %q", res.Delivery.Id)
	}

	// Replaying from an hour ago sends the message once more.
	rep, err := tm.Admin.Webhooks.ReplayWebhook(ctx, &livechatv1.ReplayWebhookRequest{WebhookId: hook.Id, Since: timestamppb.New(time.Now().Add(-time.Hour))})
	if err != nil || rep.Webhook.Id != hook.Id {
		t.Fatalf("%v %v", rep, err)
	}
	eventually(t, "the replay", func() bool { return len(rcv.accepted()) == 3 })
	_, err = tm.Admin.Webhooks.ReplayWebhook(ctx, &livechatv1.ReplayWebhookRequest{WebhookId: hook.Id})
	apptest.WantField(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_REQUIRED, "since")

	rot, err := tm.Admin.Webhooks.RotateWebhookSecret(ctx, &livechatv1.RotateWebhookSecretRequest{WebhookId: hook.Id})
	if err != nil || rot.Secret == created.Secret {
		t.Fatalf("rotate: %v", err)
	}
	if _, err := tm.Admin.Webhooks.DeleteWebhook(ctx, &livechatv1.DeleteWebhookRequest{WebhookId: hook.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = tm.Admin.Webhooks.DeleteWebhook(ctx, &livechatv1.DeleteWebhookRequest{WebhookId: hook.Id})
	apptest.WantField(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_NOT_FOUND, "")
}
