package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// Peers (make bench-peers): livechat side by side with Centrifugo v6, the
// real-time server most often put next to an application, in one run. Two
// figures, each interleaved livechat, Centrifugo with its memory engine,
// Centrifugo with its PostgreSQL broker (on the bench's own PostgreSQL,
// LISTEN/NOTIFY on, one shard):
//
//	P1 memory per idle visitor over TLS + HTTP/2, a connection each (a
//	   Centrifugo unidirectional HTTP stream subscribed to the visitor's
//	   channel by its connection token, against livechat's WidgetService.Subscribe)
//	P2 send→deliver latency at M2's rates into 100 visitors and 3 agents
//	   (Centrifugo: the HTTP API's broadcast into the visitor's channel and
//	   the agents' channel, against livechat's SendMessage)
//
// Centrifugo is built by `make bench-peers` with go install into bin/;
// nothing of it is part of the repository.

const (
	cfSecret = "livechat-bench-centrifugo-hmac-secret"
	cfAPIKey = "livechat-bench-centrifugo-api-key"
	// cfAgents is the channel every Centrifugo "agent" stream is on.
	cfAgents = "agents"
)

// cfEngines are the Centrifugo set-ups measured.
var cfEngines = []string{"memory", "postgres"}

// jwtHS256 signs claims as Centrifugo's connection tokens expect.
func jwtHS256(secret string, claims map[string]any) string {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, _ := json.Marshal(claims)
	msg := head + "." + enc.EncodeToString(body)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(msg))
	return msg + "." + enc.EncodeToString(mac.Sum(nil))
}

// cfToken is a connection token subscribing its stream to channels.
func cfToken(user string, channels ...string) string {
	return jwtHS256(cfSecret, map[string]any{"sub": user, "channels": channels, "exp": time.Now().Add(24 * time.Hour).Unix()})
}

// cfVisitors are Centrifugo's counterparts of n fixture conversations: a
// channel each, and a token on it.
func cfVisitors(n int) []visitor {
	vs := make([]visitor, n)
	for i := range vs {
		ch := "v" + strconv.Itoa(i)
		vs[i] = visitor{token: cfToken("visitor-"+strconv.Itoa(i), ch), conversationID: ch}
	}
	return vs
}

// startCentrifugo starts Centrifugo with the memory engine or the
// PostgreSQL broker, over TLS (HTTP/2 negotiated by ALPN) or, like M2's
// livechat, plain HTTP.
func (e *env) startCentrifugo(ctx context.Context, engine string, useTLS bool) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	portN, _ := strconv.Atoi(port)
	cert, key, err := e.cert()
	if err != nil {
		return nil, err
	}
	cfg := map[string]any{
		"log":    map[string]any{"level": "error"},
		"health": map[string]any{"enabled": true},
		"http_server": map[string]any{
			"address": host, "port": portN,
			"tls": map[string]any{"enabled": useTLS, "cert_pem": cert, "key_pem": key},
		},
		"client":          map[string]any{"token": map[string]any{"hmac_secret_key": cfSecret}, "allowed_origins": []string{"*"}},
		"http_api":        map[string]any{"key": cfAPIKey},
		"uni_http_stream": map[string]any{"enabled": true},
	}
	if engine == "postgres" {
		cfg["broker"] = map[string]any{
			"enabled": true, "type": "postgres",
			"postgres": map[string]any{"dsn": e.dbURL, "use_notify": true, "num_shards": 1, "table_prefix": "cfbench"},
		}
	}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	file := filepath.Join(e.dir, "centrifugo-"+engine+".json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(e.cfg.centrifugo, "--config", file)
	cmd.Env = os.Environ()
	scheme := "http://"
	if useTLS {
		scheme = "https://"
	}
	return e.startProc(ctx, "centrifugo-"+engine, cmd, scheme+addr, "/health")
}

