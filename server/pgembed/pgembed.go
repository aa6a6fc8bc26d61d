// Package pgembed runs a private PostgreSQL server from the binaries
// installed on the machine, so livechat works without a separately
// administered database: `livechat serve` uses it when DATABASE_URL is unset,
// and tests use it for throwaway clusters.
//
// The server listens on a unix socket only (no TCP), in a directory of mode
// 0700 owned by the account that runs PostgreSQL; that is what makes the
// cluster's trust authentication safe.
//
// Decisions worth knowing:
//
//   - Root: initdb and postgres refuse to run as root, so a root livechat runs
//     them as the "postgres" system user, or "nobody" when there is none (see
//     clusterAccount). When that account cannot reach the requested data
//     directory (a parent such as /root or a `mktemp -d` folder is 0700), the
//     cluster lives in /var/lib/livechat/postgres-<hash of the requested
//     path> instead, a symlink is left at the requested path when possible,
//     and the choice is logged. The mapping is stable across restarts.
//   - Crash recovery: livechat holds an exclusive lock (flock) on a file next
//     to the socket for as long as the Cluster runs. The kernel drops it when
//     the process dies, even by kill -9. A Start that gets the lock therefore
//     knows any postmaster still running on the data directory is an orphan
//     of a dead livechat: it is stopped (fast shutdown, then immediate, then
//     SIGKILL) rather than reused, because livechat could neither wait for it
//     nor know its settings. Stale postmaster.pid and socket lock files are
//     removed. If the lock is held, Start fails: another livechat is using
//     the data directory and its database must not be pulled from under it.
//   - Parent death: the postmaster gets SIGINT (fast shutdown) when livechat
//     dies, via Pdeathsig. Linux sends it when the *thread* that forked the
//     child exits, so the child is started from a goroutine locked to its OS
//     thread that stays alive until the postmaster exits. Should the signal
//     still be missed, the next Start's orphan handling covers it.
//   - The postmaster runs in its own process group, so a Ctrl-C in the
//     terminal reaches livechat only, which then shuts down in order.
package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options configures Start. The zero value is usable.
type Options struct {
	// DataDir is the cluster's data directory; it must survive restarts.
	// Default "./data/postgres". See the package documentation for where a
	// root livechat may keep it instead.
	DataDir string
	// BinDir is the directory holding initdb and postgres. When empty, $PG_BIN,
	// then `pg_config --bindir`, then /usr/lib/postgresql/<version>/bin
	// (the version matching an existing cluster first, then newest first),
	// then /usr/local/pgsql/bin are tried.
	BinDir string
	// Database is created if missing; URL points at it. Default "livechat".
	Database string
	// NoSync trades durability for speed, for tests: initdb --no-sync and
	// fsync, synchronous_commit and full_page_writes off. Data can be lost
	// if the machine (not just PostgreSQL) crashes.
	NoSync bool
	// SmallMachine, for a cluster that serves one livechat instance, writes
	// clusterDefaults into a new cluster's configuration. Tests and
	// benchmarks, which open many more connections, leave it off.
	SmallMachine bool
	// Logger receives progress and warnings; default slog.Default().
	Logger *slog.Logger
}

// superuser is the role initdb creates and URL connects as.
const superuser = "postgres"

// defaultReadyTimeout bounds the wait for the server to accept connections
// when the context given to Start has no deadline. Crash recovery of a large
// cluster can take a while, hence the generous value.
const defaultReadyTimeout = 2 * time.Minute

// parentDeathSignal is sent to the postmaster when livechat dies; SIGINT is
// PostgreSQL's fast shutdown. A variable so tests can simulate an orphan.
var parentDeathSignal = syscall.SIGINT

// Cluster is a running PostgreSQL server started by Start.
type Cluster struct {
	layout  layout
	log     *slog.Logger
	dbname  string
	logPath string
	logFile *os.File
	lock    *os.File
	pid     int
	done    chan struct{} // closed when the postmaster has exited
	waitErr error         // valid after done is closed

	stopOnce sync.Once
	stopErr  error
}

