package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect/v2/connecthttp"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
)

// bench runs the figures against one environment.
type bench struct {
	cfg  config
	env  *env
	main *proc // the instance M1, M2 and M5 use
	fx   *fixture
	rep  *report
}

// m1 is durable throughput: persisted SendMessage per second ÷ pgbench
// single-row INSERT per second, interleaved at each concurrency.
func (b *bench) m1(ctx context.Context) {
	for _, c := range b.cfg.m1Conc {
		fig := fmt.Sprintf("M1 durable throughput, concurrency %d", c)
		if b.cfg.m1Proto == "grpc" {
			fig += ", gRPC over HTTP/2"
		}
		var tps, mps, ratios []float64
		var err error
		for rep := 0; rep < b.cfg.reps && err == nil; rep++ {
			var t, m float64
			if t, err = b.env.pgbenchTPS(ctx, c, b.cfg.m1Dur); err != nil {
				break
			}
			wait := func() {}
			if rep == 0 {
				wait = b.profile(b.main, fmt.Sprintf("m1-c%d", c), b.cfg.m1Dur)
			}
			m, err = b.sendThroughput(ctx, c, b.cfg.m1Dur)
			wait()
			if err != nil {
				break
			}
			tps, mps, ratios = append(tps, t), append(mps, m), append(ratios, m/t)
		}
		if err != nil {
			b.rep.skip(fig, err)
			continue
		}
		r := median(ratios)
		x := row{
			figure:   fig,
			value:    fmt.Sprintf("%s SendMessage/s", fmtInt(int(median(mps)))),
			baseline: fmt.Sprintf("pgbench INSERT %s tps", fmtInt(int(median(tps)))),
			ratio:    fmtRatio(r), target: "—", met: "—",
		}
		if c == 8 {
			x.target, x.met = "≥ 0.6", yesNo(r >= 0.6)
		}
		b.rep.add(x)
		b.rep.detail("M1 c=%d ratios per repetition: %s", c, fmtFloats(ratios))
	}
}

