package reports_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/reports"
)

// dumpRollups prints every rollup row in a canonical form: rows whose
// figures are all zero (left behind when a contribution is taken away)
// are left out and histograms lose their trailing zero buckets, so the
// rows kept in step and the rows rebuilt print the same when they mean
// the same.
func dumpRollups(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var out strings.Builder
	for _, q := range []string{
		`SELECT * FROM report_widget_hours ORDER BY hour, widget_id`,
		`SELECT * FROM report_widget_days ORDER BY day, widget_id`,
		`SELECT * FROM report_message_hours ORDER BY hour, widget_id, shard`,
		`SELECT * FROM report_agent_hours ORDER BY hour, widget_id, agent_id`,
		`SELECT * FROM report_agent_days ORDER BY day, widget_id, agent_id`,
	} {
		rows, err := pool.Query(ctx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vs, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			zero := true
			var line []string
			for _, v := range vs {
				switch x := v.(type) {
				case []any:
					for len(x) > 0 && x[len(x)-1] == int32(0) {
						x = x[:len(x)-1]
					}
					zero = zero && len(x) == 0
					v = x
				case int16:
					// the shard: part of the key
				case int32:
					zero = zero && x == 0
				case int64:
					zero = zero && x == 0
				case time.Time:
					v = x.UTC().Format(time.RFC3339)
				}
				line = append(line, fmt.Sprint(v))
			}
			if !zero {
				out.WriteString(strings.Join(line, " ") + "\n")
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		out.WriteString("--\n")
	}
	return out.String()
}

// TestRollupsKeptInStepEqualRebuilt: after a random history — messages,
// notes, first replies by one agent and later replies by others
// (reassignment), resolutions, reopenings, closings, ratings given, changed
// and removed, a conversation erased, a widget with business hours — the
// rollups the triggers kept (hourly and daily) are exactly those
// report_rebuild() computes from the messages, and a report reads the same
// from both.
func TestRollupsKeptInStepEqualRebuilt(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := &history{t: t, pool: pool}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 7))
	agents := []uuid.UUID{h.agent("Anh"), h.agent("Binh"), h.agent("Chau"), h.agent("Dung")}
	widgets := []uuid.UUID{h.widget("Shop"), h.widget("Blog"), h.widget("Help")}
	h.exec(`INSERT INTO widget_routing (widget_id, hours_enabled, time_zone, days, holidays)
		VALUES ($1, true, 'Asia/Ho_Chi_Minh', '[{"day":1,"open":480,"close":1020},{"day":2,"open":480,"close":1020},{"day":3,"open":480,"close":1020},{"day":4,"open":480,"close":1020},{"day":5,"open":480,"close":720}]', '{2026-03-04}')`,
		widgets[2])
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	convs := h.random(rnd, agents, widgets, base, 10, 80)
	// Ratings changed and one removed; a conversation erased with its
	// facts and rating.
	h.exec(`UPDATE conversation_ratings SET score = 6 - score WHERE conversation_id IN
		(SELECT conversation_id FROM conversation_ratings ORDER BY conversation_id LIMIT 5)`)
	h.exec(`DELETE FROM conversation_ratings WHERE conversation_id =
		(SELECT conversation_id FROM conversation_ratings ORDER BY conversation_id DESC LIMIT 1)`)
	for _, table := range []string{"conversation_ratings", "conversation_reads", "messages"} {
		h.exec(`DELETE FROM `+table+` WHERE conversation_id = $1`, convs[0])
	}
	h.exec(`DELETE FROM conversations WHERE id = $1`, convs[0])

	svc := reports.New(pool)
	q := reports.Query{Start: base, End: base.Add(11 * 24 * time.Hour), TimeZone: "Asia/Ho_Chi_Minh", Compare: true}
	before, err := svc.Report(ctx(t), q)
	if err != nil {
		t.Fatal(err)
	}
	live := dumpRollups(t, pool)
	if !strings.Contains(live, "{") && len(live) < 100 {
		t.Fatalf("no rollups kept: %q", live)
	}
	if n, err := svc.RebuildFacts(ctx(t)); err != nil || n != 79 {
		t.Fatalf("rebuild: %d, %v", n, err)
	}
	if rebuilt := dumpRollups(t, pool); rebuilt != live {
		t.Fatalf("kept in step:\n%s\nrebuilt:\n%s", live, rebuilt)
	}
	after, err := svc.Report(ctx(t), q)
	if err != nil {
		t.Fatal(err)
	}
	if jsonOf(t, before.Totals) != jsonOf(t, after.Totals) || before.Totals.Conversations != 79 {
		t.Fatalf("report before the rebuild %s, after %s", jsonOf(t, before.Totals), jsonOf(t, after.Totals))
	}
}

