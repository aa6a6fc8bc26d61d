package scaleout_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// installDryRun runs tools/install.sh --dry-run with args.
func installDryRun(t *testing.T, args ...string) (string, int) {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{filepath.Join(root, "tools", "install.sh"), "--dry-run"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("install.sh: %v", err)
	}
	return out.String(), code
}

// writtenFile extracts a file the dry run would write.
func writtenFile(t *testing.T, out, path string) string {
	t.Helper()
	var b strings.Builder
	in := false
	for line := range strings.SplitSeq(out, "\n") {
		switch {
		case strings.HasPrefix(line, "+ write "+path+" "):
			in = true
		case in && strings.HasPrefix(line, "|"):
			b.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "|"), "   "))
			b.WriteString("\n")
		case in:
			return b.String()
		}
	}
	if !in {
		t.Fatalf("the dry run does not write %s:\n%s", path, out)
	}
	return b.String()
}

func TestInstallScriptDryRun(t *testing.T) {
	t.Parallel()

	t.Run("automatic HTTPS on a fresh server", func(t *testing.T) {
		t.Parallel()
		out, code := installDryRun(t, "--domain", "chat.example.com", "--email", "ops@example.com")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		for _, want := range []string{
			"apt-get install -y -q --no-install-recommends postgresql",
			"useradd --system",
			`CREATE\ ROLE\ livechat\ LOGIN`,
			"createdb --owner=livechat",
			"/usr/local/bin/livechat",
			"systemctl daemon-reload",
			"systemctl restart livechat",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("the dry run does not show %q", want)
			}
		}
		env := writtenFile(t, out, "/etc/livechat/livechat.env")
		for _, want := range []string{"LIVECHAT_TLS_DOMAIN=chat.example.com", "LIVECHAT_TLS_EMAIL=ops@example.com", "DATABASE_URL=postgres:///livechat?host=/var/run/postgresql"} {
			if !strings.Contains(env, want) {
				t.Errorf("livechat.env lacks %q:\n%s", want, env)
			}
		}
		// Every setting in the file is one the binary knows.
		help, _ := exec.Command(binary(t), "serve", "--help").CombinedOutput()
		for _, m := range regexp.MustCompile(`(?m)^([A-Z_]+)=`).FindAllStringSubmatch(env, -1) {
			if !strings.Contains(string(help), "[$"+m[1]+"]") {
				t.Errorf("livechat.env sets %s, which livechat serve does not read", m[1])
			}
		}
	})

	t.Run("behind a proxy: loopback only, proxy trusted", func(t *testing.T) {
		t.Parallel()
		out, code := installDryRun(t, "--behind-proxy")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		env := writtenFile(t, out, "/etc/livechat/livechat.env")
		for _, want := range []string{"LIVECHAT_LISTEN=127.0.0.1:8080", "LIVECHAT_TRUSTED_PROXIES=127.0.0.1,::1"} {
			if !strings.Contains(env, want) {
				t.Errorf("livechat.env lacks %q:\n%s", want, env)
			}
		}
	})

	t.Run("bad arguments are refused before anything runs", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{
			{"--domain", "chat.example.com", "--behind-proxy"},
			{"--domain", "https://chat.example.com"},
			{"--email", "ops@example.com"},
			{"--frobnicate"},
		} {
			out, code := installDryRun(t, args...)
			if code == 0 || strings.Contains(out, "==>") {
				t.Errorf("install.sh %v: exit %d, output:\n%s", args, code, out)
			}
		}
	})

	t.Run("the systemd unit is valid and hardened", func(t *testing.T) {
		t.Parallel()
		analyze, err := exec.LookPath("systemd-analyze")
		if err != nil {
			t.Skip("systemd-analyze is not installed")
		}
		out, _ := installDryRun(t, "--domain", "chat.example.com")
		unit := writtenFile(t, out, "/etc/systemd/system/livechat.service")
		// verify checks that ExecStart exists: point it at the binary under test.
		unit = strings.ReplaceAll(unit, "/usr/local/bin/livechat", binary(t))
		path := filepath.Join(t.TempDir(), "livechat.service")
		if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := exec.Command(analyze, "verify", path).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(res)) > 0 {
			t.Errorf("systemd-analyze verify: %v\n%s", err, res)
		}
		sec, err := exec.Command(analyze, "security", "--offline=true", path).CombinedOutput()
		if err != nil {
			t.Skipf("systemd-analyze security --offline is not supported here: %v", err)
		}
		m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(sec)
		if m == nil {
			t.Fatalf("no exposure level in:\n%s", sec)
		}
		level, _ := strconv.ParseFloat(string(m[1]), 64)
		t.Logf("systemd exposure level %.1f (0 = fully confined, 10 = unprotected)", level)
		if level > 2.5 {
			t.Errorf("exposure level %.1f, want ≤ 2.5", level)
		}
	})
}
