package dbtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/server/pgembed"
)

func TestMain(m *testing.M) { Main(m) }

func count(t *testing.T, pool *pgxpool.Pool, sql string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestMigrated(t *testing.T) {
	pool := New(t)
	if n := count(t, pool, "SELECT count(*) FROM installation"); n != 1 {
		t.Fatalf("installation has %d rows, want 1", n)
	}
}

func TestIsolated(t *testing.T) {
	a, b := New(t), New(t)
	ctx := context.Background()
	if _, err := a.Exec(ctx, "CREATE TABLE only_in_a (x int); DELETE FROM installation"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, b, "SELECT count(*) FROM installation"); n != 1 {
		t.Errorf("b sees %d installation rows after a deleted its own", n)
	}
	if n := count(t, b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"); n != 0 {
		t.Errorf("b sees a's table")
	}
	var dbA, dbB string
	a.QueryRow(ctx, "SELECT current_database()").Scan(&dbA)
	b.QueryRow(ctx, "SELECT current_database()").Scan(&dbB)
	if dbA == dbB {
		t.Errorf("both tests got database %s", dbA)
	}
}

func TestNotSuperuser(t *testing.T) {
	pool := New(t)
	var super string
	if err := pool.QueryRow(context.Background(), "SHOW is_superuser").Scan(&super); err != nil {
		t.Fatal(err)
	}
	if super != "off" {
		t.Errorf("tests run as a superuser; they should use an application-like role")
	}
}

func TestDroppedAtCleanup(t *testing.T) {
	var name, url string
	t.Run("inner", func(t *testing.T) {
		url = NewURL(t)
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		// Left open on purpose: cleanup must cope with leaked connections.
		conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&name)
	})
	conf, err := server()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(context.Background(), pgxURL(conf))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n)
	if name == "" || n != 0 {
		t.Errorf("database %q still exists after its test ended", name)
	}
}

// TestWithTestDatabaseURL runs this package's tests in a child process
// pointed at a separately started server through TEST_DATABASE_URL.
func TestWithTestDatabaseURL(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") != "" {
		t.Skip("already using TEST_DATABASE_URL")
	}
	if testing.Short() {
		t.Skip("starts a second cluster")
	}
	// Not t.TempDir(): as root its 0700 parent would push the cluster to
	// /var/lib/livechat.
	dir, err := os.MkdirTemp("", "dbtest-url-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pgembed.Start(ctx, pgembed.Options{DataDir: filepath.Join(dir, "pg"), Database: "external", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })

	cmd := exec.Command(os.Args[0], "-test.run=^(TestMigrated|TestIsolated|TestDroppedAtCleanup)$", "-test.v")
	cmd.Env = append(os.Environ(), "TEST_DATABASE_URL="+c.URL())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS: TestIsolated") {
		t.Fatalf("tests against TEST_DATABASE_URL failed: %v\n%s", err, out)
	}
	// The databases went to the external server, not a private cluster.
	conn, err := pgx.Connect(ctx, c.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var templates int
	conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datistemplate AND datname LIKE 'testdb_tpl_%'").Scan(&templates)
	if templates != 1 {
		t.Errorf("external server has %d test templates, want 1", templates)
	}
}

func TestSweepRemovesDeadRuns(t *testing.T) {
	base := t.TempDir()
	dead := filepath.Join(base, "run-dead")
	live := filepath.Join(base, "run-live")
	for _, d := range []string{dead, live} {
		os.Mkdir(d, 0o755)
	}
	os.WriteFile(filepath.Join(dead, "owner"), []byte("999999999 1"), 0o644)
	os.WriteFile(filepath.Join(live, "owner"), []byte(processID(os.Getpid())), 0o644)
	sweep(base)
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("dead run not removed: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("live run removed: %v", err)
	}
}

func BenchmarkNew(b *testing.B) {
	New(b) // template and cluster outside the measurement
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.Run("", func(b *testing.B) { New(b) })
	}
}