// random writes n conversations started at random instants of the days
// after base, each a random timeline of customer messages, replies by its
// agent (now and then another: reassigned), notes, resolutions, closings
// and reopenings, half of those left finished rated.
func (h *history) random(rnd *rand.Rand, agents, widgets []uuid.UUID, base time.Time, days, n int) []uuid.UUID {
	h.t.Helper()
	var convs []uuid.UUID
	for range n {
		w := widgets[rnd.IntN(len(widgets))]
		start := base.Add(time.Duration(rnd.IntN(days*24*3600)) * time.Second)
		var steps []step
		at, open, who := 0, true, agents[rnd.IntN(len(agents))]
		for range 1 + rnd.IntN(12) {
			at += 1 + rnd.IntN(4000)
			switch k := rnd.IntN(10); {
			case k < 4:
				steps = append(steps, step{at, "customer", uuid.Nil})
				if !open {
					steps = append(steps, step{at, "reopened", uuid.Nil})
					open = true
				}
			case k < 7:
				if rnd.IntN(3) == 0 { // reassigned
					who = agents[rnd.IntN(len(agents))]
				}
				steps = append(steps, step{at, "agent", who})
			case k < 8:
				steps = append(steps, step{at, "note", agents[rnd.IntN(len(agents))]})
			default:
				if open {
					steps = append(steps, step{at, []string{"resolved", "closed"}[rnd.IntN(2)], uuid.Nil})
					open = false
				}
			}
		}
		status := "active"
		if !open {
			status = "resolved"
		}
		c := h.conversation(w, start, status, &who, steps...)
		convs = append(convs, c)
		if !open && rnd.IntN(2) == 0 {
			h.rating(c, who, 1+rnd.IntN(5), start.Add(time.Duration(at+60)*time.Second))
		}
	}
	return convs
}

