package chatapi

import (
	"context"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/protoconv"
)

// EditMessage implements ConversationServiceHandler.
func (h *Handler) EditMessage(ctx context.Context, req *livechatv1.EditMessageRequest) (*livechatv1.EditMessageResponse, error) {
	id, err := protoconv.ParseID("message_id", req.GetMessageId())
	if err != nil {
		return nil, err
	}
	m, err := h.svc.EditMessage(ctx, agent(ctx), id, req.GetText())
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, agent(ctx), audit.MessageEdited, MessageTarget(m), MessageDetails(m))
	return &livechatv1.EditMessageResponse{Message: MessageProto(m)}, nil
}

// DeleteMessage implements ConversationServiceHandler.
func (h *Handler) DeleteMessage(ctx context.Context, req *livechatv1.DeleteMessageRequest) (*livechatv1.DeleteMessageResponse, error) {
	id, err := protoconv.ParseID("message_id", req.GetMessageId())
	if err != nil {
		return nil, err
	}
	m, err := h.svc.DeleteMessage(ctx, agent(ctx), id)
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, agent(ctx), audit.MessageDeleted, MessageTarget(m), MessageDetails(m))
	return &livechatv1.DeleteMessageResponse{Message: MessageProto(m)}, nil
}

// ListMessageRevisions implements ConversationServiceHandler.
func (h *Handler) ListMessageRevisions(ctx context.Context, req *livechatv1.ListMessageRevisionsRequest) (*livechatv1.ListMessageRevisionsResponse, error) {
	id, err := protoconv.ParseID("message_id", req.GetMessageId())
	if err != nil {
		return nil, err
	}
	revs, err := h.svc.MessageRevisions(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListMessageRevisionsResponse{Revisions: make([]*livechatv1.MessageRevision, len(revs))}
	for i, r := range revs {
		out.Revisions[i] = revisionProto(r)
	}
	return out, nil
}

func revisionProto(r chat.MessageRevision) *livechatv1.MessageRevision {
	return &livechatv1.MessageRevision{Text: r.Text, Deleted: r.Deleted, ReplacedAt: protoconv.Timestamp(r.ReplacedAt)}
}

// MessageTarget names a message in the audit log by id.
func MessageTarget(m chat.Message) audit.Target {
	return audit.Target{Type: "message", ID: m.ID.String()}
}

// MessageDetails are an edit's or deletion's audit details: the
// conversation and the sender, never the text.
func MessageDetails(m chat.Message) audit.Details {
	d := audit.Details{"conversation_id": m.ConversationID.String(), "sender_type": string(m.SenderType)}
	if m.SenderID != nil {
		d["sender_id"] = m.SenderID.String()
	}
	return d
}
