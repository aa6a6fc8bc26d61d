package reports_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/reports"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// history arranges conversations, messages and ratings with SQL, at chosen
// instants, so every figure has an answer worked out by hand.
type history struct {
	t    *testing.T
	pool *pgxpool.Pool
	n    int
}

func (h *history) exec(sql string, args ...any) {
	h.t.Helper()
	if _, err := h.pool.Exec(ctx(h.t), sql, args...); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
}

func (h *history) id(sql string, args ...any) uuid.UUID {
	h.t.Helper()
	var id uuid.UUID
	if err := h.pool.QueryRow(ctx(h.t), sql, args...).Scan(&id); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	return id
}

func (h *history) agent(name string) uuid.UUID {
	return h.id(`INSERT INTO agents (username, display_name, role, password_hash) VALUES (lower($1), $1, 'agent', 'x') RETURNING id`, name)
}

func (h *history) widget(name string) uuid.UUID {
	h.n++
	return h.id(`INSERT INTO widgets (site_key, name, identity_secret) VALUES ($1, $2, 'x') RETURNING id`, fmt.Sprintf("lcw_%024d", h.n), name)
}

// step is one line of a conversation's timeline, at seconds after its start.
type step struct {
	at    int
	who   string // "customer", "agent", "note" or a system kind ("claimed", "resolved", "reopened", …)
	agent uuid.UUID
}

