// Package apperr is livechat's one error type. Every error the server means
// to return carries a Reason: a stable, machine-readable cause that is one of
// the livechat.v1.ErrorReason values. Each reason maps to exactly one Connect
// code (see codes); ToConnect turns an error into the Connect error a client
// sees in exactly one place, attaching a livechat.v1.ErrorDetail with the
// reason and its parameters (field, limit, retry_after), so clients choose
// their translated text from the reason and never from the English message.
// Internal details never leave the server.
//
// apperr knows nothing about the database: the database edge (package db)
// translates driver errors into these errors once.
package apperr

import (
	"context"
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"
	"google.golang.org/protobuf/types/known/durationpb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// Error is an error with a reason. Message is shown to the client (except
// for Internal) and is meant for developers and logs; Cause stays on the
// server for logs and errors.Is. Field, Limit and RetryAfter are the
// reason's parameters, sent in the error detail.
type Error struct {
	Reason     Reason
	Message    string
	Cause      error
	Field      string
	Limit      int64
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Cause)
	}
	return e.Message
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Cause }

// WithField names the request field the error is about, by its proto name.
func (e *Error) WithField(field string) *Error { e.Field = field; return e }

// WithLimit records the limit that was crossed, in the unit the reason names.
func (e *Error) WithLimit(limit int64) *Error { e.Limit = limit; return e }

// WithRetryAfter records how long the client should wait before retrying.
func (e *Error) WithRetryAfter(d time.Duration) *Error { e.RetryAfter = d; return e }

// New returns an error with a reason and a client-facing message.
func New(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches a server-side cause to an error with a reason.
func Wrap(r Reason, cause error, format string, args ...any) *Error {
	return &Error{Reason: r, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// ReasonOf returns the reason of err, or Internal for an error without one.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return Internal
}

// Is reports whether err carries the reason.
func Is(err error, r Reason) bool {
	return err != nil && ReasonOf(err) == r
}

// CodeOf returns the Connect code class of err: the code its reason maps to,
// or CodeInternal for an error without a reason.
func CodeOf(err error) Code { return ReasonOf(err).Code() }

// HasCode reports whether err's reason maps to the code. Prefer Is with a
// reason; HasCode is for callers that only care about the class (a test of
// "any not-found", a CLI choosing an exit status).
func HasCode(err error, c Code) bool {
	return err != nil && CodeOf(err) == c
}

// NotFoundAs re-labels the database edge's generic not-found error with the
// domain's specific reason and message (a missing row of a conversation
// query is ConversationNotFound). Any other error, or nil, is returned
// unchanged.
func NotFoundAs(err error, r Reason, format string, args ...any) error {
	if Is(err, NotFound) {
		return Wrap(r, err, format, args...)
	}
	return err
}

// ToConnect converts any error into the Connect error the client sees. It
// returns the error to log (non-nil only for faults of the server) so the
// caller can log it with the request id.
func ToConnect(err error) (public *connect.Error, internal error) {
	if err == nil {
		return nil, nil
	}
	var ce *connect.Error
	if errors.As(err, &ce) && !ce.IsRemote() {
		return ce, nil
	}
	if errors.Is(err, context.Canceled) {
		return connect.NewError(connect.CodeCanceled, "canceled"), nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return connect.NewError(connect.CodeDeadlineExceeded, "deadline exceeded"), nil
	}
	var e *Error
	if errors.As(err, &e) && e.Reason.Code() != CodeInternal {
		out := connect.NewError(e.Reason.Code().connect(), e.Message)
		if d, derr := connectproto.NewErrorDetail(e.Detail()); derr == nil {
			out = out.WithDetail(d)
		}
		var logged error
		if e.Reason == TextInvalid && e.Cause != nil {
			// Validation should have refused such text already; if a path
			// missed it, the client still learns it was their input, and
			// the server logs the path to fix.
			logged = err
		}
		return out, logged
	}
	return connect.NewError(connect.CodeInternal, "internal error"), err
}

// Detail is the error detail ToConnect attaches.
func (e *Error) Detail() *livechatv1.ErrorDetail {
	d := &livechatv1.ErrorDetail{Reason: e.Reason.Proto(), Field: e.Field, Limit: e.Limit}
	if e.RetryAfter > 0 {
		d.RetryAfter = durationpb.New(e.RetryAfter)
	}
	return d
}

// DetailOf returns the error detail of a Connect error a client received,
// or nil when it has none (for example an internal error).
func DetailOf(err error) *livechatv1.ErrorDetail {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return nil
	}
	for _, d := range ce.Details() {
		v, derr := connectproto.UnmarshalErrorDetail(d)
		if derr != nil {
			continue
		}
		if ed, ok := v.(*livechatv1.ErrorDetail); ok {
			return ed
		}
	}
	return nil
}
