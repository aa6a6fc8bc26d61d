// Package chatapi adapts the chat domain to the API: the
// ConversationService handler, the visitor side the widget service calls,
// and the encoder of the domain's events for the realtime hub. It converts
// proto ↔ domain and nothing more; the rules are package chat's, who may
// call what is the auth policy's.
package chatapi

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
	"github.com/opensupport/livechat/server/realtime"
)

// Streams opens Subscribe streams (the realtime hub).
type Streams interface {
	Subscribe(ctx context.Context, f realtime.Filter, cursor string, send func(*livechatv1.Event) error) error
}

// Handler implements ConversationService on a chat.Service. Every RPC is
// for agents (the policy table), so the caller is read once as a
// principal.Agent and passed to the domain.
type Handler struct {
	svc     *chat.Service
	streams Streams
	// audit records message edits and deletions (nil: none).
	audit *audit.Service
}

// The handler implements every method itself (no Unimplemented… embedded),
// so a method added to the proto fails to compile until it is written.
var _ livechatv1connect.ConversationServiceHandler = (*Handler)(nil)

// NewHandler returns the ConversationService handler over svc. streams
// may be nil: Subscribe is then NOT_AVAILABLE.
func NewHandler(svc *chat.Service, streams Streams) *Handler {
	return &Handler{svc: svc, streams: streams}
}

// WithAudit makes the handler record agents' message edits and deletions
// in rec.
func (h *Handler) WithAudit(rec *audit.Service) *Handler {
	h.audit = rec
	return h
}

func agent(ctx context.Context) principal.Agent { return principal.From(ctx).Agent() }

func conversationID(s string) (uuid.UUID, error) { return protoconv.ParseID("conversation_id", s) }

var assignments = map[livechatv1.AssignmentFilter]chat.Assignment{
	livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_UNSPECIFIED: chat.AssignmentAll,
	livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_ALL:         chat.AssignmentAll,
	livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_MINE:        chat.AssignmentMine,
	livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_UNASSIGNED:  chat.AssignmentUnassigned,
}

// ListConversations implements ConversationServiceHandler.
func (h *Handler) ListConversations(ctx context.Context, req *livechatv1.ListConversationsRequest) (*livechatv1.ListConversationsResponse, error) {
	f, err := FilterFromProto(req)
	if err != nil {
		return nil, err
	}
	page, err := h.svc.ListConversations(ctx, agent(ctx), f)
	if err != nil {
		return nil, err
	}
	return &livechatv1.ListConversationsResponse{
		Conversations: ConversationsProto(page.Conversations), NextPageToken: page.NextPageToken,
	}, nil
}

// FilterFromProto reads the filters and paging of a ListConversations
// request (viewsapi reads saved views' filters with it).
// Errors: InvalidValue for an unknown status or assignment; MalformedID.
func FilterFromProto(req *livechatv1.ListConversationsRequest) (chat.ListFilter, error) {
	f := chat.ListFilter{Query: req.GetQuery(), PageSize: req.GetPageSize(), PageToken: req.GetPageToken()}
	for _, st := range req.GetStatuses() {
		s := StatusFromProto(st)
		if s == "" {
			return chat.ListFilter{}, apperr.New(apperr.InvalidValue, "unknown status %s", st).WithField("statuses")
		}
		f.Statuses = append(f.Statuses, s)
	}
	a, ok := assignments[req.GetAssignment()]
	if !ok {
		return chat.ListFilter{}, apperr.New(apperr.InvalidValue, "unknown assignment filter %s", req.GetAssignment()).WithField("assignment")
	}
	f.Assignment = a
	if err := listFilters(req, &f); err != nil {
		return chat.ListFilter{}, err
	}
	return f, nil
}

// FilterProto is the ListConversations request of a filter, paging unset.
func FilterProto(f chat.ListFilter) *livechatv1.ListConversationsRequest {
	req := &livechatv1.ListConversationsRequest{Query: f.Query}
	for _, st := range f.Statuses {
		req.Statuses = append(req.Statuses, StatusProto(st))
	}
	switch f.Assignment {
	case chat.AssignmentMine:
		req.Assignment = livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_MINE
	case chat.AssignmentUnassigned:
		req.Assignment = livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_UNASSIGNED
	}
	str := func(id *uuid.UUID) string {
		if id == nil {
			return ""
		}
		return id.String()
	}
	req.AssigneeId, req.WidgetId, req.TeamId, req.CustomerId = str(f.AssigneeID), str(f.WidgetID), str(f.TeamID), str(f.CustomerID)
	req.HeldByBot = f.HeldByBot
	if f.UpdatedSince != nil {
		req.UpdatedSince = timestamppb.New(*f.UpdatedSince)
	}
	for _, id := range f.TagIDs {
		req.TagIds = append(req.TagIds, id.String())
	}
	if f.CreatedAfter != nil {
		req.CreatedAfter = timestamppb.New(*f.CreatedAfter)
	}
	if f.CreatedBefore != nil {
		req.CreatedBefore = timestamppb.New(*f.CreatedBefore)
	}
	return req
}

