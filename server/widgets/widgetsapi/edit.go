package widgetsapi

import (
	"context"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/chat/chatapi"
	"github.com/opensupport/livechat/server/protoconv"
)

// EditMessage implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) EditMessage(ctx context.Context, req *livechatv1.WidgetServiceEditMessageRequest) (*livechatv1.WidgetServiceEditMessageResponse, error) {
	id, err := protoconv.ParseID("message_id", req.GetMessageId())
	if err != nil {
		return nil, err
	}
	m, err := h.svc.EditMessage(ctx, visitor(ctx), id, req.GetText())
	if err != nil {
		return nil, err
	}
	// The visitor is no agent: the entry has no actor and no address; the
	// details name the customer by id.
	h.audit.RecordForVisitor(ctx, visitor(ctx).CustomerID, audit.MessageEdited, chatapi.MessageTarget(m), chatapi.MessageDetails(m))
	return &livechatv1.WidgetServiceEditMessageResponse{Message: chatapi.MessageProto(m)}, nil
}

// DeleteMessage implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) DeleteMessage(ctx context.Context, req *livechatv1.WidgetServiceDeleteMessageRequest) (*livechatv1.WidgetServiceDeleteMessageResponse, error) {
	id, err := protoconv.ParseID("message_id", req.GetMessageId())
	if err != nil {
		return nil, err
	}
	m, err := h.svc.DeleteMessage(ctx, visitor(ctx), id)
	if err != nil {
		return nil, err
	}
	h.audit.RecordForVisitor(ctx, visitor(ctx).CustomerID, audit.MessageDeleted, chatapi.MessageTarget(m), chatapi.MessageDetails(m))
	return &livechatv1.WidgetServiceDeleteMessageResponse{Message: chatapi.MessageProto(m)}, nil
}
