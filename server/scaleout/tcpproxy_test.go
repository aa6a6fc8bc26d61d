package scaleout_test

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// tcpProxy is a round-robin TCP balancer on loopback, like a layer-4 load
// balancer in front of the instances: each new client connection goes to
// the next backend (the next one again when a backend refuses, as it does
// while restarting), and bytes are copied both ways until either side
// closes. It can also break chosen connections in one direction only —
// the bytes are read and dropped, so the sender believes they were
// delivered — which is what a half-broken link or a NAT that forgot the
// flow looks like to both ends.
type tcpProxy struct {
	ln       net.Listener
	backends []string
	next     atomic.Uint64
	wg       sync.WaitGroup

	mu    sync.Mutex
	conns map[*proxiedConn]struct{}
}

// proxiedConn is one client connection and the backend connection it was
// paired with.
type proxiedConn struct {
	client, backend net.Conn
	dropUp          atomic.Bool // client → backend bytes are dropped
	dropDown        atomic.Bool // backend → client bytes are dropped
	closeOnce       sync.Once
}

func (c *proxiedConn) close() {
	c.closeOnce.Do(func() {
		c.client.Close()
		c.backend.Close()
	})
}

// direction names one half of a connection.
type direction int

const (
	upstream   direction = iota // client → backend
	downstream                  // backend → client
)

func (d direction) String() string {
	if d == upstream {
		return "client→server"
	}
	return "server→client"
}

// startTCPProxy listens on a free loopback port and forwards to backends.
func startTCPProxy(backends ...string) (*tcpProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &tcpProxy{ln: ln, backends: backends, conns: map[*proxiedConn]struct{}{}}
	p.wg.Go(p.accept)
	return p, nil
}

// addr is where clients connect.
func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.wg.Go(func() { p.serve(client) })
	}
}

// dial connects to the next backend, trying each once.
func (p *tcpProxy) dial() (net.Conn, error) {
	first := p.next.Add(1)
	var lastErr error
	for i := range uint64(len(p.backends)) {
		addr := p.backends[(first+i)%uint64(len(p.backends))]
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func (p *tcpProxy) serve(client net.Conn) {
	backend, err := p.dial()
	if err != nil {
		client.Close() // every backend is down: the client sees a reset and retries
		return
	}
	c := &proxiedConn{client: client, backend: backend}
	p.mu.Lock()
	if p.conns == nil { // closed meanwhile
		p.mu.Unlock()
		c.close()
		return
	}
	p.conns[c] = struct{}{}
	p.mu.Unlock()

	var both sync.WaitGroup
	both.Go(func() { pipe(c, backend, client, &c.dropUp) })
	both.Go(func() { pipe(c, client, backend, &c.dropDown) })
	both.Wait()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// pipe copies src to dst until either fails, dropping the bytes while
// drop is set; then it closes the pair, so the other half ends too.
func pipe(c *proxiedConn, dst, src net.Conn, drop *atomic.Bool) {
	defer c.close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !drop.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// breakOneWay stops forwarding in direction d on every connection open now
// (they stay open: nothing tells either end) and returns how many.
func (p *tcpProxy) breakOneWay(d direction) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		if d == upstream {
			c.dropUp.Store(true)
		} else {
			c.dropDown.Store(true)
		}
	}
	return len(p.conns)
}

// close stops accepting, cuts every connection and waits for the copiers.
func (p *tcpProxy) close() error {
	err := p.ln.Close()
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for c := range conns {
		c.close()
	}
	p.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