// conversation writes a conversation started at start with its timeline, in
// its final status and assignee.
func (h *history) conversation(widget uuid.UUID, start time.Time, status string, assignee *uuid.UUID, steps ...step) uuid.UUID {
	h.t.Helper()
	customer := h.id(`INSERT INTO customers (widget_id) VALUES ($1) RETURNING id`, widget)
	conv := h.id(`INSERT INTO conversations (customer_id, widget_id, status, assignee_id, created_at, last_seq)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, customer, widget, status, assignee, start, len(steps))
	for i, s := range steps {
		h.message(conv, customer, i+1, s.who, s.agent, start.Add(time.Duration(s.at)*time.Second))
	}
	return conv
}

// message adds line seq of a conversation's timeline at at; who is as in
// step, customer the conversation's customer.
func (h *history) message(conv, customer uuid.UUID, seq int, who string, agent uuid.UUID, at time.Time) {
	h.t.Helper()
	key := fmt.Sprintf("k%d", seq-1)
	switch who {
	case "customer":
		h.exec(`INSERT INTO messages (conversation_id, seq, sender_type, sender_id, text, client_message_id, created_at)
			VALUES ($1, $2, 'customer', $3, 'hi', $4, $5)`, conv, seq, customer, key, at)
	case "agent", "note":
		h.exec(`INSERT INTO messages (conversation_id, seq, sender_type, sender_id, text, internal, client_message_id, created_at)
			VALUES ($1, $2, 'agent', $3, 'hello', $4, $5, $6)`, conv, seq, agent, who == "note", key, at)
	default:
		h.exec(`INSERT INTO messages (conversation_id, seq, sender_type, text, system_kind, created_at)
			VALUES ($1, $2, 'system', 'x', $3, $4)`, conv, seq, who, at)
	}
}

func (h *history) rating(conv uuid.UUID, agent uuid.UUID, score int, at time.Time) {
	h.t.Helper()
	h.exec(`INSERT INTO conversation_ratings (conversation_id, widget_id, customer_id, agent_id, scale, score, created_at, updated_at)
		SELECT id, widget_id, customer_id, $2, 'five', $3, $4, $4 FROM conversations WHERE id = $1`, conv, agent, score, at)
}

func near(got *float64, want float64) bool { return got != nil && math.Abs(*got-want) < 1e-9 }

// approx is near for a percentile read from a rollup histogram: within 10 %
// (a value alone in its bucket is read as the bucket's geometric middle,
// at most 9 % off; see hist.percentile), or a second under one second.
func approx(got *float64, want float64) bool {
	return got != nil && math.Abs(*got-want) <= max(0.1*want, 1)
}

func show(v *float64) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprint(*v)
}

// TestReportFromAHandBuiltHistory checks every figure against answers
// worked out by hand, in Ho Chi Minh City time (UTC+7), for 1–2 March 2026.
func TestReportFromAHandBuiltHistory(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := &history{t: t, pool: pool}
	lan, minh := h.agent("Lan"), h.agent("Minh")
	shop, blog := h.widget("Shop"), h.widget("Blog")
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, hcm) }

	// C1, 1 March 02:00 local (still 28 February in UTC): Minh's internal
	// note does not answer the customer; Lan answers after 120 s and
	// resolves at 600 s. Rated 4, Lan's.
	c1 := h.conversation(shop, at(1, 2), "resolved", &lan,
		step{0, "customer", uuid.Nil}, step{60, "note", minh}, step{90, "claimed", uuid.Nil},
		step{120, "agent", lan}, step{180, "customer", uuid.Nil}, step{240, "agent", lan}, step{600, "resolved", uuid.Nil})
	h.rating(c1, lan, 4, at(1, 3))
	// C2, 1 March 10:00: Minh answers after 300 s, resolves at 1000 s; the
	// customer writes again (reopened) at 2000 s, Lan answers and resolves
	// at 3600 s. First response stays 300 s; resolution is to the last
	// resolution, 3600 s. Rated 2, Lan's (the assignee when rated).
	c2 := h.conversation(shop, at(1, 10), "resolved", &lan,
		step{0, "customer", uuid.Nil}, step{300, "agent", minh}, step{1000, "resolved", uuid.Nil},
		step{2000, "customer", uuid.Nil}, step{2000, "reopened", uuid.Nil}, step{2500, "agent", lan}, step{3600, "resolved", uuid.Nil})
	h.rating(c2, lan, 2, at(1, 12))
	// C3, 2 March 09:00 on the blog: never answered (missed).
	h.conversation(blog, at(2, 9), "waiting", nil, step{0, "customer", uuid.Nil})
	// C4, 2 March 20:00: Lan answers after 60 s; still active.
	h.conversation(shop, at(2, 20), "active", &lan, step{0, "customer", uuid.Nil}, step{60, "agent", lan})
	// Outside the range: 3 March 01:00 local.
	h.conversation(shop, at(3, 1), "waiting", nil, step{0, "customer", uuid.Nil})
	// The previous period (27–28 February): Minh answers after 100 s,
	// resolves at 200 s; rated 5.
	c6 := h.conversation(shop, time.Date(2026, 2, 28, 12, 0, 0, 0, hcm), "resolved", &minh,
		step{0, "customer", uuid.Nil}, step{100, "agent", minh}, step{200, "resolved", uuid.Nil})
	h.rating(c6, minh, 5, time.Date(2026, 2, 28, 13, 0, 0, 0, hcm))

	svc := reports.New(pool)
	liveRollups := dumpRollups(t, pool)
	r, err := svc.Report(ctx(t), reports.Query{Start: at(1, 0), End: at(3, 0), TimeZone: "Asia/Ho_Chi_Minh", Compare: true})
	if err != nil {
		t.Fatal(err)
	}

	tot := r.Totals
	if tot.Conversations != 4 || tot.Missed != 1 || tot.Resolved != 2 || tot.Messages != 11 || tot.MessagesPerConversation != 2.75 {
		t.Errorf("counts: %+v", tot)
	}
	// First responses 60, 120, 300 s.
	if !approx(tot.FirstResponseP50, 120) || !approx(tot.FirstResponseP90, 300) || !near(tot.FirstResponseAvg, 160) {
		t.Errorf("first response p50 %s p90 %s avg %s, want 120 300 160", show(tot.FirstResponseP50), show(tot.FirstResponseP90), show(tot.FirstResponseAvg))
	}
	// Resolutions 600 and 3600 s.
	if !approx(tot.ResolutionP50, 600) || !approx(tot.ResolutionP90, 3600) {
		t.Errorf("resolution p50 %s p90 %s, want 600 3600", show(tot.ResolutionP50), show(tot.ResolutionP90))
	}
	if tot.Ratings != 2 || !near(tot.CsatAverage, 3) || !near(tot.CsatSatisfied, 0.5) || tot.CsatDistribution != [5]int64{0, 1, 0, 1, 0} {
		t.Errorf("CSAT: %d ratings, average %s, satisfied %s, %v", tot.Ratings, show(tot.CsatAverage), show(tot.CsatSatisfied), tot.CsatDistribution)
	}

	// Two local days.
	if len(r.Buckets) != 2 || !r.Buckets[0].Start.Equal(at(1, 0)) || !r.Buckets[1].Start.Equal(at(2, 0)) || r.TimeZone != "Asia/Ho_Chi_Minh" {
		t.Fatalf("buckets: %+v (zone %s)", r.Buckets, r.TimeZone)
	}
	d1, d2 := r.Buckets[0], r.Buckets[1]
	if d1.Conversations != 2 || d1.Missed != 0 || !approx(d1.FirstResponseP50, 120) || d1.Ratings != 2 || !near(d1.CsatAverage, 3) {
		t.Errorf("1 March: %+v (p50 %s)", d1, show(d1.FirstResponseP50))
	}
	if d2.Conversations != 2 || d2.Missed != 1 || !approx(d2.FirstResponseP50, 60) || d2.Ratings != 0 || d2.CsatAverage != nil {
		t.Errorf("2 March: %+v", d2)
	}

	// Per agent, by name: Lan replied in C1, C2, C4 and answered C1 and C4
	// first; Minh replied in C2 only (a note is no reply) and answered it first.
	if len(r.Agents) != 2 || r.Agents[0].Name != "Lan" || r.Agents[1].Name != "Minh" {
		t.Fatalf("agents: %+v", r.Agents)
	}
	a, m := r.Agents[0], r.Agents[1]
	if a.Handled != 3 || !approx(a.FirstResponseP50, 60) || a.Ratings != 2 || !near(a.CsatAverage, 3) || fmt.Sprint(a.HandledByBucket) != "[2 1]" {
		t.Errorf("Lan: %+v (p50 %s)", a, show(a.FirstResponseP50))
	}
	if m.Handled != 1 || !approx(m.FirstResponseP50, 300) || m.Ratings != 0 || m.CsatAverage != nil || fmt.Sprint(m.HandledByBucket) != "[1 0]" {
		t.Errorf("Minh: %+v", m)
	}
	if len(r.Widgets) != 2 || r.Widgets[0].Name != "Shop" || r.Widgets[0].Conversations != 3 || r.Widgets[1].Name != "Blog" || r.Widgets[1].Conversations != 1 {
		t.Errorf("widgets: %+v", r.Widgets)
	}

	// The previous two days hold C6 alone.
	p := r.Previous
	if p == nil || p.Conversations != 1 || p.Resolved != 1 || !approx(p.FirstResponseP50, 100) || p.Ratings != 1 || !near(p.CsatAverage, 5) {
		t.Errorf("previous: %+v", p)
	}

	t.Run("the facts kept in step equal the facts rebuilt from the messages", func(t *testing.T) {
		const facts = `SELECT conversation_id, widget_id, created_at, first_customer_seq, first_customer_at, first_reply_at,
			first_reply_agent, finished_at, messages, (SELECT array_agg(x ORDER BY x) FROM unnest(repliers) x)
			FROM conversation_facts ORDER BY conversation_id`
		dump := func() string {
			rows, err := pool.Query(ctx(t), facts)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out string
			for rows.Next() {
				v, err := rows.Values()
				if err != nil {
					t.Fatal(err)
				}
				out += fmt.Sprintln(v...)
			}
			return out
		}
		live := dump()
		n, err := svc.RebuildFacts(ctx(t))
		if err != nil || n != 6 {
			t.Fatalf("rebuild: %d, %v", n, err)
		}
		if rebuilt := dump(); rebuilt != live {
			t.Fatalf("kept in step:\n%s\nrebuilt:\n%s", live, rebuilt)
		}
	})
	t.Run("one widget", func(t *testing.T) {
		r, err := svc.Report(ctx(t), reports.Query{Start: at(1, 0), End: at(3, 0), TimeZone: "Asia/Ho_Chi_Minh", WidgetID: &blog})
		if err != nil {
			t.Fatal(err)
		}
		if r.Totals.Conversations != 1 || r.Totals.Missed != 1 || r.Totals.Ratings != 0 || r.Totals.FirstResponseP50 != nil || r.Previous != nil {
			t.Errorf("blog: %+v", r.Totals)
		}
	})
	t.Run("hour by hour", func(t *testing.T) {
		r, err := svc.Report(ctx(t), reports.Query{Start: at(1, 0), End: at(3, 0), TimeZone: "Asia/Ho_Chi_Minh", Interval: reports.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Buckets) != 48 || r.Buckets[2].Conversations != 1 || r.Buckets[10].Conversations != 1 || r.Buckets[33].Conversations != 1 {
			t.Errorf("hours: %d buckets; 02:00 %d, 10:00 %d, next day 09:00 %d", len(r.Buckets), r.Buckets[2].Conversations, r.Buckets[10].Conversations, r.Buckets[33].Conversations)
		}
	})
	t.Run("in UTC the days are others", func(t *testing.T) {
		// 1 March UTC starts at 07:00 in Ho Chi Minh City: C1 (28 February
		// 19:00 UTC) is not in it.
		r, err := svc.Report(ctx(t), reports.Query{Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if r.Totals.Conversations != 1 || r.TimeZone != "UTC" || len(r.Buckets) != 1 {
			t.Errorf("UTC 1 March: %+v, %d buckets", r.Totals, len(r.Buckets))
		}
	})
	t.Run("the rollups kept in step equal the rollups rebuilt", func(t *testing.T) {
		// The facts' subtest above rebuilt everything.
		if rebuilt := dumpRollups(t, pool); rebuilt != liveRollups {
			t.Fatalf("kept in step:\n%s\nrebuilt:\n%s", liveRollups, rebuilt)
		}
	})
}

func TestReportRefusals(t *testing.T) {
	t.Parallel()
	svc := reports.New(dbtest.New(t))
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	unknown := uuid.New()
	for _, c := range []struct {
		name   string
		q      reports.Query
		reason apperr.Reason
		field  string
	}{
		{"no start", reports.Query{End: start}, apperr.Required, "start"},
		{"no end", reports.Query{Start: start}, apperr.Required, "end"},
		{"end before start", reports.Query{Start: start, End: start.Add(-day)}, apperr.InvalidValue, "end"},
		{"over 400 days", reports.Query{Start: start, End: start.Add(401 * day)}, apperr.ReportRangeTooLong, "end"},
		{"hours over 31 days", reports.Query{Start: start, End: start.Add(32 * day), Interval: reports.Hour}, apperr.ReportRangeTooLong, "interval"},
		{"unknown interval", reports.Query{Start: start, End: start.Add(day), Interval: 7}, apperr.InvalidValue, "interval"},
		{"unknown zone", reports.Query{Start: start, End: start.Add(day), TimeZone: "Mars/Olympus"}, apperr.UnknownTimeZone, "time_zone"},
		{"the server's zone", reports.Query{Start: start, End: start.Add(day), TimeZone: "Local"}, apperr.UnknownTimeZone, "time_zone"},
		{"unknown widget", reports.Query{Start: start, End: start.Add(day), WidgetID: &unknown}, apperr.WidgetNotFound, "widget_id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.Report(ctx(t), c.q)
			var ae *apperr.Error
			if !apperr.Is(err, c.reason) || !errors.As(err, &ae) || ae.Field != c.field {
				t.Fatalf("got %v, want %s on %q", err, c.reason, c.field)
			}
		})
	}
	// 400 days and 31 hourly days are allowed, and an empty history is zeros.
	r, err := svc.Report(ctx(t), reports.Query{Start: start, End: start.Add(400 * day)})
	if err != nil || len(r.Buckets) != 400 || r.Totals.Conversations != 0 || r.Totals.FirstResponseP50 != nil || r.Totals.CsatAverage != nil {
		t.Fatalf("400 empty days: %d buckets, %+v, %v", len(r.Buckets), r.Totals, err)
	}
	if _, err := svc.Report(ctx(t), reports.Query{Start: start, End: start.Add(31 * day), Interval: reports.Hour}); err != nil {
		t.Fatalf("31 days by the hour: %v", err)
	}
}

// TestReportReadsARangeThroughTheIndex: on two years of conversations the
// report's rollup queries read a month through their tables' primary keys,
// not by scanning every row (the 1,000,000-conversation figures are in
// make bench).
func TestReportReadsARangeThroughTheIndex(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := &history{t: t, pool: pool}
	shop := h.widget("Shop")
	agent := h.agent("Lan")
	h.exec(`INSERT INTO customers (widget_id) SELECT $1 FROM generate_series(1, 5000)`, shop)
	h.exec(`INSERT INTO conversations (customer_id, widget_id, created_at)
		SELECT id, widget_id, timestamptz '2025-01-01' + (random() * interval '730 days') FROM customers`)
	h.exec(`INSERT INTO messages (conversation_id, seq, sender_type, sender_id, text, client_message_id, created_at)
		SELECT id, 1, 'agent', $1, 'hi', 'k', created_at FROM conversations`, agent)
	h.exec(`ANALYZE`)
	start, end := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		sql   string
		index string
		args  []any
	}{
		{`SELECT * FROM report_widget_hours WHERE hour >= $1 AND hour < $2 AND ($3::uuid IS NULL OR widget_id = $3::uuid)`,
			"report_widget_hours_pkey", []any{start, end, nil}},
		{`SELECT * FROM report_widget_days WHERE day >= $1 AND day < $2 AND ($3::uuid IS NULL OR widget_id = $3::uuid)`,
			"report_widget_days_pkey", []any{start, end, nil}},
		{`SELECT sum(messages) FROM report_message_hours WHERE hour >= $1 AND hour < $2 AND ($3::uuid IS NULL OR widget_id = $3::uuid)`,
			"report_message_hours_pkey", []any{start, end, nil}},
		{`SELECT agent_id, sum(handled) FROM report_agent_hours WHERE hour >= $1 AND hour < $2 AND ($3::uuid IS NULL OR widget_id = $3::uuid) GROUP BY 1`,
			"report_agent_hours_pkey", []any{start, end, nil}},
		{`SELECT * FROM report_agent_days WHERE day >= $1 AND day < $2 AND ($3::uuid IS NULL OR widget_id = $3::uuid)`,
			"report_agent_days_pkey", []any{start, end, nil}},
	} {
		rows, err := pool.Query(ctx(t), "EXPLAIN (FORMAT TEXT) "+c.sql, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan += line + "\n"
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, c.index) || strings.Contains(plan, "Seq Scan") {
			t.Errorf("the month is not read through %s:\n%s", c.index, plan)
		}
	}
}
