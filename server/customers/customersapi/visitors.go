package customersapi

import (
	"context"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/chat/chatapi"
	"github.com/opensupport/livechat/server/customers"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
)

// browseHeartbeat is how often an idle Browse stream gets a heartbeat, so
// proxies keep it open and the widget notices a dead connection.
const browseHeartbeat = 25 * time.Second

// VisitorHandler serves VisitorService over the same customers domain.
type VisitorHandler struct {
	svc *customers.Service
}

var _ livechatv1connect.VisitorServiceHandler = (*VisitorHandler)(nil)

// NewVisitorHandler returns the Connect handler of VisitorService.
func NewVisitorHandler(svc *customers.Service) *VisitorHandler { return &VisitorHandler{svc: svc} }

// Browse implements livechatv1connect.VisitorServiceHandler.
func (h *VisitorHandler) Browse(ctx context.Context, req *livechatv1.BrowseRequest, stream livechatv1connect.VisitorServiceBrowseServerStream) error {
	origin := ""
	if info, ok := connect.CallInfoForServerContext(ctx); ok {
		origin = info.RequestHeader().Get("Origin")
	}
	b, err := h.svc.Browse(ctx, customers.BrowseInput{
		SiteKey: req.SiteKey, Origin: origin, Key: req.VisitorKey, URL: req.Url, Title: req.Title,
		Visit: time.Duration(req.VisitMs) * time.Millisecond, Returning: req.Returning, Opened: req.Opened,
		Token: req.VisitorToken,
	})
	if err != nil {
		return err
	}
	defer b.Leave()
	widgetID := b.WidgetID()
	if err := stream.Send(&livechatv1.BrowseResponse{Kind: &livechatv1.BrowseResponse_Ready{Ready: &livechatv1.BrowseReady{}}}); err != nil {
		return nil
	}
	t := time.NewTicker(browseHeartbeat)
	defer t.Stop()
	for {
		var msg *livechatv1.BrowseResponse
		select {
		case <-ctx.Done():
			return nil
		case <-b.Done():
			return nil
		case <-t.C:
			msg = &livechatv1.BrowseResponse{Kind: &livechatv1.BrowseResponse_Heartbeat{Heartbeat: &livechatv1.HeartbeatEvent{}}}
		case token := <-b.Invitations():
			inv, ok := h.svc.ShowInvitation(token, widgetID)
			if !ok {
				continue
			}
			msg = &livechatv1.BrowseResponse{Kind: &livechatv1.BrowseResponse_Invitation{Invitation: &livechatv1.VisitorInvitation{
				AgentName: inv.AgentName, Text: inv.Text, Token: inv.Token,
			}}}
		}
		if err := stream.Send(msg); err != nil {
			return nil
		}
	}
}

// ListVisitors implements livechatv1connect.VisitorServiceHandler.
func (h *VisitorHandler) ListVisitors(ctx context.Context, req *livechatv1.ListVisitorsRequest) (*livechatv1.ListVisitorsResponse, error) {
	var id uuid.UUID // every widget
	if req.WidgetId != "" {
		var err error
		if id, err = protoconv.ParseID("widget_id", req.WidgetId); err != nil {
			return nil, err
		}
	}
	var customer uuid.UUID // everyone
	if req.CustomerId != "" {
		var err error
		if customer, err = protoconv.ParseID("customer_id", req.CustomerId); err != nil {
			return nil, err
		}
	}
	vs, total, err := h.svc.ListVisitors(ctx, id, customer)
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListVisitorsResponse{Total: int32(total), Visitors: make([]*livechatv1.Visitor, len(vs))}
	for i, v := range vs {
		p := &livechatv1.Visitor{
			Key: v.Key, WidgetId: v.WidgetID.String(), Url: v.URL, Title: v.Title,
			VisitStartedAt: protoconv.Timestamp(v.VisitStart), PageOpenedAt: protoconv.Timestamp(v.PageOpened),
			Returning: v.Returning, CustomerName: v.CustomerName, Pages: int32(v.Pages),
		}
		if v.CustomerID != uuid.Nil {
			p.CustomerId = v.CustomerID.String()
		}
		if v.OpenConversationID != uuid.Nil {
			p.OpenConversationId = v.OpenConversationID.String()
		}
		out.Visitors[i] = p
	}
	return out, nil
}

// InviteVisitor implements livechatv1connect.VisitorServiceHandler.
func (h *VisitorHandler) InviteVisitor(ctx context.Context, req *livechatv1.InviteVisitorRequest) (*livechatv1.InviteVisitorResponse, error) {
	id, err := protoconv.ParseID("widget_id", req.WidgetId)
	if err != nil {
		return nil, err
	}
	if err := h.svc.InviteVisitor(ctx, principal.From(ctx).Agent(), id, req.VisitorKey, req.Text); err != nil {
		return nil, err
	}
	return &livechatv1.InviteVisitorResponse{}, nil
}

// AcceptInvitation implements livechatv1connect.VisitorServiceHandler.
func (h *VisitorHandler) AcceptInvitation(ctx context.Context, req *livechatv1.AcceptInvitationRequest) (*livechatv1.AcceptInvitationResponse, error) {
	c, err := h.svc.AcceptInvitation(ctx, principal.From(ctx).Visitor(), req.Token)
	if err != nil {
		return nil, err
	}
	return &livechatv1.AcceptInvitationResponse{Conversation: chatapi.ConversationProto(c)}, nil
}
