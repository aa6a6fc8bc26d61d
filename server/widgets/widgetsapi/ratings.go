package widgetsapi

import (
	"context"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
)

// Rater serves WidgetService.RateConversation. Satisfaction ratings are
// their own domain (package csat, served by reportsapi); the visitor calls
// them through WidgetService because that is the service the widget's
// origin and token checks (CORS) cover.
type Rater interface {
	RateConversation(ctx context.Context, req *livechatv1.RateConversationRequest) (*livechatv1.RateConversationResponse, error)
}

// WithRatings returns h serving RateConversation with r.
func (h *Handler) WithRatings(r Rater) *Handler {
	h.ratings = r
	return h
}

// RateConversation implements livechatv1connect.WidgetServiceHandler.
func (h *Handler) RateConversation(ctx context.Context, req *livechatv1.RateConversationRequest) (*livechatv1.RateConversationResponse, error) {
	if h.ratings == nil {
		return nil, apperr.New(apperr.NotAvailable, "ratings are not available on this server")
	}
	return h.ratings.RateConversation(ctx, req)
}
