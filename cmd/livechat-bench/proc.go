package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat. It
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// raiseNoFile lifts this process's soft open-file limit to its hard limit:
// ten thousand HTTP/1.1 streams need ten thousand sockets on each side.
// Children inherit the raised limit.
func raiseNoFile() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return lim.Cur, nil
}

// procRSS returns a process's resident set size in bytes (VmRSS).
func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest) // "12345 kB"
			if len(f) < 1 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// procStat returns a process's parent pid and its CPU time (user + system).
func procStat(pid int) (ppid int, cpu time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name (field 2) may contain spaces and parentheses: the
	// fields after it start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ppid, _ = strconv.Atoi(f[1])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ppid, time.Duration(ut+st) * time.Second / clockTicks, nil
}

// procCPU returns a process's CPU time (user + system) so far.
func procCPU(pid int) time.Duration {
	_, cpu, _ := procStat(pid)
	return cpu
}

// treeCPU returns the CPU time of a process and its direct children, which
// is all of PostgreSQL: the postmaster and its backends.
func treeCPU(root int) time.Duration {
	total := procCPU(root)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == root {
			continue
		}
		if ppid, cpu, err := procStat(pid); err == nil && ppid == root {
			total += cpu
		}
	}
	return total
}

// postmasterPID reads the postmaster's pid from its data directory.
func postmasterPID(dataDir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(line))
}

// settledRSS samples a process's RSS until two consecutive samples differ by
// less than 1% (or n samples were taken) and returns the median of the last
// three: a server's RSS keeps moving for a moment after a burst of work as
// the Go runtime finishes a GC cycle and scavenges.
func settledRSS(pid int, every time.Duration, n int) (int64, error) {
	var samples []float64
	for i := 0; i < n; i++ {
		if i > 0 {
			time.Sleep(every)
		}
		v, err := procRSS(pid)
		if err != nil {
			return 0, err
		}
		samples = append(samples, float64(v))
		if k := len(samples); k >= 3 {
			a, b := samples[k-2], samples[k-1]
			if d := (b - a) / a; d < 0.01 && d > -0.01 {
				break
			}
		}
	}
	last := samples
	if len(last) > 3 {
		last = last[len(last)-3:]
	}
	return int64(median(last)), nil
}

// counter reads one counter of a livechat instance's /metrics; 0 when it
// cannot be read (a server without it).
func (p *proc) counter(name string) float64 {
	if p.debugURL == "" {
		return 0
	}
	res, err := http.Get(p.debugURL + "/metrics")
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(body)) {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			v, _ := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v
		}
	}
	return 0
}

// directShare runs fn and returns the share of the durable events p fanned
// out meanwhile that it delivered as it committed them (CommittedNext).
func (p *proc) directShare(fn func()) float64 {
	d0, e0 := p.counter("livechat_events_direct_total"), p.counter("livechat_events_published_total")
	fn()
	d1, e1 := p.counter("livechat_events_direct_total"), p.counter("livechat_events_published_total")
	if e1 <= e0 {
		return 0
	}
	return (d1 - d0) / (e1 - e0)
}
