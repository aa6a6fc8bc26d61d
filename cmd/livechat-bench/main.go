// Command livechat-bench measures livechat end to end — a real
// `livechat serve` on a real PostgreSQL, driven through the generated Go
// clients over HTTP — and prints one table.
//
// The machines it runs on are shared and noisy, so every figure is a ratio
// against a baseline measured in the same run, interleaved with it
// (A B A B …) and reported as the median of the repetitions:
//
//	M1 durable throughput    SendMessage/s ÷ pgbench single-row INSERT/s
//	M2 send→deliver latency  p50 ÷ one INSERT commit's p50; p99 in ms
//	M3 memory per stream     RSS growth per idle stream ÷ a bare connect-go handler's
//	M4 capacity              idle streams until p99 doubles or passes 100 ms
//	M5 cross-instance        two instances against one
//	M6 weight                widget and dashboard bytes on the wire against their budgets
//	M7 data at scale         inbox, search, timeline, customers, reports p95 over 1,000,000 conversations / 10,000,000 messages
//	M8 attachments           upload/download MB/s ÷ writing/reading the same chunks straight into PostgreSQL
//	P1, P2 peers             memory per visitor and latency ÷ Centrifugo's (-only peers, make bench-peers)
//	M9 footprint             livechat + embedded PostgreSQL (PSS) ÷ that PostgreSQL alone, idle and under a small team's load
//	M10 visitors now         CPU and database writes per 1,000 browsing page views ÷ 1,000 SendMessage; ListCustomers p95 over 100,000 customers
//
// Usage:
//
//	livechat-bench [-livechat bin/livechat] [-only m1,m2] [-out results.md]
//	livechat-bench -smoke     every figure at toy scale, in seconds
//	livechat-bench -only m7 -m7-db postgres://…   M7 on an existing (big) database
//
// docs/benchmarks.md describes the method and records a run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// roleEnv selects a helper role (bare server, stream holder) when the bench
// starts itself as a subprocess.
const roleEnv = "LIVECHAT_BENCH_ROLE"

// config is the scale of a run.
type config struct {
	livechat, pgbench, root, out string
	// profileDir, when set, receives CPU profiles of the server taken
	// while the figures with targets run (see bench.profile).
	profileDir string
	only       map[string]bool
	reps       int
	fileLimit  int

	visitors int
	warmup   time.Duration
	m1Conc   []int
	m1Dur    time.Duration
	m1Proto  string // connect (HTTP/1.1, the default) or grpc (HTTP/2)
	m2Subs   []int  // visitor streams besides the 3 agents; 0 = one customer
	m2Rate   int
	// m2LowRate, when set, adds a reference probe at a rate well below the
	// machine's ceiling: latency without queueing.
	m2LowRate           int
	m2Dur, m2BaseDur    time.Duration
	m3Streams           int
	m3Protos            []string // h1, h2 (multiplexed h2c), h2tls (TLS + HTTP/2, a connection each)
	m4H2Target, m4H2Max int
	m4H1Max             int // 0: up to the open-file limit
	m4Protos            []string
	m4LimitMS           float64 // cap of M4's p99 limit (twice the idle p99), ms
	m4Steps, m4Rate     int
	m4Active            int
	m4Dur               time.Duration
	m5Subs, m5Rate      int
	idleDur             time.Duration
	// M9: the small team whose load the footprint is measured under.
	m9Agents, m9Visitors, m9Rate int
	m9Dur                        time.Duration
	// centrifugo is the Centrifugo binary of the peers' figures (make
	// bench-peers); peerStreams their idle visitors.
	centrifugo  string
	peerStreams int
	// m7Conversations conversations of ten messages on average; m7Calls
	// timed calls of each read.
	m7Conversations, m7Calls int
	// m7DB, when set, is an existing database M7 reads instead of
	// generating a history in the run's own (-m7-db).
	m7DB string
	// M10: customers searched, and how long to wait for PostgreSQL's
	// counters (its stats flush; shorter in the smoke run, which measures
	// nothing).
	m10Customers int
	m10Flush     time.Duration
}

