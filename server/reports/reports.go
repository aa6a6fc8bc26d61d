// Package reports computes a support team's figures — volume, first
// response and resolution times, missed conversations, messages per
// conversation, satisfaction — for a date range, from the stored
// conversations, messages and ratings themselves. Nothing is counted on
// the side, so a figure never drifts from the history it describes, and a
// question asked twice gets the same answer.
//
// The database keeps one row of facts per conversation, exactly in step
// with its messages (when the customer first wrote, the first reply after
// it and who sent it, when it last finished, how many messages, who
// replied; see conversation_facts in db/migrations/00019_reports.sql, with
// a rebuild from the messages); this package reads the rows of a range and
// turns the pairs of instants into durations with a WorkingTime, so a
// business-hours schedule can be applied to first responses without
// changing a query.
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

// WorkingTime measures how much of the time between two instants counts
// towards a response time. AllHours counts all of it; a business-hours
// schedule counts only its open hours.
type WorkingTime interface {
	Between(from, to time.Time) time.Duration
}

// AllHours counts every hour of the day as working time.
type AllHours struct{}

// Between implements WorkingTime.
func (AllHours) Between(from, to time.Time) time.Duration { return to.Sub(from) }

// Service computes reports.
type Service struct {
	q    *dbq.Queries
	work WorkingTime
}

// New returns the service over pool, counting first responses in all
// hours.
func New(pool *db.Pool) *Service {
	return &Service{q: db.Queries(pool), work: AllHours{}}
}

