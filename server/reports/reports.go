// Package reports computes a support team's figures — volume, first
// response and resolution times, missed conversations, messages per
// conversation, satisfaction — for a date range, from the stored
// conversations, messages and ratings themselves. Nothing is counted on
// the side, so a figure never drifts from the history it describes, and a
// question asked twice gets the same answer.
//
// The database keeps one row of facts per conversation, exactly in step
// with its messages, and sums of those facts per UTC hour and per UTC day
// (per widget, and per agent) kept in step with the facts by triggers:
// counts, sums and fixed log-scale histograms of first-response and
// resolution times (see db/migrations/00019_reports.sql,
// 00029_report_rollups.sql and 00032_report_widget_days.sql, each with a
// rebuild). This package reads the rollup rows of a range — whole UTC days
// from the daily rows, hours only at the range's edges and where the
// viewer's days cross UTC midnight — however many conversations it had,
// and folds them into the viewer's hours or days. First responses are counted in the widget's business
// hours when it has them (computed when the reply is written).
//
// Service speaks Go types; package reportsapi adapts it to ReportService.
package reports

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	// Time zones must be known on hosts without a zoneinfo database (the
	// server is one static binary).
	_ "time/tzdata"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
)

// The bounds of a report's range, in days.
const (
	// MaxRangeDays is the longest range of a report.
	MaxRangeDays = 400
	// MaxHourlyDays is the longest range reported hour by hour.
	MaxHourlyDays = 31
)

// Interval is the width of a report's buckets.
type Interval int

// The intervals.
const (
	Day Interval = iota
	Hour
)

// Query selects what a report covers.
type Query struct {
	// Start is the range's first instant, End its end (exclusive).
	Start, End time.Time
	// TimeZone is an IANA zone name; empty is UTC.
	TimeZone string
	Interval Interval
	// WidgetID limits the report to one widget; nil for all.
	WidgetID *uuid.UUID
	// TeamID limits the report to the widgets that route to the team now
	// (with WidgetID, to that widget if it does); nil for all.
	TeamID *uuid.UUID
	// Compare asks for the previous period's totals too.
	Compare bool
}

// Report is the answer to a Query. Durations are in seconds; nil means
// there was nothing to measure.
type Report struct {
	Totals Totals
	// Previous are the totals of the period of the same length that ends
	// at Start; nil unless asked for.
	Previous *Totals
	Buckets  []Bucket
	Agents   []Agent
	Widgets  []WidgetVolume
	// TimeZone is the zone the buckets follow.
	TimeZone string
	Breakdowns
}

// Totals are the figures of one period.
type Totals struct {
	Conversations           int64
	Missed                  int64
	Resolved                int64
	Messages                int64
	MessagesPerConversation float64
	FirstResponseP50        *float64
	FirstResponseP90        *float64
	FirstResponseAvg        *float64
	ResolutionP50           *float64
	ResolutionP90           *float64
	Ratings                 int64
	CsatAverage             *float64
	// CsatSatisfied is the share of ratings of 4 or 5.
	CsatSatisfied *float64
	// CsatDistribution counts the ratings of each score, 1 to 5.
	CsatDistribution [5]int64
}

// Bucket is one hour or day.
type Bucket struct {
	Start            time.Time
	Conversations    int64
	Missed           int64
	FirstResponseP50 *float64
	FirstResponseP90 *float64
	Ratings          int64
	CsatAverage      *float64
}

// Agent is one agent's figures.
type Agent struct {
	ID   uuid.UUID
	Name string
	// Handled counts the conversations of the range the agent replied in.
	Handled int64
	// FirstResponseP50 is over the conversations the agent answered first.
	FirstResponseP50 *float64
	// Ratings are those of conversations the agent had when rated.
	Ratings     int64
	CsatAverage *float64
	// HandledByBucket is Handled per bucket of the report.
	HandledByBucket []int64
}

