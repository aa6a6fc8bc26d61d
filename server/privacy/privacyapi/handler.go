// Package privacyapi serves PrivacyService: it converts between the API's
// messages and package privacy's Go values and passes the caller the auth
// interceptor resolved. The rules live in package privacy.
package privacyapi

import (
	"context"
	"encoding/json"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/privacy"
	"github.com/opensupport/livechat/server/protoconv"
)

// Handler serves PrivacyService. It embeds no generated Unimplemented
// handler, so a method missing here is a compile error.
type Handler struct {
	svc *privacy.Service
}

var _ livechatv1connect.PrivacyServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc.
func NewHandler(svc *privacy.Service) *Handler { return &Handler{svc: svc} }

// ExportCustomer implements livechatv1connect.PrivacyServiceHandler.
func (h *Handler) ExportCustomer(ctx context.Context, req *livechatv1.ExportCustomerRequest) (*livechatv1.ExportCustomerResponse, error) {
	id, err := protoconv.ParseID("customer_id", req.CustomerId)
	if err != nil {
		return nil, err
	}
	a, err := h.svc.Export(ctx, principal.From(ctx).Agent(), id)
	if err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, err
	}
	return &livechatv1.ExportCustomerResponse{Data: data, ContentType: "application/json", Filename: "customer-" + req.CustomerId + ".json"}, nil
}

// EraseCustomer implements livechatv1connect.PrivacyServiceHandler.
func (h *Handler) EraseCustomer(ctx context.Context, req *livechatv1.EraseCustomerRequest) (*livechatv1.EraseCustomerResponse, error) {
	id, err := protoconv.ParseID("customer_id", req.CustomerId)
	if err != nil {
		return nil, err
	}
	e, err := h.svc.Erase(ctx, principal.From(ctx).Agent(), id)
	if err != nil {
		return nil, err
	}
	return &livechatv1.EraseCustomerResponse{ErasedAt: protoconv.Timestamp(e.ErasedAt), Already: e.Already}, nil
}