func fullConfig() config {
	return config{
		reps: 3, visitors: 1000, warmup: 500 * time.Millisecond,
		m1Conc: []int{1, 8, 32}, m1Dur: 2 * time.Second,
		m2Subs: []int{0, 100, 1000}, m2Rate: 1000, m2LowRate: 200, m2Dur: 3 * time.Second, m2BaseDur: time.Second,
		m3Streams: 10_000, m3Protos: []string{"h1", "h2", "h2tls"},
		m4H2Target: 50_000, m4H2Max: 50_000, m4Protos: []string{"h2", "h1"}, m4LimitMS: 100, m4Steps: 5, m4Rate: 200, m4Active: 10, m4Dur: 3 * time.Second,
		m5Subs: 100, m5Rate: 1000, idleDur: 10 * time.Second,
		m9Agents: 5, m9Visitors: 500, m9Rate: 20, m9Dur: 20 * time.Second,
		m7Conversations: scales["small"], m7Calls: 20,
		m10Customers: 100_000, m10Flush: 11 * time.Second,
		peerStreams: 5000,
	}
}

// smokeConfig runs every figure at toy scale: it proves the harness works,
// not the product.
func smokeConfig() config {
	return config{
		reps: 1, visitors: 12, warmup: 200 * time.Millisecond,
		m1Conc: []int{1, 4}, m1Dur: time.Second,
		m2Subs: []int{0, 5}, m2Rate: 50, m2Dur: 500 * time.Millisecond, m2BaseDur: 200 * time.Millisecond,
		m3Streams: 30, m3Protos: []string{"h1", "h2", "h2tls"},
		m4H2Target: 50_000, m4H2Max: 40, m4H1Max: 40, m4Protos: []string{"h2", "h1", "h2tls"}, m4LimitMS: 100, m4Steps: 2, m4Rate: 50, m4Active: 2, m4Dur: 500 * time.Millisecond,
		m5Subs: 5, m5Rate: 50, idleDur: time.Second,
		m9Agents: 2, m9Visitors: 5, m9Rate: 10, m9Dur: time.Second,
		m7Conversations: 2000, m7Calls: 3,
		m10Customers: 2000, m10Flush: 500 * time.Millisecond,
		peerStreams: 30,
	}
}

