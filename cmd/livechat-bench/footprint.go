package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opensupport/livechat/server/pgembed"
)

// m9 is the footprint of a whole installation as `make run` and small
// deployments run it: `livechat serve` with its embedded PostgreSQL, every
// process counted by PSS (shared pages split between the processes that
// map them, so PostgreSQL's shared buffers count once). Measured on an
// empty install, idle, and under a small team's day — the agents' and
// visitors' streams open and messages flowing — against the same
// PostgreSQL binaries run alone, idle: the part that is livechat's.
// docs/deploy.md derives the minimum RAM from it.
func (b *bench) m9(ctx context.Context) {
	team := fmt.Sprintf("%d agents + %s visitors, %d msg/s", b.cfg.m9Agents, fmtInt(b.cfg.m9Visitors), b.cfg.m9Rate)
	var base, idle, busy []float64
	var err error
	for rep := 0; rep < b.cfg.reps && err == nil; rep++ {
		var pb, pi, pl float64
		if pb, err = b.barePostgresPSS(ctx); err != nil {
			break
		}
		if pi, pl, err = b.installationPSS(ctx); err != nil {
			break
		}
		base, idle, busy = append(base, pb), append(idle, pi), append(busy, pl)
		b.rep.detail("M9 rep %d: PostgreSQL alone %s; livechat + embedded PostgreSQL idle %s, with %s (peak) %s",
			rep+1, fmtMB(pb), fmtMB(pi), team, fmtMB(pl))
	}
	if err != nil {
		b.rep.skip("M9 footprint", err)
		return
	}
	mb, mi, ml := median(base), median(idle), median(busy)
	b.rep.add(row{
		figure:   "M9 footprint, empty install, idle (livechat + embedded PostgreSQL, PSS)",
		value:    fmtMB(mi),
		baseline: "PostgreSQL alone " + fmtMB(mb),
		ratio:    fmtRatio(mi / mb), target: "—", met: "—",
	})
	b.rep.add(row{
		figure:   "M9 footprint, " + team + " (peak PSS)",
		value:    fmtMB(ml),
		baseline: "PostgreSQL alone " + fmtMB(mb),
		ratio:    fmtRatio(ml / mb), target: "—", met: "—",
	})
}

func fmtMB(bytes float64) string { return fmt.Sprintf("%.1f MB", bytes/1e6) }

// barePostgresPSS starts the embedded PostgreSQL alone on a fresh data
// directory and returns its settled PSS.
func (b *bench) barePostgresPSS(ctx context.Context) (float64, error) {
	dir, err := os.MkdirTemp(b.env.dir, "m9-pg-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	c, err := pgembed.Start(ctx, pgembed.Options{
		DataDir: filepath.Join(dir, "postgres"), Database: "livechat",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return 0, err
	}
	defer c.Stop(context.Background())
	pm, err := postmasterPID(c.DataDir())
	if err != nil {
		return 0, err
	}
	return settledTreePSS(pm)
}

// installationPSS starts `livechat serve` with its own embedded PostgreSQL
// on a fresh data directory and returns its settled PSS when idle and its
// peak PSS under the team's load.
func (b *bench) installationPSS(ctx context.Context) (idle, busy float64, err error) {
	dir, err := os.MkdirTemp(b.env.dir, "m9-lc-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	addr, err := freeAddr()
	if err != nil {
		return 0, 0, err
	}
	cmd := exec.Command(b.cfg.livechat, "serve", "--listen", addr, "--pg-data", filepath.Join(dir, "postgres"))
	cmd.Env = append(os.Environ(), "DATABASE_URL=", "LIVECHAT_LOG_LEVEL=warn", "LIVECHAT_SHUTDOWN_TIMEOUT=2s",
		"LIVECHAT_SECRETS_KEY="+benchSecretsKey,
		// Real visitors come from as many addresses; these come from one.
		"LIVECHAT_MAX_STREAMS_PER_ADDRESS=-1", "LIVECHAT_MAX_STREAMS_PER_CREDENTIAL=-1")
	p, err := b.env.startProc(ctx, "m9", cmd, "http://"+addr, "/readyz")
	if err != nil {
		return 0, 0, err
	}
	defer p.stop()
	if idle, err = settledTreePSS(p.pid()); err != nil {
		return 0, 0, err
	}
	fx, err := setupFixture(ctx, p.URL, b.cfg.m9Visitors)
	if err == nil {
		err = fx.errVisitors
	}
	if err != nil {
		return 0, 0, err
	}
	pr := probe{
		sendURL: p.URL, recvURL: p.URL, token: fx.token,
		agentStreams: b.cfg.m9Agents, visitors: fx.visitors, targets: fx.visitors,
		rate: b.cfg.m9Rate, warmup: b.cfg.warmup, duration: b.cfg.m9Dur,
	}
	var (
		peak, peakServer float64
		mu               sync.Mutex
		stop             = make(chan struct{})
		done             = make(chan struct{})
	)
	go func() {
		defer close(done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			if v, err := treePSS(p.pid()); err == nil {
				own, _ := procPSS(p.pid())
				mu.Lock()
				if v > peak {
					peak, peakServer = v, own
				}
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	res, err := pr.run(ctx)
	close(stop)
	<-done
	if err != nil {
		return 0, 0, err
	}
	if res.delivered == 0 {
		return 0, 0, fmt.Errorf("nothing was delivered")
	}
	b.rep.detail("M9 at the peak: livechat %s, PostgreSQL %s; %d messages delivered %d times",
		fmtMB(peakServer), fmtMB(peak-peakServer), res.sent, res.delivered)
	return idle, peak, nil
}

// settledTreePSS samples treePSS until two samples agree within 1% and
// returns the last.
func settledTreePSS(root int) (float64, error) {
	var last float64
	for i := 0; i < 20; i++ {
		time.Sleep(500 * time.Millisecond)
		v, err := treePSS(root)
		if err != nil {
			return 0, err
		}
		if i > 0 && last > 0 && (v-last)/last < 0.01 && (v-last)/last > -0.01 {
			return v, nil
		}
		last = v
	}
	return last, nil
}

// treePSS is the PSS in bytes of root and all its descendants.
func treePSS(root int) (float64, error) {
	children := map[int][]int{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _, err := procStat(pid); err == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var total float64
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = append(queue[1:], children[pid]...)
		v, err := procPSS(pid)
		if err != nil {
			if pid == root {
				return 0, err
			}
			continue // a backend that just exited
		}
		total += v
	}
	return total, nil
}

// procPSS is a process's proportional set size in bytes.
func procPSS(pid int) (float64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "Pss:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, err := strconv.ParseFloat(f[0], 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("no Pss in /proc/%d/smaps_rollup", pid)
}
