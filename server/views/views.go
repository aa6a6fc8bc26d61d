// Package views keeps each agent's saved views: a named set of inbox
// filters (chat.ListFilter, the filters of ListConversations) in the
// agent's order, listed with the number of conversations each selects now.
// A view is its owner's alone; an agent keeps at most MaxViews.
//
// Counting is bounded per agent: one query per view (chat's
// CountConversations, which stops at MaxCount+1), and an agent's counts
// are computed at most once per CountInterval on an instance. A call that
// comes sooner waits out the interval and then counts, so its counts are
// never older than the call. Clients ask again when their event stream
// reports a change to a conversation, which is when counts can change.
//
// Service speaks Go types and knows nothing about Connect; package
// viewsapi adapts it to livechatv1connect.ViewServiceHandler.
package views

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// MaxViews bounds one agent's views.
const MaxViews = 20

// NameMax is the longest view name (characters).
const NameMax = 64

// MaxCount is the highest count reported; beyond it CountMore is set.
const MaxCount = 1000

// CountInterval is how often an agent's counts are computed at most.
const CountInterval = time.Second

// View is one saved view.
type View struct {
	ID     uuid.UUID
	Name   string
	Filter chat.ListFilter
	// Count is how many conversations Filter selects now, at most
	// MaxCount; CountMore says there are more.
	Count     int
	CountMore bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Counter counts the conversations a filter selects (*chat.Service).
type Counter interface {
	CountConversations(ctx context.Context, agent principal.Agent, f chat.ListFilter, max int) (int, error)
}

// Service holds the rules of saved views.
type Service struct {
	pool    *db.Pool
	q       *dbq.Queries
	counter Counter
	// interval is CountInterval (shorter in tests).
	interval time.Duration

	mu    sync.Mutex
	gates map[uuid.UUID]*gate
}

// gate spaces one agent's countings.
type gate struct {
	mu   sync.Mutex
	last time.Time
}

// New returns the service over pool, counting with counter.
func New(pool *db.Pool, counter Counter) *Service {
	return &Service{pool: pool, q: db.Queries(pool), counter: counter, interval: CountInterval, gates: map[uuid.UUID]*gate{}}
}

// ListViews lists the agent's views in their order with their counts now.
func (s *Service) ListViews(ctx context.Context, agent principal.Agent) ([]View, error) {
	rows, err := s.q.ListSavedViews(ctx, agent.ID)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(rows))
	for _, r := range rows {
		v, err := fromRow(r.ID, r.Name, r.Filters, r.CreatedAt, r.UpdatedAt)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, s.count(ctx, agent, out)
}

// count fills in the views' counts, waiting for the agent's gate.
func (s *Service) count(ctx context.Context, agent principal.Agent, vs []View) error {
	if len(vs) == 0 {
		return nil
	}
	s.mu.Lock()
	g := s.gates[agent.ID]
	if g == nil {
		g = &gate{}
		s.gates[agent.ID] = g
	}
	s.mu.Unlock()
	g.mu.Lock()
	defer g.mu.Unlock()
	if wait := s.interval - time.Since(g.last); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return apperr.Wrap(apperr.Unavailable, ctx.Err(), "the request ended before the counts")
		case <-t.C:
		}
	}
	defer func() { g.last = time.Now() }()
	for i := range vs {
		n, err := s.counter.CountConversations(ctx, agent, vs[i].Filter, MaxCount+1)
		if err != nil {
			return err
		}
		vs[i].Count, vs[i].CountMore = min(n, MaxCount), n > MaxCount
	}
	return nil
}

// CreateView saves a view after the agent's others.
// Errors: TextEmpty, TextTooLong, TextInvalid (field "name"); those of
// chat.CheckFilter; TooManyItems (limit MaxViews); AlreadyExists (field
// "name").
func (s *Service) CreateView(ctx context.Context, agent principal.Agent, name string, f chat.ListFilter) (View, error) {
	name, raw, f, err := check(name, f)
	if err != nil {
		return View{}, err
	}
	var v View
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := q.LockSavedViews(ctx, agent.ID.String()); err != nil {
			return err
		}
		n, err := q.CountSavedViews(ctx, agent.ID)
		if err != nil {
			return err
		}
		if n >= MaxViews {
			return apperr.New(apperr.TooManyItems, "you may keep at most %d views", MaxViews).WithLimit(MaxViews)
		}
		r, err := q.CreateSavedView(ctx, dbq.CreateSavedViewParams{AgentID: agent.ID, Name: name, Filters: raw})
		if err != nil {
			return err
		}
		v = View{ID: r.ID, Name: r.Name, Filter: f, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		return nil
	})
	if err != nil {
		return View{}, err
	}
	return v, s.countOne(ctx, agent, &v)
}

// UpdateView renames a view and, when f is not nil, replaces its filters.
// Errors: as CreateView but TooManyItems; ViewNotFound.
func (s *Service) UpdateView(ctx context.Context, agent principal.Agent, id uuid.UUID, name string, f *chat.ListFilter) (View, error) {
	params := dbq.UpdateSavedViewParams{ID: id, AgentID: agent.ID}
	var err error
	if f != nil {
		params.Name, params.Filters, _, err = check(name, *f)
		params.SetFilter = true
	} else {
		params.Name, err = limits.Clean("name", name, NameMax, false)
		params.Filters = []byte("{}")
	}
	if err != nil {
		return View{}, err
	}
	r, err := s.q.UpdateSavedView(ctx, params)
	if err != nil {
		return View{}, apperr.NotFoundAs(err, apperr.ViewNotFound, "view not found")
	}
	v, err := fromRow(r.ID, r.Name, r.Filters, r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return View{}, err
	}
	return v, s.countOne(ctx, agent, &v)
}