func main() {
	if role := os.Getenv(roleEnv); role != "" {
		os.Exit(runRole(role, os.Args[1:]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// runRole runs a helper role in this process and returns the exit code.
func runRole(role string, args []string) int {
	var err error
	switch role {
	case roleBareServer:
		err = bareServer(args)
	case roleHoldStreams:
		err = holdStreams(args, os.Stdin, os.Stdout)
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "livechat-bench %s: %v\n", role, err)
		return 1
	}
	return 0
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("livechat-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	smoke := fs.Bool("smoke", false, "run every figure at toy scale (seconds): checks the harness, measures nothing")
	livechat := fs.String("livechat", "bin/livechat", "the livechat binary to measure (make build)")
	pgbench := fs.String("pgbench", "", "pgbench binary; default: $PG_BIN, /usr/lib/postgresql/*/bin, $PATH")
	root := fs.String("root", ".", "repository root, for widget/dist and frontend/dist")
	only := fs.String("only", "m1,m2,m3,m4,m5,m6,m7,m8,m9,m10", "comma-separated figures to run")
	out := fs.String("out", "", "also write the table (Markdown) to this file")
	reps := fs.Int("reps", 0, "repetitions of each interleaved pair (default 3; 1 with -smoke)")
	streams := fs.Int("streams", 0, "idle streams of M3 (default 10,000; 30 with -smoke)")
	protos := fs.String("protos", "", "M3's protocols, comma-separated: h1, h2, h2tls (default all)")
	m4Protos := fs.String("m4-protos", "", "M4's protocols, comma-separated: h2, h1, h2tls (default h2,h1)")
	m4LimitMS := fs.Float64("m4-limit-ms", 0, "cap of M4's p99 limit, twice the idle p99, in ms (default 100; raise it on a machine whose idle p99 is already far above)")
	m4Max := fs.Int("m4-max", 0, "M4's highest number of idle streams (default 50,000 over HTTP/2; the open-file limit less 1,000 for a socket each)")
	scale := fs.String("scale", "", "M7's generated history: small (50,000 conversations, the default) or full (1,000,000 conversations, 10,000,000 messages, 200,000 customers)")
	m7Conv := fs.Int("m7-conversations", 0, "conversations of M7's generated history, ten messages each on average (overrides -scale)")
	m7DB := fs.String("m7-db", "", "run M7 on this existing database (a PostgreSQL URL) instead of generating one: it is migrated to this build's schema first (timed), given a history only when it has none, and the bench's admin signs in there")
	m1Proto := fs.String("m1-proto", "connect", "M1's request path: connect (Connect over HTTP/1.1, a connection per sender) or grpc (gRPC over HTTP/2 without TLS, one connection)")
	m2Subs := fs.String("m2-subs", "", "M2's visitor streams besides the 3 agents, comma-separated (default 0,100,1000)")
	m2Rate := fs.Int("m2-rate", 0, "M2's send rate, msg/s (default 1,000)")
	m2LowRate := fs.Int("m2-low-rate", -1, "M2's reference rate, msg/s (default 200; 0: none)")
	centrifugo := fs.String("centrifugo", "", "Centrifugo binary for the peers' figures (-only peers; make bench-peers builds it)")
	peerStreams := fs.Int("peer-streams", 0, "idle visitors of P1 (default 5,000)")
	profile := fs.String("profile", "", "write CPU profiles of the server (pprof) taken during M1 and M2, and its heap and goroutines with M3's streams open, into this directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := fullConfig()
	if *smoke {
		cfg = smokeConfig()
	}
	if *reps > 0 {
		cfg.reps = *reps
	}
	if *streams > 0 {
		cfg.m3Streams = *streams
	}
	if *protos != "" {
		cfg.m3Protos = strings.Split(*protos, ",")
	}
	if *m4Protos != "" {
		cfg.m4Protos = strings.Split(*m4Protos, ",")
	}
	if *m4LimitMS > 0 {
		cfg.m4LimitMS = *m4LimitMS
	}
	if *m4Max > 0 {
		cfg.m4H2Max, cfg.m4H1Max = *m4Max, *m4Max
	}
	if *scale != "" {
		n, ok := scales[*scale]
		if !ok {
			fmt.Fprintf(stderr, "livechat-bench: -scale is small or full, not %q\n", *scale)
			return 2
		}
		cfg.m7Conversations = n
	}
	if *m7Conv > 0 {
		cfg.m7Conversations = *m7Conv
	}
	cfg.m7DB = *m7DB
	switch *m1Proto {
	case "connect", "grpc":
		cfg.m1Proto = *m1Proto
	default:
		fmt.Fprintf(stderr, "livechat-bench: -m1-proto is connect or grpc, not %q\n", *m1Proto)
		return 2
	}
	if *m2Subs != "" {
		cfg.m2Subs = nil
		for _, f := range strings.Split(*m2Subs, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 0 {
				fmt.Fprintf(stderr, "livechat-bench: -m2-subs: %q is not a count\n", f)
				return 2
			}
			cfg.m2Subs = append(cfg.m2Subs, n)
		}
	}
	if *m2Rate > 0 {
		cfg.m2Rate = *m2Rate
	}
	if *m2LowRate >= 0 {
		cfg.m2LowRate = *m2LowRate
	}
	cfg.centrifugo = *centrifugo
	if *peerStreams > 0 {
		cfg.peerStreams = *peerStreams
	}
	cfg.livechat, cfg.pgbench, cfg.root, cfg.out, cfg.profileDir = *livechat, *pgbench, *root, *out, *profile
	cfg.only = map[string]bool{}
	for _, f := range strings.Split(*only, ",") {
		cfg.only[strings.ToLower(strings.TrimSpace(f))] = true
	}
	if err := runBench(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "livechat-bench: %v\n", err)
		return 1
	}
	return 0
}

func runBench(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	start := time.Now()
	lim, err := raiseNoFile()
	if err != nil {
		return fmt.Errorf("raise the open-file limit: %w", err)
	}
	cfg.fileLimit = int(min(lim, 1<<20))
	if _, err := os.Stat(cfg.livechat); err != nil {
		return fmt.Errorf("%w (run make build first, or pass -livechat)", err)
	}
	rep := &report{}
	b := &bench{cfg: cfg, rep: rep}
	step := func(name string) { fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05"), name) }

	needServer := slices.ContainsFunc([]string{"m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "peers"}, func(f string) bool { return cfg.only[f] })
	if needServer {
		step("starting PostgreSQL (fsync on) and livechat")
		e, err := newEnv(ctx, cfg, stderr)
		if err != nil {
			return err
		}
		defer e.close()
		b.env = e
		if b.main, err = e.startLivechat(ctx, "main"); err != nil {
			return err
		}
		defer b.main.stop()
		if cfg.only["m6"] {
			step("M6 weight")
			b.m6(b.main.URL)
		}
		if !slices.ContainsFunc([]string{"m1", "m2", "m5", "m8", "m9"}, func(f string) bool { return cfg.only[f] }) {
			cfg.visitors = min(cfg.visitors, 12) // no figure sends to them
		}
		step(fmt.Sprintf("setup: admin, API token, widget, %d visitors with a conversation each", cfg.visitors))
		if b.fx, err = setupFixture(ctx, b.main.URL, cfg.visitors); err != nil {
			b.fx = &fixture{errVisitors: err}
		}
		if b.fx.errVisitors != nil {
			fmt.Fprintf(stderr, "  setup incomplete: %v\n", b.fx.errVisitors)
		}
		for _, f := range []struct {
			name string
			run  func(context.Context)
		}{
			{"m1", b.m1}, {"m2", b.m2}, {"m5", b.m5}, {"m8", b.m8}, {"m10", b.m10}, {"peers", b.peers},
		} {
			if cfg.only[f.name] && ctx.Err() == nil {
				step(strings.ToUpper(f.name))
				f.run(ctx)
			}
		}
		b.main.stop() // M3 and M4 start servers of their own
		for _, f := range []struct {
			name string
			run  func(context.Context)
		}{
			{"m3", b.m3}, {"m4", b.m4}, {"m7", b.m7}, {"m9", b.m9},
		} {
			if cfg.only[f.name] && ctx.Err() == nil {
				step(strings.ToUpper(f.name))
				f.run(ctx)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// By figure number (M10 after M9).
	num := func(r row) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(strings.Fields(r.figure + " ")[0], "M"))
		return n
	}
	slices.SortStableFunc(rep.rows, func(a, b row) int { return num(a) - num(b) })

	var hdr strings.Builder
	fmt.Fprintf(&hdr, "livechat benchmarks — %s, commit %s\n", time.Now().Format("2006-01-02 15:04"), gitCommit(cfg.root))
	fmt.Fprintf(&hdr, "machine: %s; open-file limit %d\n", machine(), cfg.fileLimit)
	fmt.Fprintf(&hdr, "each ratio: median of %d interleaved repetitions; total run %s\n\n", cfg.reps, time.Since(start).Round(time.Second))
	fmt.Fprint(stdout, "\n"+hdr.String())
	rep.write(stdout)
	if cfg.out != "" {
		f, err := os.Create(cfg.out)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprint(f, hdr.String())
		rep.write(f)
	}
	return nil
}

func gitCommit(root string) string {
	out, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
