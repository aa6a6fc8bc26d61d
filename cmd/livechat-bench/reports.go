package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// The scales of M7's generated history: small for a quick run, full for
// the figure (1,000,000 conversations, 10,000,000 messages,
// 200,000 customers).
var scales = map[string]int{"small": 50_000, "full": 1_000_000}

// m7 is years of data: a year of traffic — b.cfg.m7Conversations
// conversations, ten messages each on average, a customer for every five —
// generated in the database with generate_series (minutes, not hours), then
// every read an agent or a backend makes on it timed over HTTP, each as a
// ratio to a primary-key read (GetConversation) in the same run: the
// inbox's queues, search, a long conversation's timeline, the customer
// search, reports over 30 and 365 days, and an instance's start-up. With
// -m7-db it reads an existing database instead (see m7History).
func (b *bench) m7(ctx context.Context) {
	fig := "M7 data at scale"
	if b.fx == nil || b.fx.token == "" {
		b.rep.skip(fig, fmt.Errorf("no admin token: %v", b.fx.errVisitors))
		return
	}
	// Start-up on the database as the setup left it (an empty install): the
	// baseline of the start-up after the history.
	emptyStart, err := startupTime(ctx, b.env, "m7-empty")
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	e, token, h, err := b.m7History(ctx)
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	var starts []time.Duration
	for i := range 3 {
		d, err := startupTime(ctx, e, fmt.Sprintf("m7-start%d", i))
		if err != nil {
			b.rep.skip(fig, err)
			return
		}
		starts = append(starts, d)
	}
	srv, err := e.startLivechat(ctx, "m7")
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	defer srv.stop()
	api := newClients(newHTTPClient("h1", blockSetup, 1000), srv.URL, bearer(token))
	calls := b.cfg.m7Calls
	p95 := func(name string, call func() error) (float64, error) {
		var lat []time.Duration
		for i := 0; i < 2+calls; i++ { // two warm-up calls
			start := time.Now()
			if err := call(); err != nil {
				return 0, fmt.Errorf("%s: %w", name, err)
			}
			if i >= 2 {
				lat = append(lat, time.Since(start))
			}
		}
		return ms(percentile(lat, 95)), nil
	}
	base, err := p95("GetConversation", func() error {
		_, err := api.Conversation.GetConversation(ctx, &livechatv1.GetConversationRequest{ConversationId: h.longID})
		return err
	})
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	baseline := "GetConversation p95 " + fmtMS(base)
	add := func(figure string, v float64, target float64) {
		r := row{figure: figure, value: fmtMS(v), baseline: baseline, ratio: fmt.Sprintf("%.1f×", v/base), target: "—", met: "—"}
		if target > 0 {
			r.target, r.met = fmt.Sprintf("≤ %s", fmtMS(target)), yesNo(v <= target)
		}
		b.rep.add(r)
	}
	list := func(name string, req *livechatv1.ListConversationsRequest, target float64) bool {
		v, err := p95(name, func() error {
			_, err := api.Conversation.ListConversations(ctx, req)
			return err
		})
		if err != nil {
			b.rep.skip(fig, err)
			return false
		}
		add("M7 "+name+" p95", v, target)
		return true
	}
	st := func(s ...livechatv1.ConversationStatus) []livechatv1.ConversationStatus { return s }
	for _, q := range []struct {
		name string
		req  *livechatv1.ListConversationsRequest
	}{
		{"inbox Waiting, first page", &livechatv1.ListConversationsRequest{Statuses: st(livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING)}},
		{"inbox Unassigned, first page", &livechatv1.ListConversationsRequest{Assignment: livechatv1.AssignmentFilter_ASSIGNMENT_FILTER_UNASSIGNED,
			Statuses: st(livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING, livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE)}},
		{"inbox one agent's active, first page", &livechatv1.ListConversationsRequest{AssigneeId: h.agentID,
			Statuses: st(livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE)}},
		{"inbox Resolved, first page", &livechatv1.ListConversationsRequest{Statuses: st(livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED)}},
		{"inbox Closed, first page", &livechatv1.ListConversationsRequest{Statuses: st(livechatv1.ConversationStatus_CONVERSATION_STATUS_CLOSED)}},
		{"inbox All, first page", &livechatv1.ListConversationsRequest{}},
	} {
		if !list(q.name, q.req, 20) {
			return
		}
	}
	if !list("search by text (one order number)", &livechatv1.ListConversationsRequest{Query: "order 424242"}, 100) {
		return
	}
	if !list("search by text (a common word)", &livechatv1.ListConversationsRequest{Query: "damaged"}, 100) {
		return
	}
	v, err := p95("ListMessages", func() error {
		_, err := api.Conversation.ListMessages(ctx, &livechatv1.ListMessagesRequest{ConversationId: h.longID})
		return err
	})
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	add(fmt.Sprintf("M7 ListMessages newest page of a %s-message conversation p95", fmtInt(h.longest)), v, 20)
	v, err = p95("ListMessages back", func() error {
		_, err := api.Conversation.ListMessages(ctx, &livechatv1.ListMessagesRequest{ConversationId: h.longID, BeforeSeq: int64(h.longest / 2)})
		return err
	})
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	add("M7 ListMessages a page from its middle p95", v, 20)
	v, err = p95("ListCustomers", func() error {
		_, err := api.Customer.ListCustomers(ctx, &livechatv1.ListCustomersRequest{Query: "customer12345"})
		return err
	})
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	add("M7 ListCustomers search p95", v, 100)
	now := time.Now()
	for _, days := range []int{30, 365} {
		req := &livechatv1.GetReportRequest{
			Start: timestamppb.New(now.AddDate(0, 0, -days)), End: timestamppb.New(now),
			TimeZone: "Asia/Ho_Chi_Minh", Interval: livechatv1.ReportInterval_REPORT_INTERVAL_DAY, Compare: true,
		}
		var got int64
		v, err := p95("GetReport", func() error {
			res, err := api.Reports.GetReport(ctx, req)
			if err == nil {
				got = res.GetTotals().GetConversations()
			}
			return err
		})
		if err != nil {
			b.rep.skip(fig, err)
			return
		}
		add(fmt.Sprintf("M7 GetReport, last %d days (%s conversations), compare on, p95", days, fmtInt(int(got))), v, 200)
	}
	startup := medianDur(starts)
	b.rep.add(row{
		figure: "M7 instance start-up to ready, after the history (median of 3)", value: fmtMS(ms(startup)),
		baseline: "start-up before it " + fmtMS(ms(emptyStart)), ratio: fmt.Sprintf("%.1f×", ms(startup)/ms(emptyStart)), target: "—", met: "—",
	})
	b.m7Footprint(ctx, e, srv)
}

