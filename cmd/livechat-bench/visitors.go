package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/opensupport/livechat/db/dbq"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/limits"
)

// dbCounters are pg_stat_database's counters of the bench database.
type dbCounters struct {
	commits, inserted, updated, deleted int64
}

func (c dbCounters) writes() int64 { return c.inserted + c.updated + c.deleted }

func (c dbCounters) minus(o dbCounters) dbCounters {
	return dbCounters{c.commits - o.commits, c.inserted - o.inserted, c.updated - o.updated, c.deleted - o.deleted}
}

// counters reads the database's counters once every backend has flushed
// them (PostgreSQL may hold them for 10 s, PGSTAT_IDLE_INTERVAL;
// cfg.m10Flush waits 11 s).
func (e *env) counters(ctx context.Context) (dbCounters, error) {
	select {
	case <-ctx.Done():
		return dbCounters{}, ctx.Err()
	case <-time.After(e.cfg.m10Flush):
	}
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		return dbCounters{}, err
	}
	defer conn.Close(ctx)
	var c dbCounters
	err = conn.QueryRow(ctx, `SELECT xact_commit, tup_inserted, tup_updated, tup_deleted
		FROM pg_stat_database WHERE datname = current_database()`).Scan(&c.commits, &c.inserted, &c.updated, &c.deleted)
	return c, err
}

// cost is what a phase cost the server and the database.
type cost struct {
	cpu time.Duration
	db  dbCounters
}

// measure runs fn and returns the server's CPU time and the database's
// counters it cost (the flush waits are outside the CPU window's work but
// inside it: an idle server costs next to nothing, which the idle phase
// measures).
func (b *bench) measure(ctx context.Context, fn func() error) (cost, error) {
	before, err := b.env.counters(ctx)
	if err != nil {
		return cost{}, err
	}
	cpu0 := procCPU(b.main.pid())
	if err := fn(); err != nil {
		return cost{}, err
	}
	cpu := procCPU(b.main.pid()) - cpu0
	after, err := b.env.counters(ctx)
	if err != nil {
		return cost{}, err
	}
	return cost{cpu: cpu, db: after.minus(before)}, nil
}

// m10 is the visitors-now list: what 1,000 browsing visitors' page views
// cost the server (CPU) and the database (commits, rows written), per
// 1,000 page views, against 1,000 plain SendMessage calls in the same run;
// and ListCustomers search over 100,000 customers, with its plan checked.
func (b *bench) m10(ctx context.Context) {
	b.m10Visitors(ctx)
	b.m10Search(ctx)
}