// Start initializes the cluster on first use, starts the server, waits until
// it accepts connections and creates Options.Database if missing. ctx bounds
// the whole start; the server keeps running after ctx ends until Stop.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.DataDir == "" {
		opts.DataDir = "./data/postgres"
	}
	if opts.Database == "" {
		opts.Database = "livechat"
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	acct := clusterAccount()
	lay, err := resolveLayout(opts.DataDir, acct, log)
	if err != nil {
		return nil, err
	}
	bin, err := findBinDir(opts.BinDir, clusterVersion(lay.dataDir))
	if err != nil {
		return nil, err
	}
	if err := prepareDirs(lay, acct, log); err != nil {
		return nil, err
	}
	lock, err := lockCluster(lay, acct)
	if err != nil {
		return nil, err
	}
	c := &Cluster{layout: lay, log: log, dbname: opts.Database, lock: lock, done: make(chan struct{})}
	ok := false
	defer func() {
		if !ok && c.pid == 0 { // once started, abort has released them
			c.lock.Close()
			if c.logFile != nil {
				c.logFile.Close()
			}
		}
	}()

	if err := recoverStale(lay, log); err != nil {
		return nil, err
	}
	if !isCluster(lay.dataDir) {
		if err := initdb(ctx, bin, lay, acct, opts.NoSync, log); err != nil {
			return nil, err
		}
		if opts.SmallMachine {
			if err := appendDefaults(lay.dataDir); err != nil {
				return nil, err
			}
		}
	}
	if err := checkVersion(bin, lay.dataDir); err != nil {
		return nil, err
	}
	if err := c.openLog(acct); err != nil {
		return nil, err
	}
	if err := c.startPostmaster(bin, acct, opts.NoSync); err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx); err != nil {
		c.abort()
		return nil, err
	}
	if err := c.ensureDatabase(ctx, opts.Database); err != nil {
		c.abort()
		return nil, err
	}
	ok = true
	log.Info("PostgreSQL started", "data_dir", lay.dataDir, "socket_dir", lay.socketDir, "log", c.logPath, "pid", c.pid)
	return c, nil
}

// URL returns the pgx connection string of Options.Database.
func (c *Cluster) URL() string { return c.URLFor(c.dbname) }

// URLFor returns the pgx connection string of database dbname on this
// cluster, over its unix socket, as the superuser.
func (c *Cluster) URLFor(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Path:     "/" + dbname,
		RawQuery: url.Values{"host": {c.layout.socketDir}, "sslmode": {"disable"}}.Encode(),
	}
	return u.String()
}

// SocketDir is the directory holding the server's unix socket; libpq tools
// accept it as host (psql -h <dir> -U postgres).
func (c *Cluster) SocketDir() string { return c.layout.socketDir }

// DataDir is the data directory in use, which differs from Options.DataDir
// when a root livechat had to relocate it.
func (c *Cluster) DataDir() string { return c.layout.dataDir }

// LogPath is the file receiving the server's log.
func (c *Cluster) LogPath() string { return c.logPath }

// Done is closed when the server has exited, whether through Stop or not, so
// callers can notice a database that went away.
func (c *Cluster) Done() <-chan struct{} { return c.done }

// Stop shuts the server down (fast shutdown: open transactions are rolled
// back, data is checkpointed) and waits for it to exit. If ctx ends first the
// server is stopped immediately (it will run crash recovery on next start).
// Calling Stop again returns the first call's result.
func (c *Cluster) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() {
		c.stopErr = c.stop(ctx)
		c.lock.Close()
		c.logFile.Close()
	})
	return c.stopErr
}

// abort stops a server whose start failed, bounding the wait.
func (c *Cluster) abort() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = c.Stop(ctx)
}

