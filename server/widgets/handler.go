package widgets

import (
	"context"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/reqinfo"
)

// configCacheControl lets browsers and CDNs reuse a widget's public config
// briefly: it changes rarely, and agents_online may lag by this much.
const configCacheControl = "public, max-age=30"

// Handler serves WidgetService: it converts between the API's messages and
// Service calls, and nothing else.
type Handler struct {
	livechatv1connect.UnimplementedWidgetServiceHandler
	svc *Service
}

var _ livechatv1connect.WidgetServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// ListWidgets implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) ListWidgets(ctx context.Context, _ *livechatv1.ListWidgetsRequest) (*livechatv1.ListWidgetsResponse, error) {
	ws, err := h.svc.ListWidgets(ctx)
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListWidgetsResponse{Widgets: make([]*livechatv1.Widget, 0, len(ws))}
	for _, w := range ws {
		out.Widgets = append(out.Widgets, widgetProto(w))
	}
	return out, nil
}

// GetWidget implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) GetWidget(ctx context.Context, req *livechatv1.GetWidgetRequest) (*livechatv1.GetWidgetResponse, error) {
	w, err := h.svc.GetWidget(ctx, req.WidgetId)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetWidgetResponse{Widget: widgetProto(w)}, nil
}

// CreateWidget implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) CreateWidget(ctx context.Context, req *livechatv1.CreateWidgetRequest) (*livechatv1.CreateWidgetResponse, error) {
	w, secret, err := h.svc.CreateWidget(ctx, req.Settings)
	if err != nil {
		return nil, err
	}
	return &livechatv1.CreateWidgetResponse{Widget: widgetProto(w), IdentitySecret: secret}, nil
}

// UpdateWidget implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) UpdateWidget(ctx context.Context, req *livechatv1.UpdateWidgetRequest) (*livechatv1.UpdateWidgetResponse, error) {
	w, err := h.svc.UpdateWidget(ctx, req.WidgetId, req.Settings)
	if err != nil {
		return nil, err
	}
	return &livechatv1.UpdateWidgetResponse{Widget: widgetProto(w)}, nil
}

// DeleteWidget implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) DeleteWidget(ctx context.Context, req *livechatv1.DeleteWidgetRequest) (*livechatv1.DeleteWidgetResponse, error) {
	if err := h.svc.DeleteWidget(ctx, req.WidgetId); err != nil {
		return nil, err
	}
	return &livechatv1.DeleteWidgetResponse{}, nil
}

// RotateWidgetSecret implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) RotateWidgetSecret(ctx context.Context, req *livechatv1.RotateWidgetSecretRequest) (*livechatv1.RotateWidgetSecretResponse, error) {
	w, secret, err := h.svc.RotateWidgetSecret(ctx, req.WidgetId)
	if err != nil {
		return nil, err
	}
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
	return &livechatv1.GetWidgetConfigResponse{Config: cfg}, nil
}

// StartSession implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) StartSession(ctx context.Context, req *livechatv1.StartSessionRequest) (*livechatv1.StartSessionResponse, error) {
	sess, err := h.svc.StartSession(ctx, StartSessionInput{
		SiteKey:       req.SiteKey,
		Origin:        callOrigin(ctx),
		ClientAddress: clientAddress(ctx),
		Prechat:       req.Prechat,
		VisitorToken:  req.VisitorToken,
		Identity:      req.Identity,
	})
	if err != nil {
		return nil, err
	}
	return &livechatv1.StartSessionResponse{
		VisitorToken: sess.Token,
		Customer:     sess.Customer,
		Conversation: sess.Conversation,
		Config:       h.svc.publicConfig(sess.Widget),
	}, nil
}

// UpdateCustomer implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) UpdateCustomer(ctx context.Context, req *livechatv1.UpdateCustomerRequest) (*livechatv1.UpdateCustomerResponse, error) {
	c, err := h.svc.UpdateCustomer(ctx, UpdateCustomerInput{Name: req.Name, Email: req.Email, Phone: req.Phone})
	if err != nil {
		return nil, err
	}
	return &livechatv1.UpdateCustomerResponse{Customer: c}, nil
}

// SendMessage implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) SendMessage(ctx context.Context, req *livechatv1.WidgetServiceSendMessageRequest) (*livechatv1.WidgetServiceSendMessageResponse, error) {
	m, c, err := h.svc.SendMessage(ctx, req.Text, req.ClientMessageId)
	if err != nil {
		return nil, err
	}
	return &livechatv1.WidgetServiceSendMessageResponse{Message: m, Conversation: c}, nil
}

// ListMessages implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) ListMessages(ctx context.Context, req *livechatv1.WidgetServiceListMessagesRequest) (*livechatv1.WidgetServiceListMessagesResponse, error) {
	ms, more, read, err := h.svc.ListMessages(ctx, req.ConversationId, req.BeforeSeq, req.AfterSeq, req.PageSize)
	if err != nil {
		return nil, err
	}
	return &livechatv1.WidgetServiceListMessagesResponse{Messages: ms, HasMore: more, AgentsReadSeq: read}, nil
}

// SetTyping implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) SetTyping(ctx context.Context, req *livechatv1.WidgetServiceSetTypingRequest) (*livechatv1.WidgetServiceSetTypingResponse, error) {
	if err := h.svc.SetTyping(ctx, req.Typing); err != nil {
		return nil, err
	}
	return &livechatv1.WidgetServiceSetTypingResponse{}, nil
}

// MarkRead implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) MarkRead(ctx context.Context, req *livechatv1.WidgetServiceMarkReadRequest) (*livechatv1.WidgetServiceMarkReadResponse, error) {
	if err := h.svc.MarkRead(ctx, req.Seq); err != nil {
		return nil, err
	}
	return &livechatv1.WidgetServiceMarkReadResponse{}, nil
}

// Subscribe implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) Subscribe(ctx context.Context, req *livechatv1.WidgetServiceSubscribeRequest, stream livechatv1connect.WidgetServiceSubscribeServerStream) error {
	return h.svc.Subscribe(ctx, req.Cursor, func(ev *livechatv1.Event) error {
		return stream.Send(&livechatv1.WidgetServiceSubscribeResponse{Event: ev})
	})
}

// clientAddress is the one place the rate-limit key of a caller is taken
// from: the client's address, as the peer or a trusted proxy reports it.
func clientAddress(ctx context.Context) string {
	return ClientAddress(reqinfo.ClientIP(ctx).String())
}

func widgetProto(w Widget) *livechatv1.Widget {
	return &livechatv1.Widget{
		Id:              w.ID.String(),
		SiteKey:         w.SiteKey,
		Settings:        w.Settings,
		CreatedAt:       timestamppb.New(w.CreatedAt),
		UpdatedAt:       timestamppb.New(w.UpdatedAt),
		SecretRotatedAt: timestamppb.New(w.SecretRotatedAt),
	}
}
