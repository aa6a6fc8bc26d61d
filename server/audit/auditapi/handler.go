// Package auditapi serves AuditService: it converts between the API's
// messages and package audit's Go values and passes the caller the auth
// interceptor resolved. The rules live in package audit.
package auditapi

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/structpb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
)

// Handler serves AuditService. It embeds no generated Unimplemented
// handler, so a method missing here is a compile error.
type Handler struct {
	svc *audit.Service
}

var _ livechatv1connect.AuditServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc.
func NewHandler(svc *audit.Service) *Handler { return &Handler{svc: svc} }

// ListAuditEntries implements livechatv1connect.AuditServiceHandler.
func (h *Handler) ListAuditEntries(ctx context.Context, req *livechatv1.ListAuditEntriesRequest) (*livechatv1.ListAuditEntriesResponse, error) {
	f, err := filterFromProto(req.Filter)
	if err != nil {
		return nil, err
	}
	page, err := h.svc.List(ctx, f, req.PageSize, req.PageToken)
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListAuditEntriesResponse{
		Entries: make([]*livechatv1.AuditEntry, len(page.Entries)), NextPageToken: page.NextPageToken,
		KnownActions: make([]string, len(audit.Actions)),
	}
	for i, e := range page.Entries {
		out.Entries[i] = entryProto(e)
	}
	for i, a := range audit.Actions {
		out.KnownActions[i] = string(a)
	}
	return out, nil
}

// ExportAuditEntries implements livechatv1connect.AuditServiceHandler.
func (h *Handler) ExportAuditEntries(ctx context.Context, req *livechatv1.ExportAuditEntriesRequest) (*livechatv1.ExportAuditEntriesResponse, error) {
	f, err := filterFromProto(req.Filter)
	if err != nil {
		return nil, err
	}
	var format audit.Format
	switch req.Format {
	case livechatv1.AuditExportFormat_AUDIT_EXPORT_FORMAT_CSV:
		format = audit.CSV
	case livechatv1.AuditExportFormat_AUDIT_EXPORT_FORMAT_JSON:
		format = audit.JSON
	default:
		return nil, apperr.New(apperr.InvalidValue, "format must be AUDIT_EXPORT_FORMAT_CSV or AUDIT_EXPORT_FORMAT_JSON").WithField("format")
	}
	x, err := h.svc.Export(ctx, principal.From(ctx).Agent(), f, format)
	if err != nil {
		return nil, err
	}
	return &livechatv1.ExportAuditEntriesResponse{
		Data: x.Data, ContentType: x.ContentType, Filename: x.Filename, Count: int32(x.Count), Truncated: x.Truncated,
	}, nil
}

// GetAuditSettings implements livechatv1connect.AuditServiceHandler.
func (h *Handler) GetAuditSettings(ctx context.Context, _ *livechatv1.GetAuditSettingsRequest) (*livechatv1.GetAuditSettingsResponse, error) {
	st, err := h.svc.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetAuditSettingsResponse{Settings: settingsProto(st)}, nil
}

// UpdateAuditSettings implements livechatv1connect.AuditServiceHandler.
func (h *Handler) UpdateAuditSettings(ctx context.Context, req *livechatv1.UpdateAuditSettingsRequest) (*livechatv1.UpdateAuditSettingsResponse, error) {
	if req.Settings == nil {
		return nil, apperr.New(apperr.Required, "settings are required").WithField("settings")
	}
	st, err := h.svc.UpdateSettings(ctx, principal.From(ctx).Agent(), audit.Settings{RetentionDays: int(req.Settings.RetentionDays)})
	if err != nil {
		return nil, err
	}
	return &livechatv1.UpdateAuditSettingsResponse{Settings: settingsProto(st)}, nil
}

func settingsProto(st audit.Settings) *livechatv1.AuditSettings {
	return &livechatv1.AuditSettings{RetentionDays: int32(st.RetentionDays)}
}

func filterFromProto(f *livechatv1.AuditFilter) (audit.Filter, error) {
	if f == nil {
		return audit.Filter{}, nil
	}
	out := audit.Filter{Action: audit.Action(f.Action), Query: f.Query}
	if f.ActorId != "" {
		id, err := protoconv.ParseID("filter.actor_id", f.ActorId)
		if err != nil {
			return audit.Filter{}, err
		}
		out.ActorID = id
	}
	if f.Since != nil {
		out.Since = f.Since.AsTime()
	}
	if f.Until != nil {
		out.Until = f.Until.AsTime()
	}
	return out, nil
}

func entryProto(e audit.Entry) *livechatv1.AuditEntry {
	out := &livechatv1.AuditEntry{
		Id: e.ID, At: protoconv.Timestamp(e.At), ActorName: e.ActorName, Action: string(e.Action),
		TargetType: e.Target.Type, TargetId: e.Target.ID, TargetName: e.Target.Name, ClientIp: e.ClientIP,
	}
	if e.ActorID != uuid.Nil {
		out.ActorId = protoconv.ID(e.ActorID)
	}
	if e.TokenID != uuid.Nil {
		out.TokenId = protoconv.ID(e.TokenID)
	}
	// Details were decoded from JSON, so every value converts.
	out.Details, _ = structpb.NewStruct(e.Details)
	return out
}
