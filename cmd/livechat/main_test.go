package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/db"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// runCLI runs the command line in-process and returns its exit status and
// what it wrote to stdout and stderr.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--help"},
		{"serve", "-h"},
		{"migrate", "--help"},
		{"agent", "--help"},
		{"agent", "create", "--help"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, args...)
			if code != 0 {
				t.Errorf("exit %d, want 0", code)
			}
			if !strings.Contains(stdout, "Usage") || !strings.Contains(stdout, "-") {
				t.Errorf("stdout has no usage (a pager would show nothing): %q", stdout)
			}
			if stderr != "" {
				t.Errorf("stderr = %q, want nothing", stderr)
			}
		})
	}
}

func TestFlagErrorPrintedOnce(t *testing.T) {
	code, stdout, stderr := runCLI(t, "serve", "--no-such-flag")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if n := strings.Count(stderr, "no-such-flag"); n != 1 {
		t.Errorf("the error is printed %d times, want once:\n%s", n, stderr)
	}
	if !strings.Contains(stderr, `"livechat serve --help"`) {
		t.Errorf("stderr does not point to the help: %q", stderr)
	}
	if strings.Contains(stderr, "-database-url") {
		t.Errorf("stderr repeats the whole usage: %q", stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
}

func TestVersion(t *testing.T) {
	defer func(v, c string) { Version, Commit = v, c }(Version, Commit)
	for _, tc := range []struct{ version, commit, want string }{
		{"f1266ca", "f1266ca", "livechat f1266ca\n"},
		{"f1266ca-dirty", "f1266ca", "livechat f1266ca-dirty\n"},
		{"v1.2.0", "f1266ca", "livechat v1.2.0 (commit f1266ca)\n"},
		{"dev", "f1266ca0123456789", "livechat dev (commit f1266ca0123456789)\n"},
	} {
		Version, Commit = tc.version, tc.commit
		if code, stdout, _ := runCLI(t, "version"); code != 0 || stdout != tc.want {
			t.Errorf("version %q commit %q: exit %d, %q; want %q", tc.version, tc.commit, code, stdout, tc.want)
		}
	}
}

// An address in use is reported, naming its flag, before the embedded
// database starts: the PostgreSQL binaries given here do not exist, so
// reaching the database would fail with another error.
func TestServeListenInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	for _, tc := range []struct {
		flag string
		args []string
	}{
		{"--listen", []string{"--listen", busy}},
		{"--metrics-listen", []string{"--listen", freeAddr(t), "--metrics-listen", busy}},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			args := append([]string{"serve", "--database-url", "", "--pg-data", t.TempDir(), "--pg-bin", "/nonexistent/bin"}, tc.args...)
			code, _, stderr := runCLI(t, args...)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.Contains(stderr, "address already in use") || !strings.Contains(stderr, tc.flag+" or") {
				t.Errorf("stderr does not say the address is in use and that %s sets it: %q", tc.flag, stderr)
			}
			if strings.Contains(stderr, "PostgreSQL") || strings.Contains(stderr, "nonexistent") {
				t.Errorf("the database was started before the address was checked: %q", stderr)
			}
		})
	}
}

// `serve --no-migrate` on a database without the schema serves: health
// endpoints answer, /readyz reports the pending migrations, the API answers
// UNAVAILABLE; once `livechat migrate` has run, the API works without a
// restart.
func TestServeNoMigrateOnEmptyDatabase(t *testing.T) {
	url := emptyDatabase(t)
	addr := freeAddr(t)
	base := "http://" + addr

	ctx, cancel := context.WithCancel(t.Context())
	var stderr syncBuffer
	var code int
	done := make(chan struct{}) // closed when serve has returned code
	go func() {
		defer close(done)
		code = run(ctx, []string{"serve", "--no-migrate", "--database-url", url, "--listen", addr}, strings.NewReader(""), io.Discard, &stderr)
	}()
	defer func() {
		cancel()
		<-done
		if code != 0 {
			t.Errorf("serve exited %d:\n%s", code, stderr.String())
		}
	}()

	waitFor(t, done, &stderr, "/healthz to answer", func() bool {
		status, _ := get(base + "/healthz")
		return status == http.StatusOK
	})
	if status, body := get(base + "/readyz"); status != http.StatusServiceUnavailable || !strings.Contains(body, "migrations pending") {
		t.Errorf("/readyz = %d %q, want 503 saying migrations are pending", status, body)
	}
	authClient := livechatv1connect.NewAuthServiceClient(connect.NewClient(connecthttp.NewTransport(http.DefaultClient, base)))
	_, err := authClient.GetSetupState(t.Context(), &livechatv1.GetSetupStateRequest{})
	if connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("GetSetupState before the migrations: %v, want UNAVAILABLE", err)
	}

	pool, err := pgxpool.New(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := db.Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	waitFor(t, done, &stderr, "the API to answer after the migrations", func() bool {
		res, err := authClient.GetSetupState(t.Context(), &livechatv1.GetSetupStateRequest{})
		return err == nil && res.GetSetupRequired()
	})
	if status, body := get(base + "/readyz"); status != http.StatusOK {
		t.Errorf("/readyz after the migrations = %d %q, want 200", status, body)
	}
}

// emptyDatabase is a test database without any table: the schema the
// migrations create is dropped.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	url := dbtest.NewURL(t)
	pool, err := pgxpool.New(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(t.Context(), "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatalf("empty the database: %v", err)
	}
	return url
}

// freeAddr is a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// get returns the status and body of a GET, or 0 when the server does not
// answer.
func get(url string) (int, string) {
	res, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// waitFor polls cond for up to 30 s, failing early when the server exits.
func waitFor(t *testing.T, exited <-chan struct{}, log fmt.Stringer, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		select {
		case <-exited:
			t.Fatalf("serve exited while waiting for %s:\n%s", what, log)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s:\n%s", what, log)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's log and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