// TestDailyRollupsReadAsTheHours: a report that reads whole UTC days from
// the daily rollups, moving the hours its viewer's days do not share with
// UTC's, is exactly the report read from the hours alone — every total,
// bucket, percentile, agent and sparkline, the previous period too — in
// zones a whole number of hours, half an hour and three quarters of an hour
// from UTC, across daylight-saving changes (New York and London in March,
// Lord Howe's half-hour change and Chatham's in April), for ranges of whole
// local days, ranges that start and end mid-day, a range shorter than a day
// and hourly buckets.
func TestDailyRollupsReadAsTheHours(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := &history{t: t, pool: pool}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 11))
	agents := []uuid.UUID{h.agent("Anh"), h.agent("Binh"), h.agent("Chau")}
	widgets := []uuid.UUID{h.widget("Shop"), h.widget("Blog")}
	h.random(rnd, agents, widgets, time.Date(2026, 2, 26, 0, 0, 0, 0, time.UTC), 44, 160)
	svc := reports.New(pool)
	for _, zone := range []string{"UTC", "Asia/Ho_Chi_Minh", "Asia/Kolkata", "Asia/Kathmandu", "America/New_York",
		"Europe/London", "America/St_Johns", "Australia/Lord_Howe", "Pacific/Chatham", "Pacific/Kiritimati", "Pacific/Pago_Pago"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		at := func(month time.Month, day, hour, minute int) time.Time {
			return time.Date(2026, month, day, hour, minute, 0, 0, loc)
		}
		for _, q := range []reports.Query{
			{Start: at(3, 1, 0, 0), End: at(4, 8, 0, 0), Compare: true},
			{Start: at(3, 2, 13, 17), End: at(4, 3, 9, 40), Compare: true},
			{Start: at(3, 7, 22, 0), End: at(3, 30, 2, 0), WidgetID: &widgets[1]},
			{Start: at(3, 8, 5, 0), End: at(3, 8, 22, 0), Compare: true},
			{Start: at(3, 28, 0, 0), End: at(4, 7, 0, 0), Interval: reports.Hour, Compare: true},
		} {
			q.TimeZone = zone
			days, err := svc.Report(ctx(t), q)
			if err != nil {
				t.Fatal(err)
			}
			hours, err := svc.ReportFromHours(ctx(t), q)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := jsonOf(t, days), jsonOf(t, hours); got != want {
				t.Errorf("%s %v to %v: from the days\n%s\nfrom the hours\n%s", zone, q.Start, q.End, got, want)
			}
			// The random history leaves a short range empty now and then;
			// the long ones always hold conversations, so the comparison
			// is never of two empty reports alone.
			if days.Totals.Conversations == 0 && q.End.Sub(q.Start) > 48*time.Hour {
				t.Errorf("%s %v to %v: no conversations", zone, q.Start, q.End)
			}
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBusinessHoursFirstResponse checks every figure of a week on a widget
// open Monday to Friday 08:00–17:00 in Ho Chi Minh City time, closed on
// Wednesday 4 March 2026 (a holiday): first responses count only open
// time, resolutions all of it.
func TestBusinessHoursFirstResponse(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := &history{t: t, pool: pool}
	lan, minh := h.agent("Lan"), h.agent("Minh")
	shop := h.widget("Shop")
	h.exec(`INSERT INTO widget_routing (widget_id, hours_enabled, time_zone, days, holidays)
		VALUES ($1, true, 'Asia/Ho_Chi_Minh', '[{"day":1,"open":480,"close":1020},{"day":2,"open":480,"close":1020},{"day":3,"open":480,"close":1020},{"day":4,"open":480,"close":1020},{"day":5,"open":480,"close":1020}]', '{2026-03-04}')`, shop)
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	// 2 March 2026 is a Monday.
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 3, day, hour, minute, 0, 0, hcm) }
	secs := func(a, b time.Time) int { return int(b.Sub(a).Seconds()) }
	// A: Monday 16:50, answered Tuesday 08:10: 10 + 10 open minutes.
	h.conversation(shop, at(2, 16, 50), "active", &lan, step{0, "customer", uuid.Nil}, step{secs(at(2, 16, 50), at(3, 8, 10)), "agent", lan})
	// B: Tuesday 07:00 before opening, answered 08:05: 5 minutes.
	h.conversation(shop, at(3, 7, 0), "active", &lan, step{0, "customer", uuid.Nil}, step{secs(at(3, 7, 0), at(3, 8, 5)), "agent", lan})
	// C: Tuesday 16:00, answered by Minh on Thursday 08:30 across the
	// holiday: 60 + 30 open minutes. Resolved Thursday 09:00, the customer
	// writes again at 10:00 (reopened), Lan answers and resolves at 11:00:
	// the first response stays Minh's 5,400 s; resolution is 43 hours.
	c := at(3, 16, 0)
	h.conversation(shop, c, "resolved", &lan,
		step{0, "customer", uuid.Nil}, step{secs(c, at(5, 8, 30)), "agent", minh}, step{secs(c, at(5, 9, 0)), "resolved", uuid.Nil},
		step{secs(c, at(5, 10, 0)), "customer", uuid.Nil}, step{secs(c, at(5, 10, 0)), "reopened", uuid.Nil},
		step{secs(c, at(5, 10, 30)), "agent", lan}, step{secs(c, at(5, 11, 0)), "resolved", uuid.Nil})
	// D: Saturday 10:00, answered 10:05: no open time at all.
	h.conversation(shop, at(7, 10, 0), "active", &lan, step{0, "customer", uuid.Nil}, step{300, "agent", lan})
	// E: Monday 09:00, answered 09:02: 120 s.
	h.conversation(shop, at(2, 9, 0), "active", &lan, step{0, "customer", uuid.Nil}, step{120, "agent", lan})

	r, err := reports.New(pool).Report(ctx(t), reports.Query{Start: at(2, 0, 0), End: at(9, 0, 0), TimeZone: "Asia/Ho_Chi_Minh"})
	if err != nil {
		t.Fatal(err)
	}
	tot := r.Totals
	// First responses 0, 120, 300, 1200, 5400: mean 1404, p50 300, p90 5400.
	if tot.Conversations != 5 || tot.Missed != 0 || tot.Resolved != 1 || tot.Messages != 12 {
		t.Errorf("counts: %+v", tot)
	}
	if !near(tot.FirstResponseAvg, 1404) || !approx(tot.FirstResponseP50, 300) || !approx(tot.FirstResponseP90, 5400) {
		t.Errorf("first response avg %s p50 %s p90 %s, want 1404 300 5400", show(tot.FirstResponseAvg), show(tot.FirstResponseP50), show(tot.FirstResponseP90))
	}
	if !approx(tot.ResolutionP50, 43*3600) {
		t.Errorf("resolution %s, want %d", show(tot.ResolutionP50), 43*3600)
	}
	// Days: Monday A and E (1200, 120), Tuesday B and C (300, 5400),
	// Saturday D (0).
	for i, want := range []struct {
		n   int64
		p50 float64
	}{{2, 120}, {2, 300}, {0, 0}, {0, 0}, {0, 0}, {1, 0}, {0, 0}} {
		b := r.Buckets[i]
		if b.Conversations != want.n || (want.n > 0 && !approx(b.FirstResponseP50, want.p50)) {
			t.Errorf("day %d: %d conversations, p50 %s; want %d, %v", i, b.Conversations, show(b.FirstResponseP50), want.n, want.p50)
		}
	}
	// Lan answered A, B, D, E first (1200, 300, 0, 120: median 120) and
	// replied in all five; Minh answered C first.
	if len(r.Agents) != 2 || r.Agents[0].Handled != 5 || !approx(r.Agents[0].FirstResponseP50, 120) ||
		r.Agents[1].Handled != 1 || !approx(r.Agents[1].FirstResponseP50, 5400) {
		t.Errorf("agents: %s", jsonOf(t, r.Agents))
	}
	// The exact seconds are kept per conversation.
	var got []float64
	rows, err := pool.Query(ctx(t), `SELECT first_response_seconds FROM conversation_facts ORDER BY first_response_seconds`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v float64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if fmt.Sprint(got) != "[0 120 300 1200 5400]" {
		t.Errorf("first responses in open time: %v", got)
	}
}