// centrifugoStream opens a unidirectional HTTP stream with the client's
// bearer token as connection token. Its connect reply reads as READY, each
// publication as a MessageCreated whose client_message_id is the
// publication's "id", pings as heartbeats.
func centrifugoStream(ctx context.Context, cl clients) (*stream, error) {
	tok := strings.TrimPrefix(cl.header.Get("Authorization"), "Bearer ")
	body, _ := json.Marshal(map[string]string{"token": tok})
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cl.base+"/connection/uni_http_stream", bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := cl.hc.Do(req)
	if err != nil {
		cancel()
		return nil, unavailable("centrifugo uni_http_stream", err)
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		res.Body.Close()
		cancel()
		return nil, fmt.Errorf("centrifugo uni_http_stream: %s: %s", res.Status, b)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 0, 512), 1<<20)
	return &stream{
		recv: func() (*livechatv1.Event, error) {
			if !sc.Scan() {
				if err := sc.Err(); err != nil {
					return nil, err
				}
				return nil, io.EOF
			}
			var m struct {
				Connect json.RawMessage `json:"connect"`
				Pub     *struct {
					Data struct {
						ID string `json:"id"`
					} `json:"data"`
				} `json:"pub"`
			}
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				return nil, fmt.Errorf("centrifugo stream: %w", err)
			}
			switch {
			case m.Connect != nil:
				return &livechatv1.Event{Kind: &livechatv1.Event_Ready{Ready: &livechatv1.ReadyEvent{}}}, nil
			case m.Pub != nil:
				return &livechatv1.Event{Kind: &livechatv1.Event_MessageCreated{MessageCreated: &livechatv1.Message{ClientMessageId: m.Pub.Data.ID}}}, nil
			}
			return &livechatv1.Event{Kind: &livechatv1.Event_Heartbeat{Heartbeat: &livechatv1.HeartbeatEvent{}}}, nil
		},
		close: func() error {
			cancel()
			return res.Body.Close()
		},
	}, nil
}

// cfPublisher publishes each message into its channel and the agents'
// channel with one broadcast call of Centrifugo's HTTP API.
func cfPublisher(hc *http.Client, base string) func(ctx context.Context, channel, id string) error {
	return func(ctx context.Context, channel, id string) error {
		body, _ := json.Marshal(map[string]any{"channels": []string{channel, cfAgents}, "data": map[string]string{"id": id, "text": payload}})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/broadcast", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", cfAPIKey)
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("centrifugo broadcast: %s: %s", res.Status, b)
		}
		if bytes.Contains(b, []byte(`"error"`)) {
			return fmt.Errorf("centrifugo broadcast: %s", b)
		}
		return nil
	}
}

// peers measures P1 and P2.
func (b *bench) peers(ctx context.Context) {
	if b.cfg.centrifugo == "" {
		b.rep.skip("P Centrifugo side by side", errors.New("no Centrifugo binary (make bench-peers builds one; or pass -centrifugo)"))
		return
	}
	b.peersMemory(ctx)
	b.peersLatency(ctx)
}

func (b *bench) peersMemory(ctx context.Context) {
	n := b.cfg.peerStreams
	kind, tokens := b.idleStreams()
	if kind != kindVisitor {
		b.rep.skip("P1 memory per idle visitor", errors.New("no visitors in the fixture"))
		return
	}
	cfTokens := make([]string, 0, len(tokens))
	for _, v := range cfVisitors(len(tokens)) {
		cfTokens = append(cfTokens, v.token)
	}
	per := map[string][]float64{}
	for rep := 0; rep < b.cfg.reps; rep++ {
		if v, err := b.rssPerStreamN(ctx, "livechat", kind, tokens, n); err != nil {
			b.rep.skip("P1 memory per idle visitor, livechat", err)
			return
		} else {
			per["livechat"] = append(per["livechat"], v)
		}
		for _, eng := range cfEngines {
			v, err := b.rssPerStreamN(ctx, "centrifugo-"+eng, kindCentrifugo, cfTokens, n)
			if err != nil {
				b.rep.detail("P1 Centrifugo %s rep %d: %v", eng, rep+1, err)
				continue
			}
			per[eng] = append(per[eng], v)
		}
	}
	lc := median(per["livechat"])
	for _, eng := range cfEngines {
		if len(per[eng]) == 0 {
			b.rep.skip("P1 memory per idle visitor, Centrifugo "+eng, errors.New("every repetition failed (see the details)"))
			continue
		}
		c := median(per[eng])
		b.rep.add(row{
			figure:   fmt.Sprintf("P1 memory per idle visitor, TLS + HTTP/2, a connection each (%s), vs Centrifugo %s", fmtInt(n), eng),
			value:    fmtKB(lc) + " (" + fmtFloats(kbs(per["livechat"])) + " KB)",
			baseline: "Centrifugo " + fmtKB(c) + " (" + fmtFloats(kbs(per[eng])) + " KB)",
			ratio:    fmtRatio(lc / c), target: "≤ 0.5", met: yesNo(lc/c <= 0.5),
		})
	}
}

func kbs(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x / 1024
	}
	return out
}