// DeleteView deletes one of the agent's views. Errors: ViewNotFound.
func (s *Service) DeleteView(ctx context.Context, agent principal.Agent, id uuid.UUID) error {
	n, err := s.q.DeleteSavedView(ctx, dbq.DeleteSavedViewParams{ID: id, AgentID: agent.ID})
	if err == nil && n == 0 {
		err = apperr.New(apperr.ViewNotFound, "view not found")
	}
	return err
}

// ReorderViews puts the agent's views in the order of ids, which must name
// each of them once, and lists them. Errors: InvalidValue (field
// "view_ids").
func (s *Service) ReorderViews(ctx context.Context, agent principal.Agent, ids []uuid.UUID) ([]View, error) {
	err := db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := q.LockSavedViews(ctx, agent.ID.String()); err != nil {
			return err
		}
		rows, err := q.ListSavedViews(ctx, agent.ID)
		if err != nil {
			return err
		}
		have := make([]uuid.UUID, len(rows))
		for i, r := range rows {
			have[i] = r.ID
		}
		if !sameSet(have, ids) {
			return apperr.New(apperr.InvalidValue, "view_ids must name each of your %d views once", len(rows)).WithField("view_ids")
		}
		for i, id := range ids {
			if _, err := q.SetSavedViewPosition(ctx, dbq.SetSavedViewPositionParams{ID: id, AgentID: agent.ID, SortOrder: int32(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.ListViews(ctx, agent)
}

func (s *Service) countOne(ctx context.Context, agent principal.Agent, v *View) error {
	vs := []View{*v}
	if err := s.count(ctx, agent, vs); err != nil {
		return err
	}
	*v = vs[0]
	return nil
}

func sameSet(a, b []uuid.UUID) bool {
	if len(a) != len(b) {
		return false
	}
	cmp := func(x, y uuid.UUID) int { return slices.Compare(x[:], y[:]) }
	x, y := slices.SortedFunc(slices.Values(a), cmp), slices.SortedFunc(slices.Values(b), cmp)
	return slices.Equal(x, y)
}

// check validates a name and filters and returns them normalised, the
// filters also as stored.
func check(name string, f chat.ListFilter) (string, []byte, chat.ListFilter, error) {
	name, err := limits.Clean("name", name, NameMax, false)
	if err != nil {
		return "", nil, chat.ListFilter{}, err
	}
	f, err = chat.CheckFilter(f)
	if err != nil {
		return "", nil, chat.ListFilter{}, err
	}
	raw, err := json.Marshal(toStored(f))
	if err != nil {
		return "", nil, chat.ListFilter{}, err
	}
	return name, raw, f, nil
}

// stored is a view's filters as the saved_views.filter column holds them.
type stored struct {
	Statuses      []string    `json:"statuses,omitempty"`
	Assignment    string      `json:"assignment,omitempty"`
	Query         string      `json:"query,omitempty"`
	AssigneeID    *uuid.UUID  `json:"assignee_id,omitempty"`
	TagIDs        []uuid.UUID `json:"tag_ids,omitempty"`
	WidgetID      *uuid.UUID  `json:"widget_id,omitempty"`
	TeamID        *uuid.UUID  `json:"team_id,omitempty"`
	CreatedAfter  *time.Time  `json:"created_after,omitempty"`
	CreatedBefore *time.Time  `json:"created_before,omitempty"`
}

var assignmentNames = map[chat.Assignment]string{chat.AssignmentMine: "mine", chat.AssignmentUnassigned: "unassigned"}

func toStored(f chat.ListFilter) stored {
	st := stored{
		Assignment: assignmentNames[f.Assignment], Query: f.Query, AssigneeID: f.AssigneeID, TagIDs: f.TagIDs,
		WidgetID: f.WidgetID, TeamID: f.TeamID, CreatedAfter: f.CreatedAfter, CreatedBefore: f.CreatedBefore,
	}
	for _, s := range f.Statuses {
		st.Statuses = append(st.Statuses, string(s))
	}
	return st
}

func fromRow(id uuid.UUID, name string, raw []byte, created, updated time.Time) (View, error) {
	var st stored
	if err := json.Unmarshal(raw, &st); err != nil {
		return View{}, apperr.Wrap(apperr.Internal, err, "saved view %s has unreadable filters", id)
	}
	f := chat.ListFilter{
		Query: st.Query, AssigneeID: st.AssigneeID, TagIDs: st.TagIDs, WidgetID: st.WidgetID, TeamID: st.TeamID,
		CreatedAfter: st.CreatedAfter, CreatedBefore: st.CreatedBefore,
	}
	for a, n := range assignmentNames {
		if n == st.Assignment {
			f.Assignment = a
		}
	}
	for _, s := range st.Statuses {
		f.Statuses = append(f.Statuses, chat.Status(s))
	}
	return View{ID: id, Name: name, Filter: f, CreatedAt: created, UpdatedAt: updated}, nil
}
