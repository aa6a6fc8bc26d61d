package pgembed

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The kill -9 tests re-run this test binary as a helper process that starts
// a cluster, writes a row and waits to be killed.
const helperEnv = "PGEMBED_TEST_HELPER_DATADIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(runHelper(dir))
	}
	os.Exit(m.Run())
}

func runHelper(dataDir string) int {
	if os.Getenv("PGEMBED_TEST_HELPER_ORPHAN") != "" {
		parentDeathSignal = 0
	}
	ctx := context.Background()
	c, err := Start(ctx, Options{DataDir: dataDir, Logger: quietLogger()})
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	conn, err := pgx.Connect(ctx, c.URL())
	if err == nil {
		_, err = conn.Exec(ctx, "CREATE TABLE t (v text); INSERT INTO t VALUES ('survives')")
	}
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	fmt.Printf("READY %d %s\n", c.pid, c.DataDir())
	select {}
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// start starts a cluster and removes whatever it created outside the test's
// temporary directory (a root run relocates it to /var/lib/livechat).
func start(t *testing.T, opts Options) *Cluster {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	cleanupOutside(t, c.DataDir(), c.SocketDir())
	return c
}

func cleanupOutside(t *testing.T, dirs ...string) {
	tmp := os.TempDir()
	t.Cleanup(func() {
		for _, d := range dirs {
			if !strings.HasPrefix(d, tmp+"/Test") {
				os.RemoveAll(d)
			}
		}
		os.Remove(relocateBase) // only if empty
	})
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func query(t *testing.T, url, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func exec1(t *testing.T, url, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestRestartKeepsData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "postgres")
	opts := Options{DataDir: dir, Database: "app"}
	c := start(t, opts)
	if os.Geteuid() == 0 {
		t.Logf("running as root: data dir %s (relocated: %v)", c.DataDir(), c.layout.relocated)
	}
	exec1(t, c.URL(), "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')")

	// The server must be reachable over its socket only.
	if got := query(t, c.URL(), "SHOW listen_addresses"); got != "" {
		t.Errorf("listen_addresses = %q, want empty (no TCP)", got)
	}
	if got := query(t, c.URL(), "SELECT current_database()"); got != "app" {
		t.Errorf("current_database = %q, want app", got)
	}
	if got := query(t, c.URL(), "SHOW server_encoding"); got != "UTF8" {
		t.Errorf("server_encoding = %q", got)
	}
	fi, err := os.Stat(c.SocketDir())
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("socket dir %s: mode %v, err %v; want 0700", c.SocketDir(), fi.Mode(), err)
	}
	if b, err := os.ReadFile(c.LogPath()); err != nil || !strings.Contains(string(b), "ready to accept connections") {
		t.Errorf("server log %s lacks the startup message (err %v)", c.LogPath(), err)
	}

	if err := c.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(c.DataDir(), "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("postmaster.pid still present after Stop: %v", err)
	}

	c2 := start(t, opts)
	if c2.DataDir() != c.DataDir() {
		t.Errorf("second start used %s, first %s", c2.DataDir(), c.DataDir())
	}
	if got := query(t, c2.URL(), "SELECT v FROM t"); got != "kept" {
		t.Errorf("after restart got %q, want kept", got)
	}
}

// TestSmallMachineDefaults: a cluster for one livechat instance gets the
// small-machine defaults, and an admin's ALTER SYSTEM still wins over them.
func TestSmallMachineDefaults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pg")
	opts := Options{DataDir: dir, NoSync: true, SmallMachine: true}
	c := start(t, opts)
	if got := query(t, c.URL(), "SHOW max_connections"); got != "30" {
		t.Errorf("max_connections = %s, want 30", got)
	}
	if got := query(t, c.URL(), "SHOW jit"); got != "off" {
		t.Errorf("jit = %s, want off", got)
	}
	exec1(t, c.URL(), "ALTER SYSTEM SET max_connections = 42")
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	c2 := start(t, opts)
	if got := query(t, c2.URL(), "SHOW max_connections"); got != "42" {
		t.Errorf("after ALTER SYSTEM and a restart max_connections = %s, want 42", got)
	}
}

func TestSecondStartOnSameDirFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pg")
	c := start(t, Options{DataDir: dir, NoSync: true})
	_, err := Start(context.Background(), Options{DataDir: dir, Logger: quietLogger()})
	if err == nil || !strings.Contains(err.Error(), "in use by another livechat process") {
		t.Fatalf("second Start: got %v, want an in-use error", err)
	}
	// The first cluster must be unharmed.
	if got := query(t, c.URL(), "SELECT 'ok'"); got != "ok" {
		t.Fatalf("first cluster broken: %q", got)
	}
}

