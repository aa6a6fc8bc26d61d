// Package teams keeps teams: named groups of agents (an agent may belong to
// several). A widget routes to a team in its routing settings (package
// routing): automatic routing then gives its conversations only to the
// team's available members, and the team's inbox lists them. Every agent
// lists teams; creating, renaming, deleting and setting members is for
// admins.
//
// Service speaks Go types and knows nothing about Connect; package
// teamsapi adapts it to livechatv1connect.TeamServiceHandler.
package teams

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// NameMax is the longest team name (characters).
const NameMax = 64

// MaxTeams bounds the teams of an installation.
const MaxTeams = 100

// MaxMembers bounds one team's members.
const MaxMembers = 500

// Team is one team.
type Team struct {
	ID        uuid.UUID
	Name      string
	AgentIDs  []uuid.UUID
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Router is told when a team's members change, so waiting conversations
// find new members (*routing.Service).
type Router interface {
	Kick()
}

// Service holds the rules of teams.
type Service struct {
	pool   *db.Pool
	q      *dbq.Queries
	router Router
}

// New returns the service over pool; router may be nil (tests).
func New(pool *db.Pool, router Router) *Service {
	return &Service{pool: pool, q: db.Queries(pool), router: router}
}

// ListTeams lists every team by name with its members.
func (s *Service) ListTeams(ctx context.Context) ([]Team, error) {
	rows, err := s.q.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Team, len(rows))
	for i, r := range rows {
		out[i] = Team{ID: r.ID, Name: r.Name, AgentIDs: r.AgentIds, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	}
	return out, nil
}

// CreateTeam adds a team without members.
// Errors: AdminRequired; TextEmpty, TextTooLong, TextInvalid (field
// "name"); AlreadyExists (field "name"); TooManyItems (limit MaxTeams).
func (s *Service) CreateTeam(ctx context.Context, agent principal.Agent, name string) (Team, error) {
	if err := adminOnly(agent); err != nil {
		return Team{}, err
	}
	name, err := limits.Clean("name", name, NameMax, false)
	if err != nil {
		return Team{}, err
	}
	var t Team
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := q.LockTeamsTable(ctx); err != nil {
			return err
		}
		n, err := q.CountTeams(ctx)
		if err != nil {
			return err
		}
		if n >= MaxTeams {
			return apperr.New(apperr.TooManyItems, "at most %d teams", MaxTeams).WithLimit(MaxTeams)
		}
		r, err := q.CreateTeam(ctx, name)
		if err != nil {
			return err
		}
		t = Team{ID: r.ID, Name: r.Name, AgentIDs: []uuid.UUID{}, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		return nil
	})
	return t, err
}

// RenameTeam renames a team.
// Errors: as CreateTeam but TooManyItems; TeamNotFound.
func (s *Service) RenameTeam(ctx context.Context, agent principal.Agent, id uuid.UUID, name string) (Team, error) {
	if err := adminOnly(agent); err != nil {
		return Team{}, err
	}
	name, err := limits.Clean("name", name, NameMax, false)
	if err != nil {
		return Team{}, err
	}
	if _, err := s.q.RenameTeam(ctx, dbq.RenameTeamParams{ID: id, Name: name}); err != nil {
		return Team{}, apperr.NotFoundAs(err, apperr.TeamNotFound, "team not found")
	}
	return s.team(ctx, id)
}

// DeleteTeam deletes a team; its widgets route to every agent again.
// Errors: AdminRequired; TeamNotFound.
func (s *Service) DeleteTeam(ctx context.Context, agent principal.Agent, id uuid.UUID) error {
	if err := adminOnly(agent); err != nil {
		return err
	}
	n, err := s.q.DeleteTeam(ctx, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.New(apperr.TeamNotFound, "team not found")
	}
	s.kick()
	return nil
}

// SetTeamMembers replaces a team's members.
// Errors: AdminRequired; TooManyItems (field "agent_ids", limit
// MaxMembers); TeamNotFound; AgentNotFound (field "agent_ids") for an
// unknown or disabled agent.
func (s *Service) SetTeamMembers(ctx context.Context, agent principal.Agent, id uuid.UUID, agentIDs []uuid.UUID) (Team, error) {
	if err := adminOnly(agent); err != nil {
		return Team{}, err
	}
	ids := slices.Compact(slices.SortedFunc(slices.Values(agentIDs), func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) }))
	if len(ids) > MaxMembers {
		return Team{}, apperr.New(apperr.TooManyItems, "a team has at most %d members", MaxMembers).
			WithField("agent_ids").WithLimit(MaxMembers)
	}
	err := db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if _, err := q.LockTeam(ctx, id); err != nil {
			return apperr.NotFoundAs(err, apperr.TeamNotFound, "team not found")
		}
		if err := q.ClearTeamMembers(ctx, id); err != nil {
			return err
		}
		n, err := q.AddTeamMembers(ctx, dbq.AddTeamMembersParams{TeamID: id, AgentIds: ids})
		if err != nil {
			return err
		}
		if int(n) != len(ids) {
			return apperr.New(apperr.AgentNotFound, "an agent is unknown or disabled").WithField("agent_ids")
		}
		return nil
	})
	if err != nil {
		return Team{}, err
	}
	s.kick()
	return s.team(ctx, id)
}

func (s *Service) team(ctx context.Context, id uuid.UUID) (Team, error) {
	all, err := s.ListTeams(ctx)
	if err != nil {
		return Team{}, err
	}
	for _, t := range all {
		if t.ID == id {
			return t, nil
		}
	}
	return Team{}, apperr.New(apperr.TeamNotFound, "team not found")
}

func (s *Service) kick() {
	if s.router != nil {
		s.router.Kick()
	}
}

func adminOnly(agent principal.Agent) error {
	if !agent.IsAdmin() {
		return apperr.New(apperr.AdminRequired, "only admins change teams")
	}
	return nil
}
