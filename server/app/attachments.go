package app

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/attachments/pgstore"
	"github.com/opensupport/livechat/server/attachments/s3store"
	"github.com/opensupport/livechat/server/limits"
)

// registerAttachmentFlags adds the attachment options.
func (c *Config) registerAttachmentFlags(fs *flag.FlagSet) {
	fs.Int64Var(&c.Attachments.MaxBytes, "attachment-max-bytes", int64(c.envInt("LIVECHAT_ATTACHMENT_MAX_BYTES", limits.DefaultAttachmentBytes)),
		"largest file a message may carry, in bytes [$LIVECHAT_ATTACHMENT_MAX_BYTES]")
	fs.DurationVar(&c.Attachments.LinkTTL, "attachment-link-ttl", c.envDuration("LIVECHAT_ATTACHMENT_LINK_TTL", 0),
		"how long a download link works at least; default 15m [$LIVECHAT_ATTACHMENT_LINK_TTL]")
	c.RegisterS3Flags(fs)
}

// RegisterS3Flags adds the options of the attachment store (also used by
// `livechat attachments migrate-to-s3`).
func (c *Config) RegisterS3Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.AttachmentStore, "attachment-store", envOr("LIVECHAT_ATTACHMENT_STORE", pgstore.Name),
		"where new attachments are kept: postgres or s3 [$LIVECHAT_ATTACHMENT_STORE]")
	fs.StringVar(&c.S3.URL, "s3-url", envOr("LIVECHAT_S3_URL", ""), "S3 endpoint, e.g. https://s3.eu-west-1.amazonaws.com [$LIVECHAT_S3_URL]")
	fs.StringVar(&c.S3.Bucket, "s3-bucket", envOr("LIVECHAT_S3_BUCKET", "livechat"), "S3 bucket [$LIVECHAT_S3_BUCKET]")
	fs.StringVar(&c.S3.Region, "s3-region", envOr("LIVECHAT_S3_REGION", "us-east-1"), "S3 region [$LIVECHAT_S3_REGION]")
	fs.StringVar(&c.S3.AccessKey, "s3-access-key", envOr("LIVECHAT_S3_ACCESS_KEY", ""), "S3 access key [$LIVECHAT_S3_ACCESS_KEY]")
	fs.StringVar(&c.S3.SecretKey, "s3-secret-key", envOr("LIVECHAT_S3_SECRET_KEY", ""), "S3 secret key [$LIVECHAT_S3_SECRET_KEY]")
}

// AttachmentStores returns the store new files go to and the others files
// may still be in: PostgreSQL is always readable (files kept there before
// a move to S3 stay served); S3 when it is configured.
func AttachmentStores(cfg Config, pool *pgxpool.Pool) (attachments.Store, []attachments.Store, error) {
	pg := pgstore.New(pool)
	switch cfg.AttachmentStore {
	case "", pgstore.Name:
		if cfg.S3.URL == "" {
			return pg, nil, nil
		}
		s3, err := connectS3(cfg.S3)
		if err != nil {
			return nil, nil, err
		}
		return pg, []attachments.Store{s3}, nil
	case s3store.Name:
		s3, err := connectS3(cfg.S3)
		if err != nil {
			return nil, nil, err
		}
		return s3, []attachments.Store{pg}, nil
	}
	return nil, nil, fmt.Errorf("--attachment-store must be postgres or s3, not %q", cfg.AttachmentStore)
}

func connectS3(cfg s3store.Config) (*s3store.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := s3store.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("attachment store S3 at %q: %w", cfg.URL, err)
	}
	return s, nil
}
