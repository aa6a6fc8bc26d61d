package attachments

import (
	"context"
	"io"
)

// Store keeps the bytes of files under keys. The PostgreSQL store
// (package pgstore) is the default; the S3 store serves installations that
// outgrow it. A Store never needs a whole file in memory: Put reads its
// reader to the end in pieces, Open hands back a reader.
type Store interface {
	// Name is the store's name as recorded with each attachment
	// ("postgres", "s3"), so files stay readable after the configured
	// store changes.
	Name() string
	// Put stores r's bytes under key and returns how many there were. A key
	// is written once; on an error, nothing usable is left under it (the
	// caller deletes what a failed Put may have left).
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open reads up to n bytes (n < 0: to the end) of the file under key
	// from offset off. A missing key is apperr.NotFound.
	Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error)
	// Delete removes the file under key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}
