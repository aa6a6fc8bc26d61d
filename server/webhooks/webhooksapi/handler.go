// Package webhooksapi serves WebhookService: it converts between the API's
// messages and package webhooks' Go values and passes the caller the auth
// interceptor resolved. It also encodes the payloads webhooks deliver
// (Payloads), in the API's own JSON. The rules live in package webhooks.
package webhooksapi

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
	"github.com/opensupport/livechat/server/webhooks"
)

// Handler serves WebhookService. It embeds no generated Unimplemented
// handler, so a method missing here is a compile error.
type Handler struct {
	svc *webhooks.Service
	// audit records the admins' changes to webhooks (nil: none).
	audit *audit.Service
}

var _ livechatv1connect.WebhookServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc; changes are recorded in
// the audit log a (nil: none).
func NewHandler(svc *webhooks.Service, a *audit.Service) *Handler {
	return &Handler{svc: svc, audit: a}
}

// target names a webhook in the audit log by its URL's scheme and host:
// never its secret, and not the path or query, which may carry a token.
func target(w webhooks.Webhook) audit.Target {
	name := w.URL
	if u, err := url.Parse(w.URL); err == nil {
		name = u.Scheme + "://" + u.Host
	}
	return audit.Target{Type: "webhook", ID: w.ID.String(), Name: name}
}

// ListWebhooks implements livechatv1connect.WebhookServiceHandler.
func (h *Handler) ListWebhooks(ctx context.Context, _ *livechatv1.ListWebhooksRequest) (*livechatv1.ListWebhooksResponse, error) {
	ws, err := h.svc.ListWebhooks(ctx, principal.From(ctx).Agent())
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListWebhooksResponse{Webhooks: make([]*livechatv1.Webhook, len(ws))}
	for i, w := range ws {
		out.Webhooks[i] = WebhookProto(w)
	}
	return out, nil
}

// CreateWebhook implements livechatv1connect.WebhookServiceHandler.
func (h *Handler) CreateWebhook(ctx context.Context, req *livechatv1.CreateWebhookRequest) (*livechatv1.CreateWebhookResponse, error) {
	in, err := input(req.Url, req.EventTypes, req.Enabled, req.AllowPrivateNetwork)
	if err != nil {
		return nil, err
	}
	caller := principal.From(ctx).Agent()
	w, secret, err := h.svc.CreateWebhook(ctx, caller, in)
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, caller, audit.WebhookCreated, target(w), audit.Details{"event_types": in.EventTypes, "enabled": in.Enabled, "allow_private_network": in.AllowPrivateNetwork})
	return &livechatv1.CreateWebhookResponse{Webhook: WebhookProto(w), Secret: secret}, nil
}

// UpdateWebhook implements livechatv1connect.WebhookServiceHandler.
func (h *Handler) UpdateWebhook(ctx context.Context, req *livechatv1.UpdateWebhookRequest) (*livechatv1.UpdateWebhookResponse, error) {
	id, err := protoconv.ParseID("webhook_id", req.WebhookId)
	if err != nil {
		return nil, err
	}
	in, err := input(req.Url, req.EventTypes, req.Enabled, req.AllowPrivateNetwork)
	if err != nil {
		return nil, err
	}
	caller := principal.From(ctx).Agent()
	w, err := h.svc.UpdateWebhook(ctx, caller, id, in)
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, caller, audit.WebhookUpdated, target(w), audit.Details{"event_types": in.EventTypes, "enabled": in.Enabled, "allow_private_network": in.AllowPrivateNetwork})
	return &livechatv1.UpdateWebhookResponse{Webhook: WebhookProto(w)}, nil
}

// DeleteWebhook implements livechatv1connect.WebhookServiceHandler.
func (h *Handler) DeleteWebhook(ctx context.Context, req *livechatv1.DeleteWebhookRequest) (*livechatv1.DeleteWebhookResponse, error) {
	id, err := protoconv.ParseID("webhook_id", req.WebhookId)
	if err != nil {
		return nil, err
	}
	caller := principal.From(ctx).Agent()
	if err := h.svc.DeleteWebhook(ctx, caller, id); err != nil {
		return nil, err
	}
	h.audit.Record(ctx, caller, audit.WebhookDeleted, audit.Target{Type: "webhook", ID: id.String()}, nil)
	return &livechatv1.DeleteWebhookResponse{}, nil
}

// RotateWebhookSecret implements livechatv1connect.WebhookServiceHandler.
func (h *Handler) RotateWebhookSecret(ctx context.Context, req *livechatv1.RotateWebhookSecretRequest) (*livechatv1.RotateWebhookSecretResponse, error) {
	id, err := protoconv.ParseID("webhook_id", req.WebhookId)
	if err != nil {
		return nil, err
	}
	caller := principal.From(ctx).Agent()
	w, secret, err := h.svc.RotateSecret(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, caller, audit.WebhookSecretRotated, target(w), nil)
	return &livechatv1.RotateWebhookSecretResponse{Webhook: WebhookProto(w), Secret: secret}, nil
}