// m7Footprint records the settled footprint (PSS, as M9 counts it) of the
// instance that served M7's reads and of its PostgreSQL when that runs on
// this machine: what an installation holds after a history's reads.
func (b *bench) m7Footprint(ctx context.Context, e *env, srv *proc) {
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		return
	}
	var dataDir, buffers string
	err = conn.QueryRow(ctx, `SELECT current_setting('data_directory'), current_setting('shared_buffers')`).Scan(&dataDir, &buffers)
	conn.Close(ctx)
	if err != nil {
		b.env.logf("M7 footprint: %v", err)
		return
	}
	pm, err := postmasterPID(dataDir)
	if err != nil {
		b.env.logf("M7 footprint: PostgreSQL is not on this machine (%v)", err)
		return
	}
	lc, err := settledTreePSS(srv.pid())
	if err != nil {
		return
	}
	pg, err := settledTreePSS(pm)
	if err != nil {
		return
	}
	b.rep.detail("M7 footprint after the reads, idle (PSS): livechat %s + its PostgreSQL %s (shared_buffers %s) = %s",
		fmtMB(lc), fmtMB(pg), buffers, fmtMB(lc+pg))
}

// m7History returns the database M7 reads (its env), an admin token on it
// and the history in it. By default it generates the history in the run's
// own database. With -m7-db it uses that database instead: migrates it to
// this build's schema first, as an instance does at start (timed: on a big
// history that is the cost of an upgrade), generates the history only when
// it has none, signs the bench's admin in (creating it when missing) for a
// token, and reads the history's facts back.
func (b *bench) m7History(ctx context.Context) (*env, string, generated, error) {
	var h generated
	if b.cfg.m7DB == "" {
		t0 := time.Now()
		h, err := b.env.seedHistory(ctx, b.cfg.m7Conversations)
		if err != nil {
			return nil, "", h, fmt.Errorf("generate the history: %w", err)
		}
		b.env.logf("generated %s conversations, %s messages, %s customers in %s", fmtInt(h.conversations), fmtInt(h.messages),
			fmtInt(h.customers), time.Since(t0).Round(time.Second))
		b.rep.detail("M7 history: %s conversations, %s messages, %s customers over 365 days (longest conversation %s messages), generated, facts and rollups rebuilt, vacuumed in %s; database %s",
			fmtInt(h.conversations), fmtInt(h.messages), fmtInt(h.customers), fmtInt(h.longest), time.Since(t0).Round(time.Second), h.size)
		return b.env, b.fx.token, h, nil
	}
	e := *b.env
	e.dbURL = b.cfg.m7DB
	n, took, err := migrateTimed(ctx, e.dbURL)
	if err != nil {
		return nil, "", h, fmt.Errorf("migrate %s: %w", redactURL(e.dbURL), err)
	}
	b.env.logf("M7 database migrated: %d migrations in %s", n, took.Round(time.Millisecond))
	b.rep.detail("M7 database given (-m7-db): %d pending migrations applied in %s", n, took.Round(time.Millisecond))
	have, err := hasHistory(ctx, e.dbURL)
	if err != nil {
		return nil, "", h, err
	}
	if !have {
		t0 := time.Now()
		if h, err = e.seedHistory(ctx, b.cfg.m7Conversations); err != nil {
			return nil, "", h, fmt.Errorf("generate the history: %w", err)
		}
		b.rep.detail("M7 history generated into the given database in %s", time.Since(t0).Round(time.Second))
	} else if h, err = historyFacts(ctx, e.dbURL); err != nil {
		return nil, "", h, err
	}
	b.rep.detail("M7 history: %s conversations, %s messages, %s customers (longest conversation %s messages); database %s",
		fmtInt(h.conversations), fmtInt(h.messages), fmtInt(h.customers), fmtInt(h.longest), h.size)
	token, err := e.adminToken(ctx)
	if err != nil {
		return nil, "", h, fmt.Errorf("admin token on the given database: %w", err)
	}
	return &e, token, h, nil
}

