package reports

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
)

// Breakdowns are a report's figures by team and by conversation tag.
type Breakdowns struct {
	// Teams has one row per team whose widgets had conversations or
	// ratings in the range, by name, then one for the widgets without a
	// team (ID uuid.Nil) when they had any.
	Teams []Team
	// Tags has one row per tag carried by conversations of the range (or
	// whose conversations were rated in it), most conversations first, at
	// most limits.ReportTags; OtherTags counts the tags left out.
	Tags      []Tag
	OtherTags int
}

// Figures are one team's or one tag's figures for the range, as Totals
// defines them.
type Figures struct {
	Conversations    int64
	Missed           int64
	FirstResponseP50 *float64
	ResolutionP50    *float64
	Ratings          int64
	CsatAverage      *float64
}

// Team is one team's figures: those of the widgets that route to it now.
// A widget moved to another team takes its whole history with it.
type Team struct {
	// ID is uuid.Nil for the widgets without a team.
	ID   uuid.UUID
	Name string
	Figures
}

// Tag is one tag's figures: those of the conversations of the range that
// carry it now, and the ratings given in the range to conversations that
// carry it now.
type Tag struct {
	ID   uuid.UUID
	Name string
	Figures
}

// figures sums rollup rows into Figures.
type figures struct {
	f        Figures
	frt, res hist
	scores   int64
}

func (a *figures) add(conversations, missed int32, frt, res []int32, ratings, scoreSum int32) {
	a.f.Conversations += int64(conversations)
	a.f.Missed += int64(missed)
	a.f.Ratings += int64(ratings)
	a.scores += int64(scoreSum)
	a.frt.add(frt, 1)
	a.res.add(res, 1)
}

// done reports whether anything was counted and finishes the figures.
func (a *figures) done() (Figures, bool) {
	a.f.FirstResponseP50 = a.frt.percentile(0.5)
	a.f.ResolutionP50 = a.res.percentile(0.5)
	a.f.CsatAverage = average(a.scores, a.f.Ratings)
	return a.f, a.f.Conversations != 0 || a.f.Ratings != 0
}

// scope is the widgets q covers: nil for every widget, else the widget
// asked for, the team's widgets, or both at once (which may be none).
//
// Errors: TeamNotFound ("team_id").
func (s *Service) scope(ctx context.Context, q Query) ([]uuid.UUID, error) {
	if q.TeamID == nil {
		if q.WidgetID == nil {
			return nil, nil
		}
		return []uuid.UUID{*q.WidgetID}, nil
	}
	team, err := s.q.ReportTeamWidgets(ctx, *q.TeamID)
	if err != nil {
		return nil, err
	}
	if !team.Found {
		return nil, apperr.New(apperr.TeamNotFound, "team not found").WithField("team_id")
	}
	widgets := team.WidgetIds
	if q.WidgetID != nil {
		widgets = slices.DeleteFunc(widgets, func(id uuid.UUID) bool { return id != *q.WidgetID })
	}
	if widgets == nil {
		widgets = []uuid.UUID{} // none, which is not every one
	}
	return widgets, nil
}

// breakdowns reads the teams and tags of [start, end) over widgets (nil
// for all). oneTeam, when set, is the only team the report covers: its
// figures are the report's totals (see withTeam).
func (s *Service) breakdowns(ctx context.Context, start, end time.Time, widgets []uuid.UUID) (b Breakdowns, oneTeam *Team, err error) {
	if b.Teams, oneTeam, err = s.teams(ctx, start, end, widgets); err != nil {
		return b, nil, err
	}
	err = s.tags(ctx, &b, start, end, widgets)
	return b, oneTeam, err
}

// withTeam is b with oneTeam, when set, as its only team, with the
// report's totals t as its figures (when they count anything).
func (b Breakdowns) withTeam(oneTeam *Team, t Totals) Breakdowns {
	if oneTeam == nil {
		return b
	}
	oneTeam.Figures = Figures{Conversations: t.Conversations, Missed: t.Missed, FirstResponseP50: t.FirstResponseP50,
		ResolutionP50: t.ResolutionP50, Ratings: t.Ratings, CsatAverage: t.CsatAverage}
	if t.Conversations != 0 || t.Ratings != 0 {
		b.Teams = []Team{*oneTeam}
	}
	return b
}

