package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// probe is one send→deliver latency measurement: an agent sends messages at
// a fixed rate into visitors' conversations through one instance, while
// agent and visitor streams on (possibly) another instance receive them.
type probe struct {
	sendURL, recvURL string
	token            string    // the senders' and agent streams' API token
	agentStreams     int       // each receives every message
	visitors         []visitor // one stream each, receiving their own conversation's messages
	// targets are the conversations messages go to, round-robin; nil means
	// the visitors'. A site's traffic spreads over many conversations while
	// few of their visitors are watched, and no single conversation takes
	// a thousand messages a second.
	targets          []visitor
	rate             int // messages per second
	warmup, duration time.Duration
	// cpuPIDs are the server processes whose CPU time is charged to the
	// deliveries.
	cpuPIDs []int
	// peer "centrifugo" measures Centrifugo instead (peers.go): streams
	// are its unidirectional HTTP streams, token and the visitors' tokens
	// its connection tokens, and a send is a broadcast into the target's
	// channel (conversationID) and the agents'.
	peer string
}

// probeResult is what a probe measured after its warm-up.
type probeResult struct {
	lat []time.Duration // one per delivery
	// sendLat is each SendMessage call's duration, request to response:
	// the part of lat spent before the hub hears of the commit, roughly.
	sendLat    []time.Duration
	sent       int // messages sent after the warm-up
	delivered  int // deliveries of those messages
	expected   int
	sendErrors int
	cpu        time.Duration // of cpuPIDs, during the measured window
	elapsed    time.Duration
}

func (r probeResult) p(q float64) time.Duration { return percentile(r.lat, q) }

// cpuPer1k is CPU-seconds per 1,000 deliveries.
func (r probeResult) cpuPer1k() float64 {
	if r.delivered == 0 {
		return 0
	}
	return r.cpu.Seconds() / float64(r.delivered) * 1000
}

var probeRun atomic.Int64

