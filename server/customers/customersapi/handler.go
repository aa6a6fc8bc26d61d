// Package customersapi serves CustomerService: it converts between the
// API's messages and package customers' Go values and passes the caller the
// auth interceptor resolved. The rules live in package customers.
package customersapi

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat/chatapi"
	"github.com/opensupport/livechat/server/customers"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
	"github.com/opensupport/livechat/server/reqinfo"
	"github.com/opensupport/livechat/server/tags/tagsapi"
)

// Handler serves CustomerService. It embeds no generated Unimplemented
// handler, so a method missing here is a compile error.
type Handler struct {
	svc *customers.Service
}

var _ livechatv1connect.CustomerServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc.
func NewHandler(svc *customers.Service) *Handler { return &Handler{svc: svc} }

// ListCustomers implements livechatv1connect.CustomerServiceHandler.
func (h *Handler) ListCustomers(ctx context.Context, req *livechatv1.ListCustomersRequest) (*livechatv1.ListCustomersResponse, error) {
	f := customers.Filter{
		Query: req.Query, AttributeKey: req.AttributeKey, AttributeValue: req.AttributeValue,
		PageSize: req.PageSize, PageToken: req.PageToken,
	}
	if req.WidgetId != "" {
		id, err := protoconv.ParseID("widget_id", req.WidgetId)
		if err != nil {
			return nil, err
		}
		f.WidgetID = &id
	}
	for _, s := range req.TagIds {
		id, err := protoconv.ParseID("tag_ids", s)
		if err != nil {
			return nil, err
		}
		f.TagIDs = append(f.TagIDs, id)
	}
	if req.SeenAfter != nil {
		t := req.SeenAfter.AsTime()
		f.SeenAfter = &t
	}
	page, err := h.svc.ListCustomers(ctx, principal.From(ctx).Agent(), f)
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListCustomersResponse{NextPageToken: page.NextPageToken, Customers: make([]*livechatv1.Customer, len(page.Customers))}
	for i, c := range page.Customers {
		out.Customers[i] = chatapi.CustomerProto(c)
	}
	return out, nil
}

// GetCustomer implements livechatv1connect.CustomerServiceHandler.
func (h *Handler) GetCustomer(ctx context.Context, req *livechatv1.GetCustomerRequest) (*livechatv1.GetCustomerResponse, error) {
	id, err := protoconv.ParseID("customer_id", req.CustomerId)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.GetCustomer(ctx, principal.From(ctx).Agent(), id)
	if err != nil {
		return nil, err
	}
	out := &livechatv1.GetCustomerResponse{
		Profile:       profileProto(d.Profile),
		Conversations: make([]*livechatv1.CustomerConversation, len(d.Conversations)),
		Changes:       changesProto(d.Changes),
	}
	for i, c := range d.Conversations {
		out.Conversations[i] = &livechatv1.CustomerConversation{
			Id: protoconv.ID(c.ID), Status: chatapi.StatusProto(c.Status),
			CreatedAt: protoconv.Timestamp(c.CreatedAt), LastMessageAt: protoconv.Timestamp(c.LastMessageAt),
			AssigneeName: c.AssigneeName, FirstLine: c.FirstLine,
		}
	}
	return out, nil
}

// UpdateCustomer implements livechatv1connect.CustomerServiceHandler.
func (h *Handler) UpdateCustomer(ctx context.Context, req *livechatv1.CustomerServiceUpdateCustomerRequest) (*livechatv1.CustomerServiceUpdateCustomerResponse, error) {
	id, err := protoconv.ParseID("customer_id", req.CustomerId)
	if err != nil {
		return nil, err
	}
	u := customers.Update{
		Name: req.Name, Email: req.Email, Phone: req.Phone, Company: req.Company, Notes: req.Notes,
		Custom: req.CustomAttributes,
	}
	if req.Tags != nil {
		ids := make([]uuid.UUID, 0, len(req.Tags.TagIds))
		for _, s := range req.Tags.TagIds {
			tid, err := protoconv.ParseID("tags.tag_ids", s)
			if err != nil {
				return nil, err
			}
			ids = append(ids, tid)
		}
		u.Tags = &ids
	}
	p, changes, err := h.svc.UpdateCustomer(ctx, principal.From(ctx).Agent(), id, u)
	if err != nil {
		return nil, err
	}
	return &livechatv1.CustomerServiceUpdateCustomerResponse{Profile: profileProto(p), Changes: changesProto(changes)}, nil
}

