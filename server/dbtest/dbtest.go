// Package dbtest gives each test its own empty, fully migrated PostgreSQL
// database, so tests can run in parallel and never see each other's rows.
//
// Databases are cloned from a template database that is migrated once and
// keyed by a hash of the migrations (github.com/peterldowns/pgtestdb), which
// makes a new database cost one CREATE DATABASE instead of a migration run.
// Test databases are owned by a dedicated non-superuser role, like an
// application role in production, so tests catch migrations or queries that
// only work as superuser.
//
// The server used is TEST_DATABASE_URL when set (any reachable PostgreSQL the
// URL's user may create roles and databases on). Otherwise a throwaway
// cluster is started with package pgembed on first use, once per test
// process, tuned for speed (no fsync). Packages using dbtest should stop it
// from TestMain:
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
//
// Without that, the cluster still shuts down when the test process exits
// (pgembed asks the kernel to signal it) and its files are removed by the
// next test run, which deletes the leftovers of test processes that are gone.
package dbtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver pgtestdb uses
	"github.com/peterldowns/pgtestdb"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/server/pgembed"
)

// New returns a pool on a new, empty, fully migrated database for this test
// only. The pool is closed and the database dropped at the test's cleanup
// (a failed test's database is kept for inspection while the server runs).
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dsn := NewURL(t)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatalf("dbtest: open pool on test database: %v", err)
	}
	t.Cleanup(pool.Close) // runs before the drop registered by NewURL
	return pool
}

// NewURL returns the connection string of a database like New's, for tests
// that hand it to something else, such as a server process they start. All
// connections to it must be gone by cleanup; leftovers are terminated.
func NewURL(t testing.TB) string {
	t.Helper()
	base, err := server()
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	conf := pgtestdb.Custom(t, base, migrator{})
	return pgxURL(*conf)
}

// Main runs the tests and then stops the cluster dbtest started, if any, and
// removes its files. Call it from TestMain; it does not return.
func Main(m *testing.M) {
	code := m.Run()
	if err := shutdown(); err != nil {
		fmt.Fprintf(os.Stderr, "dbtest: %v\n", err)
	}
	os.Exit(code)
}

var (
	setupOnce sync.Once
	baseConf  pgtestdb.Config
	setupErr  error
	cluster   *pgembed.Cluster // nil when TEST_DATABASE_URL is used
	runDir    string
)

// server returns how to reach the server as a user allowed to create
// databases, starting the throwaway cluster on first use.
func server() (pgtestdb.Config, error) {
	setupOnce.Do(func() {
		if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
			baseConf, setupErr = configFromURL(u)
			if setupErr != nil {
				setupErr = fmt.Errorf("TEST_DATABASE_URL: %w", setupErr)
			}
			return
		}
		baseConf, setupErr = startCluster()
		if setupErr != nil {
			setupErr = fmt.Errorf("start a PostgreSQL for tests (or set TEST_DATABASE_URL to use an existing server): %w", setupErr)
		}
	})
	return baseConf, setupErr
}

// configFromURL converts a connection string (URL or key=value form) to
// pgtestdb's Config. Host and port go in the query string, where pgx accepts
// unix socket directories and IPv6 addresses alike.
func configFromURL(dsn string) (pgtestdb.Config, error) {
	pc, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return pgtestdb.Config{}, err
	}
	q := url.Values{"host": {pc.Host}, "port": {strconv.Itoa(int(pc.Port))}}
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if mode := u.Query().Get("sslmode"); mode != "" {
			q.Set("sslmode", mode)
		}
	}
	if q.Get("sslmode") == "" && strings.HasPrefix(pc.Host, "/") {
		q.Set("sslmode", "disable")
	}
	return config(pc.User, pc.Password, pc.Database, q), nil
}

func config(user, password, database string, q url.Values) pgtestdb.Config {
	return pgtestdb.Config{
		DriverName: "pgx",
		// pgtestdb does not escape these when it builds its URL.
		User:     url.PathEscape(user),
		Password: url.PathEscape(password),
		Database: database,
		Options:  q.Encode(),
		// Tests that start servers may not wait for every connection to
		// close; a leftover connection must not fail the test at cleanup.
		ForceTerminateConnections: true,
	}
}

// pgxURL is the connection string for conf, which pgtestdb's own
// Config.URL spells with an empty host and port ("@:/") that only some
// parsers accept.
func pgxURL(conf pgtestdb.Config) string {
	user, _ := url.PathUnescape(conf.User)
	password, _ := url.PathUnescape(conf.Password)
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Path: "/" + conf.Database, RawQuery: conf.Options}
	return u.String()
}

// baseDir holds one run-* folder per test process that started a cluster.
// It is in /dev/shm when that is a roomy tmpfs: cloning a database there
// takes ~25 ms against ~140 ms on ext4, even with fsync off, and the suite
// clones hundreds.
func baseDir() string {
	dir := os.TempDir()
	var st syscall.Statfs_t
	const tmpfsMagic = 0x01021994
	if err := syscall.Statfs("/dev/shm", &st); err == nil && st.Type == tmpfsMagic &&
		st.Bavail*uint64(st.Bsize) >= minShmFree && syscall.Access("/dev/shm", 0o2|0o1) == nil {
		dir = "/dev/shm"
	}
	return filepath.Join(dir, fmt.Sprintf("livechat-dbtest-%d", os.Geteuid()))
}