func (c *Cluster) stop(ctx context.Context) error {
	select {
	case <-c.done:
		return nil
	default:
	}
	_ = syscall.Kill(c.pid, syscall.SIGINT)
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
	}
	c.log.Warn("PostgreSQL did not finish a fast shutdown in time; stopping it immediately", "pid", c.pid)
	_ = syscall.Kill(c.pid, syscall.SIGQUIT)
	select {
	case <-c.done:
		return fmt.Errorf("stop PostgreSQL: fast shutdown timed out, used immediate shutdown: %w", ctx.Err())
	case <-time.After(10 * time.Second):
	}
	_ = syscall.Kill(-c.pid, syscall.SIGKILL)
	<-c.done
	return fmt.Errorf("stop PostgreSQL: shutdown timed out, killed it: %w", ctx.Err())
}

// lockCluster takes the exclusive lock that marks the data directory as in
// use by this process (see the package documentation).
func lockCluster(l layout, acct account) (*os.File, error) {
	path := filepath.Join(l.socketDir, "livechat.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := io.ReadAll(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("PostgreSQL data directory %s is in use by another livechat process (pid %s); stop it first or use another data directory",
				l.dataDir, strings.TrimSpace(string(holder)))
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if acct.drop {
		_ = f.Chown(int(acct.uid), int(acct.gid))
	}
	return f, nil
}

// clusterVersion returns the major version recorded in dataDir, or "".
func clusterVersion(dataDir string) string {
	b, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// checkVersion fails early, with a message naming both versions, when the
// binaries cannot open the data directory (e.g. after a major upgrade
// installed a newer server next to the old one).
func checkVersion(bin, dataDir string) error {
	want := clusterVersion(dataDir)
	out, err := exec.Command(filepath.Join(bin, "postgres"), "--version").Output()
	if err != nil {
		return fmt.Errorf("run %s --version: %w", filepath.Join(bin, "postgres"), err)
	}
	// "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
	fields := strings.Fields(string(out))
	if len(fields) < 3 {
		return fmt.Errorf("unexpected output from %s --version: %q", filepath.Join(bin, "postgres"), out)
	}
	have, _, _ := strings.Cut(fields[2], ".")
	if want != "" && have != want {
		return fmt.Errorf("PostgreSQL data directory %s was created by PostgreSQL %s but the binaries in %s are version %s; "+
			"point PG_BIN at PostgreSQL %s binaries or upgrade the cluster with pg_upgrade", dataDir, want, bin, have, want)
	}
	return nil
}

// sysProcAttr drops to the cluster account when needed and keeps the child
// out of the terminal's process group.
func sysProcAttr(acct account) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true}
	if acct.drop {
		attr.Credential = &syscall.Credential{Uid: acct.uid, Gid: acct.gid, Groups: []uint32{}}
	}
	return attr
}