// ListAttributeDefinitions implements livechatv1connect.CustomerServiceHandler.
func (h *Handler) ListAttributeDefinitions(ctx context.Context, _ *livechatv1.ListAttributeDefinitionsRequest) (*livechatv1.ListAttributeDefinitionsResponse, error) {
	defs, err := h.svc.ListDefinitions(ctx, principal.From(ctx).Agent())
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListAttributeDefinitionsResponse{Definitions: make([]*livechatv1.AttributeDefinition, len(defs))}
	for i, d := range defs {
		out.Definitions[i] = definitionProto(d)
	}
	return out, nil
}

// CreateAttributeDefinition implements livechatv1connect.CustomerServiceHandler.
func (h *Handler) CreateAttributeDefinition(ctx context.Context, req *livechatv1.CreateAttributeDefinitionRequest) (*livechatv1.CreateAttributeDefinitionResponse, error) {
	t, err := typeFromProto(req.Type)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.CreateDefinition(ctx, principal.From(ctx).Agent(), customers.Definition{Key: req.Key, Label: req.Label, Type: t})
	if err != nil {
		return nil, err
	}
	return &livechatv1.CreateAttributeDefinitionResponse{Definition: definitionProto(d)}, nil
}

// DeleteAttributeDefinition implements livechatv1connect.CustomerServiceHandler.
func (h *Handler) DeleteAttributeDefinition(ctx context.Context, req *livechatv1.DeleteAttributeDefinitionRequest) (*livechatv1.DeleteAttributeDefinitionResponse, error) {
	id, err := protoconv.ParseID("definition_id", req.DefinitionId)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteDefinition(ctx, principal.From(ctx).Agent(), id); err != nil {
		return nil, err
	}
	return &livechatv1.DeleteAttributeDefinitionResponse{}, nil
}

// ReportVisitorContext implements livechatv1connect.CustomerServiceHandler.
func (h *Handler) ReportVisitorContext(ctx context.Context, req *livechatv1.ReportVisitorContextRequest) (*livechatv1.ReportVisitorContextResponse, error) {
	r := customers.Report{Referrer: req.Referrer, Pages: make([]customers.ReportedPage, len(req.Pages))}
	for i, p := range req.Pages {
		r.Pages[i] = customers.ReportedPage{URL: p.Url, Title: p.Title, Ago: time.Duration(p.MsAgo) * time.Millisecond}
	}
	if d := req.Device; d != nil {
		r.Device = &customers.Device{
			Browser: d.Browser, OS: d.Os, DeviceType: d.DeviceType, ScreenWidth: int(d.ScreenWidth), ScreenHeight: int(d.ScreenHeight),
			Language: d.Language, TimeZone: d.TimeZone,
		}
	}
	if err := h.svc.ReportVisitorContext(ctx, principal.From(ctx).Visitor(), reqinfo.ClientIP(ctx), r); err != nil {
		return nil, err
	}
	return &livechatv1.ReportVisitorContextResponse{}, nil
}

// SetVisitorAttributes implements livechatv1connect.CustomerServiceHandler.
func (h *Handler) SetVisitorAttributes(ctx context.Context, req *livechatv1.SetVisitorAttributesRequest) (*livechatv1.SetVisitorAttributesResponse, error) {
	if err := h.svc.SetVisitorAttributes(ctx, principal.From(ctx).Visitor(), req.Attributes); err != nil {
		return nil, err
	}
	return &livechatv1.SetVisitorAttributesResponse{}, nil
}