// minShmFree is the free space /dev/shm needs to host the test cluster
// (Docker's default 64 MiB does not qualify): each database takes ~8 MiB and
// parallel tests hold several at once.
const minShmFree = 1 << 30

func startCluster() (pgtestdb.Config, error) {
	base := baseDir()
	if err := os.Mkdir(base, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return pgtestdb.Config{}, fmt.Errorf("create %s: %w", base, err)
	}
	// /tmp is shared: refuse a folder someone else planted there.
	fi, err := os.Lstat(base)
	if err != nil {
		return pgtestdb.Config{}, err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !fi.IsDir() || !ok || st.Uid != uint32(os.Geteuid()) {
		return pgtestdb.Config{}, fmt.Errorf("%s is not a directory owned by you; remove it", base)
	}
	// 0755 so that, when tests run as root, the unprivileged account
	// PostgreSQL runs as can reach the data directory inside.
	if err := os.Chmod(base, 0o755); err != nil {
		return pgtestdb.Config{}, err
	}
	sweep(base)

	runDir, err = os.MkdirTemp(base, "run-")
	if err != nil {
		return pgtestdb.Config{}, err
	}
	if err := os.Chmod(runDir, 0o755); err != nil {
		return pgtestdb.Config{}, err
	}
	if err := os.WriteFile(filepath.Join(runDir, "owner"), []byte(processID(os.Getpid())), 0o644); err != nil {
		return pgtestdb.Config{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cluster, err = pgembed.Start(ctx, pgembed.Options{
		DataDir:  filepath.Join(runDir, "pg"),
		Database: "postgres",
		NoSync:   true,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		os.RemoveAll(runDir)
		return pgtestdb.Config{}, err
	}
	return config("postgres", "", "postgres", url.Values{"host": {cluster.SocketDir()}, "sslmode": {"disable"}}), nil
}

// shutdown stops the cluster started by this process and removes its files.
func shutdown() error {
	if cluster == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := cluster.Stop(ctx)
	if rmErr := os.RemoveAll(runDir); rmErr != nil && err == nil {
		err = rmErr
	}
	if err != nil {
		return fmt.Errorf("stop test PostgreSQL: %w", err)
	}
	return nil
}

// processID identifies a process across pid reuse: pid plus its start time.
func processID(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		// Fields after the command: state is field 3, starttime field 22.
		if f := strings.Fields(s[i+1:]); len(f) > 19 && f[0] != "Z" {
			return strconv.Itoa(pid) + " " + f[19]
		}
	}
	return ""
}

// sweep removes the folders of test processes that are gone, first killing
// a cluster that outlived its process. Their data is throwaway.
func sweep(base string) {
	runs, _ := filepath.Glob(filepath.Join(base, "run-*"))
	for _, run := range runs {
		owner, err := os.ReadFile(filepath.Join(run, "owner"))
		if err != nil {
			// Being created right now, or broken; judge by age.
			if fi, err := os.Stat(run); err != nil || time.Since(fi.ModTime()) < time.Hour {
				continue
			}
		} else if f := strings.Fields(string(owner)); len(f) == 2 {
			if pid, _ := strconv.Atoi(f[0]); pid > 0 && processID(pid) == string(owner) {
				continue // still running
			}
		}
		killCluster(filepath.Join(run, "pg"))
		os.RemoveAll(run)
	}
}

func killCluster(dataDir string) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return
	}
	lines := strings.SplitN(string(b), "\n", 3)
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	if pid <= 0 || len(lines) < 2 || strings.TrimSpace(lines[1]) != dataDir {
		return
	}
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err != nil || strings.TrimSpace(string(comm)) != "postgres" {
		return
	}
	// Immediate shutdown releases shared memory; SIGKILL is the backstop.
	_ = syscall.Kill(pid, syscall.SIGQUIT)
	for i := 0; i < 100 && processID(pid) != ""; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// migrator prepares pgtestdb's template with the product's own migrations.
type migrator struct{}

// Hash identifies the schema by the names and contents of the migration
// files, so a changed migration gets a fresh template.
func (migrator) Hash() (string, error) {
	var names []string
	err := fs.WalkDir(db.Migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		b, err := fs.ReadFile(db.Migrations, name)
		if err != nil {
			return "", fmt.Errorf("read migration %s: %w", name, err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// Migrate applies the migrations with db.Migrate, as the server does.
func (migrator) Migrate(ctx context.Context, _ *sql.DB, conf pgtestdb.Config) error {
	pool, err := pgxpool.New(ctx, pgxURL(conf))
	if err != nil {
		return fmt.Errorf("connect to template database: %w", err)
	}
	defer pool.Close()
	if _, err := db.Migrate(ctx, pool); err != nil {
		return err
	}
	return nil
}