// sendThroughput runs c agents sending replies back to back for d and
// returns persisted (answered) messages per second.
func (b *bench) sendThroughput(ctx context.Context, c int, d time.Duration) (float64, error) {
	if len(b.fx.visitors) == 0 {
		return 0, fmt.Errorf("no conversations to reply to: %w", b.fx.errVisitors)
	}
	// Connect over HTTP/1.1, a connection per sender; or gRPC over HTTP/2
	// (without TLS), all senders on one connection, as gRPC backends call.
	var cl livechatv1connect.ConversationServiceClient
	if b.cfg.m1Proto == "grpc" {
		hc := newHTTPClient("h2", 5, 1000)
		defer hc.CloseIdleConnections()
		cl = newClients(hc, b.main.URL, bearer(b.fx.token), connecthttp.WithGRPC()).Conversation
	} else {
		hc := newHTTPClient("h1", 5, 1000)
		defer hc.CloseIdleConnections()
		cl = newClients(hc, b.main.URL, bearer(b.fx.token)).Conversation
	}
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	var (
		done     atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	run := time.Now().UnixNano()
	start := time.Now()
	end := start.Add(d)
	for g := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(end); i++ {
				// Spread the senders over many conversations, as agents are.
				v := b.fx.visitors[(g*7919+i)%len(b.fx.visitors)]
				_, err := cl.SendMessage(ctx, &livechatv1.SendMessageRequest{
					ConversationId: v.conversationID, Text: payload,
					ClientMessageId: fmt.Sprintf("m1-%d-%d-%d", run, g, i),
				})
				if err != nil {
					firstErr.CompareAndSwap(nil, unavailable("ConversationService.SendMessage", err))
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return 0, err
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}

// m2 is send→deliver latency against one INSERT commit's latency.
func (b *bench) m2(ctx context.Context) {
	for _, n := range b.cfg.m2Subs {
		name := fmt.Sprintf("%s streams", fmtInt(n+3))
		vis := n
		if n == 0 {
			name, vis = "1 customer + 3 agents", 1
		}
		if len(b.fx.visitors) < vis {
			err := b.fx.errVisitors
			if err == nil {
				err = fmt.Errorf("only %d visitors", len(b.fx.visitors))
			}
			b.rep.skip("M2 send→deliver, "+name, err)
			continue
		}
		var p50s, p99s, ins50, ins99, r50, cpu, low50, low99 []float64
		var err error
		for rep := 0; rep < b.cfg.reps && err == nil; rep++ {
			var i50, i99 time.Duration
			if i50, i99, err = b.env.insertLatency(ctx, b.cfg.m2BaseDur); err != nil {
				break
			}
			pr := probe{
				sendURL: b.main.URL, recvURL: b.main.URL, token: b.fx.token,
				agentStreams: 3, visitors: b.fx.visitors[:vis], targets: b.fx.visitors,
				rate: b.cfg.m2Rate, warmup: b.cfg.warmup, duration: b.cfg.m2Dur,
				cpuPIDs: []int{b.main.pid()},
			}
			var res probeResult
			wait := func() {}
			if rep == 0 {
				wait = b.profile(b.main, fmt.Sprintf("m2-%d-streams", n+3), b.cfg.warmup+b.cfg.m2Dur)
			}
			share := b.main.directShare(func() { res, err = pr.run(ctx) })
			wait()
			if err != nil {
				break
			}
			if res.delivered == 0 {
				err = errors.New("nothing was delivered")
				break
			}
			b.rep.detail("M2 %s rep %d: %d sent (%d errors), %d/%d delivered, %.0f msg/s offered, p50 %s p99 %s (SendMessage call p50 %s p99 %s), INSERT p50 %s p99 %s, %.3f CPU-s per 1,000, %.0f %% of events delivered as committed",
				name, rep+1, res.sent, res.sendErrors, res.delivered, res.expected, float64(res.sent)/res.elapsed.Seconds(),
				fmtMS(ms(res.p(50))), fmtMS(ms(res.p(99))), fmtMS(ms(percentile(res.sendLat, 50))), fmtMS(ms(percentile(res.sendLat, 99))),
				fmtMS(ms(i50)), fmtMS(ms(i99)), res.cpuPer1k(), share*100)
			p50s = append(p50s, ms(res.p(50)))
			p99s = append(p99s, ms(res.p(99)))
			ins50 = append(ins50, ms(i50))
			ins99 = append(ins99, ms(i99))
			r50 = append(r50, ms(res.p(50))/ms(i50))
			cpu = append(cpu, res.cpuPer1k())
			if b.cfg.m2LowRate > 0 {
				pr.rate = b.cfg.m2LowRate
				share = b.main.directShare(func() { res, err = pr.run(ctx) })
				if err != nil {
					break
				}
				b.rep.detail("M2 %s rep %d at %d msg/s: p50 %s p99 %s (SendMessage call p50 %s p99 %s), %.3f CPU-s per 1,000, %.0f %% of events delivered as committed",
					name, rep+1, pr.rate, fmtMS(ms(res.p(50))), fmtMS(ms(res.p(99))),
					fmtMS(ms(percentile(res.sendLat, 50))), fmtMS(ms(percentile(res.sendLat, 99))), res.cpuPer1k(), share*100)
				low50 = append(low50, ms(res.p(50)))
				low99 = append(low99, ms(res.p(99)))
			}
		}
		if err != nil {
			b.rep.skip("M2 send→deliver, "+name, err)
			continue
		}
		r := median(r50)
		b.rep.add(row{
			figure:   fmt.Sprintf("M2 p50 send→deliver, %s, %s msg/s", name, fmtInt(b.cfg.m2Rate)),
			value:    fmtMS(median(p50s)),
			baseline: "INSERT commit p50 " + fmtMS(median(ins50)),
			ratio:    fmtRatio(r), target: "≤ 2", met: yesNo(r <= 2),
		})
		p99 := median(p99s)
		x := row{
			figure:   fmt.Sprintf("M2 p99 send→deliver, %s", name),
			value:    fmtMS(p99),
			baseline: "INSERT commit p99 " + fmtMS(median(ins99)),
			ratio:    fmtRatio(p99 / median(ins99)), target: "—", met: "—",
		}
		switch {
		case n >= 1000:
			x.target, x.met = "≤ 30 ms", yesNo(p99 <= 30)
		case n >= 100:
			x.target, x.met = "≤ 10 ms", yesNo(p99 <= 10)
		}
		b.rep.add(x)
		if len(low50) > 0 {
			b.rep.add(row{
				figure:   fmt.Sprintf("M2 send→deliver at %s msg/s (reference), %s", fmtInt(b.cfg.m2LowRate), name),
				value:    fmt.Sprintf("p50 %s, p99 %s", fmtMS(median(low50)), fmtMS(median(low99))),
				baseline: "INSERT commit p50 " + fmtMS(median(ins50)),
				ratio:    fmtRatio(median(low50) / median(ins50)), target: "—", met: "—",
			})
		}
		b.rep.add(row{
			figure:   fmt.Sprintf("M2 server CPU, %s", name),
			value:    fmt.Sprintf("%.3f CPU-s per 1,000 deliveries", median(cpu)),
			baseline: "—", ratio: "—", target: "—", met: "—",
		})
	}
}

// m3 is server memory per idle Subscribe stream, livechat ÷ the bare
// connect-go handler, over HTTP/1.1 and HTTP/2.
func (b *bench) m3(ctx context.Context) {
	kind, tokens := b.idleStreams()
	for _, proto := range b.cfg.m3Protos {
		fig := fmt.Sprintf("M3 memory per idle %s stream, %s", kind, protoName(proto))
		var bare, real, ratios []float64
		var err error
		for rep := 0; rep < b.cfg.reps && err == nil; rep++ {
			var pb, pr float64
			if pb, err = b.rssPerStream(ctx, "bare", proto, kind, tokens); err != nil {
				break
			}
			if pr, err = b.rssPerStream(ctx, "livechat", proto, kind, tokens); err != nil {
				break
			}
			bare, real, ratios = append(bare, pb), append(real, pr), append(ratios, pr/pb)
		}
		if err != nil {
			b.rep.skip(fig, err)
			continue
		}
		r := median(ratios)
		b.rep.add(row{
			figure:   fig + fmt.Sprintf(" (%s streams)", fmtInt(b.cfg.m3Streams)),
			value:    fmtKB(median(real)) + " per stream",
			baseline: "bare connect-go " + fmtKB(median(bare)),
			ratio:    fmtRatio(r), target: "≤ 1.25", met: yesNo(r <= 1.25),
		})
		b.rep.detail("M3 %s ratios per repetition: %s", protoName(proto), fmtFloats(ratios))
	}
}

// idleStreams chooses the kind of the idle streams of M3 and M4: visitors'
// widget streams when the widget API is there (each carries only its own
// conversation's events), else the admin's agent stream.
func (b *bench) idleStreams() (streamKind, []string) {
	if len(b.fx.visitors) > b.cfg.m4Active {
		var tokens []string
		for _, v := range b.fx.visitors[b.cfg.m4Active:] {
			tokens = append(tokens, v.token)
		}
		return kindVisitor, tokens
	}
	return kindAgent, []string{b.fx.token}
}

func protoName(p string) string {
	switch p {
	case "h2":
		return "HTTP/2"
	case "h2tls":
		return "TLS + HTTP/2, a connection each"
	}
	return "HTTP/1.1"
}

// rssPerStream starts a fresh server, opens the idle streams and returns
// its RSS growth per stream.
func (b *bench) rssPerStream(ctx context.Context, server, proto string, kind streamKind, tokens []string) (float64, error) {
	var (
		p   *proc
		err error
	)
	if server == "bare" {
		p, err = b.env.startBare(ctx, proto)
	} else if eng, ok := strings.CutPrefix(server, "centrifugo-"); ok {
		p, err = b.env.startCentrifugo(ctx, eng, proto == "h2tls")
	} else {
		p, err = b.env.startLivechatProto(ctx, "m3", proto)
	}
	if err != nil {
		return 0, err
	}
	defer p.stop()
	h, err := b.env.newHolders(1, p.URL, proto, kind, tokens)
	if err != nil {
		return 0, err
	}
	defer h.close()
	// Warm up: one stream makes the server load everything a stream needs
	// (code pages, pools) before the baseline sample.
	if st, err := h.open(1); err != nil || st.failed > 0 {
		return 0, holderErr(st, err)
	}
	rss0, err := settledRSS(p.pid(), 300*time.Millisecond, 6)
	if err != nil {
		return 0, err
	}
	n := b.cfg.m3Streams
	st, err := h.open(n)
	if err != nil || st.failed > 0 {
		return 0, holderErr(st, err)
	}
	rss1, err := settledRSS(p.pid(), 500*time.Millisecond, 12)
	if err != nil {
		return 0, err
	}
	// With -profile, keep where the memory went: the runtime's memory
	// statistics as measured (heap?debug=1), then the heap after a
	// collection — a heap profile shows the heap as of the last one, which
	// may have run while the streams were still opening — and the
	// goroutines.
	names := map[string]string{"heap?debug=1": "heap-stats.txt", "heap?gc=1": "heap", "goroutine": "goroutine"}
	for _, prof := range []string{"heap?debug=1", "heap?gc=1", "goroutine"} {
		b.saveProfile(p, prof, fmt.Sprintf("m3-%s-%s-%s.pprof", server, proto, names[prof]))
	}
	per := float64(rss1-rss0) / float64(n)
	b.rep.detail("M3 %s %s: RSS %s → %s for %s streams: %s each", server, protoName(proto),
		fmtKB(float64(rss0)), fmtKB(float64(rss1)), fmtInt(n), fmtKB(per))
	return per, nil
}

func holderErr(st holderStatus, err error) error {
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%d of %d streams failed to open: %s", st.failed, st.open+st.failed, st.err)
	if strings.Contains(st.err, errUnavailable.Error()) {
		return fmt.Errorf("%s: %w", msg, errUnavailable)
	}
	return errors.New(msg)
}

// m4 is capacity: idle streams ramped under a steady message load until
// p99 doubles against the same server with no idle streams, or passes
// 100 ms.
func (b *bench) m4(ctx context.Context) {
	kind, tokens := b.idleStreams()
	for _, proto := range b.cfg.m4Protos {
		fig := fmt.Sprintf("M4 capacity, idle %s streams over %s", kind, protoName(proto))
		if err := b.ramp(ctx, fig, proto, kind, tokens); err != nil {
			b.rep.skip(fig, err)
		}
	}
}

func (b *bench) ramp(ctx context.Context, fig, proto string, kind streamKind, tokens []string) error {
	if len(b.fx.visitors) < b.cfg.m4Active {
		return fmt.Errorf("no visitors: %w", b.fx.errVisitors)
	}
	target, top := b.cfg.m4H2Target, b.cfg.m4H2Max
	var extraEnv []string
	if proto == "h1" || proto == "h2tls" {
		// Every HTTP/1.1 stream, and every visitor's own TLS connection, is
		// a socket: the server's open-file limit caps them. Keep room for
		// its database pool, the probe and logs.
		target = b.cfg.fileLimit - 500
		if proto == "h2tls" {
			// The production shape's target: 19,000 visitors within 20,000
			// open files. The server keeps a tenth of the limit for the
			// rest of the API by default; a deployment for that many
			// visitors keeps 500 (--stream-fd-reserve).
			target = b.cfg.fileLimit - 1000
			extraEnv = append(extraEnv, "LIVECHAT_STREAM_FD_RESERVE=500")
		}
		top = target
		if b.cfg.m4H1Max > 0 {
			top = min(top, b.cfg.m4H1Max)
		}
	}
	p, err := b.env.startLivechatProto(ctx, "m4", proto, extraEnv...)
	if err != nil {
		return err
	}
	defer p.stop()
	pr := probe{
		sendURL: p.URL, recvURL: p.URL, token: b.fx.token,
		agentStreams: 3, visitors: b.fx.visitors[:b.cfg.m4Active],
		rate: b.cfg.m4Rate, warmup: b.cfg.warmup, duration: b.cfg.m4Dur,
		cpuPIDs: []int{p.pid()},
	}
	var bases, bases50 []float64
	for range max(b.cfg.reps, 1) {
		res, err := pr.run(ctx)
		if err != nil {
			return err
		}
		bases, bases50 = append(bases, ms(res.p(99))), append(bases50, ms(res.p(50)))
	}
	base := median(bases)
	limit := math.Min(2*base, b.cfg.m4LimitMS)
	perProc := 12_500
	if proto == "h1" || proto == "h2tls" {
		perProc = 9_000 // sockets per holder, under its own open-file limit
	}
	h, err := b.env.newHolders((top+perProc-1)/perProc, p.URL, proto, kind, tokens)
	if err != nil {
		return err
	}
	defer h.close()
	steps := b.cfg.m4Steps
	have, reached, reachedP99 := 0, 0, base
	var stop string
	var levels []string
	for i := 1; i <= steps; i++ {
		level := top * i / steps
		st, err := h.open(level - have)
		if err != nil {
			return err
		}
		have = st.open
		if st.failed > 0 || st.dropped > 0 {
			stop = fmt.Sprintf("at %s streams: %d failed to open, %d dropped (%s)", fmtInt(level), st.failed, st.dropped, st.err)
			break
		}
		// A level fails only when two probes in a row say so: one slow
		// probe on a shared machine is noise.
		var p99, serverCPU, holderCPU float64
		for try := 0; try < 2; try++ {
			wait := func() {}
			if try == 0 {
				name := fmt.Sprintf("m4-%s-%d", proto, level)
				wait = b.profile(p, name, b.cfg.warmup+b.cfg.m4Dur)
				// And what every goroutine is doing halfway through.
				t := time.AfterFunc(b.cfg.warmup+b.cfg.m4Dur/2, func() { b.saveProfile(p, "goroutine", name+"-goroutine.pprof") })
				defer t.Stop()
			}
			// The holders share the machine's cores with the server: their
			// CPU during the probe says how much of it they took.
			t0, s0, h0 := time.Now(), procCPU(p.pid()), h.cpu()
			res, err := pr.run(ctx)
			secs := time.Since(t0).Seconds()
			serverCPU, holderCPU = (procCPU(p.pid())-s0).Seconds()/secs, (h.cpu()-h0).Seconds()/secs
			wait()
			if err != nil {
				return err
			}
			p99 = ms(res.p(99))
			if p99 <= limit {
				break
			}
		}
		levels = append(levels, fmt.Sprintf("%s → p99 %s (CPU: server %.0f %%, holders %.0f %% of a core)",
			fmtInt(st.open), fmtMS(p99), 100*serverCPU, 100*holderCPU))
		if p99 > limit {
			stop = fmt.Sprintf("at %s streams p99 %s > %s", fmtInt(st.open), fmtMS(p99), fmtMS(limit))
			break
		}
		reached, reachedP99 = st.open, p99
	}
	b.rep.detail("M4 %s ramp (base p50 %s, p99 %s (%s), limit %s): %s%s", protoName(proto), fmtMS(median(bases50)), fmtMS(base), fmtFloats(bases), fmtMS(limit),
		strings.Join(levels, ", "), map[bool]string{true: "; stopped " + stop, false: ""}[stop != ""])
	b.rep.add(row{
		figure:   fig + fmt.Sprintf(" at %d msg/s", b.cfg.m4Rate),
		value:    fmt.Sprintf("%s streams (p99 %s)", fmtInt(reached), fmtMS(reachedP99)),
		baseline: "p99 with no idle streams " + fmtMS(base),
		ratio:    fmtRatio(float64(reached) / float64(target)),
		target:   "≥ " + fmtInt(target), met: yesNo(reached >= target),
	})
	return nil
}

// m5 is cross-instance delivery: senders on one instance, subscribers on
// another, against both on one instance; and an idle instance's CPU.
func (b *bench) m5(ctx context.Context) {
	fig := "M5 cross-instance"
	if len(b.fx.visitors) < b.cfg.m5Subs {
		b.rep.skip(fig, fmt.Errorf("no visitors: %w", b.fx.errVisitors))
		return
	}
	other, err := b.env.startLivechat(ctx, "m5")
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	defer other.stop()
	mk := func(recv string) probe {
		return probe{
			sendURL: b.main.URL, recvURL: recv, token: b.fx.token,
			agentStreams: 3, visitors: b.fx.visitors[:b.cfg.m5Subs], targets: b.fx.visitors,
			rate: b.cfg.m5Rate, warmup: b.cfg.warmup, duration: b.cfg.m2Dur,
			cpuPIDs: []int{b.main.pid(), other.pid()},
		}
	}
	var d50, d99, cpuR, s50, c50, s99, c99 []float64
	for rep := 0; rep < b.cfg.reps; rep++ {
		single, err := mk(b.main.URL).run(ctx)
		if err != nil {
			b.rep.skip(fig, err)
			return
		}
		cross, err := mk(other.URL).run(ctx)
		if err != nil {
			b.rep.skip(fig, err)
			return
		}
		if single.delivered == 0 || cross.delivered == 0 {
			b.rep.skip(fig, fmt.Errorf("deliveries: single %d/%d, cross %d/%d", single.delivered, single.expected, cross.delivered, cross.expected))
			return
		}
		s50, c50 = append(s50, ms(single.p(50))), append(c50, ms(cross.p(50)))
		s99, c99 = append(s99, ms(single.p(99))), append(c99, ms(cross.p(99)))
		d50 = append(d50, ms(cross.p(50))-ms(single.p(50)))
		d99 = append(d99, ms(cross.p(99))-ms(single.p(99)))
		cpuR = append(cpuR, cross.cpuPer1k()/single.cpuPer1k())
		b.rep.detail("M5 rep %d: single p50 %s p99 %s %.3f CPU-s/1k (%d/%d delivered); cross p50 %s p99 %s %.3f CPU-s/1k (%d/%d delivered)",
			rep+1, fmtMS(ms(single.p(50))), fmtMS(ms(single.p(99))), single.cpuPer1k(), single.delivered, single.expected,
			fmtMS(ms(cross.p(50))), fmtMS(ms(cross.p(99))), cross.cpuPer1k(), cross.delivered, cross.expected)
	}
	name := fmt.Sprintf("%s streams, %s msg/s", fmtInt(b.cfg.m5Subs+3), fmtInt(b.cfg.m5Rate))
	x50, x99, xc := median(d50), median(d99), median(cpuR)
	b.rep.add(row{figure: "M5 extra p50, two instances, " + name, value: fmtMS(median(c50)),
		baseline: "one instance " + fmtMS(median(s50)), ratio: "+" + fmtMS(x50), target: "≤ +2 ms", met: yesNo(x50 <= 2)})
	b.rep.add(row{figure: "M5 extra p99, two instances, " + name, value: fmtMS(median(c99)),
		baseline: "one instance " + fmtMS(median(s99)), ratio: "+" + fmtMS(x99), target: "≤ +15 ms", met: yesNo(x99 <= 15)})
	b.rep.add(row{figure: "M5 CPU per delivery, two instances ÷ one", value: "both instances' CPU",
		baseline: "one instance (the other idle)", ratio: fmtRatio(xc), target: "≤ 1.3", met: yesNo(xc <= 1.3)})

	// Idle: no client at all; an instance that polls shows up here.
	a0, o0, t0 := procCPU(b.main.pid()), procCPU(other.pid()), time.Now()
	select {
	case <-ctx.Done():
		return
	case <-time.After(b.cfg.idleDur):
	}
	secs := time.Since(t0).Seconds()
	idle := math.Max((procCPU(b.main.pid())-a0).Seconds(), (procCPU(other.pid())-o0).Seconds()) / secs * 1000
	b.rep.add(row{figure: "M5 idle instance CPU", value: fmt.Sprintf("%.2f ms CPU per second", idle),
		baseline: fmt.Sprintf("%.0f s without clients", secs), ratio: "—", target: "≈ 0 (≤ 1 ms/s)", met: yesNo(idle <= 1)})
}

// m6 is weight: bytes on the wire, as the running server sends them to a
// browser (Accept-Encoding: br, gzip), of the widget's first load, the
// opened widget, and the dashboard's first load, against their budgets.
// staticImport finds the chunks a built chat chunk imports statically
// (`from"./chunk-X.js"`); chunks reached only through import() load when
// their feature is used.
var staticImport = regexp.MustCompile(`(?:from|import)\s*"\./([\w.-]+\.js)"`)

// openedChunks lists the chat part (chat-*.js) of the built widget and
// the chunks it imports statically, transitively: what opening the
// widget loads, as widget/scripts/size.mjs counts it.
func openedChunks(dir string) []string {
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		code, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return
		}
		seen[name] = true
		for _, m := range staticImport.FindAllSubmatch(code, -1) {
			visit(string(m[1]))
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "chat-") && strings.HasSuffix(e.Name(), ".js") {
			visit(e.Name())
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (b *bench) m6(base string) {
	wdist := filepath.Join(b.cfg.root, "widget", "dist")
	js, err1 := wireSize(base + "/widget.js")
	css, err2 := wireSize(base + "/widget.css")
	if err := errors.Join(err1, err2); err != nil {
		b.rep.skip("M6 widget first load", fmt.Errorf("build the widget into the binary first (make build): %w", err))
	} else {
		first := js + css
		b.weight("M6 widget first load (widget.js + widget.css)", first, 15)
		total := first
		for _, name := range openedChunks(filepath.Join(wdist, "assets")) {
			n, err := wireSize(base + "/widget-assets/" + name)
			if err != nil {
				b.rep.skip("M6 widget opened", err)
				return
			}
			total += n
		}
		b.weight("M6 widget opened (first load + the chat part)", total, 60)
	}
	n, files, err := dashboardFirstLoad(base)
	if err != nil {
		b.rep.skip("M6 dashboard first load", err)
		return
	}
	b.weight(fmt.Sprintf("M6 dashboard first load (index.html + %d files)", files), n, 250)
}

func (b *bench) weight(fig string, n int64, budgetKB int) {
	r := float64(n) / float64(budgetKB*1024)
	b.rep.add(row{figure: fig, value: fmtKB(float64(n)) + " on the wire", baseline: fmt.Sprintf("budget %d KB", budgetKB),
		ratio: fmtRatio(r), target: "≤ 1", met: yesNo(r <= 1)})
}

// wireClient fetches as a browser does but counts the bytes as received:
// the transport does not decode them.
var wireClient = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}

// wireSize is the number of body bytes the server sends for url to a
// browser that accepts brotli and gzip.
func wireSize(url string) (int64, error) {
	body, err := wireGet(url)
	return int64(len(body)), err
}

func wireGet(url string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept-Encoding", "br, gzip")
	res, err := wireClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: HTTP %d", url, res.StatusCode)
	}
	return body, err
}

var (
	scriptSrcRE = regexp.MustCompile(`<script[^>]*\bsrc="([^"]+)"`)
	linkRE      = regexp.MustCompile(`<link[^>]*>`)
	linkRelRE   = regexp.MustCompile(`\brel="(modulepreload|stylesheet)"`)
	linkHrefRE  = regexp.MustCompile(`\bhref="([^"]+)"`)
)

// dashboardFirstLoad sums the bytes on the wire of index.html and what it
// loads at once: its scripts, module preloads and stylesheets.
func dashboardFirstLoad(base string) (int64, int, error) {
	html, err := wireGet(base + "/")
	if err != nil {
		return 0, 0, err
	}
	// The page as sent may be compressed; its links are read from the
	// identity copy.
	plainRes, err := http.Get(base + "/")
	if err != nil {
		return 0, 0, err
	}
	plain, err := io.ReadAll(plainRes.Body)
	plainRes.Body.Close()
	if err != nil {
		return 0, 0, err
	}
	var refs []string
	for _, m := range scriptSrcRE.FindAllStringSubmatch(string(plain), -1) {
		refs = append(refs, m[1])
	}
	for _, l := range linkRE.FindAllString(string(plain), -1) {
		if h := linkHrefRE.FindStringSubmatch(l); h != nil && linkRelRE.MatchString(l) {
			refs = append(refs, h[1])
		}
	}
	seen := map[string]bool{}
	total := int64(len(html))
	for _, ref := range refs {
		if seen[ref] || strings.Contains(ref, "://") || !strings.HasPrefix(ref, "/") {
			continue
		}
		seen[ref] = true
		n, err := wireSize(base + ref)
		if err != nil {
			return 0, 0, err
		}
		total += n
	}
	if len(seen) == 0 {
		return 0, 0, errors.New("the dashboard's index.html loads no script: build the dashboard into the binary (make build)")
	}
	return total, len(seen), nil
}

func fmtFloats(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.FormatFloat(x, 'f', 2, 64)
	}
	return strings.Join(s, ", ")
}

// machine describes where the run happened, for the record.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(string(b))
		if len(f) > 1 {
			kb, _ := strconv.Atoi(f[1])
			mem = fmt.Sprintf(", %.0f GB RAM", float64(kb)/1024/1024)
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%d CPUs (%s)%s, Linux %s", runtime.NumCPU(), model, mem, strings.TrimSpace(string(kernel)))
}

// saveProfile writes p's /debug/pprof/<prof> into profileDir/name when
// -profile is set.
func (b *bench) saveProfile(p *proc, prof, name string) {
	dir := b.cfg.profileDir
	if dir == "" || p.debugURL == "" || os.MkdirAll(dir, 0o755) != nil {
		return
	}
	res, err := http.Get(p.debugURL + "/debug/pprof/" + prof)
	if err != nil {
		return
	}
	defer res.Body.Close()
	if f, err := os.Create(filepath.Join(dir, name)); err == nil {
		_, _ = io.Copy(f, res.Body)
		f.Close()
	}
}

// profile takes a CPU profile of p for d in the background, into
// profileDir/name.pprof, when -profile is set; wait blocks until it is
// written. It is how a missed target is explained (docs/benchmarks.md).
func (b *bench) profile(p *proc, name string, d time.Duration) (wait func()) {
	if b.cfg.profileDir == "" || p.debugURL == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		secs := max(1, int(d.Round(time.Second)/time.Second))
		res, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", p.debugURL, secs))
		if err != nil {
			b.rep.detail("profile %s: %v", name, err)
			return
		}
		defer res.Body.Close()
		if err := os.MkdirAll(b.cfg.profileDir, 0o755); err != nil {
			b.rep.detail("profile %s: %v", name, err)
			return
		}
		path := filepath.Join(b.cfg.profileDir, name+".pprof")
		f, err := os.Create(path)
		if err != nil {
			b.rep.detail("profile %s: %v", name, err)
			return
		}
		defer f.Close()
		if _, err := io.Copy(f, res.Body); err != nil {
			b.rep.detail("profile %s: %v", name, err)
			return
		}
		b.rep.detail("profile of the server during %s: %s", name, path)
	}()
	return func() { <-done }
}
