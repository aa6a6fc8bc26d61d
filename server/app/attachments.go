package app

import (
	"flag"

	"github.com/opensupport/livechat/server/limits"
)

// registerAttachmentFlags adds the attachment options.
func (c *Config) registerAttachmentFlags(fs *flag.FlagSet) {
	fs.Int64Var(&c.Attachments.MaxBytes, "attachment-max-bytes", int64(c.envInt("LIVECHAT_ATTACHMENT_MAX_BYTES", limits.DefaultAttachmentBytes)),
		"largest file a message may carry, in bytes [$LIVECHAT_ATTACHMENT_MAX_BYTES]")
	fs.DurationVar(&c.Attachments.LinkTTL, "attachment-link-ttl", c.envDuration("LIVECHAT_ATTACHMENT_LINK_TTL", 0),
		"how long a download link works at least; default 15m [$LIVECHAT_ATTACHMENT_LINK_TTL]")
}
