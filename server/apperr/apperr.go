// Package apperr is livechat's one error type. Domain code returns these
// coded errors; ToConnect turns them into Connect errors in exactly one
// place, so a client always gets a clear code and a message meant for it,
// and internal details never leave the server.
package apperr

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Code classifies an error by what the caller can do about it.
type Code int

// The codes. Each maps to one Connect code in ToConnect.
const (
	// Internal is a fault of the server; its message is never shown.
	Internal Code = iota
	// Invalid: the request is malformed or a value is out of range.
	Invalid
	// NotFound: the thing does not exist, or the caller may not know it does.
	NotFound
	// AlreadyExists: a unique name or key is taken.
	AlreadyExists
	// FailedPrecondition: the request is valid but not in the current state.
	FailedPrecondition
	// Unauthenticated: no valid credentials.
	Unauthenticated
	// PermissionDenied: valid credentials, but not allowed.
	PermissionDenied
	// ResourceExhausted: a rate limit or a buffer is exhausted.
	ResourceExhausted
	// Unavailable: try again (for example the server is shutting down).
	Unavailable
)

var toConnect = map[Code]connect.Code{
	Internal:           connect.CodeInternal,
	Invalid:            connect.CodeInvalidArgument,
	NotFound:           connect.CodeNotFound,
	AlreadyExists:      connect.CodeAlreadyExists,
	FailedPrecondition: connect.CodeFailedPrecondition,
	Unauthenticated:    connect.CodeUnauthenticated,
	PermissionDenied:   connect.CodePermissionDenied,
	ResourceExhausted:  connect.CodeResourceExhausted,
	Unavailable:        connect.CodeUnavailable,
}

// Error is a coded error. Message is shown to the client (except for
// Internal); Cause stays on the server for logs and errors.Is.
type Error struct {
	Code    Code
	Message string
	Cause   error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Cause)
	}
	return e.Message
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Cause }

// New returns an error with a code and a client-facing message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches a server-side cause to a coded error.
func Wrap(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// CodeOf returns the code of err, or Internal for an uncoded error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool {
	return err != nil && CodeOf(err) == code
}

// FromDB translates a database driver error once, at the storage edge: no
// rows becomes NotFound with notFound as the message, a unique violation
// becomes AlreadyExists, and anything else stays an internal error.
func FromDB(err error, notFound string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return Wrap(NotFound, err, "%s", notFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return Wrap(AlreadyExists, err, "already exists")
		case "22P02":
			return Wrap(Invalid, err, "malformed value")
		}
	}
	return err
}

// IsUniqueViolation reports whether err is a PostgreSQL unique violation,
// optionally of one named constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return false
	}
	return constraint == "" || pgErr.ConstraintName == constraint
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
	if errors.As(err, &e) && e.Code != Internal {
		return connect.NewError(toConnect[e.Code], e.Message), nil
	}
	// Validation should have refused such text already; if a path missed
	// it, the client still learns it was their input, and the server logs
	// the path to fix.
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && badText[pgErr.Code] {
		return connect.NewError(connect.CodeInvalidArgument, "a text value contains characters that cannot be stored (such as NUL or invalid UTF-8)"), err
	}
	return connect.NewError(connect.CodeInternal, "internal error"), err
}

// badText are the PostgreSQL errors of text a client sent that cannot be
// stored: character_not_in_repertoire (NUL, invalid UTF-8) and
// untranslatable_character.
var badText = map[string]bool{"22021": true, "22P05": true}
