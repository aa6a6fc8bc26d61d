package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The stream holder is a helper process that opens idle Subscribe streams on
// command and keeps them open. Streams live in helper processes because one
// process can hold only as many sockets as its open-file limit allows
// (20,000 here), and M4 needs more than that on the client side.
//
// Protocol: the controller writes "open N" on stdin; the holder opens N more
// streams, waits for each one's ReadyEvent, and answers
// "ok <open> <failed> <dropped>" (totals so far; dropped are streams the
// server ended). End of stdin closes everything and exits.

const roleHoldStreams = "hold-streams"

func holdStreams(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet(roleHoldStreams, flag.ContinueOnError)
	url := fs.String("url", "", "server base URL")
	proto := fs.String("proto", "h1", "h1, h2 or h2tls")
	kind := fs.String("kind", string(kindAgent), "agent or visitor")
	tokensFile := fs.String("tokens", "", "file of tokens, one a line; stream i uses token i mod n")
	block := fs.Int("block", 10, "second octet of the 127.x.y.z source addresses")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := raiseNoFile(); err != nil {
		return err
	}
	b, err := os.ReadFile(*tokensFile)
	if err != nil {
		return err
	}
	tokens := strings.Fields(string(b))
	if len(tokens) == 0 {
		return errors.New("no tokens")
	}
	// 1,000 connections per source address keeps far from the ~28,000
	// ephemeral ports of one address.
	hc := newHTTPClient(*proto, *block, 1000)
	cls := make([]clients, len(tokens))
	for i, t := range tokens {
		cls[i] = newClients(hc, *url, bearer(t))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		opened, failed, dropped atomic.Int64
		mu                      sync.Mutex
		firstErr                error
		next                    int
	)
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || f[0] != "open" {
			return fmt.Errorf("unknown command %q", sc.Text())
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return err
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, 64)
		for range n {
			i := next
			next++
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				cl := cls[i%len(cls)]
				if *proto == "h2tls" {
					// A visitor's browser has a connection of its own.
					cl = newClients(newHTTPClient(*proto, *block, 1000), *url, bearer(tokens[i%len(tokens)]))
				}
				s, err := openStream(ctx, cl, streamKind(*kind), 60*time.Second)
				<-sem
				// The command is answered once every stream is open (or
				// failed); the open ones stay, draining heartbeats.
				defer func() {
					if s == nil {
						wg.Done()
					}
				}()
				if err != nil {
					failed.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				opened.Add(1)
				wg.Done()
				// Drain heartbeats until the server or the holder ends it.
				for {
					if _, err := s.recv(); err != nil {
						if ctx.Err() == nil {
							dropped.Add(1)
						}
						return
					}
				}
			}()
		}
		wg.Wait()
		msg := ""
		mu.Lock()
		if firstErr != nil {
			msg = " " + strings.ReplaceAll(firstErr.Error(), "\n", " ")
		}
		mu.Unlock()
		fmt.Fprintf(stdout, "ok %d %d %d%s\n", opened.Load(), failed.Load(), dropped.Load(), msg)
	}
	return sc.Err()
}

// holders is the controller's side: a few holder processes sharing the
// streams.
type holders struct {
	procs []*holderProc
}

type holderProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Scanner
	stderr *strings.Builder
}

// holderStatus is the sum of the holders' answers.
type holderStatus struct {
	open, failed, dropped int
	err                   string
}

// newHolders starts n holder processes. Each dials from its own block of
// source addresses.
func (e *env) newHolders(n int, url, proto string, kind streamKind, tokens []string) (*holders, error) {
	f, err := os.CreateTemp(e.dir, "tokens-*")
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(strings.Join(tokens, "\n") + "\n")
	f.Close()
	if err != nil {
		return nil, err
	}
	h := &holders{}
	for i := range n {
		cmd := e.selfCommand(roleHoldStreams, "-url", url, "-proto", proto, "-kind", string(kind),
			"-tokens", f.Name(), "-block", strconv.Itoa(10+i))
		stdin, err := cmd.StdinPipe()
		if err != nil {
			h.close()
			return nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			h.close()
			return nil, err
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			h.close()
			return nil, err
		}
		h.procs = append(h.procs, &holderProc{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout), stderr: &stderr})
	}
	return h, nil
}

// open asks the holders for n more streams in total, spread evenly, and
// returns the totals once all have answered.
func (h *holders) open(n int) (holderStatus, error) {
	k := len(h.procs)
	for i, p := range h.procs {
		share := n / k
		if i < n%k {
			share++
		}
		if _, err := fmt.Fprintf(p.stdin, "open %d\n", share); err != nil {
			return holderStatus{}, fmt.Errorf("stream holder: %w: %s", err, p.stderr.String())
		}
	}
	var st holderStatus
	for _, p := range h.procs {
		if !p.out.Scan() {
			return st, fmt.Errorf("stream holder exited: %s", tailString(p.stderr.String(), 1000))
		}
		f := strings.SplitN(p.out.Text(), " ", 5)
		if len(f) < 4 || f[0] != "ok" {
			return st, fmt.Errorf("stream holder said %q", p.out.Text())
		}
		a, _ := strconv.Atoi(f[1])
		b, _ := strconv.Atoi(f[2])
		c, _ := strconv.Atoi(f[3])
		st.open += a
		st.failed += b
		st.dropped += c
		if len(f) == 5 && st.err == "" {
			st.err = f[4]
		}
	}
	return st, nil
}

// cpu is the holders' CPU time so far.
func (h *holders) cpu() time.Duration {
	var total time.Duration
	for _, p := range h.procs {
		total += procCPU(p.cmd.Process.Pid)
	}
	return total
}

// close ends the holders (their streams close with them) and waits.
func (h *holders) close() {
	for _, p := range h.procs {
		p.stdin.Close()
	}
	for _, p := range h.procs {
		done := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			<-done
		}
	}
	h.procs = nil
}

func tailString(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
