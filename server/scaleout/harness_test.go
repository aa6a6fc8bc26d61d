// Package scaleout_test runs the real livechat binary the way production
// does: several processes on one PostgreSQL behind a plain round-robin
// balancer, restarted one after the other while people chat.
package scaleout_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// binary returns the livechat binary under test: $LIVECHAT_BIN when set
// (CI passes the one `make build` produced), else one built here the way
// `make build` builds it (static, trimmed, version stamped).
func binary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LIVECHAT_BIN"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		// One well-known place per user, replaced atomically: parallel test
		// runs on the same machine never see a half-written file, nothing
		// piles up in /tmp, and users do not share (or block) each other's.
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("livechat-test-bin-%d", os.Getuid()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			buildErr = err
			return
		}
		tmp := filepath.Join(dir, fmt.Sprintf("livechat.%d", os.Getpid()))
		cmd := exec.Command("go", "build", "-trimpath",
			"-ldflags", "-s -w -X main.Version=test-build -X main.Commit=0000000",
			"-o", tmp, "./cmd/livechat")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/livechat: %v\n%s", err, out)
			return
		}
		builtBin = filepath.Join(dir, "livechat")
		buildErr = os.Rename(tmp, builtBin)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// moduleRoot is the repository root (where go.mod is).
func moduleRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the test source")
	}
	return filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// lockedBuffer collects a process's output for the failure report.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// instance is one livechat process, restartable on the same address.
type instance struct {
	t    *testing.T
	name string
	bin  string
	addr string
	env  []string
	log  *lockedBuffer

	cmd  *exec.Cmd
	done chan error
}

func newInstance(t *testing.T, name, bin, dbURL string, env ...string) *instance {
	t.Helper()
	in := &instance{
		t: t, name: name, bin: bin, addr: freeAddr(t), log: &lockedBuffer{},
		env: append([]string{
			"DATABASE_URL=" + dbURL,
			"LIVECHAT_LOG_LEVEL=info",
			"LIVECHAT_SHUTDOWN_TIMEOUT=10s",
			"LIVECHAT_SECRETS_KEY=" + apptest.SecretsKey,
		}, env...),
	}
	t.Cleanup(func() {
		if in.cmd != nil {
			_ = in.cmd.Process.Kill()
			<-in.done
		}
		if t.Failed() || os.Getenv("LIVECHAT_TEST_LOG") != "" {
			t.Logf("--- log of instance %s ---\n%s", in.name, in.log.String())
		}
	})
	return in
}

func (in *instance) url() string { return "http://" + in.addr }

// start runs the process and waits until /readyz says it can serve.
func (in *instance) start() time.Duration {
	in.t.Helper()
	begin := time.Now()
	fmt.Fprintf(in.log, "=== start %s\n", begin.Format(time.RFC3339Nano))
	cmd := exec.Command(in.bin, "serve", "--listen", in.addr)
	cmd.Env = append(os.Environ(), in.env...)
	cmd.Stdout, cmd.Stderr = in.log, in.log
	if err := cmd.Start(); err != nil {
		in.t.Fatalf("start %s: %v", in.name, err)
	}
	in.cmd, in.done = cmd, make(chan error, 1)
	go func() { in.done <- cmd.Wait() }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-in.done:
			in.cmd = nil
			in.t.Fatalf("instance %s exited during start: %v\n%s", in.name, err, in.log.String())
		default:
		}
		res, err := http.Get(in.url() + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return time.Since(begin)
			}
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("instance %s not ready after 30s\n%s", in.name, in.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit; it returns how long the
// graceful shutdown took.
func (in *instance) stop() time.Duration {
	in.t.Helper()
	begin := time.Now()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		in.t.Fatalf("SIGTERM %s: %v", in.name, err)
	}
	select {
	case err := <-in.done:
		in.cmd = nil
		if err != nil {
			in.t.Fatalf("instance %s exited with %v after SIGTERM\n%s", in.name, err, in.log.String())
		}
	case <-time.After(20 * time.Second):
		in.t.Fatalf("instance %s still running 20s after SIGTERM", in.name)
	}
	return time.Since(begin)
}

// roundRobin is the balancer: every request goes to the next backend in
// turn, with no stickiness at all. Like nginx's default proxy_next_upstream
// it tries the next backend when one refuses the connection (it is
// restarting); a request that reached a backend is never replayed — the
// client sees a 502 and retries it itself.
type roundRobin struct {
	backends []*url.URL
	next     atomic.Uint64
	rt       *http.Transport
}

type bodyKey struct{}

func newRoundRobin(t *testing.T, addrs ...string) *httptest.Server {
	t.Helper()
	rr := &roundRobin{rt: &http.Transport{
		MaxIdleConnsPerHost: 64,
		DisableCompression:  true,
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
	}}
	for _, a := range addrs {
		rr.backends = append(rr.backends, &url.URL{Scheme: "http", Host: a})
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetXForwarded()
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", "backend" // chosen in RoundTrip
		},
		Transport: rr,
		// Flush every write at once, or live events would wait in a buffer.
		FlushInterval: -1,
		ErrorLog:      nil,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, "bad gateway: "+err.Error(), http.StatusBadGateway)
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Requests here are single small messages: keep the body so a
		// refused connection can be retried on the next backend.
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyKey{}, body)))
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		rr.rt.CloseIdleConnections()
	})
	return srv
}

// RoundTrip implements http.RoundTripper.
func (rr *roundRobin) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := r.Context().Value(bodyKey{}).([]byte)
	first := rr.next.Add(1)
	var lastErr error
	for i := range uint64(len(rr.backends)) {
		b := rr.backends[(first+i)%uint64(len(rr.backends))]
		out := r.Clone(r.Context())
		out.URL.Scheme, out.URL.Host, out.Host = b.Scheme, b.Host, b.Host
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		res, err := rr.rt.RoundTrip(out)
		if err == nil {
			return res, nil
		}
		lastErr = err
		var op *net.OpError
		if !errors.As(err, &op) || op.Op != "dial" {
			return nil, err
		}
	}
	return nil, lastErr
}
