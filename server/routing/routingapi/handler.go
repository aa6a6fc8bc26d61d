// Package routingapi serves RoutingService: it converts between the API's
// messages and package routing's Go values. The rules live in package
// routing; who may call what is the policy table's.
package routingapi

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
	"github.com/opensupport/livechat/server/routing"
)

// Handler serves RoutingService. It embeds no generated Unimplemented
// handler, so a method missing here is a compile error.
type Handler struct {
	svc *routing.Service
	// audit records routing changes (nil: none).
	audit *audit.Service
}

var _ livechatv1connect.RoutingServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc.
func NewHandler(svc *routing.Service) *Handler { return &Handler{svc: svc} }

// WithAudit makes the handler record changes of widgets' routing (mode,
// business hours, reply time) and agents' capacities in rec.
func (h *Handler) WithAudit(rec *audit.Service) *Handler {
	h.audit = rec
	return h
}

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
	before, err := h.svc.WidgetRouting(ctx, id)
	if err != nil {
		return nil, err
	}
	in := routingFromProto(req.Routing)
	if t := req.Routing.TeamId; t != "" {
		team, err := protoconv.ParseID("routing.team_id", t)
		if err != nil {
			return nil, err
		}
		in.TeamID = &team
	}
	if b := req.Routing.GetBotTokenId(); b != "" {
		bot, err := protoconv.ParseID("routing.bot_token_id", b)
		if err != nil {
			return nil, err
		}
		in.BotTokenID = &bot
	}
	r, err := h.svc.SetWidgetRouting(ctx, id, in)
	if err != nil {
		return nil, err
	}
	if changes := audit.Changes(before, r); len(changes) > 0 {
		h.audit.Record(ctx, principal.From(ctx).Agent(), audit.RoutingChanged, audit.Target{Type: "widget", ID: id.String()}, changes)
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
	h.audit.Record(ctx, principal.From(ctx).Agent(), audit.AgentCapacityChanged, audit.Target{Type: "agent", ID: id.String(), Name: a.DisplayName},
		audit.Details{"max_active_conversations": a.MaxActive})
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

// The stored names of the enums, by their API values; a value missing here
// becomes "" (or stays as it is), which the domain refuses.
var (
	outsideNames = map[livechatv1.OutsideHours]routing.Outside{
		livechatv1.OutsideHours_OUTSIDE_HOURS_UNSPECIFIED:  "",
		livechatv1.OutsideHours_OUTSIDE_HOURS_OFFLINE_FORM: routing.OutsideOfflineForm,
		livechatv1.OutsideHours_OUTSIDE_HOURS_NOTICE:       routing.OutsideNotice,
	}
	replyNames = map[livechatv1.ReplyTimeMode]routing.ReplyMode{
		livechatv1.ReplyTimeMode_REPLY_TIME_MODE_UNSPECIFIED: "",
		livechatv1.ReplyTimeMode_REPLY_TIME_MODE_MEASURED:    routing.ReplyMeasured,
		livechatv1.ReplyTimeMode_REPLY_TIME_MODE_FIXED:       routing.ReplyFixed,
		livechatv1.ReplyTimeMode_REPLY_TIME_MODE_HIDDEN:      routing.ReplyHidden,
	}
)

// routingFromProto converts the settings; unknown enum values become ones
// the domain refuses.
func routingFromProto(p *livechatv1.WidgetRouting) routing.WidgetRouting {
	r := routing.WidgetRouting{Mode: modeFromProto(p.Mode)}
	if h := p.Hours; h != nil {
		out, ok := outsideNames[h.Outside]
		if !ok {
			out = routing.Outside(h.Outside.String())
		}
		r.Hours = routing.Hours{Enabled: h.Enabled, TimeZone: h.TimeZone, Holidays: h.Holidays, Outside: out}
		for _, d := range h.Days {
			r.Hours.Days = append(r.Hours.Days, routing.DayHours{Day: int(d.Day), Open: int(d.OpenMinute), Close: int(d.CloseMinute)})
		}
	}
	if rt := p.ReplyTime; rt != nil {
		mode, ok := replyNames[rt.Mode]
		if !ok {
			mode = routing.ReplyMode(rt.Mode.String())
		}
		r.ReplyTime = routing.ReplyTime{Mode: mode, FixedMinutes: int(rt.FixedMinutes)}
	}
	return r
}

func routingProto(r routing.WidgetRouting) *livechatv1.WidgetRouting {
	mode := livechatv1.AssignmentMode_ASSIGNMENT_MODE_MANUAL
	if r.Mode == routing.ModeAuto {
		mode = livechatv1.AssignmentMode_ASSIGNMENT_MODE_AUTO
	}
	out := &livechatv1.WidgetRouting{
		Mode: mode,
		Hours: &livechatv1.BusinessHours{
			Enabled: r.Hours.Enabled, TimeZone: r.Hours.TimeZone, Holidays: r.Hours.Holidays,
			Outside: OutsideProto(r.Hours.Outside),
		},
		ReplyTime:  &livechatv1.ReplyTime{FixedMinutes: int32(r.ReplyTime.FixedMinutes)},
		BotTokenId: protoconv.OptionalID(r.BotTokenID),
		BotName:    r.BotName,
	}
	if r.TeamID != nil {
		out.TeamId = r.TeamID.String()
	}
	for _, d := range r.Hours.Days {
		out.Hours.Days = append(out.Hours.Days, &livechatv1.DayHours{Day: int32(d.Day), OpenMinute: int32(d.Open), CloseMinute: int32(d.Close)})
	}
	for v, name := range replyNames {
		if name == r.ReplyTime.Mode && name != "" {
			out.ReplyTime.Mode = v
		}
	}
	return out
}

// OutsideProto is the API's value of an outside-hours behaviour.
func OutsideProto(o routing.Outside) livechatv1.OutsideHours {
	if o == routing.OutsideNotice {
		return livechatv1.OutsideHours_OUTSIDE_HOURS_NOTICE
	}
	return livechatv1.OutsideHours_OUTSIDE_HOURS_OFFLINE_FORM
}

// AvailabilityProto is the API's form of a widget's availability, for
// WidgetConfig.
func AvailabilityProto(a routing.Availability) *livechatv1.WidgetAvailability {
	out := &livechatv1.WidgetAvailability{
		Open: a.Open, Outside: OutsideProto(a.Outside),
		OpensDay: int32(a.OpensDay), OpensMinute: int32(a.OpensMinute), ReplySeconds: int32(a.ReplySeconds),
		ChangesInSeconds: int32(a.ChangesIn.Seconds()),
	}
	if !a.OpensAt.IsZero() {
		out.OpensAt = timestamppb.New(a.OpensAt)
	}
	return out
}

func capacityProto(a routing.AgentCapacity) *livechatv1.AgentCapacity {
	return &livechatv1.AgentCapacity{
		AgentId: a.AgentID.String(), DisplayName: a.DisplayName,
		MaxActiveConversations: int32(a.MaxActive), ActiveConversations: int32(a.Active),
		Available: a.Available(),
	}
}
