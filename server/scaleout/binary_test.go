package scaleout_test

import (
	"debug/buildinfo"
	"debug/elf"
	"os/exec"
	"strings"
	"testing"
)

// The binary is copied onto servers and into a scratch container as is: it
// must not need a C library or a dynamic loader.
func TestBinaryIsStatic(t *testing.T) {
	t.Parallel()
	bin := binary(t)

	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("read build info: %v", err)
	}
	cgo := ""
	for _, s := range info.Settings {
		if s.Key == "CGO_ENABLED" {
			cgo = s.Value
		}
	}
	if cgo != "0" {
		t.Errorf("built with CGO_ENABLED=%q, want 0", cgo)
	}

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("open ELF: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader (PT_INTERP)")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary links shared libraries: %v", libs)
	}
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(binary(t), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("livechat version: %v\n%s", err, out)
	}
	line := strings.TrimSpace(string(out))
	if !strings.HasPrefix(line, "livechat ") || !strings.Contains(line, "(commit ") || strings.Contains(line, "commit unknown") {
		t.Fatalf("livechat version = %q, want \"livechat <version> (commit <sha>)\"", line)
	}
}

func TestServeHelpListsEveryProductionFlag(t *testing.T) {
	t.Parallel()
	out, _ := exec.Command(binary(t), "serve", "--help").CombinedOutput()
	for _, flag := range []string{
		"-tls-domain", "-tls-cert", "-tls-key", "-tls-cache-dir", "-http-listen",
		"-trusted-proxies", "-metrics-listen", "-shutdown-timeout", "-database-url",
	} {
		if !strings.Contains(string(out), flag) {
			t.Errorf("serve --help does not mention %s", flag)
		}
	}
}
