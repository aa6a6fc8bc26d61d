package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/opensupport/livechat/server/pgembed"
)

// env is what every figure runs against: one durable PostgreSQL cluster
// (fsync on, the same server pgbench measures) and the binaries to start.
type env struct {
	cfg     config
	dir     string // scratch directory, removed at the end
	cluster *pgembed.Cluster
	pgPID   int
	dbURL   string
	pgbench string
	// self starts the bench's own helper roles (bare server, stream holders).
	self     string
	selfArgs []string
	progress io.Writer
	// certFile and keyFile are the self-signed certificate of the TLS
	// figures (see cert).
	certFile, keyFile string
}

// newEnv starts the cluster. The caller must call close.
func newEnv(ctx context.Context, cfg config, progress io.Writer) (*env, error) {
	e := &env{cfg: cfg, progress: progress}
	var err error
	if e.pgbench, err = findPgbench(cfg.pgbench); err != nil {
		return nil, err
	}
	if e.self, err = os.Executable(); err != nil {
		return nil, err
	}
	if e.dir, err = os.MkdirTemp("", "livechat-bench-"); err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// NoSync false: fsync and synchronous_commit stay on, so every figure is
	// a durable one.
	e.cluster, err = pgembed.Start(ctx, pgembed.Options{
		DataDir:  filepath.Join(e.dir, "postgres"),
		Database: "livechat",
		Logger:   quiet,
	})
	if err != nil {
		os.RemoveAll(e.dir)
		return nil, fmt.Errorf("start PostgreSQL: %w", err)
	}
	e.dbURL = e.cluster.URL()
	if e.pgPID, err = postmasterPID(e.cluster.DataDir()); err != nil {
		e.close()
		return nil, err
	}
	if err := e.prepareBaseline(ctx); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// close stops the cluster and removes its data.
func (e *env) close() {
	if e.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_ = e.cluster.Stop(ctx)
		cancel()
		// A root run may keep the cluster outside the scratch directory.
		os.RemoveAll(e.cluster.DataDir())
	}
	os.RemoveAll(e.dir)
}

func (e *env) logf(format string, args ...any) {
	fmt.Fprintf(e.progress, "  "+format+"\n", args...)
}

// payload is the body of the baseline's row and the text of every benchmark
// message: ~100 bytes, a typical chat line.
const payload = "Hello, I ordered a blue jacket last week and the tracking page still says label created."

