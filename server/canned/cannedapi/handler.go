// Package cannedapi serves CannedResponseService: it converts between the
// API's messages and package canned's Go values and passes the caller the
// auth interceptor resolved. The rules live in package canned.
package cannedapi

import (
	"context"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/canned"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
)

// Handler serves CannedResponseService. It embeds no generated
// Unimplemented handler, so a method missing here is a compile error.
type Handler struct {
	svc *canned.Service
}

var _ livechatv1connect.CannedResponseServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc.
func NewHandler(svc *canned.Service) *Handler { return &Handler{svc: svc} }

// ListCannedResponses implements livechatv1connect.CannedResponseServiceHandler.
func (h *Handler) ListCannedResponses(ctx context.Context, req *livechatv1.ListCannedResponsesRequest) (*livechatv1.ListCannedResponsesResponse, error) {
	scope, err := scopeFromProto(req.Scope)
	if err != nil {
		return nil, err
	}
	page, err := h.svc.ListResponses(ctx, principal.From(ctx).Agent(), canned.Filter{
		Query: req.Query, Scope: scope, PageSize: req.PageSize, PageToken: req.PageToken,
	})
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListCannedResponsesResponse{
		CannedResponses: make([]*livechatv1.CannedResponse, 0, len(page.Responses)),
		NextPageToken:   page.NextPageToken,
	}
	for _, r := range page.Responses {
		out.CannedResponses = append(out.CannedResponses, responseProto(r))
	}
	return out, nil
}

// CreateCannedResponse implements livechatv1connect.CannedResponseServiceHandler.
func (h *Handler) CreateCannedResponse(ctx context.Context, req *livechatv1.CreateCannedResponseRequest) (*livechatv1.CreateCannedResponseResponse, error) {
	scope, err := scopeFromProto(req.Scope)
	if err != nil {
		return nil, err
	}
	r, err := h.svc.CreateResponse(ctx, principal.From(ctx).Agent(), scope, inputFromProto(req.Response))
	if err != nil {
		return nil, err
	}
	return &livechatv1.CreateCannedResponseResponse{CannedResponse: responseProto(r)}, nil
}

// UpdateCannedResponse implements livechatv1connect.CannedResponseServiceHandler.
func (h *Handler) UpdateCannedResponse(ctx context.Context, req *livechatv1.UpdateCannedResponseRequest) (*livechatv1.UpdateCannedResponseResponse, error) {
	id, err := protoconv.ParseID("canned_response_id", req.CannedResponseId)
	if err != nil {
		return nil, err
	}
	r, err := h.svc.UpdateResponse(ctx, principal.From(ctx).Agent(), id, inputFromProto(req.Response))
	if err != nil {
		return nil, err
	}
	return &livechatv1.UpdateCannedResponseResponse{CannedResponse: responseProto(r)}, nil
}

// DeleteCannedResponse implements livechatv1connect.CannedResponseServiceHandler.
func (h *Handler) DeleteCannedResponse(ctx context.Context, req *livechatv1.DeleteCannedResponseRequest) (*livechatv1.DeleteCannedResponseResponse, error) {
	id, err := protoconv.ParseID("canned_response_id", req.CannedResponseId)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteResponse(ctx, principal.From(ctx).Agent(), id); err != nil {
		return nil, err
	}
	return &livechatv1.DeleteCannedResponseResponse{}, nil
}

// scopeFromProto converts a scope. UNSPECIFIED is canned.ScopeAny: both
// scopes when listing, a missing scope (Required) when creating.
func scopeFromProto(s livechatv1.CannedResponseScope) (canned.Scope, error) {
	switch s {
	case livechatv1.CannedResponseScope_CANNED_RESPONSE_SCOPE_UNSPECIFIED:
		return canned.ScopeAny, nil
	case livechatv1.CannedResponseScope_CANNED_RESPONSE_SCOPE_TEAM:
		return canned.ScopeTeam, nil
	case livechatv1.CannedResponseScope_CANNED_RESPONSE_SCOPE_PERSONAL:
		return canned.ScopePersonal, nil
	}
	return "", apperr.New(apperr.InvalidValue, "unknown scope %d", s).WithField("scope")
}

func inputFromProto(in *livechatv1.CannedResponseInput) canned.Input {
	return canned.Input{
		Shortcut: in.GetShortcut(), Title: in.GetTitle(), Text: in.GetText(), Texts: in.GetTexts(),
	}
}

func responseProto(r canned.Response) *livechatv1.CannedResponse {
	scope := livechatv1.CannedResponseScope_CANNED_RESPONSE_SCOPE_PERSONAL
	if r.Scope == canned.ScopeTeam {
		scope = livechatv1.CannedResponseScope_CANNED_RESPONSE_SCOPE_TEAM
	}
	return &livechatv1.CannedResponse{
		Id: protoconv.ID(r.ID), Scope: scope, Shortcut: r.Shortcut, Title: r.Title, Text: r.Text,
		Texts: r.Texts, Editable: r.Editable,
		CreatedAt: protoconv.Timestamp(r.CreatedAt), UpdatedAt: protoconv.Timestamp(r.UpdatedAt),
	}
}