// initdb creates the cluster in the (empty) data directory. It runs in
// place rather than in a scratch directory renamed afterwards because the data
// directory may be a mount point; a failed initdb is cleaned up so the next
// start retries from scratch.
func initdb(ctx context.Context, bin string, l layout, acct account, noSync bool, log *slog.Logger) error {
	entries, err := os.ReadDir(l.dataDir)
	if err != nil {
		return fmt.Errorf("read data directory %s: %w", l.dataDir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("data directory %s is not empty but holds no PostgreSQL cluster (no PG_VERSION); "+
			"empty it or choose another directory", l.dataDir)
	}
	log.Info("initializing PostgreSQL cluster", "data_dir", l.dataDir, "account", acct.name)
	args := []string{
		"-D", l.dataDir,
		"--username=" + superuser,
		// Trust is safe only because the server listens on a unix socket in
		// a 0700 directory owned by the cluster account (no TCP).
		"--auth=trust",
		"--encoding=UTF8",
		// C collation: byte order, fast, and immune to glibc collation
		// changes that silently corrupt indexes.
		"--locale=C",
		"--lc-ctype=" + ctypeLocale(),
	}
	if noSync {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = l.dataDir
	cmd.SysProcAttr = sysProcAttr(acct)
	if err := cmd.Run(); err != nil {
		// Leave an empty directory so the next start retries initdb.
		cleanDir(l.dataDir)
		return fmt.Errorf("initdb in %s failed: %w\n%s", l.dataDir, err, tail(out.String(), 20))
	}
	return nil
}

// clusterDefaults are appended to a new cluster's postgresql.conf. The
// embedded PostgreSQL serves one livechat instance on what is often a small
// machine. They go in the file, not on the command line, so that an admin's
// ALTER SYSTEM (postgresql.auto.conf) still overrides them; PostgreSQL's own
// shared_buffers (128MB) and work_mem (4MB) already suit a small machine
// and stay.
const clusterDefaults = `
# livechat: defaults for one livechat instance (see docs/deploy.md,
# "Capacity planning"). Override with ALTER SYSTEM.
# livechat's pool (16), its event listener, and room for psql and pg_dump;
# every connection slot reserves shared memory.
max_connections = 30
# Chat queries are short: JIT compilation costs more than it saves, loads
# LLVM into backends, and needs writable executable memory that hardened
# systemd units forbid.
jit = off
`

// appendDefaults writes clusterDefaults into a new cluster's postgresql.conf.
func appendDefaults(dataDir string) error {
	f, err := os.OpenFile(filepath.Join(dataDir, "postgresql.conf"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("tune the new cluster: %w", err)
	}
	if _, err := f.WriteString(clusterDefaults); err != nil {
		f.Close()
		return fmt.Errorf("tune the new cluster: %w", err)
	}
	return f.Close()
}

// ctypeLocale returns C.UTF-8 where installed, so upper()/lower() and
// case-insensitive matching understand non-ASCII letters; plain C otherwise.
func ctypeLocale() string {
	for _, p := range []string{"/usr/lib/locale/C.utf8", "/usr/lib/locale/C.UTF-8"} {
		if _, err := os.Stat(p); err == nil {
			return "C.UTF-8"
		}
	}
	return "C"
}

func cleanDir(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// maxLogSize is the size above which the server log is rotated (once, to
// postgres.log.1) at start, so an embedded install does not fill the disk.
const maxLogSize = 16 << 20

func (c *Cluster) openLog(acct account) error {
	dir := filepath.Join(c.layout.dataDir, "log")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create PostgreSQL log directory: %w", err)
	}
	c.logPath = filepath.Join(dir, "postgres.log")
	if fi, err := os.Stat(c.logPath); err == nil && fi.Size() > maxLogSize {
		_ = os.Rename(c.logPath, c.logPath+".1")
	}
	f, err := os.OpenFile(c.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open PostgreSQL log %s: %w", c.logPath, err)
	}
	if acct.drop {
		_ = os.Chown(dir, int(acct.uid), int(acct.gid))
		_ = f.Chown(int(acct.uid), int(acct.gid))
	}
	c.logFile = f
	return nil
}

// startPostmaster runs postgres as a child. See the package documentation for
// why it is started from a goroutine locked to its OS thread.
func (c *Cluster) startPostmaster(bin string, acct account, noSync bool) error {
	args := []string{
		"-D", c.layout.dataDir,
		"-k", c.layout.socketDir,
		"-c", "listen_addresses=",
		"-c", "unix_socket_permissions=0700",
		"-c", "logging_collector=off",
		"-c", "log_destination=stderr",
	}
	if noSync {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = c.logFile, c.logFile
	cmd.Dir = c.layout.dataDir
	cmd.SysProcAttr = sysProcAttr(acct)
	cmd.SysProcAttr.Pdeathsig = parentDeathSignal

	started := make(chan error, 1)
	go func() {
		// Never unlocked: the thread must live as long as the child, and
		// is discarded when this goroutine returns.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	c.pid = cmd.Process.Pid
	return nil
}

// waitReady polls until the server accepts connections, it exits, or the
// start times out.
func (c *Cluster) waitReady(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultReadyTimeout)
		defer cancel()
	}
	var lastErr error
	for delay := 10 * time.Millisecond; ; delay = min(delay*2, 200*time.Millisecond) {
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		conn, err := pgx.Connect(attempt, c.URLFor("postgres"))
		cancel()
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		lastErr = err
		select {
		case <-c.done:
			return fmt.Errorf("PostgreSQL exited during start (%v); last lines of %s:\n%s",
				c.waitErr, c.logPath, c.logTail())
		case <-ctx.Done():
			return fmt.Errorf("PostgreSQL did not accept connections in time (last error: %v); last lines of %s:\n%s",
				lastErr, c.logPath, c.logTail())
		case <-time.After(delay):
		}
	}
}

func (c *Cluster) logTail() string {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return "(log unreadable: " + err.Error() + ")"
	}
	return tail(string(b), 20)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (c *Cluster) ensureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URLFor("postgres"))
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL to create database %q: %w", name, err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("check whether database %q exists: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %q: %w", name, err)
	}
	c.log.Info("created database", "database", name)
	return nil
}