// WidgetVolume is how many conversations a widget started.
type WidgetVolume struct {
	ID            uuid.UUID
	Name          string
	Conversations int64
}

// Service computes reports.
type Service struct {
	q *dbq.Queries
	// hoursOnly reads every figure from the hourly rollups, as reports did
	// before the daily ones (the tests' reference).
	hoursOnly bool
}

// New returns the service over pool.
func New(pool *db.Pool) *Service {
	return &Service{q: db.Queries(pool)}
}

// Location checks a time zone name: empty is UTC.
// Errors: UnknownTimeZone (field "time_zone").
func Location(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	// "Local" would be the server's zone, which means nothing to a viewer.
	if name == "Local" || strings.TrimSpace(name) != name {
		return nil, errZone(name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, errZone(name)
	}
	return loc, nil
}

func errZone(name string) error {
	return apperr.New(apperr.UnknownTimeZone, "%q is not a known time zone; use an IANA name such as Asia/Ho_Chi_Minh", name).WithField("time_zone")
}

// RebuildFacts recomputes every conversation's facts from its messages and
// every rollup from the facts and ratings (after a bulk import that
// bypassed them, or to verify them) and returns how many conversations it
// covered. It reads every message: run it off hours on a large database.
func (s *Service) RebuildFacts(ctx context.Context) (int64, error) {
	return s.q.RebuildReports(ctx)
}

// check validates a query and returns its time zone.
func (s *Service) check(ctx context.Context, q Query) (*time.Location, error) {
	switch {
	case q.Start.IsZero():
		return nil, apperr.New(apperr.Required, "start is required").WithField("start")
	case q.End.IsZero():
		return nil, apperr.New(apperr.Required, "end is required").WithField("end")
	case !q.End.After(q.Start):
		return nil, apperr.New(apperr.InvalidValue, "end must be after start").WithField("end")
	case q.End.Sub(q.Start) > MaxRangeDays*24*time.Hour:
		return nil, apperr.New(apperr.ReportRangeTooLong, "a report covers at most %d days", MaxRangeDays).
			WithField("end").WithLimit(MaxRangeDays)
	case q.Interval == Hour && q.End.Sub(q.Start) > MaxHourlyDays*24*time.Hour:
		return nil, apperr.New(apperr.ReportRangeTooLong, "an hourly report covers at most %d days", MaxHourlyDays).
			WithField("interval").WithLimit(MaxHourlyDays)
	case q.Interval != Day && q.Interval != Hour:
		return nil, apperr.New(apperr.InvalidValue, "unknown interval").WithField("interval")
	}
	loc, err := Location(q.TimeZone)
	if err != nil {
		return nil, err
	}
	if q.WidgetID != nil {
		ok, err := s.q.ReportWidgetExists(ctx, *q.WidgetID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.New(apperr.WidgetNotFound, "widget not found").WithField("widget_id")
		}
	}
	return loc, nil
}

// Report computes the report of q.
//
// Errors: Required ("start", "end"), InvalidValue ("end" not after start,
// "interval"), ReportRangeTooLong (over MaxRangeDays, or MaxHourlyDays by
// the hour), UnknownTimeZone, WidgetNotFound, TeamNotFound.
func (s *Service) Report(ctx context.Context, q Query) (Report, error) {
	loc, err := s.check(ctx, q)
	if err != nil {
		return Report{}, err
	}
	scope, err := s.scope(ctx, q)
	if err != nil {
		return Report{}, err
	}
	grid := newGrid(q.Start, q.End, q.Interval, loc)
	// The period, its agents, the breakdowns and the previous period are
	// independent reads: each on a connection of its own, so a year's
	// report takes about as long as its slowest read rather than their sum.
	var (
		r       Report
		agents  []Agent
		b       Breakdowns
		oneTeam *Team
		prev    Report
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		b, oneTeam, err = s.breakdowns(gctx, q.Start, q.End, scope)
		return err
	})
	g.Go(func() (err error) {
		r, err = s.period(gctx, grid, q.Start, q.End, scope)
		return err
	})
	g.Go(func() (err error) {
		agents, err = s.agents(gctx, grid, q.Start, q.End, scope)
		return err
	})
	if q.Compare {
		span := q.End.Sub(q.Start)
		g.Go(func() (err error) {
			prev, err = s.period(gctx, nil, q.Start.Add(-span), q.Start, scope)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return Report{}, err
	}
	r.Breakdowns = b.withTeam(oneTeam, r.Totals)
	r.Agents = agents
	r.TimeZone = loc.String()
	if q.Compare {
		r.Previous = &prev.Totals
	}
	if err := s.name(ctx, &r); err != nil {
		return Report{}, err
	}
	return r, nil
}

// hist is a log-scale histogram of durations as the rollups keep it:
// index 0 counts durations under a second, index k >= 1 those in
// [2^((k-1)/4), 2^(k/4)) seconds.
type hist []int64

// bucketWidth is the ratio of a histogram bucket's bounds.
var bucketWidth = math.Pow(2, 0.25)

// add adds sign times the rollup histogram src.
func (h *hist) add(src []int32, sign int64) {
	if len(src) > len(*h) {
		*h = append(*h, make([]int64, len(src)-len(*h))...)
	}
	for i, v := range src {
		(*h)[i] += sign * int64(v)
	}
}

func (h hist) merge(o hist) hist {
	if len(o) > len(h) {
		h = append(h, make([]int64, len(o)-len(h))...)
	}
	for i, v := range o {
		h[i] += v
	}
	return h
}

// bounds are bucket i's lower and upper bounds in seconds.
func bounds(i int) (float64, float64) {
	if i == 0 {
		return 0, 1
	}
	lo := math.Pow(2, float64(i-1)/4)
	return lo, lo * bucketWidth
}

// percentile is the p-quantile of the histogram's durations, nil for none:
// the value of rank ceil(p·n) (the smallest value with at least a share p of
// the values at or below it, as PostgreSQL's percentile_disc). Within its
// bucket the values are taken as spread evenly on the log scale, so the
// answer lies in the same bucket as the exact value: within one bucket
// width (19 %) of it, and within 9 % when the bucket holds that value alone;
// under a second, within a second.
func (h hist) percentile(p float64) *float64 {
	var n int64
	for _, c := range h {
		n += c
	}
	if n == 0 {
		return nil
	}
	rank := max(int64(math.Ceil(p*float64(n)-1e-9)), 1)
	var before int64
	for i, c := range h {
		if before+c < rank {
			before += c
			continue
		}
		frac := (float64(rank-before) - 0.5) / float64(c)
		lo, hi := bounds(i)
		var v float64
		if i == 0 {
			v = frac
		} else {
			v = lo * math.Pow(hi/lo, frac)
		}
		return &v
	}
	return nil // unreachable: rank <= n
}

// period reads the rollup rows of [start, end) into totals and, with a
// grid, the grid's buckets and the widgets' volumes. Whole UTC days come
// from the daily rollup, each counted in the bucket of its noon, and the
// hours of a day that belong to another of the viewer's days than its noon
// (a few when the viewer's offset is not a whole number of days from UTC)
// are moved there from the hourly one; the hours at the range's edges come
// from the hourly one too. Hourly buckets read hours only.
func (s *Service) period(ctx context.Context, g *grid, start, end time.Time, scope []uuid.UUID) (Report, error) {
	daysStart, daysEnd := s.days(g, start, end)
	rows, err := s.q.ReportWidgetRows(ctx, dbq.ReportWidgetRowsParams{
		StartAt: start, EndAt: end, DaysStart: daysStart, DaysEnd: daysEnd, WidgetIds: scope,
	})
	if err != nil {
		return Report{}, err
	}
	msgs, err := s.q.ReportMessages(ctx, dbq.ReportMessagesParams{StartAt: start, EndAt: end, WidgetIds: scope})
	if err != nil {
		return Report{}, err
	}
	var r Report
	var nb int
	if g != nil {
		nb = len(g.starts)
		r.Buckets = make([]Bucket, nb)
		for i, st := range g.starts {
			r.Buckets[i].Start = st
		}
	}
	bfrt := make([]hist, nb)
	bscores := make([]int64, nb)
	// addBucket adds sign times an hour's or a day's part to bucket bi.
	addBucket := func(bi int, sign, conversations, missed, ratings, scores int64, frt []int32) {
		if bi < 0 {
			return
		}
		b := &r.Buckets[bi]
		b.Conversations += sign * conversations
		b.Missed += sign * missed
		b.Ratings += sign * ratings
		bscores[bi] += sign * scores
		bfrt[bi].add(frt, sign)
	}
	var frt, res hist
	var frtN, frtMS, resMS, scoreSum int64
	widgets := map[uuid.UUID]int64{}
	t := &r.Totals
	for _, row := range rows {
		t.Conversations += int64(row.Conversations)
		t.Missed += int64(row.Missed)
		t.Resolved += int64(row.Resolved)
		t.Ratings += int64(row.Ratings)
		frtN += int64(row.FrtN)
		frtMS += row.FrtMs
		resMS += row.ResMs
		scoreSum += int64(row.ScoreSum)
		frt.add(row.FrtHist, 1)
		res.add(row.ResHist, 1)
		for i, c := range row.Scores {
			if i < 5 {
				t.CsatDistribution[i] += int64(c)
			}
		}
		if row.Conversations != 0 {
			widgets[row.WidgetID] += int64(row.Conversations)
		}
		at := row.At
		if row.Daily {
			at = noon(at)
		}
		addBucket(g.index(at), 1, int64(row.Conversations), int64(row.Missed), int64(row.Ratings), int64(row.ScoreSum), row.FrtHist)
	}
	if hours := g.moves(daysStart, daysEnd); len(hours) > 0 {
		moved, err := s.q.ReportWidgetMoves(ctx, dbq.ReportWidgetMovesParams{Hours: hours, WidgetIds: scope})
		if err != nil {
			return Report{}, err
		}
		for _, m := range moved {
			c, ms, n, sc := int64(m.Conversations), int64(m.Missed), int64(m.Ratings), int64(m.ScoreSum)
			addBucket(g.index(m.Hour), 1, c, ms, n, sc, m.FrtHist)
			addBucket(g.index(noon(m.Hour.UTC().Truncate(24*time.Hour))), -1, c, ms, n, sc, m.FrtHist)
		}
	}
	t.Messages = msgs
	if t.Conversations > 0 {
		t.MessagesPerConversation = float64(t.Messages) / float64(t.Conversations)
	}
	t.FirstResponseP50 = frt.percentile(0.5)
	t.FirstResponseP90 = frt.percentile(0.9)
	if frtN > 0 {
		v := float64(frtMS) / 1000 / float64(frtN)
		t.FirstResponseAvg = &v
	}
	t.ResolutionP50 = res.percentile(0.5)
	t.ResolutionP90 = res.percentile(0.9)
	t.CsatAverage = average(scoreSum, t.Ratings)
	if t.Ratings > 0 {
		v := float64(t.CsatDistribution[3]+t.CsatDistribution[4]) / float64(t.Ratings)
		t.CsatSatisfied = &v
	}
	for i := range r.Buckets {
		r.Buckets[i].FirstResponseP50 = bfrt[i].percentile(0.5)
		r.Buckets[i].FirstResponseP90 = bfrt[i].percentile(0.9)
		r.Buckets[i].CsatAverage = average(bscores[i], r.Buckets[i].Ratings)
	}
	if g != nil {
		for id, n := range widgets {
			r.Widgets = append(r.Widgets, WidgetVolume{ID: id, Conversations: n})
		}
	}
	return r, nil
}

// days are the whole UTC days of [start, end) a report of grid g reads
// from the daily rollups, [daysStart, daysEnd); daysStart = daysEnd = end
// when there are none or g's buckets are hours.
func (s *Service) days(g *grid, start, end time.Time) (time.Time, time.Time) {
	if s.hoursOnly || (g != nil && g.interval == Hour) {
		return end, end
	}
	return wholeDays(start, end)
}

// wholeDays is the span of the UTC days that lie wholly in [start, end);
// empty (end, end) when there are none.
func wholeDays(start, end time.Time) (time.Time, time.Time) {
	daysStart := start.UTC().Truncate(24 * time.Hour)
	if daysStart.Before(start) {
		daysStart = daysStart.Add(24 * time.Hour)
	}
	daysEnd := end.UTC().Truncate(24 * time.Hour)
	if !daysStart.Before(daysEnd) {
		return end, end
	}
	return daysStart, daysEnd
}

// noon is the middle of the UTC day starting at day: a daily rollup row
// counts in the bucket of its noon.
func noon(day time.Time) time.Time { return day.Add(12 * time.Hour) }

func average(sum, n int64) *float64 {
	if n == 0 {
		return nil
	}
	v := float64(sum) / float64(n)
	return &v
}

// agents reads the per-agent table: totals from the daily rollup for the
// whole UTC days of the range and the hourly one at its edges; handled per
// bucket from the same rows, an hour's in its bucket and a day's hour by
// hour, so every bucket is what the hours alone give, in any zone.
func (s *Service) agents(ctx context.Context, g *grid, start, end time.Time, scope []uuid.UUID) ([]Agent, error) {
	daysStart, daysEnd := wholeDays(start, end)
	if s.hoursOnly {
		daysStart, daysEnd = end, end
	}
	rows, err := s.q.ReportAgentRows(ctx, dbq.ReportAgentRowsParams{
		StartAt: start, EndAt: end, DaysStart: daysStart, DaysEnd: daysEnd, WidgetIds: scope,
	})
	if err != nil {
		return nil, err
	}
	type acc struct {
		a      Agent
		frt    hist
		scores int64
	}
	byID := map[uuid.UUID]*acc{}
	// The bucket of each hour of a UTC day, found once per day.
	dayBuckets := map[time.Time]*[24]int{}
	bucketsOf := func(day time.Time) *[24]int {
		b, ok := dayBuckets[day]
		if !ok {
			b = new([24]int)
			for k := range b {
				b[k] = g.index(day.Add(time.Duration(k) * time.Hour))
			}
			dayBuckets[day] = b
		}
		return b
	}
	for _, row := range rows {
		if row.Handled == 0 && row.Ratings == 0 && row.FrtN == 0 {
			continue
		}
		a, ok := byID[row.AgentID]
		if !ok {
			a = &acc{a: Agent{ID: row.AgentID, HandledByBucket: make([]int64, len(g.starts))}}
			byID[row.AgentID] = a
		}
		a.a.Handled += int64(row.Handled)
		a.a.Ratings += int64(row.Ratings)
		a.scores += int64(row.ScoreSum)
		a.frt.add(row.FrtHist, 1)
		if !row.Daily {
			if i := g.index(row.At); i >= 0 && row.Handled != 0 {
				a.a.HandledByBucket[i] += int64(row.Handled)
			}
			continue
		}
		b := bucketsOf(row.At)
		for k, n := range row.Hours[:min(len(row.Hours), len(b))] {
			if i := b[k]; i >= 0 && n != 0 {
				a.a.HandledByBucket[i] += int64(n)
			}
		}
	}
	out := make([]Agent, 0, len(byID))
	for _, a := range byID {
		a.a.FirstResponseP50 = a.frt.percentile(0.5)
		a.a.CsatAverage = average(a.scores, a.a.Ratings)
		out = append(out, a.a)
	}
	return out, nil
}

// grid is a report's buckets: their starts in the viewer's zone.
type grid struct {
	starts   []time.Time
	interval Interval
	loc      *time.Location
}

// newGrid lays out the buckets that cover [start, end).
func newGrid(start, end time.Time, iv Interval, loc *time.Location) *grid {
	g := &grid{interval: iv, loc: loc}
	for t := g.floor(start); t.Before(end); t = g.next(t) {
		g.starts = append(g.starts, t)
	}
	return g
}

// floor is the start of the bucket t falls in.
func (g *grid) floor(t time.Time) time.Time {
	l := t.In(g.loc)
	if g.interval == Hour {
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), 0, 0, 0, g.loc)
	}
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, g.loc)
}