// startupTime starts an instance and returns how long it took to be ready.
func startupTime(ctx context.Context, e *env, name string) (time.Duration, error) {
	t := time.Now()
	srv, err := e.startLivechat(ctx, name)
	if err != nil {
		return 0, err
	}
	d := time.Since(t)
	srv.stop()
	return d, nil
}

// generated describes a generated history.
type generated struct {
	conversations, messages, customers, longest int
	longID, agentID, size                       string
}

// seedHistory writes a year of support traffic straight into the database,
// shaped like a real site's: three widgets, twenty agents, a customer for
// every five conversations, conversations spread over 365 days with most of
// them in working hours; most are short (2 to 12 messages) and one in two
// hundred is long (200 to 1,000), ten messages on average, customer and
// agent alternating a minute and a half apart after a first reply of 20 s
// to 10 min; 5 % waiting (never answered), 10 % active, 35 % closed, 50 %
// resolved (with the system line the product writes); 30 % carry one of
// twelve tags, a third of those a second one. Customers write one
// of eight phrases with an order number, which search can look for. The
// triggers are off while loading (session_replication_role replica), then
// report_rebuild() computes the facts and rollups from the messages, as
// after any bulk import, and VACUUM ANALYZE leaves the tables as autovacuum
// would.
func (e *env) seedHistory(ctx context.Context, conversations int) (generated, error) {
	return seedHistory(ctx, e.dbURL, conversations, e.logf)
}