// ReplayWebhook implements livechatv1connect.WebhookServiceHandler.
func (h *Handler) ReplayWebhook(ctx context.Context, req *livechatv1.ReplayWebhookRequest) (*livechatv1.ReplayWebhookResponse, error) {
	id, err := protoconv.ParseID("webhook_id", req.WebhookId)
	if err != nil {
		return nil, err
	}
	var w webhooks.Webhook
	switch {
	case req.Since != nil && req.FromDeliveryId != "":
		return nil, apperr.New(apperr.InvalidValue, "give since or from_delivery_id, not both").WithField("since")
	case req.FromDeliveryId != "":
		did, err := parseDeliveryID("from_delivery_id", req.FromDeliveryId)
		if err != nil {
			return nil, err
		}
		w, err = h.svc.ReplayFromDelivery(ctx, principal.From(ctx).Agent(), id, did)
	case req.Since == nil:
		return nil, apperr.New(apperr.Required, "say from when to replay").WithField("since")
	default:
		w, err = h.svc.Replay(ctx, principal.From(ctx).Agent(), id, req.Since.AsTime())
	}
	if err != nil {
		return nil, err
	}
	return &livechatv1.ReplayWebhookResponse{Webhook: WebhookProto(w)}, nil
}

// ListWebhookDeliveries implements livechatv1connect.WebhookServiceHandler.
func (h *Handler) ListWebhookDeliveries(ctx context.Context, req *livechatv1.ListWebhookDeliveriesRequest) (*livechatv1.ListWebhookDeliveriesResponse, error) {
	id, err := protoconv.ParseID("webhook_id", req.WebhookId)
	if err != nil {
		return nil, err
	}
	page, err := h.svc.ListDeliveries(ctx, principal.From(ctx).Agent(), id, req.PageSize, req.PageToken)
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListWebhookDeliveriesResponse{NextPageToken: page.NextPageToken, Deliveries: make([]*livechatv1.WebhookDelivery, len(page.Deliveries))}
	for i, d := range page.Deliveries {
		out.Deliveries[i] = DeliveryProto(d)
	}
	return out, nil
}

// ResendWebhookDelivery implements livechatv1connect.WebhookServiceHandler.
func (h *Handler) ResendWebhookDelivery(ctx context.Context, req *livechatv1.ResendWebhookDeliveryRequest) (*livechatv1.ResendWebhookDeliveryResponse, error) {
	id, err := parseDeliveryID("delivery_id", req.DeliveryId)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.Resend(ctx, principal.From(ctx).Agent(), id)
	if err != nil {
		return nil, err
	}
	return &livechatv1.ResendWebhookDeliveryResponse{Delivery: DeliveryProto(d)}, nil
}

// parseDeliveryID parses a delivery's id (a positive integer).
func parseDeliveryID(field, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.MalformedID, "%s is not a delivery id", field).WithField(field)
	}
	return id, nil
}

func input(url string, types []livechatv1.WebhookEventType, enabled, allowPrivate bool) (webhooks.Input, error) {
	in := webhooks.Input{URL: url, Enabled: enabled, AllowPrivateNetwork: allowPrivate}
	for _, t := range types {
		name, ok := livechatv1.WebhookEventType_name[int32(t)]
		if !ok || t == livechatv1.WebhookEventType_WEBHOOK_EVENT_TYPE_UNSPECIFIED {
			return in, apperr.New(apperr.InvalidValue, "unknown event type %d", t).WithField("event_types")
		}
		in.EventTypes = append(in.EventTypes, TypeFromProtoName(name))
	}
	return in, nil
}

// TypeFromProtoName turns WEBHOOK_EVENT_TYPE_MESSAGE_CREATED into
// message.created.
func TypeFromProtoName(name string) webhooks.EventType {
	s := strings.ToLower(strings.TrimPrefix(name, "WEBHOOK_EVENT_TYPE_"))
	return webhooks.EventType(strings.Replace(s, "_", ".", 1))
}

// TypeProto is the API's value of a type.
func TypeProto(t webhooks.EventType) livechatv1.WebhookEventType {
	name := "WEBHOOK_EVENT_TYPE_" + strings.ToUpper(strings.ReplaceAll(string(t), ".", "_"))
	return livechatv1.WebhookEventType(livechatv1.WebhookEventType_value[name])
}

var states = map[webhooks.State]livechatv1.WebhookState{
	webhooks.Healthy:  livechatv1.WebhookState_WEBHOOK_STATE_HEALTHY,
	webhooks.Retrying: livechatv1.WebhookState_WEBHOOK_STATE_RETRYING,
	webhooks.Failing:  livechatv1.WebhookState_WEBHOOK_STATE_FAILING,
}

// WebhookProto writes a webhook.
func WebhookProto(w webhooks.Webhook) *livechatv1.Webhook {
	out := &livechatv1.Webhook{
		Id: protoconv.ID(w.ID), Url: w.URL, Enabled: w.Enabled, AllowPrivateNetwork: w.AllowPrivateNetwork,
		State: states[w.State], LastError: w.LastError,
		FailingSince: protoconv.OptionalTimestamp(w.FailingSince), NextAttemptAt: protoconv.OptionalTimestamp(w.NextAttemptAt),
		CreatedAt: protoconv.Timestamp(w.CreatedAt), UpdatedAt: protoconv.Timestamp(w.UpdatedAt),
	}
	for _, t := range w.EventTypes {
		out.EventTypes = append(out.EventTypes, TypeProto(t))
	}
	return out
}

// DeliveryProto writes a delivery attempt.
func DeliveryProto(d webhooks.Delivery) *livechatv1.WebhookDelivery {
	return &livechatv1.WebhookDelivery{
		Id: strconv.FormatInt(d.ID, 10), WebhookId: protoconv.ID(d.WebhookID), MessageId: d.MessageID,
		EventType: TypeProto(d.EventType), Attempt: int32(d.Attempt), Manual: d.Manual, Succeeded: d.Succeeded,
		ResponseStatus: int32(d.ResponseStatus), LatencyMs: int32(d.Latency.Milliseconds()),
		ResponseExcerpt: d.ResponseExcerpt, Error: d.Error, CreatedAt: protoconv.Timestamp(d.CreatedAt),
	}
}
