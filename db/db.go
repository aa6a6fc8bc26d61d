// Package db holds the database schema (goose migrations, embedded in the
// binary) and the sqlc-generated queries built from it.
package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations is the schema, one goose migration per file. sqlc reads the same
// folder, so the generated queries always match what the binary applies.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// MigrationsDir is the folder inside Migrations that holds the files.
const MigrationsDir = "migrations"

// newProvider builds a goose provider over the embedded migrations.
func newProvider(sqlDB *sql.DB, opts ...goose.ProviderOption) (*goose.Provider, error) {
	sub, err := fs.Sub(Migrations, MigrationsDir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, sqlDB, sub, opts...)
}

// Migrate applies every pending migration and returns how many ran.
// Instances that start together (an upgrade of several at once) take turns
// through a PostgreSQL advisory lock: one applies the migrations, the others
// then find nothing pending.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	// Retry the lock every second for up to 15 minutes: a long migration on
	// a big table must not make the waiting instances give up.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 900))
	if err != nil {
		return 0, err
	}
	p, err := newProvider(sqlDB, goose.WithSessionLocker(locker))
	if err != nil {
		return 0, fmt.Errorf("load migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("apply migrations: %w", err)
	}
	return len(results), nil
}

// Pending reports how many migrations have not been applied yet; /readyz
// uses it so an instance is not ready before the schema is current.
func Pending(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	p, err := newProvider(sqlDB)
	if err != nil {
		return 0, err
	}
	status, err := p.Status(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range status {
		if s.State == goose.StatePending {
			n++
		}
	}
	return n, nil
}
