// Package widgetsapi serves WidgetService: it converts between the API's
// messages and the widgets domain's Go values, takes the caller the auth
// interceptor resolved and the call's Origin header from the transport, and
// nothing else. The rules live in package widgets; conversations, messages
// and customers are the chat domain's, converted by package chatapi.
package widgetsapi

import (
	"context"

	"connectrpc.com/connect/v2"
	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/chat/chatapi"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
	"github.com/opensupport/livechat/server/reqinfo"
	"github.com/opensupport/livechat/server/widgets"
)

// configCacheControl lets browsers and CDNs reuse a widget's public config
// briefly: it changes rarely, and agents_online may lag by this much.
const configCacheControl = "public, max-age=30"

// Handler serves WidgetService. It embeds no generated Unimplemented
// handler, so a method missing here is a compile error.
type Handler struct {
	svc     *widgets.Service
	streams chatapi.Streams
	ratings Rater
	// audit records the admins' changes to widgets (nil: none).
	audit *audit.Service
}

var _ livechatv1connect.WidgetServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc. streams (the realtime hub)
// opens visitors' Subscribe streams; nil makes Subscribe NOT_AVAILABLE.
// rec writes the audit log.
func NewHandler(svc *widgets.Service, streams chatapi.Streams, rec *audit.Service) *Handler {
	return &Handler{svc: svc, streams: streams, audit: rec}
}

// ListWidgets implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) ListWidgets(ctx context.Context, req *livechatv1.ListWidgetsRequest) (*livechatv1.ListWidgetsResponse, error) {
	ws, next, err := h.svc.ListWidgets(ctx, req.GetQuery(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListWidgetsResponse{Widgets: make([]*livechatv1.Widget, 0, len(ws)), NextPageToken: next}
	for _, w := range ws {
		out.Widgets = append(out.Widgets, widgetProto(w))
	}
	return out, nil
}

// GetWidget implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) GetWidget(ctx context.Context, req *livechatv1.GetWidgetRequest) (*livechatv1.GetWidgetResponse, error) {
	id, err := protoconv.ParseID("widget_id", req.WidgetId)
	if err != nil {
		return nil, err
	}
	w, err := h.svc.GetWidget(ctx, id)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetWidgetResponse{Widget: widgetProto(w)}, nil
}

// CreateWidget implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) CreateWidget(ctx context.Context, req *livechatv1.CreateWidgetRequest) (*livechatv1.CreateWidgetResponse, error) {
	w, secret, err := h.svc.CreateWidget(ctx, settingsFromProto(req.Settings))
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, principal.From(ctx).Agent(), audit.WidgetCreated, widgetTarget(w), audit.Changes(widgets.Settings{}, w.Settings))
	return &livechatv1.CreateWidgetResponse{Widget: widgetProto(w), IdentitySecret: secret}, nil
}

// UpdateWidget implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) UpdateWidget(ctx context.Context, req *livechatv1.UpdateWidgetRequest) (*livechatv1.UpdateWidgetResponse, error) {
	id, err := protoconv.ParseID("widget_id", req.WidgetId)
	if err != nil {
		return nil, err
	}
	before, _ := h.svc.GetWidget(ctx, id) // for the audit entry's "from"
	w, err := h.svc.UpdateWidget(ctx, id, settingsFromProto(req.Settings))
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, principal.From(ctx).Agent(), audit.WidgetUpdated, widgetTarget(w), audit.Changes(before.Settings, w.Settings))
	return &livechatv1.UpdateWidgetResponse{Widget: widgetProto(w)}, nil
}

// DeleteWidget implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) DeleteWidget(ctx context.Context, req *livechatv1.DeleteWidgetRequest) (*livechatv1.DeleteWidgetResponse, error) {
	id, err := protoconv.ParseID("widget_id", req.WidgetId)
	if err != nil {
		return nil, err
	}
	before, _ := h.svc.GetWidget(ctx, id) // for the audit entry's name
	if err := h.svc.DeleteWidget(ctx, id); err != nil {
		return nil, err
	}
	h.audit.Record(ctx, principal.From(ctx).Agent(), audit.WidgetDeleted, audit.Target{Type: "widget", ID: req.WidgetId, Name: before.Settings.Name}, nil)
	return &livechatv1.DeleteWidgetResponse{}, nil
}

// RotateWidgetSecret implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) RotateWidgetSecret(ctx context.Context, req *livechatv1.RotateWidgetSecretRequest) (*livechatv1.RotateWidgetSecretResponse, error) {
	id, err := protoconv.ParseID("widget_id", req.WidgetId)
	if err != nil {
		return nil, err
	}
	w, secret, err := h.svc.RotateWidgetSecret(ctx, id)
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, principal.From(ctx).Agent(), audit.WidgetSecretRotated, widgetTarget(w), nil)
	return &livechatv1.RotateWidgetSecretResponse{Widget: widgetProto(w), IdentitySecret: secret}, nil
}

// GetWidgetConfig implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) GetWidgetConfig(ctx context.Context, req *livechatv1.GetWidgetConfigRequest) (*livechatv1.GetWidgetConfigResponse, error) {
	cfg, err := h.svc.Config(ctx, req.SiteKey, callOrigin(ctx))
	if err != nil {
		return nil, err
	}
	if info, ok := connect.CallInfoForServerContext(ctx); ok {
		info.ResponseHeader().Set("Cache-Control", configCacheControl)
	}
	return &livechatv1.GetWidgetConfigResponse{Config: configProto(cfg)}, nil
}

