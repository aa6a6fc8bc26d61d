package limits

import (
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
)

// EncodeTimeCursor is the page token of a list sorted by (time, id): the
// last row's sort key, as microseconds since the epoch (PostgreSQL's
// precision) and id. Page tokens are opaque to clients.
func EncodeTimeCursor(at time.Time, id uuid.UUID) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], uint64(at.UnixMicro()))
	copy(b[8:], id[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// DecodeTimeCursor reads a token of EncodeTimeCursor; MalformedCursor
// (field page_token) when it is not one.
func DecodeTimeCursor(tok string) (time.Time, uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 24 {
		return time.Time{}, uuid.Nil, apperr.New(apperr.MalformedCursor, "malformed page token").WithField("page_token")
	}
	id, _ := uuid.FromBytes(b[8:])
	return time.UnixMicro(int64(binary.BigEndian.Uint64(b[:8]))), id, nil
}

// EncodeIDCursor is the page token of a list sorted by a key the database
// reads from the last row itself (such as lower(name), id): its id.
func EncodeIDCursor(id uuid.UUID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// DecodeIDCursor reads a token of EncodeIDCursor; MalformedCursor (field
// page_token) when it is not one.
func DecodeIDCursor(tok string) (uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 16 {
		return uuid.Nil, apperr.New(apperr.MalformedCursor, "malformed page token").WithField("page_token")
	}
	id, _ := uuid.FromBytes(b)
	return id, nil
}