// run opens the streams, sends, waits for the deliveries and closes the
// streams.
func (p probe) run(ctx context.Context) (probeResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if len(p.visitors) == 0 {
		return probeResult{}, fmt.Errorf("no visitors: %w", errUnavailable)
	}
	runID := probeRun.Add(1)
	prefix := fmt.Sprintf("lat-%d-%d-", time.Now().UnixNano(), runID)
	warmN := int(p.warmup.Seconds() * float64(p.rate))
	total := warmN + int(p.duration.Seconds()*float64(p.rate))
	sentAt := make([]atomic.Int64, total)

	// Receivers: one connection each, as browsers without HTTP/2.
	recvHC := newHTTPClient("h1", 3, 2000)
	defer recvHC.CloseIdleConnections()
	var streams []*stream
	defer func() {
		for _, s := range streams {
			_ = s.close()
		}
	}()
	agentCl := newClients(recvHC, p.recvURL, bearer(p.token))
	type opened struct {
		s   *stream
		err error
	}
	openc := make(chan opened)
	sem := make(chan struct{}, 32)
	for i := 0; i < p.agentStreams+len(p.visitors); i++ {
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var s *stream
			var err error
			kindA, kindV := kindAgent, kindVisitor
			if p.peer == "centrifugo" {
				kindA, kindV = kindCentrifugo, kindCentrifugo
			}
			if i < p.agentStreams {
				s, err = openStream(ctx, agentCl, kindA, 30*time.Second)
			} else {
				v := p.visitors[i-p.agentStreams]
				s, err = openStream(ctx, newClients(recvHC, p.recvURL, bearer(v.token)), kindV, 30*time.Second)
			}
			openc <- opened{s, err}
		}()
	}
	var openErr error
	for i := 0; i < p.agentStreams+len(p.visitors); i++ {
		o := <-openc
		if o.err != nil {
			openErr = o.err
			continue
		}
		streams = append(streams, o.s)
	}
	if openErr != nil {
		return probeResult{}, openErr
	}

	var (
		mu        sync.Mutex
		lat       []time.Duration
		delivered atomic.Int64
	)
	for _, s := range streams {
		go func() {
			var mine []time.Duration
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			for {
				ev, err := s.recv()
				if err != nil {
					return
				}
				m := ev.GetMessageCreated()
				if m == nil {
					continue
				}
				now := time.Now().UnixNano()
				rest, ok := strings.CutPrefix(m.GetClientMessageId(), prefix)
				if !ok {
					continue
				}
				i, err := strconv.Atoi(rest)
				if err != nil || i < warmN || i >= total {
					continue
				}
				if t := sentAt[i].Load(); t != 0 {
					mine = append(mine, time.Duration(now-t))
					delivered.Add(1)
				}
			}
		}()
	}

	targets := p.targets
	if len(targets) == 0 {
		targets = p.visitors
	}
	watched := make(map[string]bool, len(p.visitors))
	for _, v := range p.visitors {
		watched[v.conversationID] = true
	}

	// Senders: an open-loop schedule, message i due at start + i/rate, so a
	// slow server does not slow the offered load down.
	sendHC := newHTTPClient("h1", 4, 1000)
	defer sendHC.CloseIdleConnections()
	sender := newClients(sendHC, p.sendURL, bearer(p.token)).Conversation
	send := func(ctx context.Context, v visitor, id string) error {
		_, err := sender.SendMessage(ctx, &livechatv1.SendMessageRequest{
			ConversationId: v.conversationID, Text: payload, ClientMessageId: id,
		})
		return err
	}
	if p.peer == "centrifugo" {
		publish := cfPublisher(sendHC, p.sendURL)
		send = func(ctx context.Context, v visitor, id string) error { return publish(ctx, v.conversationID, id) }
	}
	due := make(chan int, total)
	sendDur := make([]atomic.Int64, total)
	var sendErrs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range min(64, max(4, p.rate/20)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range due {
				v := targets[i%len(targets)]
				sentAt[i].Store(time.Now().UnixNano())
				err := send(ctx, v, prefix+strconv.Itoa(i))
				sendDur[i].Store(time.Now().UnixNano() - sentAt[i].Load())
				if err != nil {
					sentAt[i].Store(0)
					sendErrs.Add(1)
					firstErr.CompareAndSwap(nil, unavailable("ConversationService.SendMessage", err))
				}
			}
		}()
	}
	start := time.Now()
	period := time.Second / time.Duration(p.rate)
	var cpu0 time.Duration
	var t0 time.Time
	for i := 0; i < total; i++ {
		if i == warmN {
			cpu0, t0 = p.cpu(), time.Now()
		}
		if d := time.Until(start.Add(time.Duration(i) * period)); d > 0 {
			time.Sleep(d)
		}
		due <- i
	}
	close(due)
	wg.Wait()

	sent, expected := 0, 0
	var res0 probeResult
	for i := warmN; i < total; i++ {
		if sentAt[i].Load() == 0 {
			continue
		}
		sent++
		res0.sendLat = append(res0.sendLat, time.Duration(sendDur[i].Load()))
		expected += p.agentStreams
		if watched[targets[i%len(targets)].conversationID] {
			expected++
		}
	}
	// Wait for the stragglers: every delivery, or 3 s of silence.
	last, lastN := time.Now(), int64(-1)
	for int(delivered.Load()) < expected && time.Since(last) < 3*time.Second {
		if n := delivered.Load(); n != lastN {
			last, lastN = time.Now(), n
		}
		time.Sleep(10 * time.Millisecond)
	}
	res := probeResult{
		sent: sent, expected: expected, sendErrors: int(sendErrs.Load()),
		cpu: p.cpu() - cpu0, elapsed: time.Since(t0), sendLat: res0.sendLat,
	}
	cancel()
	for _, s := range streams {
		_ = s.close()
	}
	streams = nil
	// Receivers flush their samples when their stream ends.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(lat)
		mu.Unlock()
		if n >= int(delivered.Load()) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	res.lat = lat
	res.delivered = len(lat)
	mu.Unlock()
	if sent == 0 {
		if err, _ := firstErr.Load().(error); err != nil {
			return res, err
		}
		return res, errors.New("no message was sent")
	}
	return res, nil
}

func (p probe) cpu() time.Duration {
	var t time.Duration
	for _, pid := range p.cpuPIDs {
		t += procCPU(pid)
	}
	return t
}
