// Package teamsapi serves TeamService: it converts between the API's
// messages and package teams' Go values and passes the caller the auth
// interceptor resolved. The rules live in package teams.
package teamsapi

import (
	"context"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/chat/chatapi"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
	"github.com/opensupport/livechat/server/teams"
)

// Handler serves TeamService. It embeds no generated Unimplemented
// handler, so a method missing here is a compile error.
type Handler struct {
	svc *teams.Service
}

var _ livechatv1connect.TeamServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc.
func NewHandler(svc *teams.Service) *Handler { return &Handler{svc: svc} }

// ListTeams implements livechatv1connect.TeamServiceHandler.
func (h *Handler) ListTeams(ctx context.Context, _ *livechatv1.ListTeamsRequest) (*livechatv1.ListTeamsResponse, error) {
	ts, err := h.svc.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListTeamsResponse{Teams: make([]*livechatv1.Team, len(ts))}
	for i, t := range ts {
		out.Teams[i] = teamProto(t)
	}
	return out, nil
}

// CreateTeam implements livechatv1connect.TeamServiceHandler.
func (h *Handler) CreateTeam(ctx context.Context, req *livechatv1.CreateTeamRequest) (*livechatv1.CreateTeamResponse, error) {
	t, err := h.svc.CreateTeam(ctx, principal.From(ctx).Agent(), req.Name)
	if err != nil {
		return nil, err
	}
	return &livechatv1.CreateTeamResponse{Team: teamProto(t)}, nil
}

// RenameTeam implements livechatv1connect.TeamServiceHandler.
func (h *Handler) RenameTeam(ctx context.Context, req *livechatv1.RenameTeamRequest) (*livechatv1.RenameTeamResponse, error) {
	id, err := protoconv.ParseID("team_id", req.TeamId)
	if err != nil {
		return nil, err
	}
	t, err := h.svc.RenameTeam(ctx, principal.From(ctx).Agent(), id, req.Name)
	if err != nil {
		return nil, err
	}
	return &livechatv1.RenameTeamResponse{Team: teamProto(t)}, nil
}

// DeleteTeam implements livechatv1connect.TeamServiceHandler.
func (h *Handler) DeleteTeam(ctx context.Context, req *livechatv1.DeleteTeamRequest) (*livechatv1.DeleteTeamResponse, error) {
	id, err := protoconv.ParseID("team_id", req.TeamId)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteTeam(ctx, principal.From(ctx).Agent(), id); err != nil {
		return nil, err
	}
	return &livechatv1.DeleteTeamResponse{}, nil
}

// SetTeamMembers implements livechatv1connect.TeamServiceHandler.
func (h *Handler) SetTeamMembers(ctx context.Context, req *livechatv1.SetTeamMembersRequest) (*livechatv1.SetTeamMembersResponse, error) {
	id, err := protoconv.ParseID("team_id", req.TeamId)
	if err != nil {
		return nil, err
	}
	agents, err := chatapi.ParseIDs("agent_ids", req.AgentIds)
	if err != nil {
		return nil, err
	}
	t, err := h.svc.SetTeamMembers(ctx, principal.From(ctx).Agent(), id, agents)
	if err != nil {
		return nil, err
	}
	return &livechatv1.SetTeamMembersResponse{Team: teamProto(t)}, nil
}

func teamProto(t teams.Team) *livechatv1.Team {
	out := &livechatv1.Team{
		Id: t.ID.String(), Name: t.Name, AgentIds: make([]string, len(t.AgentIDs)),
		CreatedAt: protoconv.Timestamp(t.CreatedAt), UpdatedAt: protoconv.Timestamp(t.UpdatedAt),
	}
	for i, id := range t.AgentIDs {
		out.AgentIds[i] = id.String()
	}
	return out
}
