package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// m7 is the report at real size: a year of traffic — m7Conversations
// conversations with m7Messages messages each on average — generated in
// the database with generate_series (minutes, not hours), then
// ReportService.GetReport timed over HTTP for the last 30 and 365 days.
func (b *bench) m7(ctx context.Context) {
	fig := "M7 GetReport"
	if b.fx == nil || b.fx.token == "" {
		b.rep.skip(fig, fmt.Errorf("no admin token: %v", b.fx.errVisitors))
		return
	}
	t0 := time.Now()
	n, msgs, err := b.env.seedHistory(ctx, b.cfg.m7Conversations, b.cfg.m7Messages)
	if err != nil {
		b.rep.skip(fig, fmt.Errorf("generate the history: %w", err))
		return
	}
	b.env.logf("generated %s conversations and %s messages in %s", fmtInt(n), fmtInt(msgs), time.Since(t0).Round(time.Second))
	b.rep.detail("M7 history: %s conversations, %s messages over 365 days, generated and their facts rebuilt in %s",
		fmtInt(n), fmtInt(msgs), time.Since(t0).Round(time.Second))
	srv, err := b.env.startLivechat(ctx, "m7")
	if err != nil {
		b.rep.skip(fig, err)
		return
	}
	defer srv.stop()
	api := newClients(newHTTPClient("h1", blockSetup, 1000), srv.URL, bearer(b.fx.token))
	now := time.Now()
	for _, days := range []int{30, 365} {
		req := &livechatv1.GetReportRequest{
			Start: timestamppb.New(now.AddDate(0, 0, -days)), End: timestamppb.New(now),
			TimeZone: "Asia/Ho_Chi_Minh", Interval: livechatv1.ReportInterval_REPORT_INTERVAL_DAY, Compare: true,
		}
		var lat []time.Duration
		var got int64
		for i := 0; i < 2+b.cfg.m7Calls; i++ { // two warm-up calls
			start := time.Now()
			res, err := api.Reports.GetReport(ctx, req)
			if err != nil {
				b.rep.skip(fig, err)
				return
			}
			if i >= 2 {
				lat = append(lat, time.Since(start))
			}
			got = res.GetTotals().GetConversations()
		}
		p95 := ms(percentile(lat, 95))
		b.rep.add(row{
			figure:   fmt.Sprintf("M7 GetReport p95, last %d days (%s conversations in range), compare on", days, fmtInt(int(got))),
			value:    fmtMS(p95),
			baseline: "p50 " + fmtMS(ms(percentile(lat, 50))) + fmt.Sprintf(", %d calls", len(lat)),
			ratio:    "—", target: "< 200 ms", met: yesNo(p95 < 200),
		})
	}
}

// seedHistory writes a year of support traffic straight into the database,
// shaped like a real site's: three widgets, twenty agents, conversations
// spread over 365 days with most of them in working hours, 4 to 16 messages
// each (10 on average) alternating customer and agent a minute or two
// apart, a first reply after 20 s to 10 min, one conversation in ten never
// answered, and most of the rest resolved (with the system line the product
// writes). The facts triggers are off while loading (session_replication_role
// replica), then conversation_facts_rebuild() computes the facts from the
// messages, as after any bulk import. It returns the conversations and
// messages written.
func (e *env) seedHistory(ctx context.Context, conversations, perConversation int) (int, int, error) {
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	spread := 2*perConversation - 8 // 4 … 2n-4 messages: n on average
	steps := []struct{ what, sql string }{
		{"", `SET session_replication_role = replica`},
		{"", `SET synchronous_commit = off`},
		{"widgets", `INSERT INTO widgets (site_key, name, identity_secret)
			SELECT 'lcw_bench' || lpad(g::text, 15, '0'), 'Bench site ' || g, 'x' FROM generate_series(1, 3) g`},
		{"agents", `INSERT INTO agents (username, display_name, role, password_hash)
			SELECT 'bench-agent-' || g, 'Bench agent ' || lpad(g::text, 2, '0'), 'agent', 'x' FROM generate_series(1, 20) g`},
		{"customers", fmt.Sprintf(`INSERT INTO customers (widget_id)
			SELECT w.ids[1 + g %% 3] FROM generate_series(1, %d) g,
			       (SELECT array_agg(id ORDER BY name) AS ids FROM widgets WHERE name LIKE 'Bench site %%') w`, conversations)},
		{"conversations", fmt.Sprintf(`INSERT INTO conversations (customer_id, widget_id, status, assignee_id, created_at, updated_at, last_message_at, last_seq)
			SELECT id, widget_id, status, CASE WHEN status <> 'waiting' THEN ids[1 + floor(ra * 20)::int] END, at, at, at, n
			FROM (
			    SELECT c.id, c.widget_id, a.ids, random() AS ra,
			           least(now() - interval '1 hour', date_trunc('day', now() - random() * interval '365 days')
			                 + interval '7 hours' + (random() + random() + random()) / 3 * interval '14 hours') AS at,
			           CASE WHEN c.r < 0.1 THEN 'waiting' WHEN c.r < 0.2 THEN 'active' WHEN c.r < 0.3 THEN 'closed' ELSE 'resolved' END AS status,
			           4 + floor(random() * %d)::int AS n
			    FROM (SELECT id, widget_id, random() AS r FROM customers
			          WHERE widget_id IN (SELECT id FROM widgets WHERE name LIKE 'Bench site %%')) c,
			         (SELECT array_agg(id ORDER BY username) AS ids FROM agents WHERE username LIKE 'bench-agent-%%') a
			) x`, spread+1)},
		{"messages", `INSERT INTO messages (conversation_id, seq, sender_type, sender_id, sender_name, text, client_message_id, created_at, system_kind)
			SELECT c.id, s,
			       CASE WHEN c.fin AND s = c.last_seq THEN 'system'
			            WHEN s % 2 = 1 OR c.status = 'waiting' THEN 'customer' ELSE 'agent' END,
			       CASE WHEN c.fin AND s = c.last_seq THEN NULL
			            WHEN s % 2 = 1 OR c.status = 'waiting' THEN c.customer_id ELSE c.assignee_id END,
			       '', 'Hello, my parcel has not arrived yet.',
			       CASE WHEN c.fin AND s = c.last_seq THEN NULL ELSE 'b' || s END,
			       c.created_at + (s - 1) * interval '90 seconds' + CASE WHEN s > 1 THEN c.first ELSE interval '0' END,
			       CASE WHEN c.fin AND s = c.last_seq THEN c.status END
			FROM (SELECT id, customer_id, assignee_id, status, created_at, last_seq, status IN ('resolved', 'closed') AS fin,
			             interval '20 seconds' + random() * interval '10 minutes' AS first
			      FROM conversations WHERE widget_id IN (SELECT id FROM widgets WHERE name LIKE 'Bench site %')) c
			CROSS JOIN LATERAL generate_series(1, c.last_seq) s`},
		{"", `SET session_replication_role = DEFAULT`},
		{"facts", `SELECT conversation_facts_rebuild()`},
		{"analyze", `ANALYZE`},
	}
	for _, s := range steps {
		t := time.Now()
		if _, err := conn.Exec(ctx, s.sql); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", s.what, err)
		}
		if s.what != "" {
			e.logf("history: %s in %s", s.what, time.Since(t).Round(time.Second))
		}
	}
	var nc, nm int
	err = conn.QueryRow(ctx, `SELECT count(*), coalesce(sum(last_seq), 0) FROM conversations
		WHERE widget_id IN (SELECT id FROM widgets WHERE name LIKE 'Bench site %')`).Scan(&nc, &nm)
	return nc, nm, err
}