// listFilters reads the optional filters of a ListConversations request.
func listFilters(req *livechatv1.ListConversationsRequest, f *chat.ListFilter) error {
	optional := func(field, s string) (*uuid.UUID, error) {
		if s == "" {
			return nil, nil
		}
		id, err := protoconv.ParseID(field, s)
		return &id, err
	}
	var err error
	if f.AssigneeID, err = optional("assignee_id", req.GetAssigneeId()); err != nil {
		return err
	}
	if f.WidgetID, err = optional("widget_id", req.GetWidgetId()); err != nil {
		return err
	}
	if f.TeamID, err = optional("team_id", req.GetTeamId()); err != nil {
		return err
	}
	if f.TagIDs, err = ParseIDs("tag_ids", req.GetTagIds()); err != nil {
		return err
	}
	if req.CreatedAfter != nil {
		t := req.CreatedAfter.AsTime()
		f.CreatedAfter = &t
	}
	if req.CreatedBefore != nil {
		t := req.CreatedBefore.AsTime()
		f.CreatedBefore = &t
	}
	if f.CustomerID, err = optional("customer_id", req.GetCustomerId()); err != nil {
		return err
	}
	if req.UpdatedSince != nil {
		t := req.UpdatedSince.AsTime()
		f.UpdatedSince = &t
	}
	f.HeldByBot = req.GetHeldByBot()
	return nil
}