func contextProto(c *customers.VisitorContext) *livechatv1.VisitorContext {
	if c == nil {
		return nil
	}
	out := &livechatv1.VisitorContext{
		Referrer: c.Referrer, IpAddress: c.IP, Country: c.Country, City: c.City, UpdatedAt: protoconv.Timestamp(c.UpdatedAt),
		Device: &livechatv1.DeviceInfo{
			Browser: c.Device.Browser, Os: c.Device.OS, DeviceType: c.Device.DeviceType,
			ScreenWidth: int32(c.Device.ScreenWidth), ScreenHeight: int32(c.Device.ScreenHeight),
			Language: c.Device.Language, TimeZone: c.Device.TimeZone,
		},
		Trail: make([]*livechatv1.PageView, len(c.Trail)),
	}
	for i, p := range c.Trail {
		out.Trail[i] = &livechatv1.PageView{Url: p.URL, Title: p.Title, SeenAt: protoconv.Timestamp(p.SeenAt)}
	}
	if len(out.Trail) > 0 {
		out.CurrentPage = out.Trail[0]
	}
	return out
}

func profileProto(p customers.Profile) *livechatv1.CustomerProfile {
	out := &livechatv1.CustomerProfile{Customer: chatapi.CustomerProto(p.Customer), Notes: p.Notes,
		CustomAttributes: make([]*livechatv1.AttributeValue, len(p.Custom)), Context: contextProto(p.Context)}
	for i, v := range p.Custom {
		out.CustomAttributes[i] = &livechatv1.AttributeValue{
			Key: v.Definition.Key, Label: v.Definition.Label, Type: typeProto(v.Definition.Type), Value: v.Value,
		}
	}
	out.Tags = make([]*livechatv1.Tag, len(p.Tags))
	for i, t := range p.Tags {
		out.Tags[i] = tagsapi.TagProto(t)
	}
	return out
}

func changesProto(cs []customers.Change) []*livechatv1.CustomerChange {
	out := make([]*livechatv1.CustomerChange, len(cs))
	for i, c := range cs {
		out[i] = &livechatv1.CustomerChange{
			AgentId: protoconv.OptionalID(c.AgentID), AgentName: c.AgentName, Field: c.Field,
			OldValue: c.Old, NewValue: c.New, ChangedAt: protoconv.Timestamp(c.ChangedAt),
			ByWebsite: c.AgentID == nil && c.AgentName == "",
		}
	}
	return out
}

func definitionProto(d customers.Definition) *livechatv1.AttributeDefinition {
	return &livechatv1.AttributeDefinition{
		Id: protoconv.ID(d.ID), Key: d.Key, Label: d.Label, Type: typeProto(d.Type), CreatedAt: protoconv.Timestamp(d.CreatedAt),
	}
}

func typeProto(t customers.Type) livechatv1.AttributeType {
	return livechatv1.AttributeType(livechatv1.AttributeType_value["ATTRIBUTE_TYPE_"+strings.ToUpper(string(t))])
}

// typeFromProto converts a type: UNSPECIFIED is the empty type, which
// package customers refuses as Required; a number outside the enum is
// InvalidValue.
func typeFromProto(t livechatv1.AttributeType) (customers.Type, error) {
	if t == livechatv1.AttributeType_ATTRIBUTE_TYPE_UNSPECIFIED {
		return "", nil
	}
	name, ok := livechatv1.AttributeType_name[int32(t)]
	if !ok {
		return "", apperr.New(apperr.InvalidValue, "unknown type %d", t).WithField("type")
	}
	return customers.Type(strings.ToLower(strings.TrimPrefix(name, "ATTRIBUTE_TYPE_"))), nil
}
