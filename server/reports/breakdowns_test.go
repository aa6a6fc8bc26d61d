package reports_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/reports"
)

func (h *history) team(name string, widgets ...uuid.UUID) uuid.UUID {
	h.t.Helper()
	id := h.id(`INSERT INTO teams (name) VALUES ($1) RETURNING id`, name)
	for _, w := range widgets {
		h.route(w, &id)
	}
	return id
}

// route makes the widget route to team (nil: to none).
func (h *history) route(widget uuid.UUID, team *uuid.UUID) {
	h.t.Helper()
	h.exec(`INSERT INTO widget_routing (widget_id, team_id) VALUES ($1, $2)
		ON CONFLICT (widget_id) DO UPDATE SET team_id = EXCLUDED.team_id`, widget, team)
}

func (h *history) tag(name string) uuid.UUID {
	return h.id(`INSERT INTO tags (name, color) VALUES ($1, 'blue') RETURNING id`, name)
}

func (h *history) tagged(conv uuid.UUID, tags ...uuid.UUID) {
	h.t.Helper()
	for _, tag := range tags {
		h.exec(`INSERT INTO conversation_tags (conversation_id, tag_id) VALUES ($1, $2)`, conv, tag)
	}
}

func (h *history) untagged(conv, tag uuid.UUID) {
	h.t.Helper()
	h.exec(`DELETE FROM conversation_tags WHERE conversation_id = $1 AND tag_id = $2`, conv, tag)
}

// figures prints a team's or a tag's figures: conversations, missed,
// median first response and resolution (rounded to the value they
// approximate when within 10 %, see approx), ratings and CSAT average.
func figures(f reports.Figures, p50s ...float64) string {
	med := func(v *float64, want float64) string {
		if v == nil {
			return "-"
		}
		if approx(v, want) {
			return fmt.Sprint(want)
		}
		return fmt.Sprintf("%.1f", *v)
	}
	return fmt.Sprintf("%d %d %s %s %d %s", f.Conversations, f.Missed, med(f.FirstResponseP50, p50s[0]),
		med(f.ResolutionP50, p50s[1]), f.Ratings, show(f.CsatAverage))
}

