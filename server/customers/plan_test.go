package customers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/limits"
)

// recorder is a dbq.DBTX that remembers the last query it ran, so the test
// can ask PostgreSQL for the plan of exactly the statement ListCustomers
// sends.
type recorder struct {
	dbq.DBTX
	sql  string
	args []any
}

func (r *recorder) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	r.sql, r.args = sql, args
	return r.DBTX.Query(ctx, sql, args...)
}

func (r *recorder) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return r.DBTX.Exec(ctx, sql, args...)
}

// TestSearchUsesAnIndex: among 5,000 customers, a search by part of a name,
// email or phone, and by an attribute value, is planned on its index, not
// on a scan of every customer.
func TestSearchUsesAnIndex(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	c := ctx(t)
	if _, err := pool.Exec(c, `
		WITH w AS (INSERT INTO widgets (site_key, name, identity_secret) VALUES ('plan', 'Plan', 's') RETURNING id),
		     d AS (INSERT INTO customer_attribute_definitions (key, label, type) VALUES ('plan', 'Plan', 'text') RETURNING id),
		     cu AS (INSERT INTO customers (widget_id, name, email, phone, last_seen_at)
		            SELECT w.id, initcap(substr(md5(i::text), 1, 7)) || ' ' || initcap(substr(md5(i::text), 8, 9)),
		                   substr(md5(i::text), 17, 10) || '@mail.test', '+84 9' || lpad((i * 7919 % 100000000)::text, 8, '0'),
		                   now() - make_interval(secs => i)
		            FROM w, generate_series(1, 5000) i RETURNING id, name)
		INSERT INTO customer_attribute_values (customer_id, attribute_id, value)
		SELECT cu.id, d.id, CASE WHEN cu.name = (SELECT min(name) FROM cu) THEN 'gold' ELSE cu.name END FROM cu, d;
`); err != nil {
		t.Fatal(err)
	}
	// As autovacuum would: move the rows out of the trigram index's pending
	// list (which the planner prices high) and gather statistics.
	for _, table := range []string{"customers", "customer_attribute_values"} {
		if _, err := pool.Exec(c, "VACUUM ANALYZE "+table); err != nil {
			t.Fatal(err)
		}
	}
	var attr dbq.CustomerAttributeDefinition
	if err := pool.QueryRow(c, `SELECT id FROM customer_attribute_definitions`).Scan(&attr.ID); err != nil {
		t.Fatal(err)
	}
	// Parts of one customer's details: a surname, the middle of the email,
	// the end of the phone number.
	var name, email, phone string
	if err := pool.QueryRow(c, `SELECT name, email, phone FROM customers ORDER BY id LIMIT 1`).Scan(&name, &email, &phone); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		params dbq.ListCustomersParams
		index  string
		found  int
	}{
		{"name", dbq.ListCustomersParams{Pattern: limits.LikePattern(strings.ToLower(name[8:]))}, "customers_search_trgm", 1},
		{"email", dbq.ListCustomersParams{Pattern: limits.LikePattern(email[2:9])}, "customers_search_trgm", 1},
		{"phone", dbq.ListCustomersParams{Pattern: limits.LikePattern(phone[5:])}, "customers_search_trgm", 1},
		{"attribute", dbq.ListCustomersParams{ByAttribute: true, AttributeID: attr.ID, AttributeValue: "gold"}, "customer_attribute_values_search", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.params.PageLimit, tc.params.TagIds = 31, []uuid.UUID{}
			rec := &recorder{DBTX: pool}
			ids, err := dbq.New(rec).ListCustomers(c, tc.params)
			if err != nil || len(ids) != tc.found {
				t.Fatalf("ListCustomers: %d rows, %v", len(ids), err)
			}
			rows, err := pool.Query(c, "EXPLAIN "+rec.sql, rec.args...)
			if err != nil {
				t.Fatal(err)
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.Join(lines, "\n")
			if !strings.Contains(plan, tc.index) || strings.Contains(plan, "Seq Scan on customers") {
				t.Fatalf("the plan does not use %s:\n%s", tc.index, plan)
			}
		})
	}
}
