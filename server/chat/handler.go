package chat

import (
	"context"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
)

// Handler implements livechatv1connect.ConversationServiceHandler: it
// converts requests to Service calls and results to responses, nothing
// more. Errors are apperr errors, turned into Connect errors by the app's
// error interceptor.
type Handler struct {
	livechatv1connect.UnimplementedConversationServiceHandler
	svc *Service
}

// NewHandler returns the ConversationService handler over svc.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var _ livechatv1connect.ConversationServiceHandler = (*Handler)(nil)

// ListConversations implements ConversationServiceHandler.
func (h *Handler) ListConversations(ctx context.Context, req *livechatv1.ListConversationsRequest) (*livechatv1.ListConversationsResponse, error) {
	return h.svc.ListConversations(ctx, req)
}

// GetInboxCounts implements ConversationServiceHandler.
func (h *Handler) GetInboxCounts(ctx context.Context, _ *livechatv1.GetInboxCountsRequest) (*livechatv1.GetInboxCountsResponse, error) {
	return h.svc.GetInboxCounts(ctx)
}

// GetConversation implements ConversationServiceHandler.
func (h *Handler) GetConversation(ctx context.Context, req *livechatv1.GetConversationRequest) (*livechatv1.GetConversationResponse, error) {
	id, err := ParseID("conversation_id", req.GetConversationId())
	if err != nil {
		return nil, err
	}
	c, cust, err := h.svc.GetConversation(ctx, id)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetConversationResponse{Conversation: c, Customer: cust}, nil
}

// ListMessages implements ConversationServiceHandler.
func (h *Handler) ListMessages(ctx context.Context, req *livechatv1.ListMessagesRequest) (*livechatv1.ListMessagesResponse, error) {
	id, err := ParseID("conversation_id", req.GetConversationId())
	if err != nil {
		return nil, err
	}
	ms, more, err := h.svc.ListMessages(ctx, id, req.GetBeforeSeq(), req.GetAfterSeq(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	return &livechatv1.ListMessagesResponse{Messages: ms, HasMore: more}, nil
}

// ClaimConversation implements ConversationServiceHandler.
func (h *Handler) ClaimConversation(ctx context.Context, req *livechatv1.ClaimConversationRequest) (*livechatv1.ClaimConversationResponse, error) {
	id, err := ParseID("conversation_id", req.GetConversationId())
	if err != nil {
		return nil, err
	}
	c, err := h.svc.ClaimConversation(ctx, id)
	if err != nil {
		return nil, err
	}
	return &livechatv1.ClaimConversationResponse{Conversation: c}, nil
}

// AssignConversation implements ConversationServiceHandler.
func (h *Handler) AssignConversation(ctx context.Context, req *livechatv1.AssignConversationRequest) (*livechatv1.AssignConversationResponse, error) {
	id, err := ParseID("conversation_id", req.GetConversationId())
	if err != nil {
		return nil, err
	}
	agentID, err := ParseID("agent_id", req.GetAgentId())
	if err != nil {
		return nil, err
	}
	c, err := h.svc.AssignConversation(ctx, id, agentID)
	if err != nil {
		return nil, err
	}
	return &livechatv1.AssignConversationResponse{Conversation: c}, nil
}

// SetConversationStatus implements ConversationServiceHandler.
func (h *Handler) SetConversationStatus(ctx context.Context, req *livechatv1.SetConversationStatusRequest) (*livechatv1.SetConversationStatusResponse, error) {
	id, err := ParseID("conversation_id", req.GetConversationId())
	if err != nil {
		return nil, err
	}
	c, err := h.svc.SetConversationStatus(ctx, id, req.GetStatus())
	if err != nil {
		return nil, err
	}
	return &livechatv1.SetConversationStatusResponse{Conversation: c}, nil
}

// SendMessage implements ConversationServiceHandler.
func (h *Handler) SendMessage(ctx context.Context, req *livechatv1.SendMessageRequest) (*livechatv1.SendMessageResponse, error) {
	id, err := ParseID("conversation_id", req.GetConversationId())
	if err != nil {
		return nil, err
	}
	m, err := h.svc.SendMessage(ctx, id, req.GetText(), req.GetInternal(), req.GetClientMessageId())
	if err != nil {
		return nil, err
	}
	return &livechatv1.SendMessageResponse{Message: m}, nil
}

// SetTyping implements ConversationServiceHandler.
func (h *Handler) SetTyping(ctx context.Context, req *livechatv1.SetTypingRequest) (*livechatv1.SetTypingResponse, error) {
	id, err := ParseID("conversation_id", req.GetConversationId())
	if err != nil {
		return nil, err
	}
	if err := h.svc.SetTyping(ctx, id, req.GetTyping()); err != nil {
		return nil, err
	}
	return &livechatv1.SetTypingResponse{}, nil
}

// MarkRead implements ConversationServiceHandler.
func (h *Handler) MarkRead(ctx context.Context, req *livechatv1.MarkReadRequest) (*livechatv1.MarkReadResponse, error) {
	id, err := ParseID("conversation_id", req.GetConversationId())
	if err != nil {
		return nil, err
	}
	if err := h.svc.MarkRead(ctx, id, req.GetSeq()); err != nil {
		return nil, err
	}
	return &livechatv1.MarkReadResponse{}, nil
}

// Subscribe implements ConversationServiceHandler.
func (h *Handler) Subscribe(ctx context.Context, req *livechatv1.SubscribeRequest, stream livechatv1connect.ConversationServiceSubscribeServerStream) error {
	return h.svc.Subscribe(ctx, req.GetCursor(), func(ev *livechatv1.Event) error {
		return stream.Send(&livechatv1.SubscribeResponse{Event: ev})
	})
}