// prepareBaseline creates the table pgbench inserts into.
func (e *env) prepareBaseline(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_insert (
		id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`)
	if err != nil {
		return err
	}
	script := fmt.Sprintf("INSERT INTO bench_insert (body) VALUES ('%s');\n", payload)
	return os.WriteFile(filepath.Join(e.dir, "insert.sql"), []byte(script), 0o644)
}

// benchSecretsKey seals stored secrets for every instance of a run.
const benchSecretsKey = "dGhlIGtleSBvZiBsaXZlY2hhdCB0ZXN0IHNlcnZlcnM="

var tpsRE = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// pgbenchTPS runs pgbench's single-row autocommit INSERT at the given
// concurrency and returns transactions per second.
func (e *env) pgbenchTPS(ctx context.Context, clients int, d time.Duration) (float64, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	args := []string{
		"-h", e.cluster.SocketDir(), "-U", "postgres", "-n",
		"-f", filepath.Join(e.dir, "insert.sql"),
		"-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(clients, 2)),
		"-T", strconv.Itoa(secs), "livechat",
	}
	out, err := exec.CommandContext(ctx, e.pgbench, args...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	m := tpsRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench: no tps in output:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// insertLatency measures one autocommit INSERT's latency, commit included,
// from a single client for d: the floor under any durable send→deliver path.
func (e *env) insertLatency(ctx context.Context, d time.Duration) (p50, p99 time.Duration, err error) {
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	var lat []time.Duration
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		t := time.Now()
		if _, err := conn.Exec(ctx, `INSERT INTO bench_insert (body) VALUES ($1)`, payload); err != nil {
			return 0, 0, err
		}
		lat = append(lat, time.Since(t))
	}
	return percentile(lat, 50), percentile(lat, 99), nil
}

// findPgbench locates pgbench: the flag, $PG_BIN, the newest
// /usr/lib/postgresql/*/bin, then $PATH.
func findPgbench(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	var cands []string
	if d := os.Getenv("PG_BIN"); d != "" {
		cands = append(cands, filepath.Join(d, "pgbench"))
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	cands = append(cands, dirs...)
	for _, c := range cands {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	return "", errors.New("pgbench not found: install postgresql-contrib (Debian) or pass --pgbench")
}

func versionOf(path string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

// proc is a server the bench started: a livechat instance or a bare
// connect-go server.
type proc struct {
	name string
	cmd  *exec.Cmd
	URL  string
	// debugURL serves /debug/pprof (livechat and the bare server) and
	// /metrics (livechat only).
	debugURL string
	logPath  string
	done     chan struct{}
}

// pid is the server's process id, for /proc.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop ends the server (SIGTERM, then SIGKILL after 10 s) and waits.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startLivechat starts `livechat serve` on the bench's database.
func (e *env) startLivechat(ctx context.Context, name string) (*proc, error) {
	return e.startLivechatProto(ctx, name, "")
}

// startLivechatProto starts `livechat serve`, over TLS (with HTTP/2) when
// proto is "h2tls".
func (e *env) startLivechatProto(ctx context.Context, name, proto string, extraEnv ...string) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	debug, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(e.cfg.livechat, "serve")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+e.dbURL,
		"LIVECHAT_LISTEN="+addr,
		"LIVECHAT_METRICS_LISTEN="+debug,
		"LIVECHAT_LOG_LEVEL=warn",
		"LIVECHAT_SHUTDOWN_TIMEOUT=2s",
		// Every instance of the run shares one key, as in production.
		"LIVECHAT_SECRETS_KEY="+benchSecretsKey,
		// The load comes from a few tokens on a few loopback addresses:
		// the per-caller stream limits would measure themselves, not the
		// server's capacity. The open-file headroom stays on.
		"LIVECHAT_MAX_STREAMS_PER_VISITOR=-1",
		"LIVECHAT_MAX_STREAMS_PER_CREDENTIAL=-1",
		"LIVECHAT_MAX_STREAMS_PER_ADDRESS=-1",
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	scheme := "http://"
	if proto == "h2tls" {
		cert, key, err := e.cert()
		if err != nil {
			return nil, err
		}
		cmd.Env = append(cmd.Env, "LIVECHAT_TLS_CERT="+cert, "LIVECHAT_TLS_KEY="+key)
		scheme = "https://"
	}
	p, err := e.startProc(ctx, name, cmd, scheme+addr, "/readyz")
	if err == nil {
		p.debugURL = "http://" + debug
	}
	return p, err
}

// startBare starts the bare connect-go server of M3 (see bare.go), over
// TLS when proto is "h2tls".
func (e *env) startBare(ctx context.Context, proto string) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	debug, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args, scheme := []string{"-listen", addr, "-debug-listen", debug}, "http://"
	if proto == "h2tls" {
		cert, key, err := e.cert()
		if err != nil {
			return nil, err
		}
		args, scheme = append(args, "-tls-cert", cert, "-tls-key", key), "https://"
	}
	cmd := e.selfCommand(roleBareServer, args...)
	p, err := e.startProc(ctx, "bare", cmd, scheme+addr, "/healthz")
	if err == nil {
		p.debugURL = "http://" + debug
	}
	return p, err
}

// cert returns the run's self-signed certificate for 127.0.0.1, made on
// first use.
func (e *env) cert() (certFile, keyFile string, err error) {
	if e.certFile == "" {
		if e.certFile, e.keyFile, err = writeSelfSignedCert(e.dir); err != nil {
			return "", "", err
		}
	}
	return e.certFile, e.keyFile, nil
}

// selfCommand runs this program in one of its helper roles.
func (e *env) selfCommand(role string, args ...string) *exec.Cmd {
	cmd := exec.Command(e.self, append(slices.Clone(e.selfArgs), args...)...)
	cmd.Env = append(os.Environ(), roleEnv+"="+role)
	return cmd
}

func (e *env) startProc(ctx context.Context, name string, cmd *exec.Cmd, url, ready string) (*proc, error) {
	logf, err := os.CreateTemp(e.dir, name+"-*.log")
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, URL: url, logPath: logf.Name(), done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+ready, nil)
		if res, err := readyClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited at start:\n%s", name, tailFile(p.logPath, 2000))
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s not ready after 60 s:\n%s", name, tailFile(p.logPath, 2000))
		}
	}
}

// readyClient polls the servers' readiness, trusting the bench's own
// certificate.
var readyClient = &http.Client{Transport: &http.Transport{TLSClientConfig: benchTLSClientConfig()}}

// tailFile returns the end of a log file, for error messages.
func tailFile(path string, n int) string {
	b, _ := os.ReadFile(path)
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
