package attachmentsapi

import (
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/protoconv"
)

// AttachmentProto writes a file's metadata and links.
func AttachmentProto(a attachments.Attachment) *livechatv1.Attachment {
	out := &livechatv1.Attachment{
		Id: protoconv.ID(a.ID), FileName: a.FileName, ContentType: a.ContentType, Size: a.Size,
		Width: a.Width, Height: a.Height, Url: a.URL, ThumbnailUrl: a.ThumbnailURL,
	}
	if a.RemovedAt != nil {
		out.RemovedAt = protoconv.Timestamp(*a.RemovedAt)
	}
	return out
}