// seedHistory is env.seedHistory on any database (the plans test's).
// Without the right to turn triggers off it loads with them on: slower,
// the same result.
func seedHistory(ctx context.Context, dbURL string, conversations int, logf func(string, ...any)) (generated, error) {
	var g generated
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return g, err
	}
	defer conn.Close(ctx)
	customers := max(conversations/5, 1)
	const bench = `(SELECT id FROM widgets WHERE name LIKE 'Bench site %')`
	// first is a conversation's first-reply delay, the same in both steps.
	const first = `(interval '20 seconds' + (abs(hashtext(id::text)) % 580) * interval '1 second')`
	steps := []struct{ what, sql string }{
		{"", `SET synchronous_commit = off`},
		{"", `SET maintenance_work_mem = '256MB'`},
		{"widgets", `INSERT INTO widgets (site_key, name, identity_secret)
			SELECT 'lcw_bench' || lpad(g::text, 15, '0'), 'Bench site ' || g, 'x' FROM generate_series(1, 3) g`},
		{"agents", `INSERT INTO agents (username, display_name, role, password_hash)
			SELECT 'bench-agent-' || g, 'Bench agent ' || lpad(g::text, 2, '0'), 'agent', 'x' FROM generate_series(1, 20) g`},
		{"customers", fmt.Sprintf(`INSERT INTO customers (widget_id, name, email, created_at, last_seen_at)
			SELECT w.ids[1 + g %% 3], 'Customer ' || g, 'customer' || g || '@example.com', at, at
			FROM (SELECT g, now() - random() * interval '365 days' AS at FROM generate_series(1, %d) g) x,
			     (SELECT array_agg(id ORDER BY name) AS ids FROM widgets WHERE name LIKE 'Bench site %%') w`, customers)},
		{"conversations", fmt.Sprintf(`INSERT INTO conversations (id, customer_id, widget_id, status, assignee_id, created_at, updated_at, last_message_at, last_seq)
			SELECT id, customer_id, widget_id, status, CASE WHEN status <> 'waiting' THEN ids[1 + floor(ra * 20)::int] END,
			       at, at, at + (n - 1) * interval '90 seconds' + CASE WHEN n > 1 THEN %s ELSE interval '0' END, n
			FROM (
			    SELECT gen_random_uuid() AS id, cu.id AS customer_id, cu.widget_id, a.ids, x.ra,
			           date_trunc('day', now() - interval '2 days' - x.rd * interval '365 days')
			               + interval '7 hours' + (random() + random() + random()) / 3 * interval '14 hours' AS at,
			           CASE WHEN x.r < 0.05 THEN 'waiting' WHEN x.r < 0.15 THEN 'active' WHEN x.r < 0.5 THEN 'closed' ELSE 'resolved' END AS status,
			           CASE WHEN x.rl < 0.005 THEN 200 + floor(random() * 801)::int ELSE 2 + floor(random() * 11)::int END AS n
			    FROM (SELECT g, random() AS r, random() AS ra, random() AS rd, random() AS rl FROM generate_series(0, %d) g) x
			    JOIN (SELECT id, widget_id, row_number() OVER (ORDER BY id) - 1 AS rn FROM customers WHERE widget_id IN %s) cu
			      ON cu.rn = x.g %% %d,
			         (SELECT array_agg(id ORDER BY username) AS ids FROM agents WHERE username LIKE 'bench-agent-%%') a
			) x`, first, conversations-1, bench, customers)},
		{"messages", fmt.Sprintf(`INSERT INTO messages (conversation_id, seq, sender_type, sender_id, sender_name, text, client_message_id, created_at, system_kind)
			SELECT c.id, s,
			       CASE WHEN c.fin AND s = c.last_seq THEN 'system'
			            WHEN s %% 2 = 1 OR c.status = 'waiting' THEN 'customer' ELSE 'agent' END,
			       CASE WHEN c.fin AND s = c.last_seq THEN NULL
			            WHEN s %% 2 = 1 OR c.status = 'waiting' THEN c.customer_id ELSE c.assignee_id END,
			       '',
			       CASE WHEN c.fin AND s = c.last_seq THEN c.status
			            WHEN s %% 2 = 1 OR c.status = 'waiting' THEN
			                (ARRAY['Hello, my parcel has not arrived yet', 'Can I change the delivery address?',
			                       'The item I received is damaged', 'How do I return this?', 'Is this in stock in blue?',
			                       'I was charged twice', 'Where can I find my invoice?', 'Thanks, that solved it'])[1 + (s %% 8)]
			                || ' (order ' || c.order_no || ')'
			            ELSE 'Thanks for writing. Let me check that for you.' END,
			       CASE WHEN c.fin AND s = c.last_seq THEN NULL ELSE c.id::text || '.' || s END,
			       c.created_at + (s - 1) * interval '90 seconds' + CASE WHEN s > 1 THEN c.first ELSE interval '0' END,
			       CASE WHEN c.fin AND s = c.last_seq THEN c.status END
			FROM (SELECT id, customer_id, assignee_id, status, created_at, last_seq, status IN ('resolved', 'closed') AS fin,
			             %s AS first, abs(hashtext(id::text || 'order')) %% 1000000 AS order_no
			      FROM conversations WHERE widget_id IN %s) c
			CROSS JOIN LATERAL generate_series(1, c.last_seq) s`, first, bench)},
		// Three in ten conversations carry one or two of twelve tags, the
		// first tags far more often than the last (for the reports' tags).
		{"tags", fmt.Sprintf(`WITH t AS (
			    INSERT INTO tags (name, color)
			    SELECT 'Bench tag ' || lpad(g::text, 2, '0'),
			           (ARRAY['grey', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink'])[1 + g %% 9]
			    FROM generate_series(1, 12) g
			    RETURNING id, name
			), ids AS (SELECT array_agg(id ORDER BY name) AS ids FROM t)
			INSERT INTO conversation_tags (conversation_id, tag_id)
			SELECT c.id, ids.ids[1 + floor(12 * power(((c.h / x.d) %% 1000) / 1000.0, 2))::int]
			FROM (SELECT id, abs(hashtext(id::text || 'tag')) AS h FROM conversations WHERE widget_id IN %s) c, ids,
			     LATERAL (VALUES (100), (CASE WHEN c.h %% 100 < 10 THEN 100000 END)) x(d)
			WHERE c.h %% 100 < 30 AND x.d IS NOT NULL
			ON CONFLICT DO NOTHING`, bench)},
		{"triggers back on", `SET session_replication_role = DEFAULT`},
		{"facts and rollups", `SELECT report_rebuild()`},
		{"vacuum", `VACUUM ANALYZE`},
	}
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		logf("history: loading with triggers on (%v)", err)
		steps = slices.DeleteFunc(steps, func(s struct{ what, sql string }) bool { return s.what == "triggers back on" })
	}
	for _, s := range steps {
		t := time.Now()
		if _, err := conn.Exec(ctx, s.sql); err != nil {
			return g, fmt.Errorf("%s: %w", s.what, err)
		}
		if s.what != "" {
			logf("history: %s in %s", s.what, time.Since(t).Round(time.Second))
		}
	}
	return historyFacts(ctx, dbURL)
}

