// Package privacyapi serves PrivacyService: it converts between the API's
// messages and package privacy's Go values and passes the caller the auth
// interceptor resolved. The rules live in package privacy.
package privacyapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
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

// GetRetentionSettings implements livechatv1connect.PrivacyServiceHandler.
func (h *Handler) GetRetentionSettings(ctx context.Context, _ *livechatv1.GetRetentionSettingsRequest) (*livechatv1.GetRetentionSettingsResponse, error) {
	r, err := h.svc.RetentionSettings(ctx)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetRetentionSettingsResponse{Settings: retentionProto(r)}, nil
}

// UpdateRetentionSettings implements livechatv1connect.PrivacyServiceHandler.
func (h *Handler) UpdateRetentionSettings(ctx context.Context, req *livechatv1.UpdateRetentionSettingsRequest) (*livechatv1.UpdateRetentionSettingsResponse, error) {
	if req.Settings == nil {
		return nil, apperr.New(apperr.Required, "settings are required").WithField("settings")
	}
	in, err := retentionFromProto(req.Settings)
	if err != nil {
		return nil, err
	}
	r, err := h.svc.UpdateRetentionSettings(ctx, principal.From(ctx).Agent(), in)
	if err != nil {
		return nil, err
	}
	return &livechatv1.UpdateRetentionSettingsResponse{Settings: retentionProto(r)}, nil
}

// PreviewRetention implements livechatv1connect.PrivacyServiceHandler.
func (h *Handler) PreviewRetention(ctx context.Context, req *livechatv1.PreviewRetentionRequest) (*livechatv1.PreviewRetentionResponse, error) {
	r, err := retentionFromProto(req.Settings)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.PreviewRetention(ctx, r)
	if err != nil {
		return nil, err
	}
	out := &livechatv1.PreviewRetentionResponse{
		ClosedConversations: d.ClosedConversations, VisitorSessions: d.VisitorSessions,
		Attachments: d.Attachments, PageHistories: d.PageHistories,
	}
	for id, c := range d.Widgets {
		out.Widgets = append(out.Widgets, &livechatv1.WidgetRetentionCounts{
			WidgetId: protoconv.ID(id), ClosedConversations: c.ClosedConversations, VisitorSessions: c.VisitorSessions,
			Attachments: c.Attachments, PageHistories: c.PageHistories,
		})
	}
	slices.SortFunc(out.Widgets, func(a, b *livechatv1.WidgetRetentionCounts) int { return strings.Compare(a.WidgetId, b.WidgetId) })
	return out, nil
}

func optionalDays(v *int32) *int {
	if v == nil {
		return nil
	}
	d := int(*v)
	return &d
}

func optionalDaysProto(v *int) *int32 {
	if v == nil {
		return nil
	}
	d := int32(*v)
	return &d
}

// retentionFromProto converts the policies; a malformed widget id is
// MalformedID on its field.
func retentionFromProto(r *livechatv1.RetentionSettings) (privacy.Retention, error) {
	out := privacy.Retention{ClosedConversationDays: int(r.GetClosedConversationDays()), VisitorSessionDays: int(r.GetVisitorSessionDays()),
		AttachmentDays: int(r.GetAttachmentDays())}
	if n := len(r.GetWidgets()); n > privacy.MaxWidgetRetentions {
		return out, apperr.New(apperr.TooManyItems, "at most %d widget overrides", privacy.MaxWidgetRetentions).WithField("widgets").WithLimit(privacy.MaxWidgetRetentions)
	}
	for i, w := range r.GetWidgets() {
		id, err := protoconv.ParseID(fmt.Sprintf("widgets[%d].widget_id", i), w.WidgetId)
		if err != nil {
			return out, err
		}
		out.Widgets = append(out.Widgets, privacy.WidgetRetention{WidgetID: id, ClosedConversationDays: optionalDays(w.ClosedConversationDays),
			AttachmentDays: optionalDays(w.AttachmentDays), VisitorSessionDays: optionalDays(w.VisitorSessionDays)})
	}
	return out, nil
}

func retentionProto(r privacy.Retention) *livechatv1.RetentionSettings {
	out := &livechatv1.RetentionSettings{ClosedConversationDays: int32(r.ClosedConversationDays), VisitorSessionDays: int32(r.VisitorSessionDays),
		AttachmentDays: int32(r.AttachmentDays)}
	for _, w := range r.Widgets {
		out.Widgets = append(out.Widgets, &livechatv1.WidgetRetention{WidgetId: protoconv.ID(w.WidgetID),
			ClosedConversationDays: optionalDaysProto(w.ClosedConversationDays), AttachmentDays: optionalDaysProto(w.AttachmentDays),
			VisitorSessionDays: optionalDaysProto(w.VisitorSessionDays)})
	}
	return out
}
