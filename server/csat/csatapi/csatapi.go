// Package csatapi serves WidgetService.RateConversation (through
// widgetsapi.Handler.WithRatings) and converts ratings to the API's
// livechat.v1.Rating. The rules live in package csat.
package csatapi

import (
	"context"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/csat"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
)

// Handler serves the visitor's RateConversation.
type Handler struct {
	svc *csat.Service
}

// NewHandler returns the handler of svc.
func NewHandler(svc *csat.Service) *Handler { return &Handler{svc: svc} }

// RateConversation implements widgetsapi.Rater (which this package does
// not import: widgetsapi imports chatapi, and chatapi this package).
func (h *Handler) RateConversation(ctx context.Context, req *livechatv1.RateConversationRequest) (*livechatv1.RateConversationResponse, error) {
	id, err := protoconv.ParseID("conversation_id", req.ConversationId)
	if err != nil {
		return nil, err
	}
	r, err := h.svc.Rate(ctx, principal.From(ctx).Visitor(), id, int(req.Score), req.Comment)
	if err != nil {
		return nil, err
	}
	return &livechatv1.RateConversationResponse{Rating: RatingProto(&r)}, nil
}

// RatingProto writes a rating; nil (not rated) is nil.
func RatingProto(r *csat.Rating) *livechatv1.Rating {
	if r == nil {
		return nil
	}
	return &livechatv1.Rating{
		Score:           int32(r.Score),
		Scale:           ScaleProto(r.Scale),
		Comment:         r.Comment,
		CreatedAt:       protoconv.Timestamp(r.CreatedAt),
		UpdatedAt:       protoconv.Timestamp(r.UpdatedAt),
		ChangeableUntil: protoconv.Timestamp(r.ChangeableUntil()),
	}
}

// ScaleProto writes a scale.
func ScaleProto(s csat.Scale) livechatv1.CsatScale {
	switch s {
	case csat.ScaleFive:
		return livechatv1.CsatScale_CSAT_SCALE_FIVE
	case csat.ScaleThumbs:
		return livechatv1.CsatScale_CSAT_SCALE_THUMBS
	}
	return livechatv1.CsatScale_CSAT_SCALE_UNSPECIFIED
}
