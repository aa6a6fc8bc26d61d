package scaleout_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/server/dbtest"
)

// Upgrading several instances at once starts them together on a database
// with pending migrations: one must apply them, the others wait and find
// nothing left, and none may fail.
func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := dbtest.NewURL(t)
	// An empty database: what a first start (or an upgrade) finds.
	setup, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatalf("empty the database: %v", err)
	}
	setup.Close()

	const instances = 4
	applied := make([]int, instances)
	errs := make([]error, instances)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range instances {
		wg.Go(func() {
			pool, err := pgxpool.New(context.Background(), url)
			if err != nil {
				errs[i] = err
				return
			}
			defer pool.Close()
			<-start
			applied[i], errs[i] = db.Migrate(ctx, pool)
		})
	}
	close(start)
	wg.Wait()

	total := 0
	for i := range instances {
		if errs[i] != nil {
			t.Errorf("instance %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pending, err := db.Pending(ctx, pool)
	if err != nil || pending != 0 {
		t.Fatalf("after the starts: %d pending, %v", pending, err)
	}
	var files int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&files); err != nil {
		t.Fatal(err)
	}
	if total != files {
		t.Fatalf("the instances applied %d migrations in all, the database has %d: some ran twice or not at all", total, files)
	}
}
