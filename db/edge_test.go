package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestEdgeTranslates checks, against a real PostgreSQL, that queries made
// through the edge return errors with reasons and keep the driver's error
// for the log.
func TestEdgeTranslates(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	q := db.Queries(pool)

	_, err := q.GetAgent(ctx, uuid.Nil)
	if !apperr.Is(err, apperr.NotFound) || !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("missing row: %v", err)
	}
	if got := apperr.NotFoundAs(err, apperr.AgentNotFound, "agent not found"); !apperr.Is(got, apperr.AgentNotFound) {
		t.Fatalf("NotFoundAs: %v", got)
	}

	p := dbq.CreateAgentParams{Username: "lan", DisplayName: "Lan", Role: "agent", PasswordHash: "x"}
	if _, err := q.CreateAgent(ctx, p); err != nil {
		t.Fatal(err)
	}
	_, err = q.CreateAgent(ctx, p)
	if !apperr.Is(err, apperr.AlreadyExists) || !db.Violated(err, db.AgentUsernameKey) || db.Violated(err, db.WidgetSiteKeyKey) {
		t.Fatalf("duplicate username: %v", err)
	}
	var e *apperr.Error
	if !errors.As(err, &e) || e.Field != "username" {
		t.Fatalf("duplicate username: field of %v", err)
	}

	p.Username = "NOT valid!"
	if _, err := q.CreateAgent(ctx, p); !apperr.Is(err, apperr.InvalidValue) {
		t.Fatalf("check violation: %v", err)
	}
	p.Username, p.DisplayName = "nul", "a\x00b"
	if _, err := q.CreateAgent(ctx, p); !apperr.Is(err, apperr.TextInvalid) {
		t.Fatalf("NUL in text: %v", err)
	}

	// A transaction's queries translate too, and fn's error comes back as
	// it is after a rollback.
	sentinel := errors.New("stop")
	err = db.Tx(ctx, pool, func(q *dbq.Queries) error {
		if _, err := q.GetAgent(ctx, uuid.Nil); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("in a transaction: %v", err)
		}
		p.Username, p.DisplayName = "rolled", "Rolled"
		if _, err := q.CreateAgent(ctx, p); err != nil {
			return err
		}
		return sentinel
	})
	if !errors.Is(err, sentinel) {
		t.Fatalf("Tx returned %v", err)
	}
	agents, err := q.ListAgents(ctx, dbq.ListAgentsParams{PageLimit: 10})
	if err != nil || len(agents) != 1 {
		t.Fatalf("after rollback: %d agents, %v", len(agents), err)
	}

	// A closed pool is the database being unavailable, not a fault.
	pool.Close()
	if _, err := q.GetAgent(ctx, uuid.Nil); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("closed pool: %v", err)
	}
	if err := db.Tx(ctx, pool, func(*dbq.Queries) error { return nil }); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("Tx on a closed pool: %v", err)
	}
}

// TestConstraintNamesExist keeps the constraint table in step with the
// schema: a renamed constraint would silently lose its meaning.
func TestConstraintNamesExist(t *testing.T) {
	pool := dbtest.New(t)
	for _, c := range db.ConstraintNames() {
		var n int
		err := pool.QueryRow(context.Background(),
			`SELECT (SELECT count(*) FROM pg_constraint WHERE conname = $1) + (SELECT count(*) FROM pg_indexes WHERE indexname = $1)`,
			string(c)).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("constraint %s is in the table but not in the schema", c)
		}
	}
}
