// Package viewsapi serves ViewService: it converts between the API's
// messages and package views' Go values (a view's filters are a
// ListConversationsRequest, read as chatapi reads it) and passes the
// caller the auth interceptor resolved. The rules live in package views.
package viewsapi

import (
	"context"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/chat/chatapi"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
	"github.com/opensupport/livechat/server/views"
)

// Handler serves ViewService. It embeds no generated Unimplemented
// handler, so a method missing here is a compile error.
type Handler struct {
	svc *views.Service
}

var _ livechatv1connect.ViewServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc.
func NewHandler(svc *views.Service) *Handler { return &Handler{svc: svc} }

// ListViews implements livechatv1connect.ViewServiceHandler.
func (h *Handler) ListViews(ctx context.Context, _ *livechatv1.ListViewsRequest) (*livechatv1.ListViewsResponse, error) {
	vs, err := h.svc.ListViews(ctx, principal.From(ctx).Agent())
	if err != nil {
		return nil, err
	}
	return &livechatv1.ListViewsResponse{Views: viewsProto(vs)}, nil
}

// CreateView implements livechatv1connect.ViewServiceHandler.
func (h *Handler) CreateView(ctx context.Context, req *livechatv1.CreateViewRequest) (*livechatv1.CreateViewResponse, error) {
	if req.Filter == nil {
		return nil, apperr.New(apperr.Required, "filter is required (an empty one selects every conversation)").WithField("filter")
	}
	f, err := chatapi.FilterFromProto(req.Filter)
	if err != nil {
		return nil, err
	}
	v, err := h.svc.CreateView(ctx, principal.From(ctx).Agent(), req.Name, f)
	if err != nil {
		return nil, err
	}
	return &livechatv1.CreateViewResponse{View: viewProto(v)}, nil
}

// UpdateView implements livechatv1connect.ViewServiceHandler.
func (h *Handler) UpdateView(ctx context.Context, req *livechatv1.UpdateViewRequest) (*livechatv1.UpdateViewResponse, error) {
	id, err := protoconv.ParseID("view_id", req.ViewId)
	if err != nil {
		return nil, err
	}
	var fp *chat.ListFilter
	if req.Filter != nil {
		f, err := chatapi.FilterFromProto(req.Filter)
		if err != nil {
			return nil, err
		}
		fp = &f
	}
	v, err := h.svc.UpdateView(ctx, principal.From(ctx).Agent(), id, req.Name, fp)
	if err != nil {
		return nil, err
	}
	return &livechatv1.UpdateViewResponse{View: viewProto(v)}, nil
}

// DeleteView implements livechatv1connect.ViewServiceHandler.
func (h *Handler) DeleteView(ctx context.Context, req *livechatv1.DeleteViewRequest) (*livechatv1.DeleteViewResponse, error) {
	id, err := protoconv.ParseID("view_id", req.ViewId)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteView(ctx, principal.From(ctx).Agent(), id); err != nil {
		return nil, err
	}
	return &livechatv1.DeleteViewResponse{}, nil
}

// ReorderViews implements livechatv1connect.ViewServiceHandler.
func (h *Handler) ReorderViews(ctx context.Context, req *livechatv1.ReorderViewsRequest) (*livechatv1.ReorderViewsResponse, error) {
	ids, err := chatapi.ParseIDs("view_ids", req.ViewIds)
	if err != nil {
		return nil, err
	}
	vs, err := h.svc.ReorderViews(ctx, principal.From(ctx).Agent(), ids)
	if err != nil {
		return nil, err
	}
	return &livechatv1.ReorderViewsResponse{Views: viewsProto(vs)}, nil
}

func viewsProto(vs []views.View) []*livechatv1.SavedView {
	out := make([]*livechatv1.SavedView, len(vs))
	for i, v := range vs {
		out[i] = viewProto(v)
	}
	return out
}

func viewProto(v views.View) *livechatv1.SavedView {
	return &livechatv1.SavedView{
		Id: v.ID.String(), Name: v.Name, Filter: chatapi.FilterProto(v.Filter),
		Count: int32(v.Count), CountMore: v.CountMore,
		CreatedAt: protoconv.Timestamp(v.CreatedAt), UpdatedAt: protoconv.Timestamp(v.UpdatedAt),
	}
}