// benchWidgets are the generated history's widgets.
const benchWidgets = `(SELECT id FROM widgets WHERE name LIKE 'Bench site %')`

// hasHistory tells whether a database holds a generated history.
func hasHistory(ctx context.Context, dbURL string) (bool, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	var have bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM conversations WHERE widget_id IN `+benchWidgets+`)`).Scan(&have)
	return have, err
}

// historyFacts reads what M7 needs to know of a generated history back from
// its database.
func historyFacts(ctx context.Context, dbURL string) (generated, error) {
	var g generated
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return g, err
	}
	defer conn.Close(ctx)
	err = conn.QueryRow(ctx, `SELECT count(*), coalesce(sum(last_seq), 0), coalesce(max(last_seq), 0),
			(SELECT count(*) FROM customers WHERE widget_id IN `+benchWidgets+`),
			(SELECT id::text FROM conversations WHERE widget_id IN `+benchWidgets+` ORDER BY last_seq DESC LIMIT 1),
			(SELECT id::text FROM agents WHERE username = 'bench-agent-1'),
			pg_size_pretty(pg_database_size(current_database()))
		FROM conversations WHERE widget_id IN `+benchWidgets).
		Scan(&g.conversations, &g.messages, &g.longest, &g.customers, &g.longID, &g.agentID, &g.size)
	return g, err
}
