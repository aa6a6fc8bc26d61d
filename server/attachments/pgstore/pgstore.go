// Package pgstore is the default attachment store: files in PostgreSQL, in
// chunks of ChunkSize bytes (table attachment_chunks). No statement carries
// a whole file, so a 10 MB upload or download never sits whole in memory,
// and pg_dump backs attachments up with everything else.
package pgstore

import (
	"context"
	"errors"
	"io"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
)

// ChunkSize is the size of every chunk but a file's last.
const ChunkSize = 256 << 10

// Name is the store's name recorded with each attachment.
const Name = "postgres"

// Store keeps files in PostgreSQL.
type Store struct{ q *dbq.Queries }

// New returns the store on pool.
func New(pool *db.Pool) *Store { return &Store{q: db.Queries(pool)} }

// Name implements attachments.Store.
func (s *Store) Name() string { return Name }

// Put implements attachments.Store: one INSERT per chunk, each committed
// on its own, so a slow upload holds no transaction open. The one buffer
// is reused for every chunk.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	buf := make([]byte, ChunkSize)
	var total int64
	for n := int32(0); ; n++ {
		k, err := io.ReadFull(r, buf)
		if k > 0 {
			if err := s.q.InsertAttachmentChunk(ctx, dbq.InsertAttachmentChunkParams{Key: key, N: n, Data: buf[:k]}); err != nil {
				return total, err
			}
			total += int64(k)
		}
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return total, nil
		case err != nil:
			return total, err
		}
	}
}

// Open implements attachments.Store: the reader fetches one chunk at a
// time as it is read.
func (s *Store) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	if off < 0 {
		return nil, apperr.New(apperr.InvalidValue, "negative offset")
	}
	first, err := s.q.AttachmentChunk(ctx, dbq.AttachmentChunkParams{Key: key, N: int32(off / ChunkSize)})
	if err != nil {
		return nil, err
	}
	rd := &reader{ctx: ctx, s: s, key: key, next: int32(off/ChunkSize) + 1, buf: first, left: n, done: len(first) < ChunkSize}
	skip := off % ChunkSize
	if skip > int64(len(first)) {
		skip = int64(len(first))
	}
	rd.buf = first[skip:]
	return rd, nil
}

// Delete implements attachments.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	return s.q.DeleteAttachmentChunks(ctx, key)
}

// reader reads a file chunk by chunk.
type reader struct {
	ctx  context.Context
	s    *Store
	key  string
	next int32
	buf  []byte
	// left is how many bytes may still be read; negative: no bound.
	left int64
	done bool
}

func (r *reader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		data, err := r.s.q.AttachmentChunk(r.ctx, dbq.AttachmentChunkParams{Key: r.key, N: r.next})
		if apperr.Is(err, apperr.NotFound) {
			r.done = true
			return 0, io.EOF
		}
		if err != nil {
			return 0, err
		}
		r.next++
		r.buf = data
		if len(data) < ChunkSize {
			// The last chunk: no need to ask for the next.
			r.done = true
		}
	}
	if r.left > 0 && int64(len(p)) > r.left {
		p = p[:r.left]
	}
	k := copy(p, r.buf)
	r.buf = r.buf[k:]
	if r.left > 0 {
		r.left -= int64(k)
	}
	return k, nil
}

func (r *reader) Close() error { return nil }

// Size returns the size of the file under key, from its chunks, without
// reading them.
func (s *Store) Size(ctx context.Context, key string) (int64, error) {
	return s.q.AttachmentChunkBytes(ctx, key)
}
