package apperr_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
)

// TestReasonsMatchProto keeps the Go constants and the proto enum one set:
// a reason added on either side without the other fails here.
func TestReasonsMatchProto(t *testing.T) {
	have := map[string]bool{}
	for _, r := range apperr.Reasons() {
		name := "ERROR_REASON_" + string(r)
		if _, ok := livechatv1.ErrorReason_value[name]; !ok {
			t.Errorf("reason %s has no proto enum value %s", r, name)
		}
		if r != apperr.Internal && r.Proto() == livechatv1.ErrorReason_ERROR_REASON_UNSPECIFIED {
			t.Errorf("reason %s maps to UNSPECIFIED", r)
		}
		have[name] = true
	}
	for name, n := range livechatv1.ErrorReason_value {
		if !have[name] {
			t.Errorf("proto enum value %s (%d) has no apperr constant", name, n)
		}
	}
	for _, r := range apperr.Reasons() {
		if r != apperr.Internal && r.Code() == apperr.CodeInternal {
			t.Errorf("reason %s maps to internal", r)
		}
	}
}

func TestToConnectAttachesDetail(t *testing.T) {
	err := fmt.Errorf("send: %w", apperr.New(apperr.RateLimited, "slow down").
		WithField("text").WithLimit(10).WithRetryAfter(3*time.Second))
	ce, logged := apperr.ToConnect(err)
	if logged != nil {
		t.Fatalf("a client error was logged as a fault: %v", logged)
	}
	if ce.Code() != connect.CodeResourceExhausted || ce.Message() != "slow down" {
		t.Fatalf("got %v", ce)
	}
	d := apperr.DetailOf(ce)
	if d == nil {
		t.Fatal("no ErrorDetail attached")
	}
	if d.GetReason() != livechatv1.ErrorReason_ERROR_REASON_RATE_LIMITED || d.GetField() != "text" ||
		d.GetLimit() != 10 || d.GetRetryAfter().AsDuration() != 3*time.Second {
		t.Fatalf("detail = %v", d)
	}
}

func TestToConnectHidesInternal(t *testing.T) {
	secret := errors.New("password=hunter2")
	for _, err := range []error{secret, apperr.Wrap(apperr.Internal, secret, "boom")} {
		ce, logged := apperr.ToConnect(err)
		if ce.Code() != connect.CodeInternal || strings.Contains(ce.Message(), "hunter2") || apperr.DetailOf(ce) != nil {
			t.Fatalf("internal error leaked: %v", ce)
		}
		if logged == nil {
			t.Fatal("an internal error must be logged")
		}
	}
}

func TestNotFoundAs(t *testing.T) {
	base := apperr.New(apperr.NotFound, "not found")
	got := apperr.NotFoundAs(base, apperr.ConversationNotFound, "conversation not found")
	if !apperr.Is(got, apperr.ConversationNotFound) || !errors.Is(got, base) {
		t.Fatalf("got %v", got)
	}
	other := apperr.New(apperr.Unavailable, "down")
	if apperr.NotFoundAs(other, apperr.ConversationNotFound, "x") != error(other) {
		t.Fatal("a non-not-found error must pass unchanged")
	}
	if apperr.NotFoundAs(nil, apperr.ConversationNotFound, "x") != nil {
		t.Fatal("nil must stay nil")
	}
}