// StartSession implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) StartSession(ctx context.Context, req *livechatv1.StartSessionRequest) (*livechatv1.StartSessionResponse, error) {
	in := widgets.StartSessionInput{
		SiteKey:       req.SiteKey,
		Origin:        callOrigin(ctx),
		ClientAddress: widgets.ClientAddress(reqinfo.ClientIP(ctx).String()),
		Prechat:       req.Prechat,
		VisitorToken:  req.VisitorToken,
	}
	if id := req.Identity; id != nil {
		in.Identity = widgets.Identity{UserID: id.UserId, HMAC: id.Hmac, Name: id.Name, Email: id.Email}
	}
	sess, err := h.svc.StartSession(ctx, in)
	if err != nil {
		return nil, err
	}
	return &livechatv1.StartSessionResponse{
		VisitorToken: sess.Token,
		Customer:     chatapi.CustomerProto(sess.Customer),
		Conversation: chatapi.OptionalConversationProto(sess.Conversation),
		Config:       configProto(sess.Config),
	}, nil
}

// UpdateCustomer implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) UpdateCustomer(ctx context.Context, req *livechatv1.UpdateCustomerRequest) (*livechatv1.UpdateCustomerResponse, error) {
	c, err := h.svc.UpdateCustomer(ctx, visitor(ctx), widgets.UpdateCustomerInput{Name: req.Name, Email: req.Email, Phone: req.Phone})
	if err != nil {
		return nil, err
	}
	return &livechatv1.UpdateCustomerResponse{Customer: chatapi.CustomerProto(c)}, nil
}

// SendMessage implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) SendMessage(ctx context.Context, req *livechatv1.WidgetServiceSendMessageRequest) (*livechatv1.WidgetServiceSendMessageResponse, error) {
	files, err := chatapi.ParseIDs("attachment_ids", req.AttachmentIds)
	if err != nil {
		return nil, err
	}
	m, c, err := h.svc.SendMessage(ctx, visitor(ctx), req.Text, req.ClientMessageId, files...)
	if err != nil {
		return nil, err
	}
	return &livechatv1.WidgetServiceSendMessageResponse{Message: chatapi.MessageProto(m), Conversation: chatapi.ConversationProto(c)}, nil
}

// ListMessages implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) ListMessages(ctx context.Context, req *livechatv1.WidgetServiceListMessagesRequest) (*livechatv1.WidgetServiceListMessagesResponse, error) {
	var conversationID *uuid.UUID // none: the visitor's current conversation
	if req.ConversationId != "" {
		id, err := protoconv.ParseID("conversation_id", req.ConversationId)
		if err != nil {
			return nil, err
		}
		conversationID = &id
	}
	page, err := h.svc.ListMessages(ctx, visitor(ctx), conversationID, chat.MessageQuery{
		BeforeSeq: req.BeforeSeq, AfterSeq: req.AfterSeq, PageSize: req.PageSize,
	})
	if err != nil {
		return nil, err
	}
	return &livechatv1.WidgetServiceListMessagesResponse{Messages: chatapi.MessagesProto(page.Messages), HasMore: page.HasMore, AgentsReadSeq: page.AgentsReadSeq}, nil
}

// SetTyping implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) SetTyping(ctx context.Context, req *livechatv1.WidgetServiceSetTypingRequest) (*livechatv1.WidgetServiceSetTypingResponse, error) {
	if err := h.svc.SetTyping(ctx, visitor(ctx), req.Typing); err != nil {
		return nil, err
	}
	return &livechatv1.WidgetServiceSetTypingResponse{}, nil
}

// MarkRead implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) MarkRead(ctx context.Context, req *livechatv1.WidgetServiceMarkReadRequest) (*livechatv1.WidgetServiceMarkReadResponse, error) {
	if err := h.svc.MarkRead(ctx, visitor(ctx), req.Seq); err != nil {
		return nil, err
	}
	return &livechatv1.WidgetServiceMarkReadResponse{}, nil
}

// Subscribe implements livechatv1connect.WidgetServiceHandler. It opens
// the hub's stream with the filter the chat domain builds for visitors
// (chat.VisitorFilter: the visitor's own events, as a visitor sees them,
// ending with their session), as the agents' Subscribe passes
// chat.AgentFilter.
func (h *Handler) Subscribe(ctx context.Context, req *livechatv1.WidgetServiceSubscribeRequest, stream livechatv1connect.WidgetServiceSubscribeServerStream) error {
	if h.streams == nil {
		return apperr.New(apperr.NotAvailable, "live events are not available on this server")
	}
	return h.streams.Subscribe(ctx, chat.VisitorFilter(visitor(ctx)), req.Cursor, func(ev *livechatv1.Event) error {
		return stream.Send(&livechatv1.WidgetServiceSubscribeResponse{Event: ev})
	})
}

// visitor is the calling visitor. The policy table admits only visitors to
// the methods that call it, so the conversion cannot fail.
func visitor(ctx context.Context) principal.Visitor {
	return principal.From(ctx).Visitor()
}

// callOrigin returns the Origin header of the call, if any: the domain
// holds browsers on other websites to the widget's allowed origins.
func callOrigin(ctx context.Context) string {
	info, ok := connect.CallInfoForServerContext(ctx)
	if !ok {
		return ""
	}
	return info.RequestHeader().Get("Origin")
}

// widgetTarget names a widget in the audit log.
func widgetTarget(w widgets.Widget) audit.Target {
	return audit.Target{Type: "widget", ID: protoconv.ID(w.ID), Name: w.Settings.Name}
}

// HandOff implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) HandOff(ctx context.Context, _ *livechatv1.WidgetServiceHandOffRequest) (*livechatv1.WidgetServiceHandOffResponse, error) {
	c, err := h.svc.HandOff(ctx, visitor(ctx))
	if err != nil {
		return nil, err
	}
	return &livechatv1.WidgetServiceHandOffResponse{Conversation: chatapi.ConversationProto(c)}, nil
}
