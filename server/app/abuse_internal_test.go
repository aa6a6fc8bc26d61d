package app

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// failingListener fails every Accept with err, as a listener out of file
// descriptors does.
type failingListener struct {
	net.Listener
	err error
}

func (l failingListener) Accept() (net.Conn, error) { return nil, l.err }

// TestAcceptErrorsAreWarned: running out of file descriptors shows first as
// failed accepts; they must be logged at warn (not debug) and counted,
// while a listener closed by a shutdown is neither.
func TestAcceptErrorsAreWarned(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	counter := prometheus.NewCounter(prometheus.CounterOpts{Name: "accept_errors"})
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: fmt.Errorf("accept4: %w", syscall.EMFILE)}

	ln := &trackingListener{Listener: failingListener{err: emfile}, fds: &fdCounter{}, log: log, errors: counter}
	for range 3 {
		if _, err := ln.Accept(); !errors.Is(err, syscall.EMFILE) {
			t.Fatalf("Accept = %v, want the listener's error", err)
		}
	}
	if got := counterValue(counter); got != 3 {
		t.Errorf("counted %v accept errors, want 3", got)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "too many open files") {
		t.Errorf("no warning naming the cause: %q", logs.String())
	}
	if n := strings.Count(logs.String(), "\n"); n != 1 {
		t.Errorf("%d warnings for a burst of 3 within a second, want 1", n)
	}

	closed := &trackingListener{Listener: failingListener{err: net.ErrClosed}, fds: &fdCounter{}, log: log, errors: counter}
	_, _ = closed.Accept()
	if got := counterValue(counter); got != 3 {
		t.Errorf("a closed listener counted as an accept error")
	}
}

// counterValue reads a counter as a scrape would.
func counterValue(c prometheus.Counter) float64 {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil || len(families) != 1 {
		return -1
	}
	return families[0].GetMetric()[0].GetCounter().GetValue()
}
