// Package tagsapi serves TagService: it converts between the API's
// messages and package tags' Go values and passes the caller the auth
// interceptor resolved. The rules live in package tags.
package tagsapi

import (
	"context"
	"strings"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
	"github.com/opensupport/livechat/server/tags"
)

// Handler serves TagService. It embeds no generated Unimplemented handler,
// so a method missing here is a compile error.
type Handler struct {
	svc *tags.Service
}

var _ livechatv1connect.TagServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc.
func NewHandler(svc *tags.Service) *Handler { return &Handler{svc: svc} }

// ListTags implements livechatv1connect.TagServiceHandler.
func (h *Handler) ListTags(ctx context.Context, _ *livechatv1.ListTagsRequest) (*livechatv1.ListTagsResponse, error) {
	ts, err := h.svc.ListTags(ctx, principal.From(ctx).Agent())
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListTagsResponse{Tags: make([]*livechatv1.Tag, len(ts))}
	for i, t := range ts {
		out.Tags[i] = TagProto(t)
	}
	return out, nil
}

// CreateTag implements livechatv1connect.TagServiceHandler.
func (h *Handler) CreateTag(ctx context.Context, req *livechatv1.CreateTagRequest) (*livechatv1.CreateTagResponse, error) {
	in, err := input(req.Name, req.Color)
	if err != nil {
		return nil, err
	}
	t, err := h.svc.CreateTag(ctx, principal.From(ctx).Agent(), in)
	if err != nil {
		return nil, err
	}
	return &livechatv1.CreateTagResponse{Tag: TagProto(t)}, nil
}

// UpdateTag implements livechatv1connect.TagServiceHandler.
func (h *Handler) UpdateTag(ctx context.Context, req *livechatv1.UpdateTagRequest) (*livechatv1.UpdateTagResponse, error) {
	id, err := protoconv.ParseID("tag_id", req.TagId)
	if err != nil {
		return nil, err
	}
	in, err := input(req.Name, req.Color)
	if err != nil {
		return nil, err
	}
	t, err := h.svc.UpdateTag(ctx, principal.From(ctx).Agent(), id, in)
	if err != nil {
		return nil, err
	}
	return &livechatv1.UpdateTagResponse{Tag: TagProto(t)}, nil
}

// DeleteTag implements livechatv1connect.TagServiceHandler.
func (h *Handler) DeleteTag(ctx context.Context, req *livechatv1.DeleteTagRequest) (*livechatv1.DeleteTagResponse, error) {
	id, err := protoconv.ParseID("tag_id", req.TagId)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteTag(ctx, principal.From(ctx).Agent(), id); err != nil {
		return nil, err
	}
	return &livechatv1.DeleteTagResponse{}, nil
}

func input(name string, color livechatv1.TagColor) (tags.Input, error) {
	c, err := colorFromProto(color)
	return tags.Input{Name: name, Color: c}, err
}

// colorFromProto converts a colour: UNSPECIFIED is the empty colour, which
// package tags refuses as Required; a number outside the enum is
// InvalidValue.
func colorFromProto(c livechatv1.TagColor) (tags.Color, error) {
	if c == livechatv1.TagColor_TAG_COLOR_UNSPECIFIED {
		return "", nil
	}
	name, ok := livechatv1.TagColor_name[int32(c)]
	if !ok {
		return "", apperr.New(apperr.InvalidValue, "unknown colour %d", c).WithField("color")
	}
	return tags.Color(strings.ToLower(strings.TrimPrefix(name, "TAG_COLOR_"))), nil
}

// TagProto writes a tag; conversations' tags carry it too.
func TagProto(t tags.Tag) *livechatv1.Tag {
	out := &livechatv1.Tag{
		Id: protoconv.ID(t.ID), Name: t.Name,
		Color: livechatv1.TagColor(livechatv1.TagColor_value["TAG_COLOR_"+strings.ToUpper(string(t.Color))]),
	}
	if !t.CreatedAt.IsZero() {
		out.CreatedAt, out.UpdatedAt = protoconv.Timestamp(t.CreatedAt), protoconv.Timestamp(t.UpdatedAt)
	}
	return out
}
