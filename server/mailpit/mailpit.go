// Package mailpit runs a real Mailpit (SMTP in, an HTTP API to read what
// arrived) for tests: the mail tests send through it and read its API,
// never a mock of SMTP. `make mailpit` installs the pinned version into
// bin/; LIVECHAT_MAILPIT names another binary. A test that needs it fails
// when it is missing.
package mailpit

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Server is a running Mailpit.
type Server struct {
	// Host and SMTPPort are where it accepts mail (no TLS, any login).
	Host     string
	SMTPPort int
	httpAddr string
	bin      string
	cmd      *exec.Cmd
	t        testing.TB
}

// Start starts a Mailpit on free loopback ports and stops it when the test
// ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binary()
	if bin == "" {
		t.Fatal("Mailpit is not installed: run `make mailpit` (or set LIVECHAT_MAILPIT to its binary)")
	}
	s := &Server{Host: "127.0.0.1", SMTPPort: freePort(t), httpAddr: "127.0.0.1:" + strconv.Itoa(freePort(t)), bin: bin, t: t}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server on its ports; messages are kept in memory,
// so a restarted server starts empty.
func (s *Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	cmd := exec.Command(s.bin,
		"--smtp", net.JoinHostPort(s.Host, strconv.Itoa(s.SMTPPort)), "--listen", s.httpAddr,
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--disable-version-check", "--quiet")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if os.Getenv("LIVECHAT_TEST_LOG") == "" {
		cmd.Stdout, cmd.Stderr = nil, nil
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start Mailpit: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + s.httpAddr + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.Dial("tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.SMTPPort))); err == nil {
					_ = c.Close()
					return
				}
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("Mailpit did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the server (SMTP is then refused) until Start.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Address is one address of a message.
type Address struct {
	Name    string
	Address string
}

// Summary is a message as the list shows it.
type Summary struct {
	ID      string
	Subject string
	To      []Address
	From    Address
}

// Message is one received message.
type Message struct {
	ID      string
	Subject string
	From    Address
	To      []Address
	ReplyTo []Address
	// ReturnPath is the envelope sender (MAIL FROM).
	ReturnPath string
	Text       string
	HTML       string
}

// Messages lists what arrived, newest first.
func (s *Server) Messages() []Summary {
	s.t.Helper()
	var out struct{ Messages []Summary }
	s.get("/api/v1/messages?limit=500", &out)
	return out.Messages
}

// Message reads one message in full.
func (s *Server) Message(id string) Message {
	s.t.Helper()
	var m Message
	s.get("/api/v1/message/"+id, &m)
	return m
}

// Headers reads one message's headers.
func (s *Server) Headers(id string) map[string][]string {
	s.t.Helper()
	h := map[string][]string{}
	s.get("/api/v1/message/"+id+"/headers", &h)
	return h
}

// Wait waits up to timeout for at least n messages and returns them.
func (s *Server) Wait(n int, timeout time.Duration) []Summary {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := s.Messages()
		if len(ms) >= n || time.Now().After(deadline) {
			return ms
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) get(path string, into any) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.httpAddr+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("Mailpit API %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("Mailpit API %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		s.t.Fatalf("Mailpit API %s: %v", path, err)
	}
}

// binary finds Mailpit: $LIVECHAT_MAILPIT, bin/mailpit of the module, or
// on the PATH.
func binary() string {
	if b := os.Getenv("LIVECHAT_MAILPIT"); b != "" {
		return b
	}
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			if b := filepath.Join(d, "bin", "mailpit"); fileExists(b) {
				return b
			}
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if b, err := exec.LookPath("mailpit"); err == nil {
		return b
	}
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// String names the server in test logs.
func (s *Server) String() string { return fmt.Sprintf("mailpit smtp %s:%d", s.Host, s.SMTPPort) }