func (b *bench) m10Visitors(ctx context.Context) {
	fig := "M10 visitors now"
	if b.fx == nil || b.fx.token == "" || len(b.fx.visitors) == 0 {
		b.rep.skip(fig, fmt.Errorf("no fixture: %v", b.fx.errVisitors))
		return
	}
	hc := newHTTPClient("h1", 7, 1000)
	defer hc.CloseIdleConnections()
	cc := connect.NewClient(connecthttp.NewTransport(&http.Client{Transport: headerTransport{header: bearer(b.fx.token), next: hc.Transport}}, b.main.URL))
	admin := livechatv1connect.NewVisitorServiceClient(cc)
	widgets := livechatv1connect.NewWidgetServiceClient(cc)
	ws, err := widgets.ListWidgets(ctx, &livechatv1.ListWidgetsRequest{})
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	var w *livechatv1.Widget
	for _, x := range ws.Widgets {
		if x.SiteKey == b.fx.siteKey {
			w = x
		}
	}
	if w == nil {
		b.rep.skip(fig, fmt.Errorf("the fixture's widget is missing"))
		return
	}
	w.Settings.VisitorTracking = &livechatv1.VisitorTracking{TrackVisits: true}
	if _, err := widgets.UpdateWidget(ctx, &livechatv1.UpdateWidgetRequest{WidgetId: w.Id, Settings: w.Settings}); err != nil {
		b.rep.skip(fig, err)
		return
	}
	n := b.cfg.visitors
	browser := livechatv1connect.NewVisitorServiceClient(connect.NewClient(connecthttp.NewTransport(newHTTPClient("h1", 8, 1000), b.main.URL)))
	run := uuid.NewString()[:8]

	// open opens visitor i's page p and waits for ready; the stream stays
	// open until its context ends.
	open := func(ctx context.Context, i, p int) error {
		st, err := browser.Browse(ctx, &livechatv1.BrowseRequest{
			SiteKey: b.fx.siteKey, VisitorKey: fmt.Sprintf("bench-%s-%06d", run, i),
			Url: fmt.Sprintf("https://shop.example.com/products/%d?ref=mail", p), Title: fmt.Sprintf("Product %d", p),
			VisitMs: int64(p) * 30_000,
		})
		if err != nil {
			return err
		}
		r, err := st.Receive()
		if err != nil {
			return err
		}
		if r.GetReady() == nil {
			return fmt.Errorf("Browse: first message %v", r)
		}
		return nil
	}
	waitTotal := func(want int) error {
		deadline := time.Now().Add(30 * time.Second)
		for {
			res, err := admin.ListVisitors(ctx, &livechatv1.ListVisitorsRequest{WidgetId: w.Id})
			if err != nil {
				return err
			}
			if int(res.Total) == want {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("visitors now: %d listed, want %d", res.Total, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	var ratiosCPU, pvCPU, sendCPU []float64
	var pvCommits, pvWrites, sendCommits, sendWrites []float64
	for rep := 0; rep < b.cfg.reps; rep++ {
		// Baseline: n plain agent replies, eight at a time.
		base, err := b.measure(ctx, func() error {
			var next atomic.Int64
			var first atomic.Value
			var wg sync.WaitGroup
			cl := newClients(hc, b.main.URL, bearer(b.fx.token)).Conversation
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := int(next.Add(1)); i <= n; i = int(next.Add(1)) {
						v := b.fx.visitors[i%len(b.fx.visitors)]
						if _, err := cl.SendMessage(ctx, &livechatv1.SendMessageRequest{
							ConversationId: v.conversationID, Text: payload, ClientMessageId: fmt.Sprintf("m10-%s-%d-%d", run, rep, i),
						}); err != nil {
							first.CompareAndSwap(nil, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			if err, _ := first.Load().(error); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			b.rep.skip(fig, err)
			return
		}
		// n visitors arrive (n page views), then each moves to another
		// page (n more): 2n page views, all listed.
		pages, cancelAll := context.WithCancel(ctx)
		views, err := b.measure(ctx, func() error {
			for step := 0; step < 2; step++ {
				var wg sync.WaitGroup
				var first atomic.Value
				sem := make(chan struct{}, 50)
				for i := 0; i < n; i++ {
					wg.Add(1)
					sem <- struct{}{}
					go func() {
						defer wg.Done()
						defer func() { <-sem }()
						if err := open(pages, i, step*n+i); err != nil {
							first.CompareAndSwap(nil, err)
						}
					}()
				}
				wg.Wait()
				if err, _ := first.Load().(error); err != nil {
					return err
				}
			}
			// Each visitor now has two pages open (two tabs); the list
			// still counts n visitors.
			return waitTotal(n)
		})
		cancelAll()
		if err == nil {
			err = waitTotal(0)
		}
		if err != nil {
			b.rep.skip(fig, err)
			return
		}
		per := func(c cost, k int) (cpu, commits, writes float64) {
			return c.cpu.Seconds() * 1000 / float64(k), float64(c.db.commits) * 1000 / float64(k), float64(c.db.writes()) * 1000 / float64(k)
		}
		bc, bcom, bw := per(base, n)
		vc, vcom, vw := per(views, 2*n)
		sendCPU, pvCPU = append(sendCPU, bc), append(pvCPU, vc)
		sendCommits, pvCommits = append(sendCommits, bcom), append(pvCommits, vcom)
		sendWrites, pvWrites = append(sendWrites, bw), append(pvWrites, vw)
		ratiosCPU = append(ratiosCPU, vc/max(bc, 1e-9))
		b.rep.detail("M10 rep %d: 1,000 page views: %.3f CPU-s, %.0f commits, %.0f rows written; 1,000 sends: %.3f CPU-s, %.0f commits, %.0f rows written",
			rep+1, vc, vcom, vw, bc, bcom, bw)
	}
	b.rep.add(row{
		figure:   fmt.Sprintf("M10 visitors now: server CPU per 1,000 page views (%s visitors, 2 pages each)", fmtInt(n)),
		value:    fmt.Sprintf("%.3f CPU-s", median(pvCPU)),
		baseline: fmt.Sprintf("1,000 SendMessage %.3f CPU-s", median(sendCPU)),
		ratio:    fmtRatio(median(ratiosCPU)), target: "< 1", met: yesNo(median(ratiosCPU) < 1),
	})
	// Commits count read-only transactions and NOTIFYs too; rows written
	// include the instance's presence renewal (every 10 s) during the
	// window, which no page view causes.
	b.rep.add(row{
		figure:   "M10 visitors now: database rows written per 1,000 page views",
		value:    fmt.Sprintf("%.0f rows, %.0f commits", median(pvWrites), median(pvCommits)),
		baseline: fmt.Sprintf("1,000 SendMessage %.0f rows, %.0f commits", median(sendWrites), median(sendCommits)),
		ratio:    fmtRatio(median(pvWrites) / max(median(sendWrites), 1)), target: "< 0.01", met: yesNo(median(pvWrites) < 0.01*median(sendWrites)),
	})
}

// planRecorder is a dbq.DBTX that remembers the statement it ran, so the
// bench can ask PostgreSQL for the plan of exactly what the server sends.
type planRecorder struct {
	dbq.DBTX
	sql  string
	args []any
}

func (r *planRecorder) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	r.sql, r.args = sql, args
	return r.DBTX.Query(ctx, sql, args...)
}

func (r *planRecorder) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return r.DBTX.Exec(ctx, sql, args...)
}

func (b *bench) m10Search(ctx context.Context) {
	benchCustomers := b.cfg.m10Customers
	fig := fmt.Sprintf("M10 ListCustomers search p95, %s customers", fmtInt(benchCustomers))
	if b.fx == nil || b.fx.token == "" {
		b.rep.skip(fig, fmt.Errorf("no admin token"))
		return
	}
	conn, err := pgx.Connect(ctx, b.env.dbURL)
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	defer conn.Close(ctx)
	t0 := time.Now()
	for _, s := range []string{
		fmt.Sprintf(`INSERT INTO customers (widget_id, name, email, phone, last_seen_at)
			SELECT (SELECT id FROM widgets ORDER BY created_at LIMIT 1),
			       initcap(substr(md5(i::text), 1, 7)) || ' ' || initcap(substr(md5(i::text), 8, 9)),
			       substr(md5(i::text), 17, 10) || '@mail.test', '+84 9' || lpad((i * 7919 %% 100000000)::text, 8, '0'),
			       now() - make_interval(secs => i)
			FROM generate_series(1, %d) i`, benchCustomers),
		`VACUUM ANALYZE customers`,
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			b.rep.skip(fig, fmt.Errorf("generate customers: %w", err))
			return
		}
	}
	b.env.logf("generated %s customers in %s", fmtInt(benchCustomers), time.Since(t0).Round(time.Second))
	// Searches agents type: part of a surname, of an email, of a phone.
	var names, emails, phones []string
	rows, err := conn.Query(ctx, `SELECT name, email, phone FROM customers WHERE email LIKE '%@mail.test' ORDER BY random() LIMIT 10`)
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	for rows.Next() {
		var n, e, p string
		if err := rows.Scan(&n, &e, &p); err != nil {
			b.rep.skip(fig, err)
			return
		}
		names, emails, phones = append(names, strings.ToLower(n[8:])), append(emails, e[2:9]), append(phones, p[6:])
	}
	rows.Close()
	queries := slices.Concat(names, emails, phones)

	// The plan of the statement the server sends, for one of them.
	rec := &planRecorder{DBTX: conn}
	if _, err := dbq.New(rec).ListCustomers(ctx, dbq.ListCustomersParams{Pattern: limits.LikePattern(names[0]), PageLimit: 31, TagIds: []uuid.UUID{}}); err != nil {
		b.rep.skip(fig, err)
		return
	}
	var plan strings.Builder
	prow, err := conn.Query(ctx, "EXPLAIN "+rec.sql, rec.args...)
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	for prow.Next() {
		var line string
		_ = prow.Scan(&line)
		plan.WriteString(line + "\n")
	}
	prow.Close()
	indexed := strings.Contains(plan.String(), "customers_search_trgm")

	api := livechatv1connect.NewCustomerServiceClient(connect.NewClient(connecthttp.NewTransport(
		&http.Client{Transport: headerTransport{header: bearer(b.fx.token), next: newHTTPClient("h1", 9, 1000).Transport}}, b.main.URL)))
	var lat []time.Duration
	for round := 0; round < 3; round++ {
		for _, q := range queries {
			start := time.Now()
			res, err := api.ListCustomers(ctx, &livechatv1.ListCustomersRequest{Query: q, PageSize: 30})
			if err != nil {
				b.rep.skip(fig, err)
				return
			}
			if len(res.Customers) == 0 {
				b.rep.skip(fig, fmt.Errorf("search %q found nobody", q))
				return
			}
			if round > 0 { // the first round warms the cache
				lat = append(lat, time.Since(start))
			}
		}
	}
	p95 := ms(percentile(lat, 95))
	b.rep.add(row{
		figure:   fig + ", plan on customers_search_trgm: " + yesNo(indexed),
		value:    fmtMS(p95),
		baseline: "p50 " + fmtMS(ms(percentile(lat, 50))) + fmt.Sprintf(", %d calls", len(lat)),
		ratio:    "—", target: "< 100 ms, indexed", met: yesNo(p95 < 100 && indexed),
	})
	b.rep.detail("M10 ListCustomers plan:\n%s", plan.String())
}
