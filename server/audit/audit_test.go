package audit_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/principal"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// fakeClock is a clock tests move by hand.
type fakeClock struct{ now atomic.Int64 }

func (c *fakeClock) Now() time.Time      { return time.Unix(0, c.now.Load()).UTC() }
func (c *fakeClock) Set(t time.Time)     { c.now.Store(t.UnixNano()) }
func (c *fakeClock) Add(d time.Duration) { c.now.Add(int64(d)) }
func newClock(t time.Time) *fakeClock    { c := &fakeClock{}; c.Set(t); return c }

var root = principal.Agent{ID: uuid.New(), Name: "Root"}

// TestTheLogIsAppendOnly: the database refuses to change, delete or
// truncate entries, whatever the statement, unless the purge allowed it in
// its own transaction.
func TestTheLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	svc := audit.New(pool, audit.Options{})
	svc.Record(ctx(t), root, audit.AgentCreated, audit.Target{Type: "agent", Name: "sam"}, nil)
	for _, stmt := range []string{
		`UPDATE audit_log SET actor_name = 'someone else'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		// A session setting outside a transaction of the purge's is not
		// enough to update.
		`BEGIN; SET LOCAL livechat.audit_purge = 'on'; UPDATE audit_log SET action = 'auth.sign_in'; COMMIT`,
	} {
		if _, err := pool.Exec(ctx(t), stmt); err == nil {
			t.Errorf("%s: succeeded, want it refused", stmt)
		}
		_, _ = pool.Exec(ctx(t), `ROLLBACK`)
	}
	var n int
	var name string
	if err := pool.QueryRow(ctx(t), `SELECT count(*), max(actor_name) FROM audit_log`).Scan(&n, &name); err != nil {
		t.Fatal(err)
	}
	if n != 1 || name != "Root" {
		t.Fatalf("after the refused statements: %d entries by %q, want the one by Root", n, name)
	}
}

// TestPurgeRemovesWhatIsDue: with a fake clock, a purge deletes exactly the
// entries older than the retention period, in batches, and records itself.
func TestPurgeRemovesWhatIsDue(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := newClock(start)
	svc := audit.New(pool, audit.Options{Now: clock.Now})
	// 1,500 entries a day old, then one entry per day for 10 days.
	for i := range 1500 {
		svc.Record(ctx(t), root, audit.SignIn, audit.Target{Type: "agent", Name: "old", ID: string(rune('a' + i%26))}, nil)
	}
	for range 10 {
		clock.Add(24 * time.Hour)
		svc.Record(ctx(t), root, audit.SignIn, audit.Target{Type: "agent", Name: "daily"}, nil)
	}
	count := func(name string) (n int) {
		t.Helper()
		if err := pool.QueryRow(ctx(t), `SELECT count(*) FROM audit_log WHERE target_name = $1`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Now = start + 10 days; keep 5 days and a minute: the entries of day 5
	// and later stay.
	n, err := svc.Purge(ctx(t), 5*24*time.Hour+time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1500+4 || count("old") != 0 || count("daily") != 6 {
		t.Fatalf("purged %d; left %d old and %d daily, want 1504 purged, 0 and 6 left", n, count("old"), count("daily"))
	}
	page, err := svc.List(ctx(t), audit.Filter{Action: audit.RetentionPurged}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 1 || page.Entries[0].Details["deleted"] != float64(1504) || page.Entries[0].ActorID != uuid.Nil {
		t.Fatalf("purge record = %+v", page.Entries)
	}
	// Nothing more is due: a second purge deletes and records nothing.
	if n, err := svc.Purge(ctx(t), 5*24*time.Hour+time.Minute); err != nil || n != 0 {
		t.Fatalf("second purge: %d, %v", n, err)
	}
}

// TestChanges: the details of an update name exactly the fields that
// changed, nested ones by a dotted path.
func TestChanges(t *testing.T) {
	type inner struct{ A, B string }
	type outer struct {
		Name  string
		In    inner
		Items []string
	}
	got := audit.Changes(outer{Name: "x", In: inner{A: "1", B: "2"}, Items: []string{"a"}},
		outer{Name: "x", In: inner{A: "1", B: "3"}, Items: []string{"a", "b"}})
	if len(got) != 2 || got["In.B"] == nil || got["Items"] == nil {
		t.Fatalf("Changes = %v, want In.B and Items", got)
	}
	if len(audit.Changes(outer{Name: "same"}, outer{Name: "same"})) != 0 {
		t.Fatal("equal values have changes")
	}
}
