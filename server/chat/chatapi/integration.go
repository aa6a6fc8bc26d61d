package chatapi

import (
	"context"

	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/protoconv"
)

// IntegrationHandler implements IntegrationService (handoffs from bots,
// conversations opened by backends) on a chat.Service. Every RPC is for
// agents (the policy table).
type IntegrationHandler struct {
	svc *chat.Service
}

var _ livechatv1connect.IntegrationServiceHandler = (*IntegrationHandler)(nil)

// NewIntegrationHandler returns the IntegrationService handler over svc.
func NewIntegrationHandler(svc *chat.Service) *IntegrationHandler {
	return &IntegrationHandler{svc: svc}
}

// HandOffConversation implements IntegrationServiceHandler.
func (h *IntegrationHandler) HandOffConversation(ctx context.Context, req *livechatv1.HandOffConversationRequest) (*livechatv1.HandOffConversationResponse, error) {
	id, err := conversationID(req.GetConversationId())
	if err != nil {
		return nil, err
	}
	c, err := h.svc.HandOff(ctx, agent(ctx), id)
	if err != nil {
		return nil, err
	}
	return &livechatv1.HandOffConversationResponse{Conversation: ConversationProto(c)}, nil
}

// CreateConversation implements IntegrationServiceHandler.
func (h *IntegrationHandler) CreateConversation(ctx context.Context, req *livechatv1.CreateConversationRequest) (*livechatv1.CreateConversationResponse, error) {
	customerID, err := protoconv.ParseID("customer_id", req.GetCustomerId())
	if err != nil {
		return nil, err
	}
	var widgetID *uuid.UUID
	if req.GetWidgetId() != "" {
		id, err := protoconv.ParseID("widget_id", req.GetWidgetId())
		if err != nil {
			return nil, err
		}
		widgetID = &id
	}
	c, m, err := h.svc.CreateConversation(ctx, agent(ctx), customerID, widgetID, chat.NewMessage{
		Text: req.GetText(), ClientMessageID: req.GetClientMessageId(),
	})
	if err != nil {
		return nil, err
	}
	out := &livechatv1.CreateConversationResponse{Conversation: ConversationProto(c)}
	if m != nil {
		out.Message = MessageProto(*m)
	}
	return out, nil
}