// WithWorkingTime returns s measuring first responses with w (a
// business-hours schedule).
func (s *Service) WithWorkingTime(w WorkingTime) *Service {
	s.work = w
	return s
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

// RebuildFacts recomputes every conversation's facts from its messages
// (after a bulk import that bypassed them, or to verify them) and returns
// how many conversations it covered. It reads every message: run it off
// hours on a large database.
func (s *Service) RebuildFacts(ctx context.Context) (int64, error) {
	return s.q.RebuildConversationFacts(ctx)
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
// the hour), UnknownTimeZone, WidgetNotFound.
func (s *Service) Report(ctx context.Context, q Query) (Report, error) {
	loc, err := s.check(ctx, q)
	if err != nil {
		return Report{}, err
	}
	grid := newGrid(q.Start, q.End, q.Interval, loc)
	facts, ratings, err := s.load(ctx, q.Start, q.End, q.WidgetID)
	if err != nil {
		return Report{}, err
	}
	r := s.compute(grid, facts, ratings)
	r.TimeZone = loc.String()
	if q.Compare {
		span := q.End.Sub(q.Start)
		pf, pr, err := s.load(ctx, q.Start.Add(-span), q.Start, q.WidgetID)
		if err != nil {
			return Report{}, err
		}
		prev := s.compute(nil, pf, pr).Totals
		r.Previous = &prev
	}
	if err := s.name(ctx, &r); err != nil {
		return Report{}, err
	}
	return r, nil
}

// fact is what one conversation contributes.
type fact struct {
	widgetID        uuid.UUID
	createdAt       time.Time
	firstCustomerAt *time.Time
	firstReplyAt    *time.Time
	firstReplyAgent uuid.UUID
	finishedAt      *time.Time
	messages        int64
	repliers        []uuid.UUID
}

// rating is what one rating contributes.
type rating struct {
	agentID   *uuid.UUID
	score     int
	createdAt time.Time
}

func (s *Service) load(ctx context.Context, start, end time.Time, widget *uuid.UUID) ([]fact, []rating, error) {
	rows, err := s.q.ReportConversationFacts(ctx, dbq.ReportConversationFactsParams{StartAt: start, EndAt: end, WidgetID: widget})
	if err != nil {
		return nil, nil, err
	}
	facts := make([]fact, len(rows))
	for i, r := range rows {
		facts[i] = fact{
			widgetID:        r.WidgetID,
			createdAt:       r.CreatedAt,
			firstCustomerAt: r.FirstCustomerAt,
			firstReplyAt:    r.FirstReplyAt,
			finishedAt:      r.FinishedAt,
			messages:        int64(r.Messages),
			repliers:        r.Repliers,
		}
		if r.FirstReplyAgent != nil {
			facts[i].firstReplyAgent = *r.FirstReplyAgent
		}
	}
	rrows, err := s.q.ReportRatings(ctx, dbq.ReportRatingsParams{StartAt: start, EndAt: end, WidgetID: widget})
	if err != nil {
		return nil, nil, err
	}
	ratings := make([]rating, len(rrows))
	for i, r := range rrows {
		ratings[i] = rating{agentID: r.AgentID, score: int(r.Score), createdAt: r.CreatedAt}
	}
	return facts, ratings, nil
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

// index is the bucket t falls in, or -1.
func (g *grid) index(t time.Time) int {
	if g == nil || len(g.starts) == 0 {
		return -1
	}
	i := sort.Search(len(g.starts), func(i int) bool { return g.starts[i].After(t) }) - 1
	return i
}

// acc collects one bucket's or agent's values.
type acc struct {
	firstResponses []float64
	scores         int64
	ratings        int64
}

func (a *acc) rate(score int) { a.ratings++; a.scores += int64(score) }

func (a *acc) csat() *float64 {
	if a.ratings == 0 {
		return nil
	}
	v := float64(a.scores) / float64(a.ratings)
	return &v
}

// compute turns facts and ratings into a report; a nil grid computes the
// totals only.
func (s *Service) compute(g *grid, facts []fact, ratings []rating) Report {
	var r Report
	t := &r.Totals
	var nb int
	if g != nil {
		nb = len(g.starts)
		r.Buckets = make([]Bucket, nb)
		for i, st := range g.starts {
			r.Buckets[i].Start = st
		}
	}
	buckets := make([]acc, nb)
	agents := map[uuid.UUID]*Agent{}
	agentAcc := map[uuid.UUID]*acc{}
	agent := func(id uuid.UUID) (*Agent, *acc) {
		a, ok := agents[id]
		if !ok {
			a = &Agent{ID: id, HandledByBucket: make([]int64, nb)}
			agents[id] = a
			agentAcc[id] = &acc{}
		}
		return a, agentAcc[id]
	}
	widgets := map[uuid.UUID]int64{}
	var all acc
	var resolutions []float64
	for _, f := range facts {
		bi := g.index(f.createdAt)
		t.Conversations++
		t.Messages += f.messages
		widgets[f.widgetID]++
		if bi >= 0 {
			r.Buckets[bi].Conversations++
		}
		if len(f.repliers) == 0 {
			t.Missed++
			if bi >= 0 {
				r.Buckets[bi].Missed++
			}
		}
		for _, id := range f.repliers {
			a, _ := agent(id)
			a.Handled++
			if bi >= 0 {
				a.HandledByBucket[bi]++
			}
		}
		if f.firstCustomerAt != nil && f.firstReplyAt != nil {
			d := s.work.Between(*f.firstCustomerAt, *f.firstReplyAt).Seconds()
			all.firstResponses = append(all.firstResponses, d)
			if bi >= 0 {
				buckets[bi].firstResponses = append(buckets[bi].firstResponses, d)
			}
			_, aa := agent(f.firstReplyAgent)
			aa.firstResponses = append(aa.firstResponses, d)
		}
		if f.finishedAt != nil {
			t.Resolved++
			resolutions = append(resolutions, f.finishedAt.Sub(f.createdAt).Seconds())
		}
	}
	for _, rt := range ratings {
		all.rate(rt.score)
		t.CsatDistribution[rt.score-1]++
		if bi := g.index(rt.createdAt); bi >= 0 {
			buckets[bi].rate(rt.score)
		}
		if rt.agentID != nil {
			_, aa := agent(*rt.agentID)
			aa.rate(rt.score)
		}
	}
	if t.Conversations > 0 {
		t.MessagesPerConversation = float64(t.Messages) / float64(t.Conversations)
	}
	t.FirstResponseP50 = percentile(all.firstResponses, 0.5)
	t.FirstResponseP90 = percentile(all.firstResponses, 0.9)
	t.FirstResponseAvg = mean(all.firstResponses)
	t.ResolutionP50 = percentile(resolutions, 0.5)
	t.ResolutionP90 = percentile(resolutions, 0.9)
	t.Ratings = all.ratings
	t.CsatAverage = all.csat()
	if all.ratings > 0 {
		v := float64(t.CsatDistribution[3]+t.CsatDistribution[4]) / float64(all.ratings)
		t.CsatSatisfied = &v
	}
	for i := range r.Buckets {
		r.Buckets[i].FirstResponseP50 = percentile(buckets[i].firstResponses, 0.5)
		r.Buckets[i].FirstResponseP90 = percentile(buckets[i].firstResponses, 0.9)
		r.Buckets[i].Ratings = buckets[i].ratings
		r.Buckets[i].CsatAverage = buckets[i].csat()
	}
	if g != nil {
		for id, a := range agents {
			aa := agentAcc[id]
			a.FirstResponseP50 = percentile(aa.firstResponses, 0.5)
			a.Ratings = aa.ratings
			a.CsatAverage = aa.csat()
			r.Agents = append(r.Agents, *a)
		}
		for id, n := range widgets {
			r.Widgets = append(r.Widgets, WidgetVolume{ID: id, Conversations: n})
		}
	}
	return r
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

// percentile is the p-quantile of vs by linear interpolation between the
// closest ranks (as PostgreSQL's percentile_cont); nil for no values.
func percentile(vs []float64, p float64) *float64 {
	if len(vs) == 0 {
		return nil
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	pos := p * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	v := s[lo] + (s[hi]-s[lo])*(pos-float64(lo))
	return &v
}

func mean(vs []float64) *float64 {
	if len(vs) == 0 {
		return nil
	}
	var sum float64
	for _, v := range vs {
		sum += v
	}
	v := sum / float64(len(vs))
	return &v
}