// TestBreakdownsFromAHandBuiltHistory checks the figures by team and by
// tag, and the team filter, against answers worked out by hand for 1–3
// March 2026 in Ho Chi Minh City time (UTC+7), whose range starts and ends
// in the middle of UTC days: the tags' figures there come from hours.
func TestBreakdownsFromAHandBuiltHistory(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := &history{t: t, pool: pool}
	lan, minh := h.agent("Lan"), h.agent("Minh")
	shop, blog, help, misc := h.widget("Shop"), h.widget("Blog"), h.widget("Help"), h.widget("Misc")
	sales := h.team("Sales", shop, blog)
	support := h.team("Support", help)
	idle := h.team("Idle")
	h.route(misc, nil) // routing of its own, but no team
	vip, billing, spam := h.tag("VIP"), h.tag("billing"), h.tag("Spam")
	h.tag("unused")
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, hcm) }

	// A, shop, 1 March 02:00 (28 February 19:00 UTC): answered by Lan
	// after 60 s, resolved at 600 s, rated 5. VIP and billing.
	a := h.conversation(shop, at(1, 2), "resolved", &lan,
		step{0, "customer", uuid.Nil}, step{60, "agent", lan}, step{600, "resolved", uuid.Nil})
	h.tagged(a, vip, billing)
	h.rating(a, lan, 5, at(1, 3))
	// B, blog, 2 March 10:00: answered after 120 s, resolved at 1000 s,
	// reopened at 2000 s and resolved again at 3000 s; rated 3 — then
	// tagged VIP, so its facts and rating join the tag afterwards.
	b := h.conversation(blog, at(2, 10), "resolved", &lan,
		step{0, "customer", uuid.Nil}, step{120, "agent", lan}, step{1000, "resolved", uuid.Nil},
		step{2000, "customer", uuid.Nil}, step{2000, "reopened", uuid.Nil}, step{2100, "agent", lan}, step{3000, "resolved", uuid.Nil})
	h.rating(b, lan, 3, at(2, 12))
	h.tagged(b, vip)
	// C, help, 3 March 20:00 (13:00 UTC): never answered. Billing.
	c := h.conversation(help, at(3, 20), "waiting", nil, step{0, "customer", uuid.Nil})
	h.tagged(c, billing)
	// D, misc (no team), 2 March 09:00: tagged billing and spam as soon
	// as the customer writes; spam is taken off, then Minh answers after
	// 300 s — a fact that changes while the conversation carries a tag.
	d := h.conversation(misc, at(2, 9), "active", &minh, step{0, "customer", uuid.Nil})
	h.tagged(d, billing, spam)
	h.untagged(d, spam)
	var dCustomer uuid.UUID
	if err := pool.QueryRow(ctx(t), `SELECT customer_id FROM conversations WHERE id = $1`, d).Scan(&dCustomer); err != nil {
		t.Fatal(err)
	}
	h.message(d, dCustomer, 2, "agent", minh, at(2, 9).Add(300*time.Second))
	// E, shop, 4 March 01:00 (3 March 18:00 UTC, a UTC day the range
	// covers in part): outside the range. VIP.
	e := h.conversation(shop, at(4, 1), "waiting", nil, step{0, "customer", uuid.Nil})
	h.tagged(e, vip)
	// F, help, 1 March 12:00: Minh answers after 30 s, resolves at 60 s;
	// rated 1. No tag.
	f := h.conversation(help, at(1, 12), "resolved", &minh,
		step{0, "customer", uuid.Nil}, step{30, "agent", minh}, step{60, "resolved", uuid.Nil})
	h.rating(f, minh, 1, at(1, 13))

	svc := reports.New(pool)
	q := reports.Query{Start: at(1, 0), End: at(4, 0), TimeZone: "Asia/Ho_Chi_Minh"}
	report := func(q reports.Query) reports.Report {
		t.Helper()
		r, err := svc.Report(ctx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	teams := func(r reports.Report, p50s ...float64) string {
		var out []string
		for i, tm := range r.Teams {
			out = append(out, tm.Name+": "+figures(tm.Figures, p50s[2*i:2*i+2]...))
		}
		return strings.Join(out, "; ")
	}
	tags := func(r reports.Report, p50s ...float64) string {
		var out []string
		for i, tg := range r.Tags {
			out = append(out, tg.Name+": "+figures(tg.Figures, p50s[2*i:2*i+2]...))
		}
		return strings.Join(out, "; ")
	}

	r := report(q)
	if r.Totals.Conversations != 5 {
		t.Fatalf("totals: %+v", r.Totals)
	}
	// Sales: A and B (first responses 60 and 120: the nearest-rank median
	// is 60; resolutions 600 and 3000; ratings 5 and 3). Support: C
	// (missed) and F (30 s, 60 s, rated 1). No team: D (300 s, not
	// resolved). Idle had nothing.
	want := "Sales: 2 0 60 600 2 4; Support: 2 1 30 60 1 1; : 1 0 300 - 0 nil"
	if got := teams(r, 60, 600, 30, 60, 300, 0); got != want || r.Teams[2].ID != uuid.Nil || r.Teams[0].ID != sales {
		t.Errorf("teams:\n got %s\nwant %s", got, want)
	}
	// billing: A, C (missed) and D (300 s), A's rating; VIP: A and B with
	// both ratings. Spam was taken off; E is outside the range.
	want = "billing: 3 1 60 600 1 5; VIP: 2 0 60 600 2 4"
	if got := tags(r, 60, 600, 60, 600); got != want || r.OtherTags != 0 {
		t.Errorf("tags:\n got %s (%d others)\nwant %s", got, r.OtherTags, want)
	}

	t.Run("one team", func(t *testing.T) {
		r := report(reports.Query{Start: q.Start, End: q.End, TimeZone: q.TimeZone, TeamID: &support, Compare: true})
		if r.Totals.Conversations != 2 || r.Totals.Missed != 1 || r.Totals.Ratings != 1 || len(r.Agents) != 1 || r.Previous == nil {
			t.Errorf("Support's totals: %+v, agents %+v", r.Totals, r.Agents)
		}
		if got, want := teams(r, 30, 60), "Support: 2 1 30 60 1 1"; got != want {
			t.Errorf("teams: %s, want %s", got, want)
		}
		if got, want := tags(r, 0, 0), "billing: 1 1 - - 0 nil"; got != want {
			t.Errorf("tags: %s, want %s", got, want)
		}
	})
	t.Run("a team and one of its widgets", func(t *testing.T) {
		r := report(reports.Query{Start: q.Start, End: q.End, TimeZone: q.TimeZone, TeamID: &sales, WidgetID: &blog})
		if r.Totals.Conversations != 1 || len(r.Teams) != 1 || r.Teams[0].Conversations != 1 || tags(r, 120, 3000) != "VIP: 1 0 120 3000 1 3" {
			t.Errorf("blog in Sales: %+v, teams %+v, tags %s", r.Totals, r.Teams, tags(r, 120, 3000))
		}
	})
	t.Run("a team and a widget of another team", func(t *testing.T) {
		r := report(reports.Query{Start: q.Start, End: q.End, TimeZone: q.TimeZone, TeamID: &sales, WidgetID: &help})
		if r.Totals.Conversations != 0 || r.Totals.Ratings != 0 || len(r.Teams) != 0 || len(r.Tags) != 0 || len(r.Agents) != 0 {
			t.Errorf("help in Sales: %+v", r)
		}
	})
	t.Run("a team without widgets", func(t *testing.T) {
		r := report(reports.Query{Start: q.Start, End: q.End, TimeZone: q.TimeZone, TeamID: &idle})
		if r.Totals.Conversations != 0 || len(r.Teams) != 0 || len(r.Tags) != 0 || len(r.Buckets) != 3 {
			t.Errorf("Idle: %+v", r)
		}
	})
	t.Run("an unknown team", func(t *testing.T) {
		unknown := uuid.New()
		_, err := svc.Report(ctx(t), reports.Query{Start: q.Start, End: q.End, TeamID: &unknown})
		if !apperr.Is(err, apperr.TeamNotFound) || !strings.Contains(fmt.Sprintf("%+v", err), "team") {
			t.Fatalf("got %v, want TEAM_NOT_FOUND", err)
		}
	})
	t.Run("a widget moved to another team takes its history along", func(t *testing.T) {
		h.route(help, &sales)
		r := report(q)
		// Sales: A, B, C, F — first responses 30, 60, 120; resolutions 60,
		// 600, 3000; ratings 5, 3, 1.
		if got, want := teams(r, 60, 600, 300, 0), "Sales: 4 1 60 600 3 3; : 1 0 300 - 0 nil"; got != want {
			t.Errorf("teams: %s, want %s", got, want)
		}
		h.route(help, &support)
	})
	t.Run("at most 50 tags", func(t *testing.T) {
		h.exec(`INSERT INTO tags (name, color) SELECT 'many ' || g, 'grey' FROM generate_series(1, 52) g`)
		h.exec(`INSERT INTO conversation_tags (conversation_id, tag_id) SELECT $1, id FROM tags WHERE name LIKE 'many %'`, f)
		r := report(q)
		if len(r.Tags) != 50 || r.OtherTags != 4 || r.Tags[0].Name != "billing" || r.Tags[1].Name != "VIP" || r.Tags[2].Name != "many 1" {
			t.Errorf("%d tags, %d others; first %v", len(r.Tags), r.OtherTags, r.Tags[:3])
		}
		h.exec(`DELETE FROM tags WHERE name LIKE 'many %'`)
	})
	t.Run("a deleted tag leaves the reports", func(t *testing.T) {
		live := dumpTagRollups(t, pool)
		if n, err := svc.RebuildFacts(ctx(t)); err != nil || n != 6 {
			t.Fatalf("rebuild: %d, %v", n, err)
		}
		if rebuilt := dumpTagRollups(t, pool); rebuilt != live {
			t.Fatalf("kept in step:\n%s\nrebuilt:\n%s", live, rebuilt)
		}
		h.exec(`DELETE FROM tags WHERE id = $1`, billing)
		r := report(q)
		if got, want := tags(r, 60, 600), "VIP: 2 0 60 600 2 4"; got != want {
			t.Errorf("tags: %s, want %s", got, want)
		}
		var left int
		if err := pool.QueryRow(ctx(t), `SELECT (SELECT count(*) FROM report_tag_hours WHERE tag_id = $1)
			+ (SELECT count(*) FROM report_tag_days WHERE tag_id = $1)`, billing).Scan(&left); err != nil || left != 0 {
			t.Errorf("%d rows of the deleted tag left (%v)", left, err)
		}
	})
}

// dumpTagRollups prints the tags' rollup rows in a canonical form, as
// dumpRollups does the others': rows of zeros left out, histograms
// without their trailing zero buckets.
func dumpTagRollups(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	trim := func(col string) string {
		return fmt.Sprintf(`coalesce((SELECT array_agg(v ORDER BY i) FROM unnest(%[1]s) WITH ORDINALITY u(v, i)
			WHERE i <= (SELECT max(j) FROM unnest(%[1]s) WITH ORDINALITY z(w, j) WHERE w <> 0)), '{}')`, col)
	}
	var out strings.Builder
	for _, c := range []struct{ table, at string }{{"report_tag_hours", "hour"}, {"report_tag_days", "day"}} {
		var dump string
		err := pool.QueryRow(ctx(t), fmt.Sprintf(`SELECT coalesce(string_agg(r::text, E'\n' ORDER BY r::text), '')
			FROM (SELECT %s, widget_id, tag_id, conversations, missed, %s AS frt, %s AS res, ratings, score_sum FROM %s) r
			WHERE conversations <> 0 OR missed <> 0 OR ratings <> 0 OR score_sum <> 0 OR frt <> '{}' OR res <> '{}'`,
			c.at, trim("frt_hist"), trim("res_hist"), c.table)).Scan(&dump)
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString(dump + "\n--\n")
	}
	return out.String()
}

// TestTagRollupsKeptInStepEqualRebuilt: after a random history in which
// tags are put on and taken off conversations between their messages —
// first replies, notes, reassignments, resolutions, reopenings, ratings
// given, changed and removed, a tag deleted, conversations erased — the
// tags' rollups the triggers kept are exactly those report_rebuild()
// computes, and the report reads the same from both.
func TestTagRollupsKeptInStepEqualRebuilt(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := &history{t: t, pool: pool}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 11))
	agents := []uuid.UUID{h.agent("Anh"), h.agent("Binh"), h.agent("Chau")}
	widgets := []uuid.UUID{h.widget("Shop"), h.widget("Blog")}
	h.team("Sales", widgets[0])
	tags := []uuid.UUID{h.tag("a"), h.tag("b"), h.tag("c"), h.tag("d")}
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

	type conv struct {
		id, customer uuid.UUID
		start        time.Time
		seq, at      int
		open, rated  bool
		who          uuid.UUID
	}
	var convs []*conv
	for range 40 {
		w := widgets[rnd.IntN(len(widgets))]
		c := &conv{start: base.Add(time.Duration(rnd.IntN(6*24*3600)) * time.Second), open: true, who: agents[rnd.IntN(len(agents))]}
		c.id = h.conversation(w, c.start, "active", &c.who)
		if err := pool.QueryRow(ctx(t), `SELECT customer_id FROM conversations WHERE id = $1`, c.id).Scan(&c.customer); err != nil {
			t.Fatal(err)
		}
		convs = append(convs, c)
	}
	line := func(c *conv, who string, agent uuid.UUID) {
		c.seq++
		h.message(c.id, c.customer, c.seq, who, agent, c.start.Add(time.Duration(c.at)*time.Second))
	}
	for range 600 {
		c := convs[rnd.IntN(len(convs))]
		c.at += 1 + rnd.IntN(3000)
		switch k := rnd.IntN(14); {
		case k < 3:
			line(c, "customer", uuid.Nil)
			if !c.open {
				line(c, "reopened", uuid.Nil)
				c.open = true
			}
		case k < 6:
			if rnd.IntN(3) == 0 {
				c.who = agents[rnd.IntN(len(agents))]
			}
			line(c, "agent", c.who)
		case k < 7:
			line(c, "note", agents[rnd.IntN(len(agents))])
		case k < 8:
			if c.open {
				line(c, []string{"resolved", "closed"}[rnd.IntN(2)], uuid.Nil)
				c.open = false
			}
		case k < 9:
			if !c.open && !c.rated {
				h.rating(c.id, c.who, 1+rnd.IntN(5), c.start.Add(time.Duration(c.at)*time.Second))
				c.rated = true
			} else if c.rated {
				h.exec(`UPDATE conversation_ratings SET score = $2 WHERE conversation_id = $1`, c.id, 1+rnd.IntN(5))
			}
		case k < 12:
			h.exec(`INSERT INTO conversation_tags (conversation_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, c.id, tags[rnd.IntN(len(tags))])
		default:
			h.untagged(c.id, tags[rnd.IntN(len(tags))])
		}
	}
	// A rating removed, a tag deleted, two conversations erased (one with
	// its rating in place: the cascade takes everything at once).
	h.exec(`DELETE FROM conversation_ratings WHERE conversation_id =
		(SELECT conversation_id FROM conversation_ratings ORDER BY conversation_id LIMIT 1)`)
	h.exec(`DELETE FROM tags WHERE id = $1`, tags[3])
	for _, c := range convs[:2] {
		h.exec(`INSERT INTO conversation_tags (conversation_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, c.id, tags[0])
		h.exec(`DELETE FROM conversation_reads WHERE conversation_id = $1`, c.id)
		h.exec(`DELETE FROM messages WHERE conversation_id = $1`, c.id)
		h.exec(`DELETE FROM conversations WHERE id = $1`, c.id)
	}

	svc := reports.New(pool)
	q := reports.Query{Start: base.Add(-7 * time.Hour), End: base.Add(9*24*time.Hour - 7*time.Hour), TimeZone: "Asia/Ho_Chi_Minh"}
	before, err := svc.Report(ctx(t), q)
	if err != nil {
		t.Fatal(err)
	}
	live := dumpTagRollups(t, pool)
	if strings.Count(live, "\n") < 10 {
		t.Fatalf("few tag rollups kept: %q", live)
	}
	if n, err := svc.RebuildFacts(ctx(t)); err != nil || n != 38 {
		t.Fatalf("rebuild: %d, %v", n, err)
	}
	if rebuilt := dumpTagRollups(t, pool); rebuilt != live {
		t.Fatalf("kept in step:\n%s\nrebuilt:\n%s", live, rebuilt)
	}
	after, err := svc.Report(ctx(t), q)
	if err != nil {
		t.Fatal(err)
	}
	if b, a := jsonOf(t, before.Breakdowns), jsonOf(t, after.Breakdowns); b != a || len(before.Tags) != 3 || len(before.Teams) != 2 {
		t.Fatalf("report before the rebuild %s, after %s", b, a)
	}
}
