package attachments

import (
	"context"
	"io"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
)

// ReadFile reads a sent or unsent file's bytes from the store holding
// them, for whoever the caller already allowed (the privacy export, which
// an admin asked for); no link is involved.
// Errors: NotFound for an unknown file or one whose bytes a retention
// policy removed.
func (s *Service) ReadFile(ctx context.Context, id uuid.UUID) (io.ReadCloser, error) {
	row, err := s.q.GetAttachment(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, apperr.NotFound, "file not found")
	}
	if row.RemovedAt != nil {
		return nil, apperr.New(apperr.NotFound, "the file was removed by the retention policy")
	}
	store, ok := s.stores[row.Store]
	if !ok {
		return nil, errUnknownStore(row.Store)
	}
	return store.Open(ctx, id.String(), 0, -1)
}
