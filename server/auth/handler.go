package auth

import (
	"context"

	"connectrpc.com/connect/v2"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// Handler implements AuthService on a Service. It only converts: who may
// call what is the Interceptor's job, the rules are the Service's.
type Handler struct {
	svc *Service
	web Web
}

var _ livechatv1connect.AuthServiceHandler = (*Handler)(nil)

// NewHandler returns the AuthService handler.
func NewHandler(svc *Service, web Web) *Handler { return &Handler{svc: svc, web: web} }

func (h *Handler) setCookie(ctx context.Context, s Session) {
	if info, ok := connect.CallInfoForServerContext(ctx); ok {
		info.ResponseHeader().Add("Set-Cookie", h.web.sessionCookie(ctx, s, h.svc.now()).String())
	}
}

func clientOf(ctx context.Context) Client {
	c := Client{IP: ClientIP(ctx)}
	if info, ok := connect.CallInfoForServerContext(ctx); ok {
		c.UserAgent = info.RequestHeader().Get("User-Agent")
	}
	return c
}

// GetSetupState implements AuthServiceHandler.
func (h *Handler) GetSetupState(ctx context.Context, _ *livechatv1.GetSetupStateRequest) (*livechatv1.GetSetupStateResponse, error) {
	required, err := h.svc.SetupRequired(ctx)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetSetupStateResponse{SetupRequired: required}, nil
}

// Setup implements AuthServiceHandler.
func (h *Handler) Setup(ctx context.Context, req *livechatv1.SetupRequest) (*livechatv1.SetupResponse, error) {
	a, s, err := h.svc.Setup(ctx, NewAgent{Username: req.Username, DisplayName: req.DisplayName, Password: req.Password}, clientOf(ctx))
	if err != nil {
		return nil, err
	}
	h.setCookie(ctx, s)
	return &livechatv1.SetupResponse{Agent: agentProto(a)}, nil
}

// Login implements AuthServiceHandler.
func (h *Handler) Login(ctx context.Context, req *livechatv1.LoginRequest) (*livechatv1.LoginResponse, error) {
	a, s, err := h.svc.Login(ctx, req.Username, req.Password, clientOf(ctx))
	if err != nil {
		return nil, err
	}
	h.setCookie(ctx, s)
	return &livechatv1.LoginResponse{Agent: agentProto(a)}, nil
}

// Logout implements AuthServiceHandler.
func (h *Handler) Logout(ctx context.Context, _ *livechatv1.LogoutRequest) (*livechatv1.LogoutResponse, error) {
	if err := h.svc.Logout(ctx, principal.From(ctx).SessionID); err != nil {
		return nil, err
	}
	if info, ok := connect.CallInfoForServerContext(ctx); ok {
		info.ResponseHeader().Add("Set-Cookie", h.web.expiredCookie(ctx).String())
	}
	return &livechatv1.LogoutResponse{}, nil
}

// GetMe implements AuthServiceHandler.
func (h *Handler) GetMe(ctx context.Context, _ *livechatv1.GetMeRequest) (*livechatv1.GetMeResponse, error) {
	p := principal.From(ctx)
	a, scope, err := h.svc.Me(ctx, p.AgentID, p.TokenID)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetMeResponse{Agent: agentProto(a), TokenScope: scopeProto(scope), Limits: limits.Proto()}, nil
}

// ChangePassword implements AuthServiceHandler.
func (h *Handler) ChangePassword(ctx context.Context, req *livechatv1.ChangePasswordRequest) (*livechatv1.ChangePasswordResponse, error) {
	p := principal.From(ctx)
	if err := h.svc.ChangePassword(ctx, p.AgentID, p.SessionID, req.CurrentPassword, req.NewPassword); err != nil {
		return nil, err
	}
	return &livechatv1.ChangePasswordResponse{}, nil
}

// SetMyStatus implements AuthServiceHandler.
func (h *Handler) SetMyStatus(ctx context.Context, req *livechatv1.SetMyStatusRequest) (*livechatv1.SetMyStatusResponse, error) {
	var status Status
	switch req.Status {
	case livechatv1.AgentStatus_AGENT_STATUS_ONLINE:
		status = StatusOnline
	case livechatv1.AgentStatus_AGENT_STATUS_AWAY:
		status = StatusAway
	default:
		return nil, apperr.New(apperr.InvalidValue, "status must be AGENT_STATUS_ONLINE or AGENT_STATUS_AWAY")
	}
	a, err := h.svc.SetStatus(ctx, principal.From(ctx).AgentID, status)
	if err != nil {
		return nil, err
	}
	return &livechatv1.SetMyStatusResponse{Agent: agentProto(a)}, nil
}

// ListAgents implements AuthServiceHandler.
func (h *Handler) ListAgents(ctx context.Context, _ *livechatv1.ListAgentsRequest) (*livechatv1.ListAgentsResponse, error) {
	agents, err := h.svc.ListAgents(ctx)
	if err != nil {
		return nil, err
	}
	res := &livechatv1.ListAgentsResponse{Agents: make([]*livechatv1.Agent, len(agents))}
	for i, a := range agents {
		res.Agents[i] = agentProto(a)
	}
	return res, nil
}

// CreateAgent implements AuthServiceHandler.
func (h *Handler) CreateAgent(ctx context.Context, req *livechatv1.CreateAgentRequest) (*livechatv1.CreateAgentResponse, error) {
	role, err := roleFromProto(req.Role)
	if err != nil {
		return nil, err
	}
	a, err := h.svc.CreateAgent(ctx, NewAgent{Username: req.Username, DisplayName: req.DisplayName, Role: role, Password: req.Password})
	if err != nil {
		return nil, err
	}
	return &livechatv1.CreateAgentResponse{Agent: agentProto(a)}, nil
}

// UpdateAgent implements AuthServiceHandler.
func (h *Handler) UpdateAgent(ctx context.Context, req *livechatv1.UpdateAgentRequest) (*livechatv1.UpdateAgentResponse, error) {
	id, err := parseID(req.AgentId, "agent")
	if err != nil {
		return nil, err
	}
	u := AgentUpdate{ID: id, DisplayName: req.DisplayName, Disabled: req.Disabled}
	if req.Role != nil {
		role, err := roleFromProto(*req.Role)
		if err != nil {
			return nil, err
		}
		u.Role = &role
	}
	a, err := h.svc.UpdateAgent(ctx, u)
	if err != nil {
		return nil, err
	}
	return &livechatv1.UpdateAgentResponse{Agent: agentProto(a)}, nil
}

// ResetAgentPassword implements AuthServiceHandler.
func (h *Handler) ResetAgentPassword(ctx context.Context, req *livechatv1.ResetAgentPasswordRequest) (*livechatv1.ResetAgentPasswordResponse, error) {
	id, err := parseID(req.AgentId, "agent")
	if err != nil {
		return nil, err
	}
	if err := h.svc.ResetPassword(ctx, id, req.NewPassword); err != nil {
		return nil, err
	}
	return &livechatv1.ResetAgentPasswordResponse{}, nil
}

// CreateApiToken implements AuthServiceHandler.
func (h *Handler) CreateApiToken(ctx context.Context, req *livechatv1.CreateApiTokenRequest) (*livechatv1.CreateApiTokenResponse, error) {
	var scope Scope
	switch req.Scope {
	case livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT:
		scope = ScopeAgent
	case livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN:
		scope = ScopeAdmin
	default:
		return nil, apperr.New(apperr.InvalidValue, "scope must be API_TOKEN_SCOPE_AGENT or API_TOKEN_SCOPE_ADMIN")
	}
	t, secret, err := h.svc.CreateAPIToken(ctx, principal.From(ctx).AgentID, req.Name, scope)
	if err != nil {
		return nil, err
	}
	return &livechatv1.CreateApiTokenResponse{Token: tokenProto(t), Secret: secret}, nil
}

// ListApiTokens implements AuthServiceHandler.
func (h *Handler) ListApiTokens(ctx context.Context, _ *livechatv1.ListApiTokensRequest) (*livechatv1.ListApiTokensResponse, error) {
	tokens, err := h.svc.ListAPITokens(ctx)
	if err != nil {
		return nil, err
	}
	res := &livechatv1.ListApiTokensResponse{Tokens: make([]*livechatv1.ApiToken, len(tokens))}
	for i, t := range tokens {
		res.Tokens[i] = tokenProto(t)
	}
	return res, nil
}

// RevokeApiToken implements AuthServiceHandler.
func (h *Handler) RevokeApiToken(ctx context.Context, req *livechatv1.RevokeApiTokenRequest) (*livechatv1.RevokeApiTokenResponse, error) {
	id, err := parseID(req.TokenId, "token")
	if err != nil {
		return nil, err
	}
	t, err := h.svc.RevokeAPIToken(ctx, id)
	if err != nil {
		return nil, err
	}
	return &livechatv1.RevokeApiTokenResponse{Token: tokenProto(t)}, nil
}

// Conversions --------------------------------------------------------------

func roleFromProto(r livechatv1.AgentRole) (Role, error) {
	switch r {
	case livechatv1.AgentRole_AGENT_ROLE_AGENT:
		return RoleAgent, nil
	case livechatv1.AgentRole_AGENT_ROLE_ADMIN:
		return RoleAdmin, nil
	}
	return "", apperr.New(apperr.InvalidValue, "role must be AGENT_ROLE_AGENT or AGENT_ROLE_ADMIN")
}

func roleProto(r Role) livechatv1.AgentRole {
	switch r {
	case RoleAgent:
		return livechatv1.AgentRole_AGENT_ROLE_AGENT
	case RoleAdmin:
		return livechatv1.AgentRole_AGENT_ROLE_ADMIN
	}
	return livechatv1.AgentRole_AGENT_ROLE_UNSPECIFIED
}

func statusProto(s Status) livechatv1.AgentStatus {
	switch s {
	case StatusOnline:
		return livechatv1.AgentStatus_AGENT_STATUS_ONLINE
	case StatusAway:
		return livechatv1.AgentStatus_AGENT_STATUS_AWAY
	}
	return livechatv1.AgentStatus_AGENT_STATUS_UNSPECIFIED
}

func scopeProto(s Scope) livechatv1.ApiTokenScope {
	switch s {
	case ScopeAgent:
		return livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT
	case ScopeAdmin:
		return livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN
	}
	return livechatv1.ApiTokenScope_API_TOKEN_SCOPE_UNSPECIFIED
}

func idString(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// AgentProto converts an Agent for the API; other services showing agents
// use it too.
func AgentProto(a Agent) *livechatv1.Agent { return agentProto(a) }

func agentProto(a Agent) *livechatv1.Agent {
	pb := &livechatv1.Agent{
		Id: idString(a.ID), Username: a.Username, DisplayName: a.DisplayName, Role: roleProto(a.Role),
		Disabled: a.Disabled, Status: statusProto(a.Status), Online: a.Online,
		CreatedAt: timestamppb.New(a.CreatedAt),
	}
	if a.LastSeenAt != nil {
		pb.LastSeenAt = timestamppb.New(*a.LastSeenAt)
	}
	return pb
}

func tokenProto(t APIToken) *livechatv1.ApiToken {
	pb := &livechatv1.ApiToken{
		Id: idString(t.ID), Name: t.Name, Scope: scopeProto(t.Scope), Prefix: t.Prefix,
		AgentId: idString(t.AgentID), AgentName: t.AgentName, CreatedAt: timestamppb.New(t.CreatedAt),
	}
	if t.LastUsedAt != nil {
		pb.LastUsedAt = timestamppb.New(*t.LastUsedAt)
	}
	if t.RevokedAt != nil {
		pb.RevokedAt = timestamppb.New(*t.RevokedAt)
	}
	return pb
}
