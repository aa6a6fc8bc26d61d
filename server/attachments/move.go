package attachments

import (
	"context"
	"io"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
)

// sizedPutter is a store that stores a file of known size better than one
// of unknown size (S3: one request, no part buffer).
type sizedPutter interface {
	PutSized(ctx context.Context, key string, r io.Reader, size int64) error
}

// MoveAll moves every file (and kept thumbnail) from the store named from
// to the store to, one at a time: copied, then the attachment records the
// new store, then the old copy is deleted. A move cut short leaves every
// file readable, and running it again carries on. It returns how many
// files moved; progress, when not nil, is told after each.
func (s *Service) MoveAll(ctx context.Context, from string, to Store, progress func(moved int)) (int, error) {
	src, ok := s.stores[from]
	if !ok {
		return 0, errUnknownStore(from)
	}
	moved := 0
	after := uuid.Nil
	for {
		rows, err := s.q.AttachmentsInStore(ctx, dbq.AttachmentsInStoreParams{Store: from, After: after, MaxRows: 100})
		if err != nil || len(rows) == 0 {
			return moved, err
		}
		for _, r := range rows {
			after = r.ID
			keys := []string{r.ID.String()}
			if r.ThumbnailSize != nil {
				keys = append(keys, thumbKey(r.ID))
			}
			for _, k := range keys {
				if err := copyFile(ctx, src, to, k); err != nil {
					return moved, err
				}
			}
			if err := s.q.MoveAttachmentStore(ctx, dbq.MoveAttachmentStoreParams{ID: r.ID, FromStore: from, ToStore: to.Name()}); err != nil {
				return moved, err
			}
			for _, k := range keys {
				if err := src.Delete(ctx, k); err != nil {
					return moved, err
				}
			}
			moved++
			if progress != nil {
				progress(moved)
			}
		}
	}
}

func copyFile(ctx context.Context, from, to Store, key string) error {
	rc, err := from.Open(ctx, key, 0, -1)
	if err != nil {
		return err
	}
	defer rc.Close()
	if sp, ok := to.(sizedPutter); ok {
		if c, ok := from.(interface {
			Size(ctx context.Context, key string) (int64, error)
		}); ok {
			n, err := c.Size(ctx, key)
			if err != nil {
				return err
			}
			return sp.PutSized(ctx, key, rc, n)
		}
	}
	_, err = to.Put(ctx, key, rc)
	return err
}