func TestRecoversAfterKill9(t *testing.T) {
	for _, orphan := range []bool{false, true} {
		name := "postmaster follows parent"
		if orphan {
			name = "orphaned postmaster"
		}
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "pg")
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"="+dir)
			if orphan {
				cmd.Env = append(cmd.Env, "PGEMBED_TEST_HELPER_ORPHAN=1")
			}
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, _ := bufio.NewReader(out).ReadString('\n')
			fields := strings.Fields(line)
			if len(fields) != 3 || fields[0] != "READY" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("helper: %q", line)
			}
			pid, _ := strconv.Atoi(fields[1])
			cleanupOutside(t, fields[2], fields[2]+".sock")
			t.Cleanup(func() { syscall.Kill(-pid, syscall.SIGKILL) })

			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()

			if orphan {
				time.Sleep(200 * time.Millisecond)
				if !isPostgres(pid) {
					t.Fatalf("postmaster %d did not survive its parent; the orphan case is not exercised", pid)
				}
			} else {
				deadline := time.Now().Add(20 * time.Second)
				for isPostgres(pid) && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				if isPostgres(pid) {
					t.Fatalf("postmaster %d still running 20s after its parent was killed", pid)
				}
			}

			c := start(t, Options{DataDir: dir})
			if isPostgres(pid) {
				t.Errorf("old postmaster %d still running", pid)
			}
			if got := query(t, c.URL(), "SELECT v FROM t"); got != "survives" {
				t.Errorf("got %q, want survives", got)
			}
		})
	}
}

func TestStaleLockFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pg")
	c := start(t, Options{DataDir: dir, NoSync: true})
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A recycled pid: alive, but not a postgres.
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }()
	stale := fmt.Sprintf("%d\n%s\n", sleeper.Process.Pid, c.DataDir())
	if err := os.WriteFile(filepath.Join(c.DataDir(), "postmaster.pid"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.SocketDir(), ".s.PGSQL.5432.lock"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	c2 := start(t, Options{DataDir: dir, NoSync: true})
	if got := query(t, c2.URL(), "SELECT 'ok'"); got != "ok" {
		t.Fatalf("got %q", got)
	}
}

func TestNoBinaries(t *testing.T) {
	empty := t.TempDir()
	_, err := Start(context.Background(), Options{DataDir: filepath.Join(t.TempDir(), "pg"), BinDir: empty, Logger: quietLogger()})
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("got %v, want ErrNoBinaries", err)
	}
	for _, want := range []string{empty, "apt-get install postgresql", "PG_BIN", "DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestTraversable(t *testing.T) {
	// Not t.TempDir(): its parent is 0700.
	base, err := os.MkdirTemp("", "pgembed-traversable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	open := filepath.Join(base, "open")
	closed := filepath.Join(base, "closed")
	for dir, mode := range map[string]os.FileMode{open: 0o755, closed: 0o700} {
		if err := os.Mkdir(dir, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(dir, mode)
	}
	os.Chmod(base, 0o755)
	stranger := account{name: "stranger", uid: 54321, gid: 54321}
	if got := traversable(filepath.Join(open, "pg"), stranger); got != "" {
		t.Errorf("open: blocked at %q", got)
	}
	if got := traversable(filepath.Join(closed, "pg"), stranger); got != closed {
		t.Errorf("closed: blocked at %q, want %q", got, closed)
	}
	owner := account{uid: uint32(os.Geteuid()), gid: uint32(os.Getegid())}
	if got := traversable(filepath.Join(closed, "pg"), owner); got != "" {
		t.Errorf("owner: blocked at %q", got)
	}
}

func TestSocketDirStaysShort(t *testing.T) {
	long := "/" + strings.Repeat("x", 120) + "/pg"
	l, err := resolveLayout(long, account{uid: uint32(os.Geteuid())}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if len(l.socketDir) > maxSocketDirLen || !strings.HasPrefix(l.socketDir, "/tmp/livechat-pg-") {
		t.Errorf("socket dir %q for a long data dir", l.socketDir)
	}
}

func TestRootKeepsReachableDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root relocates data directories")
	}
	base, err := os.MkdirTemp("", "pgembed-reachable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o755)
	dir := filepath.Join(base, "pg")
	c := start(t, Options{DataDir: dir, NoSync: true})
	if c.DataDir() != dir {
		t.Fatalf("data dir %s, want %s kept", c.DataDir(), dir)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid == 0 {
		t.Errorf("data dir owned by root; PostgreSQL should run unprivileged")
	}
}

func TestStartFailureShowsServerLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pg")
	c := start(t, Options{DataDir: dir, NoSync: true})
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(c.DataDir(), "postgresql.conf")
	f, err := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("shared_buffers = 'not a size'\n")
	f.Close()
	_, err = Start(context.Background(), Options{DataDir: dir, Logger: quietLogger()})
	if err == nil {
		t.Fatal("Start succeeded with a broken configuration")
	}
	if !strings.Contains(err.Error(), "exited during start") || !strings.Contains(err.Error(), "shared_buffers") {
		t.Errorf("error lacks the server's explanation: %v", err)
	}
}
