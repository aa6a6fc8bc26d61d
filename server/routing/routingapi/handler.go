// Package routingapi serves RoutingService: it converts between the API's
// messages and package routing's Go values. The rules live in package
// routing; who may call what is the policy table's.
package routingapi

import (
	"context"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/protoconv"
	"github.com/opensupport/livechat/server/routing"
)

// Handler serves RoutingService. It embeds no generated Unimplemented
// handler, so a method missing here is a compile error.
type Handler struct {
	svc *routing.Service
}

var _ livechatv1connect.RoutingServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc.
func NewHandler(svc *routing.Service) *Handler { return &Handler{svc: svc} }

// GetWidgetRouting implements livechatv1connect.RoutingServiceHandler.
func (h *Handler) GetWidgetRouting(ctx context.Context, req *livechatv1.GetWidgetRoutingRequest) (*livechatv1.GetWidgetRoutingResponse, error) {
	id, err := protoconv.ParseID("widget_id", req.WidgetId)
	if err != nil {
		return nil, err
	}
	r, err := h.svc.WidgetRouting(ctx, id)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetWidgetRoutingResponse{Routing: routingProto(r)}, nil
}

// UpdateWidgetRouting implements livechatv1connect.RoutingServiceHandler.
func (h *Handler) UpdateWidgetRouting(ctx context.Context, req *livechatv1.UpdateWidgetRoutingRequest) (*livechatv1.UpdateWidgetRoutingResponse, error) {
	id, err := protoconv.ParseID("widget_id", req.WidgetId)
	if err != nil {
		return nil, err
	}
	if req.Routing == nil {
		return nil, apperr.New(apperr.Required, "routing is required").WithField("routing")
	}
	r, err := h.svc.SetWidgetRouting(ctx, id, routing.WidgetRouting{Mode: modeFromProto(req.Routing.Mode)})
	if err != nil {
		return nil, err
	}
	return &livechatv1.UpdateWidgetRoutingResponse{Routing: routingProto(r)}, nil
}

// ListAgentCapacities implements livechatv1connect.RoutingServiceHandler.
func (h *Handler) ListAgentCapacities(ctx context.Context, _ *livechatv1.ListAgentCapacitiesRequest) (*livechatv1.ListAgentCapacitiesResponse, error) {
	c, err := h.svc.Capacities(ctx)
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListAgentCapacitiesResponse{QueuedConversations: int32(c.Queued)}
	for _, a := range c.Agents {
		out.Agents = append(out.Agents, capacityProto(a))
	}
	return out, nil
}

// SetAgentCapacity implements livechatv1connect.RoutingServiceHandler.
func (h *Handler) SetAgentCapacity(ctx context.Context, req *livechatv1.SetAgentCapacityRequest) (*livechatv1.SetAgentCapacityResponse, error) {
	id, err := protoconv.ParseID("agent_id", req.AgentId)
	if err != nil {
		return nil, err
	}
	a, err := h.svc.SetAgentCapacity(ctx, id, int(req.MaxActiveConversations))
	if err != nil {
		return nil, err
	}
	return &livechatv1.SetAgentCapacityResponse{Agent: capacityProto(a)}, nil
}

// modeFromProto maps the API's mode; an unset or unknown one becomes a mode
// the domain refuses.
func modeFromProto(m livechatv1.AssignmentMode) routing.Mode {
	switch m {
	case livechatv1.AssignmentMode_ASSIGNMENT_MODE_MANUAL:
		return routing.ModeManual
	case livechatv1.AssignmentMode_ASSIGNMENT_MODE_AUTO:
		return routing.ModeAuto
	}
	return ""
}

func routingProto(r routing.WidgetRouting) *livechatv1.WidgetRouting {
	mode := livechatv1.AssignmentMode_ASSIGNMENT_MODE_MANUAL
	if r.Mode == routing.ModeAuto {
		mode = livechatv1.AssignmentMode_ASSIGNMENT_MODE_AUTO
	}
	return &livechatv1.WidgetRouting{Mode: mode}
}

func capacityProto(a routing.AgentCapacity) *livechatv1.AgentCapacity {
	return &livechatv1.AgentCapacity{
		AgentId: a.AgentID.String(), DisplayName: a.DisplayName,
		MaxActiveConversations: int32(a.MaxActive), ActiveConversations: int32(a.Active),
		Available: a.Available(),
	}
}
