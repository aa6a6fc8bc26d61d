package protoconv_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/protoconv"
)

func TestParseID(t *testing.T) {
	id := uuid.New()
	if got, err := protoconv.ParseID("conversation_id", id.String()); err != nil || got != id {
		t.Fatalf("ParseID(valid) = %v, %v", got, err)
	}
	// The all-zero id is well formed: the lookup, not the parser, says it
	// names nothing.
	if got, err := protoconv.ParseID("conversation_id", uuid.Nil.String()); err != nil || got != uuid.Nil {
		t.Fatalf("ParseID(zero) = %v, %v", got, err)
	}
	if _, err := protoconv.ParseID("conversation_id", ""); !apperr.Is(err, apperr.Required) {
		t.Fatalf("ParseID(empty) = %v", err)
	}
	for _, bad := range []string{"123", "{" + id.String() + "}", "urn:uuid:" + id.String(), "zzzzzzzz-e89b-12d3-a456-426614174000"} {
		_, err := protoconv.ParseID("conversation_id", bad)
		var e *apperr.Error
		if !apperr.Is(err, apperr.MalformedID) || !asError(err, &e) || e.Field != "conversation_id" {
			t.Fatalf("ParseID(%q) = %v", bad, err)
		}
	}
}

func TestTimestamp(t *testing.T) {
	if protoconv.Timestamp(time.Time{}) != nil || protoconv.OptionalTimestamp(nil) != nil {
		t.Fatal("an unset time must be nil")
	}
	now := time.Now()
	if !protoconv.OptionalTimestamp(&now).AsTime().Equal(now) {
		t.Fatal("round trip")
	}
}

func asError(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*target = e
	return ok
}
