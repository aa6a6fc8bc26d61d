package app

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"sync"
	"time"
)

// handshakeListener completes each TLS handshake on a goroutine of its own
// before the HTTP server sees the connection. The server would otherwise
// run the handshake on the goroutine that then serves the connection for
// as long as it stays open, and a handshake's deep cryptographic calls
// grow that goroutine's stack to several times what an idle connection
// needs; here the grown stack is freed when the handshake ends. It also
// bounds how long a client may take to finish its handshake.
type handshakeListener struct {
	inner   net.Listener
	config  *tls.Config
	timeout time.Duration

	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
	errMu     sync.Mutex
	err       error
}

// newHandshakeListener serves TLS with config (which gains h2 and http/1.1
// when it offers no protocols) on inner.
func newHandshakeListener(inner net.Listener, config *tls.Config, timeout time.Duration) *handshakeListener {
	config = config.Clone()
	if len(config.NextProtos) == 0 {
		config.NextProtos = []string{"h2", "http/1.1"}
	} else if !slices.Contains(config.NextProtos, "h2") {
		config.NextProtos = append([]string{"h2"}, config.NextProtos...)
	}
	l := &handshakeListener{inner: inner, config: config, timeout: timeout,
		conns: make(chan net.Conn), closed: make(chan struct{})}
	go l.acceptLoop()
	return l
}

func (l *handshakeListener) acceptLoop() {
	var backoff time.Duration
	for {
		raw, err := l.inner.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				l.fail(err)
				return
			}
			// A transient failure (too many open files): wait as the HTTP
			// server would, then go on.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(backoff):
				continue
			case <-l.closed:
				return
			}
		}
		backoff = 0
		go l.handshake(raw)
	}
}

func (l *handshakeListener) handshake(raw net.Conn) {
	conn := tls.Server(raw, l.config)
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	if err := conn.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return
	}
	select {
	case l.conns <- conn:
	case <-l.closed:
		_ = conn.Close()
	}
}

func (l *handshakeListener) fail(err error) {
	l.errMu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.errMu.Unlock()
	l.closeOnce.Do(func() { close(l.closed) })
}

// Accept returns the next connection whose handshake has completed.
func (l *handshakeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		l.errMu.Lock()
		defer l.errMu.Unlock()
		if l.err != nil {
			return nil, l.err
		}
		return nil, net.ErrClosed
	}
}

// Close stops accepting; handshakes in progress are abandoned.
func (l *handshakeListener) Close() error {
	err := l.inner.Close()
	l.closeOnce.Do(func() { close(l.closed) })
	return err
}

// Addr is the listening address.
func (l *handshakeListener) Addr() net.Addr { return l.inner.Addr() }