// rssPerStreamN is rssPerStream for n streams over TLS + HTTP/2 on any of
// the servers of the peers' figures.
func (b *bench) rssPerStreamN(ctx context.Context, server string, kind streamKind, tokens []string, n int) (float64, error) {
	saved := b.cfg.m3Streams
	b.cfg.m3Streams = n
	defer func() { b.cfg.m3Streams = saved }()
	return b.rssPerStream(ctx, server, "h2tls", kind, tokens)
}

func (b *bench) peersLatency(ctx context.Context) {
	subs := min(100, len(b.fx.visitors))
	if subs == 0 {
		b.rep.skip("P2 send→deliver", errors.New("no visitors in the fixture"))
		return
	}
	type res struct{ p50, p99, cpu []float64 }
	rates := []int{b.cfg.m2LowRate, b.cfg.m2Rate}
	got := map[string]map[int]*res{}
	add := func(who string, rate int, r probeResult) {
		if got[who] == nil {
			got[who] = map[int]*res{}
		}
		if got[who][rate] == nil {
			got[who][rate] = &res{}
		}
		x := got[who][rate]
		x.p50, x.p99, x.cpu = append(x.p50, ms(r.p(50))), append(x.p99, ms(r.p(99))), append(x.cpu, r.cpuPer1k())
		b.rep.detail("P2 %s at %d msg/s: p50 %s p99 %s, %d/%d delivered, %.3f CPU-s per 1,000", who, rate,
			fmtMS(ms(r.p(50))), fmtMS(ms(r.p(99))), r.delivered, r.expected, r.cpuPer1k())
	}
	cfTargets := cfVisitors(len(b.fx.visitors))
	for rep := 0; rep < b.cfg.reps && ctx.Err() == nil; rep++ {
		for _, rate := range rates {
			if rate <= 0 {
				continue
			}
			pr := probe{
				sendURL: b.main.URL, recvURL: b.main.URL, token: b.fx.token,
				agentStreams: 3, visitors: b.fx.visitors[:subs], targets: b.fx.visitors,
				rate: rate, warmup: b.cfg.warmup, duration: b.cfg.m2Dur, cpuPIDs: []int{b.main.pid()},
			}
			if r, err := pr.run(ctx); err == nil {
				add("livechat", rate, r)
			} else {
				b.rep.detail("P2 livechat at %d msg/s: %v", rate, err)
			}
			for _, eng := range cfEngines {
				p, err := b.env.startCentrifugo(ctx, eng, false)
				if err != nil {
					b.rep.detail("P2 Centrifugo %s: %v", eng, err)
					continue
				}
				pr := probe{
					sendURL: p.URL, recvURL: p.URL, token: cfToken("agent", cfAgents), peer: "centrifugo",
					agentStreams: 3, visitors: cfTargets[:subs], targets: cfTargets,
					rate: rate, warmup: b.cfg.warmup, duration: b.cfg.m2Dur, cpuPIDs: []int{p.pid()},
				}
				r, err := pr.run(ctx)
				p.stop()
				if err != nil {
					b.rep.detail("P2 Centrifugo %s at %d msg/s: %v", eng, rate, err)
					continue
				}
				add("centrifugo-"+eng, rate, r)
			}
		}
	}
	for _, rate := range rates {
		lc := got["livechat"][rate]
		if rate <= 0 || lc == nil {
			continue
		}
		for _, eng := range cfEngines {
			c := got["centrifugo-"+eng][rate]
			if c == nil {
				b.rep.skip(fmt.Sprintf("P2 send→deliver at %d msg/s vs Centrifugo %s", rate, eng), errors.New("no repetition ran (see the details)"))
				continue
			}
			target, met := "—", "—"
			if eng == "postgres" {
				target, met = "< 1", yesNo(median(lc.p50) < median(c.p50) && median(lc.p99) < median(c.p99))
			}
			b.rep.add(row{
				figure: fmt.Sprintf("P2 send→deliver, %s streams, %s msg/s, vs Centrifugo %s", fmtInt(subs+3), fmtInt(rate), eng),
				value: fmt.Sprintf("p50 %s (%s), p99 %s (%s), %.2f CPU-s/1,000", fmtMS(median(lc.p50)), fmtFloats(lc.p50),
					fmtMS(median(lc.p99)), fmtFloats(lc.p99), median(lc.cpu)),
				baseline: fmt.Sprintf("p50 %s (%s), p99 %s (%s), %.2f CPU-s/1,000", fmtMS(median(c.p50)), fmtFloats(c.p50),
					fmtMS(median(c.p99)), fmtFloats(c.p99), median(c.cpu)),
				ratio:  fmtRatio(median(lc.p50) / median(c.p50)),
				target: target, met: met,
			})
		}
	}
}