// next is the start of the bucket after the one starting at t. Days follow
// the calendar (23 or 25 hours across a daylight-saving change).
func (g *grid) next(t time.Time) time.Time {
	if g.interval == Hour {
		n := g.floor(t.Add(time.Hour))
		if !n.After(t) { // an hour repeated by a daylight-saving change
			n = g.floor(t.Add(2 * time.Hour))
		}
		return n
	}
	l := t.In(g.loc)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, g.loc)
}

// moves are the hours of the whole UTC days [daysStart, daysEnd) whose
// bucket is not that of their day's noon, where the day's row counts them.
// None without a grid.
func (g *grid) moves(daysStart, daysEnd time.Time) []time.Time {
	if g == nil {
		return nil
	}
	hours := []time.Time{}
	for d := daysStart; d.Before(daysEnd); d = d.Add(24 * time.Hour) {
		home := g.index(noon(d))
		for k := range 24 {
			if h := d.Add(time.Duration(k) * time.Hour); g.index(h) != home {
				hours = append(hours, h)
			}
		}
	}
	return hours
}

// index is the bucket t falls in, or -1.
func (g *grid) index(t time.Time) int {
	if g == nil || len(g.starts) == 0 {
		return -1
	}
	i := sort.Search(len(g.starts), func(i int) bool { return g.starts[i].After(t) }) - 1
	return i
}

