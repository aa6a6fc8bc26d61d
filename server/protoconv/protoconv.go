// Package protoconv holds the conversions every handler makes between proto
// values and domain values: ids and timestamps. Handlers (and the realtime
// encoder) use it; domain packages take and return uuid.UUID and time.Time.
package protoconv

import (
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/opensupport/livechat/server/apperr"
)

// ParseID parses the id a client sent in the request field named field (by
// its proto name). An empty id is Required and a malformed one MalformedID,
// both naming the field. The all-zero UUID is a well-formed id that names
// nothing, so it parses and the lookup answers not found.
func ParseID(field, s string) (uuid.UUID, error) {
	if s == "" {
		return uuid.Nil, apperr.New(apperr.Required, "%s is required", field).WithField(field)
	}
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		// uuid.Parse also takes the braced, urn: and 32-hex forms; the API
		// speaks the canonical form only, so every id has one spelling.
		return uuid.Nil, apperr.New(apperr.MalformedID, "%s is not a valid id (a UUID such as 123e4567-e89b-12d3-a456-426614174000)", field).WithField(field)
	}
	return id, nil
}

// ID writes an id for a response: the canonical form, or "" for the zero
// value of an optional id that is unset.
func ID(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// OptionalID writes an optional id: "" when unset.
func OptionalID(id *uuid.UUID) string {
	if id == nil {
		return ""
	}
	return ID(*id)
}

// Timestamp writes a time for a response; the zero time is unset (nil).
func Timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// OptionalTimestamp writes an optional time: nil when unset.
func OptionalTimestamp(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return Timestamp(*t)
}