// recoverStale clears what a dead livechat may have left behind. It runs
// with the cluster lock held, so no live livechat owns the data directory.
func recoverStale(l layout, log *slog.Logger) error {
	pidFile := filepath.Join(l.dataDir, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", pidFile, err)
	}
	if err == nil {
		lines := strings.Split(string(b), "\n")
		pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
		if pid < 0 {
			pid = -pid
		}
		if pid > 0 && len(lines) > 1 && isPostgres(pid) && sameDir(strings.TrimSpace(lines[1]), l.dataDir) {
			log.Warn("stopping PostgreSQL server left running by a previous livechat process", "pid", pid, "data_dir", l.dataDir)
			if err := stopOrphan(pid); err != nil {
				return err
			}
		}
		// A clean shutdown removes the file; if it is still there it is
		// stale, and a recycled pid in it (common in containers) would make
		// postgres refuse to start.
		if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale %s: %w", pidFile, err)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(l.socketDir, ".s.PGSQL.*"))
	for _, m := range matches {
		_ = os.Remove(m)
	}
	return nil
}

func sameDir(a, b string) bool {
	if a == b {
		return true
	}
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// isPostgres reports whether pid is a live (not zombie) postgres process.
func isPostgres(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// "pid (comm) S ...": comm may contain spaces, the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	j := strings.IndexByte(s, '(')
	if i < 0 || j < 0 || i+2 >= len(s) {
		return false
	}
	if state := s[i+2]; state == 'Z' || state == 'X' {
		return false
	}
	return s[j+1:i] == "postgres"
}

// stopOrphan stops a postmaster livechat is not the parent of: fast shutdown,
// then immediate shutdown, then SIGKILL of its process group (which also
// takes its backends, whose shared memory would otherwise block a restart).
func stopOrphan(pid int) error {
	steps := []struct {
		sig     syscall.Signal
		timeout time.Duration
	}{{syscall.SIGINT, 30 * time.Second}, {syscall.SIGQUIT, 5 * time.Second}, {syscall.SIGKILL, 5 * time.Second}}
	for _, step := range steps {
		target := pid
		if pgid, err := syscall.Getpgid(pid); err == nil && pgid == pid && step.sig == syscall.SIGKILL {
			target = -pid
		}
		if err := syscall.Kill(target, step.sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("stop leftover PostgreSQL server (pid %d): %w", pid, err)
		}
		for deadline := time.Now().Add(step.timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if !isPostgres(pid) {
				return nil
			}
		}
	}
	return fmt.Errorf("leftover PostgreSQL server (pid %d) did not exit; stop it by hand", pid)
}
