package db

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
)

// This file is the database edge: the one place that knows the driver's
// errors. Every query made through Queries or Tx returns errors already
// translated into apperr errors, so domain code never imports pgx or pgconn:
//
//   - no rows: apperr.NotFound (the domain re-labels it with its specific
//     reason, apperr.NotFoundAs);
//   - a unique, foreign-key, check or not-null violation: the meaning of the
//     constraint from the constraints table, or AlreadyExists/InvalidValue;
//     Violated asks which constraint it was;
//   - text PostgreSQL cannot store (NUL, invalid UTF-8): TextInvalid;
//   - the database going away (connection lost, admin shutdown, starting up,
//     the pool closed, a failed dial): Unavailable, which clients retry.
//
// The translated error wraps the driver's, so logs keep the whole story.

// Pool is the connection pool domain services are built on. It is the
// driver's pool under a name of the edge, so a domain package depends on
// db alone.
type Pool = pgxpool.Pool

// Queries returns the sqlc queries over d (a pool, a connection or a
// transaction) with every error translated at the edge.
func Queries(d dbq.DBTX) *dbq.Queries {
	return dbq.New(edge{d})
}

// Tx runs fn in a transaction on pool, with queries whose errors are
// translated. It commits when fn returns nil and rolls back otherwise; fn's
// error is returned as it is.
func Tx(ctx context.Context, pool *Pool, fn func(q *dbq.Queries) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return Translate(err)
	}
	// Rollback after Commit is a no-op; on an error path it releases the
	// connection.
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(Queries(tx)); err != nil {
		return err
	}
	return Translate(tx.Commit(ctx))
}

// Translate turns a driver error into an apperr error (see the top of this
// file). Errors that are already apperr errors, context errors and nil pass
// unchanged; an error the edge does not recognise stays as it is and so is
// internal.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.Wrap(apperr.NotFound, err, "not found")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fromServer(pgErr, err)
	}
	if connectionLost(err) {
		return errUnavailable(err)
	}
	return err
}

// Violated reports whether err is the violation of constraint c, so domain
// code can tell "the username is taken" from another conflict without
// knowing the driver.
func Violated(err error, c Constraint) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "23") && pgErr.ConstraintName == string(c)
}

func errUnavailable(err error) error {
	return apperr.Wrap(apperr.Unavailable, err, "the database is briefly unavailable; try again")
}

// fromServer translates an error PostgreSQL reported.
func fromServer(pgErr *pgconn.PgError, err error) error {
	switch {
	case strings.HasPrefix(pgErr.Code, "08"), // connection exception
		pgErr.Code == "57P01", // admin_shutdown
		pgErr.Code == "57P02", // crash_shutdown
		pgErr.Code == "57P03", // cannot_connect_now (starting up)
		pgErr.Code == "53300", // too_many_connections
		pgErr.Code == "40001", // serialization_failure: nothing was done
		pgErr.Code == "40P01": // deadlock_detected: nothing was done
		return errUnavailable(err)
	case pgErr.Code == "22021" || pgErr.Code == "22P05":
		// character_not_in_repertoire (NUL, invalid UTF-8) and
		// untranslatable_character. Validation should refuse such text
		// first; apperr.ToConnect logs the cause so the path gets fixed.
		return apperr.Wrap(apperr.TextInvalid, err, "a text value contains characters that cannot be stored (such as NUL or invalid UTF-8)")
	case pgErr.Code == "22P02" || pgErr.Code == "22001" || pgErr.Code == "22003":
		// invalid_text_representation, string_data_right_truncation,
		// numeric_value_out_of_range.
		return apperr.Wrap(apperr.InvalidValue, err, "a value is malformed or out of range")
	case strings.HasPrefix(pgErr.Code, "23"):
		if m, ok := constraints[Constraint(pgErr.ConstraintName)]; ok {
			return apperr.Wrap(m.reason, err, "%s", m.message).WithField(m.field)
		}
		if pgErr.Code == "23505" {
			return apperr.Wrap(apperr.AlreadyExists, err, "already exists")
		}
		return apperr.Wrap(apperr.InvalidValue, err, "a value is not allowed")
	}
	return err
}

// connectionLost reports whether err means the connection to the database
// is gone or could not be made: the request did not fail because of what it
// asked, and a retry may succeed.
func connectionLost(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) ||
		errors.As(err, &netErr) ||
		errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, puddle.ErrClosedPool) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) ||
		pgconn.SafeToRetry(err)
}

// edge is a dbq.DBTX whose errors are translated.
type edge struct{ d dbq.DBTX }

func (e edge) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	tag, err := e.d.Exec(ctx, sql, args...)
	return tag, Translate(err)
}

func (e edge) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	r, err := e.d.Query(ctx, sql, args...)
	if err != nil {
		return nil, Translate(err)
	}
	return rows{r}, nil
}

func (e edge) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return row{e.d.QueryRow(ctx, sql, args...)}
}

type row struct{ pgx.Row }

func (r row) Scan(dest ...any) error { return Translate(r.Row.Scan(dest...)) }

type rows struct{ pgx.Rows }

func (r rows) Scan(dest ...any) error { return Translate(r.Rows.Scan(dest...)) }
func (r rows) Err() error             { return Translate(r.Rows.Err()) }

// Listen subscribes conn to notifications on channel (LISTEN cannot take
// a parameter, so the channel is quoted as an identifier here, once).
func Listen(ctx context.Context, conn *pgx.Conn, channel string) error {
	_, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize())
	return Translate(err)
}