// name fills in the names of the report's agents and widgets and puts them
// in their order: agents by name, widgets by volume then name.
func (s *Service) name(ctx context.Context, r *Report) error {
	if len(r.Agents) > 0 {
		ids := make([]uuid.UUID, len(r.Agents))
		for i, a := range r.Agents {
			ids[i] = a.ID
		}
		rows, err := s.q.ReportAgentNames(ctx, ids)
		if err != nil {
			return err
		}
		names := make(map[uuid.UUID]string, len(rows))
		for _, row := range rows {
			names[row.ID] = row.DisplayName
		}
		for i := range r.Agents {
			r.Agents[i].Name = names[r.Agents[i].ID]
		}
		slices.SortFunc(r.Agents, func(a, b Agent) int {
			if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
				return c
			}
			return strings.Compare(a.ID.String(), b.ID.String())
		})
	}
	if len(r.Widgets) > 0 {
		ids := make([]uuid.UUID, len(r.Widgets))
		for i, w := range r.Widgets {
			ids[i] = w.ID
		}
		rows, err := s.q.ReportWidgetNames(ctx, ids)
		if err != nil {
			return err
		}
		names := make(map[uuid.UUID]string, len(rows))
		for _, row := range rows {
			names[row.ID] = row.Name
		}
		for i := range r.Widgets {
			r.Widgets[i].Name = names[r.Widgets[i].ID]
		}
		slices.SortFunc(r.Widgets, func(a, b WidgetVolume) int {
			if a.Conversations != b.Conversations {
				if a.Conversations > b.Conversations {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Name, b.Name)
		})
	}
	return nil
}