// ParseIDs parses a list of ids, all reported under field (widgetsapi
// uses it too).
func ParseIDs(field string, ss []string) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, len(ss))
	for i, s := range ss {
		var err error
		if out[i], err = protoconv.ParseID(field, s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetInboxCounts implements ConversationServiceHandler.
func (h *Handler) GetInboxCounts(ctx context.Context, _ *livechatv1.GetInboxCountsRequest) (*livechatv1.GetInboxCountsResponse, error) {
	c, err := h.svc.InboxCounts(ctx, agent(ctx))
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetInboxCountsResponse{
		Waiting: c.Waiting, Mine: c.Mine, Unassigned: c.Unassigned,
		Open: c.Open, Resolved: c.Resolved, Closed: c.Closed,
	}, nil
}

// GetConversation implements ConversationServiceHandler.
func (h *Handler) GetConversation(ctx context.Context, req *livechatv1.GetConversationRequest) (*livechatv1.GetConversationResponse, error) {
	id, err := conversationID(req.GetConversationId())
	if err != nil {
		return nil, err
	}
	c, cust, err := h.svc.GetConversation(ctx, agent(ctx), id)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetConversationResponse{Conversation: ConversationProto(c), Customer: CustomerProto(cust)}, nil
}

// ListMessages implements ConversationServiceHandler.
func (h *Handler) ListMessages(ctx context.Context, req *livechatv1.ListMessagesRequest) (*livechatv1.ListMessagesResponse, error) {
	id, err := conversationID(req.GetConversationId())
	if err != nil {
		return nil, err
	}
	page, err := h.svc.ListMessages(ctx, agent(ctx), id, chat.MessageQuery{
		BeforeSeq: req.GetBeforeSeq(), AfterSeq: req.GetAfterSeq(), PageSize: req.GetPageSize(),
	})
	if err != nil {
		return nil, err
	}
	return &livechatv1.ListMessagesResponse{Messages: MessagesProto(page.Messages), HasMore: page.HasMore}, nil
}

// ClaimConversation implements ConversationServiceHandler.
func (h *Handler) ClaimConversation(ctx context.Context, req *livechatv1.ClaimConversationRequest) (*livechatv1.ClaimConversationResponse, error) {
	id, err := conversationID(req.GetConversationId())
	if err != nil {
		return nil, err
	}
	c, err := h.svc.ClaimConversation(ctx, agent(ctx), id)
	if err != nil {
		return nil, err
	}
	return &livechatv1.ClaimConversationResponse{Conversation: ConversationProto(c)}, nil
}

// AssignConversation implements ConversationServiceHandler.
func (h *Handler) AssignConversation(ctx context.Context, req *livechatv1.AssignConversationRequest) (*livechatv1.AssignConversationResponse, error) {
	id, err := conversationID(req.GetConversationId())
	if err != nil {
		return nil, err
	}
	to, err := protoconv.ParseID("agent_id", req.GetAgentId())
	if err != nil {
		return nil, err
	}
	c, err := h.svc.AssignConversation(ctx, agent(ctx), id, to)
	if err != nil {
		return nil, err
	}
	return &livechatv1.AssignConversationResponse{Conversation: ConversationProto(c)}, nil
}

// SetConversationStatus implements ConversationServiceHandler.
func (h *Handler) SetConversationStatus(ctx context.Context, req *livechatv1.SetConversationStatusRequest) (*livechatv1.SetConversationStatusResponse, error) {
	id, err := conversationID(req.GetConversationId())
	if err != nil {
		return nil, err
	}
	c, err := h.svc.SetConversationStatus(ctx, agent(ctx), id, StatusFromProto(req.GetStatus()))
	if err != nil {
		return nil, err
	}
	return &livechatv1.SetConversationStatusResponse{Conversation: ConversationProto(c)}, nil
}

// SetConversationTags implements ConversationServiceHandler.
func (h *Handler) SetConversationTags(ctx context.Context, req *livechatv1.SetConversationTagsRequest) (*livechatv1.SetConversationTagsResponse, error) {
	id, err := conversationID(req.GetConversationId())
	if err != nil {
		return nil, err
	}
	tagIDs, err := ParseIDs("tag_ids", req.GetTagIds())
	if err != nil {
		return nil, err
	}
	c, err := h.svc.SetConversationTags(ctx, agent(ctx), id, tagIDs)
	if err != nil {
		return nil, err
	}
	return &livechatv1.SetConversationTagsResponse{Conversation: ConversationProto(c)}, nil
}

// SendMessage implements ConversationServiceHandler.
func (h *Handler) SendMessage(ctx context.Context, req *livechatv1.SendMessageRequest) (*livechatv1.SendMessageResponse, error) {
	id, err := conversationID(req.GetConversationId())
	if err != nil {
		return nil, err
	}
	files, err := ParseIDs("attachment_ids", req.GetAttachmentIds())
	if err != nil {
		return nil, err
	}
	m, err := h.svc.SendMessage(ctx, agent(ctx), id, chat.NewMessage{
		Text: req.GetText(), Internal: req.GetInternal(), ClientMessageID: req.GetClientMessageId(),
		AttachmentIDs: files,
	})
	if err != nil {
		return nil, err
	}
	return &livechatv1.SendMessageResponse{Message: MessageProto(m)}, nil
}

// SetTyping implements ConversationServiceHandler.
func (h *Handler) SetTyping(ctx context.Context, req *livechatv1.SetTypingRequest) (*livechatv1.SetTypingResponse, error) {
	id, err := conversationID(req.GetConversationId())
	if err != nil {
		return nil, err
	}
	if err := h.svc.SetTyping(ctx, agent(ctx), id, req.GetTyping()); err != nil {
		return nil, err
	}
	return &livechatv1.SetTypingResponse{}, nil
}

// SetViewing implements ConversationServiceHandler.
func (h *Handler) SetViewing(ctx context.Context, req *livechatv1.SetViewingRequest) (*livechatv1.SetViewingResponse, error) {
	id, err := conversationID(req.GetConversationId())
	if err != nil {
		return nil, err
	}
	if err := h.svc.SetViewing(ctx, agent(ctx), id, req.GetViewing()); err != nil {
		return nil, err
	}
	return &livechatv1.SetViewingResponse{}, nil
}

// MarkRead implements ConversationServiceHandler.
func (h *Handler) MarkRead(ctx context.Context, req *livechatv1.MarkReadRequest) (*livechatv1.MarkReadResponse, error) {
	id, err := conversationID(req.GetConversationId())
	if err != nil {
		return nil, err
	}
	if err := h.svc.MarkRead(ctx, agent(ctx), id, req.GetSeq()); err != nil {
		return nil, err
	}
	return &livechatv1.MarkReadResponse{}, nil
}

// Subscribe implements ConversationServiceHandler: the agent's stream, with
// the filter the domain builds for agents (chat.AgentFilter).
func (h *Handler) Subscribe(ctx context.Context, req *livechatv1.SubscribeRequest, stream livechatv1connect.ConversationServiceSubscribeServerStream) error {
	if h.streams == nil {
		return errNoStreams
	}
	return h.streams.Subscribe(ctx, chat.AgentFilter(agent(ctx)), req.GetCursor(), func(ev *livechatv1.Event) error {
		return stream.Send(&livechatv1.SubscribeResponse{Event: ev})
	})
}

var errNoStreams = apperr.New(apperr.NotAvailable, "live events are not available on this server")