// teams sums the widgets' rollup rows of the range by the widget's
// current team. When every widget covered is in one team (or none is in
// any), that team's figures are the report's totals: it returns the team
// alone, without figures, and reads nothing more.
func (s *Service) teams(ctx context.Context, start, end time.Time, widgets []uuid.UUID) ([]Team, *Team, error) {
	routing, err := s.q.ReportWidgetTeams(ctx)
	if err != nil {
		return nil, nil, err
	}
	teamOf := make(map[uuid.UUID]Team, len(routing))
	covered := map[uuid.UUID]Team{}
	for _, w := range routing {
		t := Team{Name: w.TeamName}
		if w.TeamID != nil {
			t.ID = *w.TeamID
		}
		teamOf[w.WidgetID] = t
		if widgets == nil || slices.Contains(widgets, w.WidgetID) {
			covered[t.ID] = t
		}
	}
	if len(covered) <= 1 {
		for _, t := range covered {
			return nil, &t, nil
		}
		return nil, nil, nil
	}
	// Totals only: whole UTC days from the daily rollup, hours at the edges.
	daysStart, daysEnd := wholeDays(start, end)
	rows, err := s.q.ReportWidgetRows(ctx, dbq.ReportWidgetRowsParams{
		StartAt: start, EndAt: end, DaysStart: daysStart, DaysEnd: daysEnd, WidgetIds: widgets,
	})
	if err != nil {
		return nil, nil, err
	}
	byTeam := map[uuid.UUID]*figures{}
	for _, row := range rows {
		id := teamOf[row.WidgetID].ID // uuid.Nil without a team
		a := byTeam[id]
		if a == nil {
			a = &figures{}
			byTeam[id] = a
		}
		a.add(row.Conversations, row.Missed, row.FrtHist, row.ResHist, row.Ratings, row.ScoreSum)
	}
	var out []Team
	for id, a := range byTeam {
		if f, ok := a.done(); ok {
			out = append(out, Team{ID: id, Name: covered[id].Name, Figures: f})
		}
	}
	slices.SortFunc(out, func(a, b Team) int {
		if (a.ID == uuid.Nil) != (b.ID == uuid.Nil) {
			if a.ID == uuid.Nil {
				return 1
			}
			return -1
		}
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	return out, nil, nil
}

// tags reads the tags' rollups: whole UTC days from the daily one, the
// hours at the range's edges from the hourly one.
func (s *Service) tags(ctx context.Context, r *Breakdowns, start, end time.Time, widgets []uuid.UUID) error {
	daysStart, daysEnd := wholeDays(start, end)
	rows, err := s.q.ReportTagRows(ctx, dbq.ReportTagRowsParams{
		StartAt: start, EndAt: end, DaysStart: daysStart, DaysEnd: daysEnd, WidgetIds: widgets,
	})
	if err != nil {
		return err
	}
	byTag := map[uuid.UUID]*figures{}
	for _, row := range rows {
		a := byTag[row.TagID]
		if a == nil {
			a = &figures{}
			byTag[row.TagID] = a
		}
		a.add(row.Conversations, row.Missed, row.FrtHist, row.ResHist, row.Ratings, row.ScoreSum)
	}
	ids := make([]uuid.UUID, 0, len(byTag))
	for id, a := range byTag {
		f, ok := a.done()
		if ok {
			ids = append(ids, id)
			r.Tags = append(r.Tags, Tag{ID: id, Figures: f})
		}
	}
	if len(ids) == 0 {
		return nil
	}
	names, err := s.q.ReportTagNames(ctx, ids)
	if err != nil {
		return err
	}
	name := make(map[uuid.UUID]string, len(names))
	for _, n := range names {
		name[n.ID] = n.Name
	}
	for i := range r.Tags {
		r.Tags[i].Name = name[r.Tags[i].ID]
	}
	slices.SortFunc(r.Tags, func(a, b Tag) int {
		if a.Conversations != b.Conversations {
			if a.Conversations > b.Conversations {
				return -1
			}
			return 1
		}
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	if len(r.Tags) > limits.ReportTags {
		r.OtherTags = len(r.Tags) - limits.ReportTags
		r.Tags = r.Tags[:limits.ReportTags]
	}
	return nil
}
