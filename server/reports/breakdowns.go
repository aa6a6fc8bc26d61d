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
	a.frt.add(frt)
	a.res.add(res)
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

// breakdowns fills in r's teams and tags for [start, end) over widgets
// (nil for all).
func (s *Service) breakdowns(ctx context.Context, r *Report, start, end time.Time, widgets []uuid.UUID) error {
	teams, err := s.teams(ctx, start, end, widgets)
	if err != nil {
		return err
	}
	r.Teams = teams
	return s.tags(ctx, r, start, end, widgets)
}

// teams sums the widgets' hourly rollup rows of the range by the widget's
// current team.
func (s *Service) teams(ctx context.Context, start, end time.Time, widgets []uuid.UUID) ([]Team, error) {
	rows, err := s.q.ReportTeamRows(ctx, dbq.ReportTeamRowsParams{StartAt: start, EndAt: end, WidgetIds: widgets})
	if err != nil {
		return nil, err
	}
	byWidget := map[uuid.UUID]*figures{}
	for _, row := range rows {
		a := byWidget[row.WidgetID]
		if a == nil {
			a = &figures{}
			byWidget[row.WidgetID] = a
		}
		a.add(row.Conversations, row.Missed, row.FrtHist, row.ResHist, row.Ratings, row.ScoreSum)
	}
	if len(byWidget) == 0 {
		return nil, nil
	}
	routing, err := s.q.ReportWidgetTeams(ctx)
	if err != nil {
		return nil, err
	}
	teamOf := make(map[uuid.UUID]dbq.ReportWidgetTeamsRow, len(routing))
	for _, w := range routing {
		teamOf[w.WidgetID] = w
	}
	byTeam := map[uuid.UUID]*figures{}
	names := map[uuid.UUID]string{}
	for id, w := range byWidget {
		t := teamOf[id] // the zero row (uuid.Nil) without a team
		names[t.TeamID] = t.TeamName
		a := byTeam[t.TeamID]
		if a == nil {
			a = &figures{}
			byTeam[t.TeamID] = a
		}
		a.f.Conversations += w.f.Conversations
		a.f.Missed += w.f.Missed
		a.f.Ratings += w.f.Ratings
		a.scores += w.scores
		a.frt = a.frt.merge(w.frt)
		a.res = a.res.merge(w.res)
	}
	var out []Team
	for id, a := range byTeam {
		if f, ok := a.done(); ok {
			out = append(out, Team{ID: id, Name: names[id], Figures: f})
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
	return out, nil
}

// tags reads the tags' rollups: whole UTC days from the daily one, the
// hours at the range's edges from the hourly one.
func (s *Service) tags(ctx context.Context, r *Report, start, end time.Time, widgets []uuid.UUID) error {
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

// wholeDays are the whole UTC days inside [start, end), as [daysStart,
// daysEnd); both are end when there is none.
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
