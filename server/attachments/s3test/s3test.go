// Package s3test starts a real S3-compatible server for tests: versitygw
// (Apache-2.0) with its posix back-end over a temporary folder, installed
// into bin/ by `make bin/versitygw` at a pinned version. A test that needs
// it fails, never skips, when it is missing.
package s3test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/opensupport/livechat/server/attachments/s3store"
)

// Binary is the versitygw executable: $LIVECHAT_VERSITYGW, else bin/versitygw
// of the repository.
func Binary() (string, error) {
	if p := os.Getenv("LIVECHAT_VERSITYGW"); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "bin", "versitygw")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("%s is missing: run `make bin/versitygw` (the S3 tests need a real S3 server)", p)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Start runs a fresh S3 server for the test and returns how to reach a
// bucket on it; the server stops when the test ends.
func Start(t testing.TB) s3store.Config {
	t.Helper()
	cfg, stop, err := Run(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return cfg
}

// Run starts versitygw keeping its objects in dir and returns how to reach
// a bucket on it, and how to stop it. The benchmark runs it this way.
func Run(dir string) (s3store.Config, func(), error) {
	bin, err := Binary()
	if err != nil {
		return s3store.Config{}, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return s3store.Config{}, nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cfg := s3store.Config{URL: "http://" + addr, Bucket: "livechat", Region: "us-east-1", AccessKey: "test-access", SecretKey: "test-secret-key"}
	cmd := exec.Command(bin, "--access", cfg.AccessKey, "--secret", cfg.SecretKey, "--region", cfg.Region, "--port", addr, "posix", dir)
	out, err := cmd.StderrPipe()
	if err != nil {
		return s3store.Config{}, nil, err
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		return s3store.Config{}, nil, fmt.Errorf("start %s: %w", bin, err)
	}
	logs := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case logs <- sc.Text():
			default:
			}
		}
	}()
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return cfg, stop, nil
		}
		select {
		case <-ctx.Done():
			stop()
			var seen []string
			for len(logs) > 0 {
				seen = append(seen, <-logs)
			}
			return s3store.Config{}, nil, fmt.Errorf("versitygw did not listen on %s: %v", addr, seen)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
