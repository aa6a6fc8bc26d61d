package apperr

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// FromDB translates a database driver error: no rows becomes NotFound with
// notFound as the message, a unique violation AlreadyExists.
//
// Deprecated: the database edge (package db) translates every driver error
// already; use NotFoundAs to re-label a missing row and db.Violated to ask
// about a constraint. FromDB goes away once its last caller has moved.
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
			return Wrap(InvalidValue, err, "malformed value")
		}
	}
	return err
}

// IsUniqueViolation reports whether err is a PostgreSQL unique violation,
// optionally of one named constraint.
//
// Deprecated: use db.Violated.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return false
	}
	return constraint == "" || pgErr.ConstraintName == constraint
}
