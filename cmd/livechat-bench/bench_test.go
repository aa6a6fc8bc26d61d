package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opensupport/livechat/server/dbtest"
)

// TestMain lets the test binary play the bench's helper roles, since the
// bench starts itself (os.Executable) for the bare server and the stream
// holders.
func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		os.Exit(runRole(role, os.Args[1:]))
	}
	dbtest.Main(m)
}

// TestSmoke runs every figure at toy scale against a real livechat on a
// real PostgreSQL, so the harness cannot rot between full runs: the table
// must come out with every figure and no errors. Figures whose service is
// not in the build are reported as n/a and pass.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and livechat")
	}
	t.Parallel()
	requireWebAssets(t, "../..")
	bin := os.Getenv("LIVECHAT_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "livechat")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/opensupport/livechat/cmd/livechat").CombinedOutput()
		if err != nil {
			t.Fatalf("go build livechat: %v\n%s", err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"-smoke", "-livechat", bin, "-root", "../.."}, &stdout, &stderr)
	t.Logf("progress:\n%s", stderr.String())
	t.Logf("table:\n%s", stdout.String())
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	table := stdout.String()
	if !strings.Contains(table, "| Figure") {
		t.Fatal("no table printed")
	}
	for _, fig := range []string{"| M1 ", "| M2 ", "| M3 ", "| M4 ", "| M5 ", "| M6 ", "| M7 ", "| M10 "} {
		if !strings.Contains(table, fig) {
			t.Errorf("figure %s missing from the table", strings.Trim(fig, "| "))
		}
	}
	for _, line := range strings.Split(table, "\n") {
		if strings.Contains(line, "| error:") {
			t.Errorf("figure failed: %s", line)
		}
	}
}

// requireWebAssets skips the test when the dashboard and the widget have not
// been built (a fresh clone's `go test ./...`): the figures measure them.
// make test builds them first and sets LIVECHAT_REQUIRE_WEB_ASSETS, so there
// their absence fails the test instead of silently dropping it.
func requireWebAssets(t *testing.T, root string) {
	t.Helper()
	var missing []string
	for _, f := range []string{"widget/dist/widget.js", "widget/dist/widget.css", "frontend/dist/index.html"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "the web assets are not built (" + strings.Join(missing, ", ") + "); make build-web builds them, make test does so first"
	if os.Getenv("LIVECHAT_REQUIRE_WEB_ASSETS") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
