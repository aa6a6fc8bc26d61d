package authapi

import (
	"context"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/auth"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
)

// Handler implements AuthService on an auth.Service. It only converts: who
// may call what is the Interceptor's job, the rules are the Service's.
type Handler struct {
	svc *auth.Service
	web Web
	// audit records sign-ins and administrative actions (nil: none).
	audit *audit.Service
}

// The handler implements every method itself (no Unimplemented… embedded),
// so a method added to the proto fails to compile until it is written.
var _ livechatv1connect.AuthServiceHandler = (*Handler)(nil)

// NewHandler returns the AuthService handler; rec writes the audit log.
func NewHandler(svc *auth.Service, web Web, rec *audit.Service) *Handler {
	return &Handler{svc: svc, web: web, audit: rec}
}

func (h *Handler) setCookie(ctx context.Context, s auth.Session) {
	if info, ok := connect.CallInfoForServerContext(ctx); ok {
		info.ResponseHeader().Add("Set-Cookie", h.web.sessionCookie(ctx, s, h.svc.Now()).String())
	}
}

func clientOf(ctx context.Context) auth.Client {
	c := auth.Client{IP: ClientIP(ctx)}
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
	a, s, err := h.svc.Setup(ctx, auth.NewAgent{Username: req.Username, DisplayName: req.DisplayName, Password: req.Password}, clientOf(ctx))
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, principal.Agent{ID: a.ID, Name: a.DisplayName}, audit.AgentCreated, agentTarget(a), audit.Details{"role": string(a.Role), "setup": true})
	h.setCookie(ctx, s)
	return &livechatv1.SetupResponse{Agent: agentProto(a)}, nil
}

// Login implements AuthServiceHandler.
func (h *Handler) Login(ctx context.Context, req *livechatv1.LoginRequest) (*livechatv1.LoginResponse, error) {
	res, err := h.svc.Login(ctx, req.Username, req.Password, clientOf(ctx))
	if err != nil {
		h.signInFailed(ctx, err, audit.Target{Type: "agent", Name: limits.Printable(req.Username, limits.DisplayName)}, "password")
		return nil, err
	}
	if res.Challenge != "" {
		return &livechatv1.LoginResponse{SecondFactorChallenge: res.Challenge}, nil
	}
	h.audit.Record(ctx, principal.Agent{ID: res.Agent.ID, Name: res.Agent.DisplayName}, audit.SignIn, agentTarget(res.Agent), audit.Details{"second_factor": false})
	h.setCookie(ctx, res.Session)
	return &livechatv1.LoginResponse{Agent: agentProto(res.Agent)}, nil
}

// CompleteLogin implements AuthServiceHandler.
func (h *Handler) CompleteLogin(ctx context.Context, req *livechatv1.CompleteLoginRequest) (*livechatv1.CompleteLoginResponse, error) {
	a, s, err := h.svc.CompleteLogin(ctx, req.Challenge, req.Code, clientOf(ctx))
	if err != nil {
		h.signInFailed(ctx, err, audit.Target{Type: "agent"}, "second_factor")
		return nil, err
	}
	h.audit.Record(ctx, principal.Agent{ID: a.ID, Name: a.DisplayName}, audit.SignIn, agentTarget(a), audit.Details{"second_factor": true})
	h.setCookie(ctx, s)
	return &livechatv1.CompleteLoginResponse{Agent: agentProto(a)}, nil
}

// StartTwoFactorEnrolment implements AuthServiceHandler.
func (h *Handler) StartTwoFactorEnrolment(ctx context.Context, _ *livechatv1.StartTwoFactorEnrolmentRequest) (*livechatv1.StartTwoFactorEnrolmentResponse, error) {
	e, err := h.svc.StartTwoFactorEnrolment(ctx, principal.From(ctx).Agent())
	if err != nil {
		return nil, err
	}
	return &livechatv1.StartTwoFactorEnrolmentResponse{Secret: e.Secret, OtpauthUri: e.URI}, nil
}

// ConfirmTwoFactor implements AuthServiceHandler.
func (h *Handler) ConfirmTwoFactor(ctx context.Context, req *livechatv1.ConfirmTwoFactorRequest) (*livechatv1.ConfirmTwoFactorResponse, error) {
	caller := principal.From(ctx).Agent()
	codes, err := h.svc.ConfirmTwoFactor(ctx, caller, req.Code)
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, caller, audit.TwoFactorEnabled, h.agentTargetOf(ctx, caller.ID), nil)
	return &livechatv1.ConfirmTwoFactorResponse{RecoveryCodes: codes}, nil
}

// DisableTwoFactor implements AuthServiceHandler.
func (h *Handler) DisableTwoFactor(ctx context.Context, req *livechatv1.DisableTwoFactorRequest) (*livechatv1.DisableTwoFactorResponse, error) {
	caller := principal.From(ctx).Agent()
	if err := h.svc.DisableTwoFactor(ctx, caller, req.Password, req.Code, clientOf(ctx)); err != nil {
		return nil, err
	}
	h.audit.Record(ctx, caller, audit.TwoFactorDisabled, h.agentTargetOf(ctx, caller.ID), nil)
	return &livechatv1.DisableTwoFactorResponse{}, nil
}

// ResetAgentTwoFactor implements AuthServiceHandler.
func (h *Handler) ResetAgentTwoFactor(ctx context.Context, req *livechatv1.ResetAgentTwoFactorRequest) (*livechatv1.ResetAgentTwoFactorResponse, error) {
	id, err := protoconv.ParseID("agent_id", req.AgentId)
	if err != nil {
		return nil, err
	}
	if err := h.svc.ResetTwoFactor(ctx, id); err != nil {
		return nil, err
	}
	h.audit.Record(ctx, principal.From(ctx).Agent(), audit.AgentTwoFactorReset, h.agentTargetOf(ctx, id), nil)
	return &livechatv1.ResetAgentTwoFactorResponse{}, nil
}

// Logout implements AuthServiceHandler. Anyone may call it; for a caller
// without a session it only clears the cookie.
func (h *Handler) Logout(ctx context.Context, _ *livechatv1.LogoutRequest) (*livechatv1.LogoutResponse, error) {
	if err := h.svc.Logout(ctx, principal.From(ctx).Agent()); err != nil {
		return nil, err
	}
	if info, ok := connect.CallInfoForServerContext(ctx); ok {
		info.ResponseHeader().Add("Set-Cookie", h.web.expiredCookie(ctx).String())
	}
	return &livechatv1.LogoutResponse{}, nil
}

// GetMe implements AuthServiceHandler.
func (h *Handler) GetMe(ctx context.Context, _ *livechatv1.GetMeRequest) (*livechatv1.GetMeResponse, error) {
	a, scope, err := h.svc.Me(ctx, principal.From(ctx).Agent())
	if err != nil {
		return nil, err
	}
	sec, err := h.svc.SecuritySettings(ctx)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetMeResponse{Agent: agentProto(a), TokenScope: scopeProto(scope), Limits: limits.Proto(), TwoFactorRequired: sec.RequireTwoFactor}, nil
}

// ChangePassword implements AuthServiceHandler.
func (h *Handler) ChangePassword(ctx context.Context, req *livechatv1.ChangePasswordRequest) (*livechatv1.ChangePasswordResponse, error) {
	caller := principal.From(ctx).Agent()
	if err := h.svc.ChangePassword(ctx, caller, req.CurrentPassword, req.NewPassword, clientOf(ctx)); err != nil {
		return nil, err
	}
	h.audit.Record(ctx, caller, audit.PasswordChanged, h.agentTargetOf(ctx, caller.ID), nil)
	return &livechatv1.ChangePasswordResponse{}, nil
}

// SetMyStatus implements AuthServiceHandler.
func (h *Handler) SetMyStatus(ctx context.Context, req *livechatv1.SetMyStatusRequest) (*livechatv1.SetMyStatusResponse, error) {
	var status auth.Status
	switch req.Status {
	case livechatv1.AgentStatus_AGENT_STATUS_ONLINE:
		status = auth.StatusOnline
	case livechatv1.AgentStatus_AGENT_STATUS_AWAY:
		status = auth.StatusAway
	case livechatv1.AgentStatus_AGENT_STATUS_INVISIBLE:
		status = auth.StatusInvisible
	default:
		return nil, apperr.New(apperr.InvalidValue, "status must be AGENT_STATUS_ONLINE, AGENT_STATUS_AWAY or AGENT_STATUS_INVISIBLE").WithField("status")
	}
	a, err := h.svc.SetStatus(ctx, principal.From(ctx).Agent(), status, req.Automatic)
	if err != nil {
		return nil, err
	}
	return &livechatv1.SetMyStatusResponse{Agent: agentProto(a)}, nil
}

// SetMyIdleAway implements AuthServiceHandler.
func (h *Handler) SetMyIdleAway(ctx context.Context, req *livechatv1.SetMyIdleAwayRequest) (*livechatv1.SetMyIdleAwayResponse, error) {
	a, err := h.svc.SetIdleAway(ctx, principal.From(ctx).Agent(), int(req.IdleAwaySeconds))
	if err != nil {
		return nil, err
	}
	return &livechatv1.SetMyIdleAwayResponse{Agent: agentProto(a)}, nil
}

// ListAgents implements AuthServiceHandler.
func (h *Handler) ListAgents(ctx context.Context, req *livechatv1.ListAgentsRequest) (*livechatv1.ListAgentsResponse, error) {
	f := auth.AgentFilter{Query: req.GetQuery(), Disabled: req.Disabled, PageSize: req.GetPageSize(), PageToken: req.GetPageToken()}
	if req.GetRole() != livechatv1.AgentRole_AGENT_ROLE_UNSPECIFIED {
		role, err := roleFromProto(req.GetRole())
		if err != nil {
			return nil, err
		}
		f.Role = role
	}
	agents, next, err := h.svc.ListAgents(ctx, f)
	if err != nil {
		return nil, err
	}
	res := &livechatv1.ListAgentsResponse{Agents: make([]*livechatv1.Agent, len(agents)), NextPageToken: next}
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
	a, err := h.svc.CreateAgent(ctx, auth.NewAgent{Username: req.Username, DisplayName: req.DisplayName, Role: role, Password: req.Password})
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, principal.From(ctx).Agent(), audit.AgentCreated, agentTarget(a), audit.Details{"role": string(a.Role), "display_name": a.DisplayName})
	return &livechatv1.CreateAgentResponse{Agent: agentProto(a)}, nil
}

// UpdateAgent implements AuthServiceHandler.
func (h *Handler) UpdateAgent(ctx context.Context, req *livechatv1.UpdateAgentRequest) (*livechatv1.UpdateAgentResponse, error) {
	id, err := protoconv.ParseID("agent_id", req.AgentId)
	if err != nil {
		return nil, err
	}
	u := auth.AgentUpdate{ID: id, DisplayName: req.DisplayName, Disabled: req.Disabled}
	if req.Role != nil {
		role, err := roleFromProto(*req.Role)
		if err != nil {
			return nil, err
		}
		u.Role = &role
	}
	before, _ := h.svc.Agent(ctx, id) // for the audit entry's "from"
	a, err := h.svc.UpdateAgent(ctx, u)
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, principal.From(ctx).Agent(), audit.AgentUpdated, agentTarget(a), audit.Changes(auditedFields(before), auditedFields(a)))
	return &livechatv1.UpdateAgentResponse{Agent: agentProto(a)}, nil
}

// ResetAgentPassword implements AuthServiceHandler.
func (h *Handler) ResetAgentPassword(ctx context.Context, req *livechatv1.ResetAgentPasswordRequest) (*livechatv1.ResetAgentPasswordResponse, error) {
	id, err := protoconv.ParseID("agent_id", req.AgentId)
	if err != nil {
		return nil, err
	}
	if err := h.svc.ResetPassword(ctx, id, req.NewPassword); err != nil {
		return nil, err
	}
	h.audit.Record(ctx, principal.From(ctx).Agent(), audit.AgentPasswordReset, h.agentTargetOf(ctx, id), nil)
	return &livechatv1.ResetAgentPasswordResponse{}, nil
}

// CreateApiToken implements AuthServiceHandler. The token acts for the
// calling admin.
func (h *Handler) CreateApiToken(ctx context.Context, req *livechatv1.CreateApiTokenRequest) (*livechatv1.CreateApiTokenResponse, error) {
	var scope auth.Scope
	switch req.Scope {
	case livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT:
		scope = auth.ScopeAgent
	case livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN:
		scope = auth.ScopeAdmin
	default:
		return nil, apperr.New(apperr.InvalidValue, "scope must be API_TOKEN_SCOPE_AGENT or API_TOKEN_SCOPE_ADMIN").WithField("scope")
	}
	caller := principal.From(ctx).Agent()
	t, secret, err := h.svc.CreateAPIToken(ctx, caller, req.Name, scope, req.BotName)
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, caller, audit.TokenCreated, tokenTarget(t), audit.Details{"scope": string(t.Scope), "prefix": t.Prefix})
	return &livechatv1.CreateApiTokenResponse{Token: tokenProto(t), Secret: secret}, nil
}

// ListApiTokens implements AuthServiceHandler.
func (h *Handler) ListApiTokens(ctx context.Context, req *livechatv1.ListApiTokensRequest) (*livechatv1.ListApiTokensResponse, error) {
	tokens, next, err := h.svc.ListAPITokens(ctx, auth.TokenFilter{
		BotsOnly: req.GetBotsOnly(), LiveOnly: req.GetLiveOnly(), PageSize: req.GetPageSize(), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	res := &livechatv1.ListApiTokensResponse{Tokens: make([]*livechatv1.ApiToken, len(tokens)), NextPageToken: next}
	for i, t := range tokens {
		res.Tokens[i] = tokenProto(t)
	}
	return res, nil
}

// RevokeApiToken implements AuthServiceHandler.
func (h *Handler) RevokeApiToken(ctx context.Context, req *livechatv1.RevokeApiTokenRequest) (*livechatv1.RevokeApiTokenResponse, error) {
	id, err := protoconv.ParseID("token_id", req.TokenId)
	if err != nil {
		return nil, err
	}
	t, err := h.svc.RevokeAPIToken(ctx, id)
	if err != nil {
		return nil, err
	}
	h.audit.Record(ctx, principal.From(ctx).Agent(), audit.TokenRevoked, tokenTarget(t), audit.Details{"scope": string(t.Scope), "prefix": t.Prefix})
	return &livechatv1.RevokeApiTokenResponse{Token: tokenProto(t)}, nil
}

// Conversions --------------------------------------------------------------

func roleFromProto(r livechatv1.AgentRole) (auth.Role, error) {
	switch r {
	case livechatv1.AgentRole_AGENT_ROLE_AGENT:
		return auth.RoleAgent, nil
	case livechatv1.AgentRole_AGENT_ROLE_ADMIN:
		return auth.RoleAdmin, nil
	}
	return "", apperr.New(apperr.InvalidValue, "role must be AGENT_ROLE_AGENT or AGENT_ROLE_ADMIN").WithField("role")
}

func roleProto(r auth.Role) livechatv1.AgentRole {
	switch r {
	case auth.RoleAgent:
		return livechatv1.AgentRole_AGENT_ROLE_AGENT
	case auth.RoleAdmin:
		return livechatv1.AgentRole_AGENT_ROLE_ADMIN
	}
	return livechatv1.AgentRole_AGENT_ROLE_UNSPECIFIED
}

func statusProto(s auth.Status) livechatv1.AgentStatus {
	switch s {
	case auth.StatusOnline:
		return livechatv1.AgentStatus_AGENT_STATUS_ONLINE
	case auth.StatusAway:
		return livechatv1.AgentStatus_AGENT_STATUS_AWAY
	case auth.StatusInvisible:
		return livechatv1.AgentStatus_AGENT_STATUS_INVISIBLE
	}
	return livechatv1.AgentStatus_AGENT_STATUS_UNSPECIFIED
}

func scopeProto(s auth.Scope) livechatv1.ApiTokenScope {
	switch s {
	case auth.ScopeAgent:
		return livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT
	case auth.ScopeAdmin:
		return livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN
	}
	return livechatv1.ApiTokenScope_API_TOKEN_SCOPE_UNSPECIFIED
}

// agentProto converts an Agent for the API.
func agentProto(a auth.Agent) *livechatv1.Agent {
	return &livechatv1.Agent{
		Id: protoconv.ID(a.ID), Username: a.Username, DisplayName: a.DisplayName, Role: roleProto(a.Role),
		Disabled: a.Disabled, Status: statusProto(a.Status), Online: a.Online,
		IdleAwaySeconds: int32(a.IdleAwaySeconds), AwayAutomatic: a.AwayAutomatic,
		CreatedAt: protoconv.Timestamp(a.CreatedAt), LastSeenAt: protoconv.OptionalTimestamp(a.LastSeenAt),
		TwoFactorEnabled: a.TwoFactor, AvatarUrl: a.AvatarURL,
	}
}

func tokenProto(t auth.APIToken) *livechatv1.ApiToken {
	return &livechatv1.ApiToken{
		Id: protoconv.ID(t.ID), Name: t.Name, Scope: scopeProto(t.Scope), Prefix: t.Prefix,
		AgentId: protoconv.ID(t.AgentID), AgentName: t.AgentName, BotName: t.BotName, CreatedAt: protoconv.Timestamp(t.CreatedAt),
		LastUsedAt: protoconv.OptionalTimestamp(t.LastUsedAt), RevokedAt: protoconv.OptionalTimestamp(t.RevokedAt),
		AvatarUrl: t.AvatarURL,
	}
}

// GetSecuritySettings implements AuthServiceHandler.
func (h *Handler) GetSecuritySettings(ctx context.Context, _ *livechatv1.GetSecuritySettingsRequest) (*livechatv1.GetSecuritySettingsResponse, error) {
	st, err := h.svc.SecuritySettings(ctx)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetSecuritySettingsResponse{Settings: securityProto(st)}, nil
}

// UpdateSecuritySettings implements AuthServiceHandler.
func (h *Handler) UpdateSecuritySettings(ctx context.Context, req *livechatv1.UpdateSecuritySettingsRequest) (*livechatv1.UpdateSecuritySettingsResponse, error) {
	if req.Settings == nil {
		return nil, apperr.New(apperr.Required, "settings are required").WithField("settings")
	}
	caller := principal.From(ctx).Agent()
	st := auth.SecuritySettings{RequireTwoFactor: req.Settings.RequireTwoFactor}
	before, err := h.svc.UpdateSecuritySettings(ctx, caller, st)
	if err != nil {
		return nil, err
	}
	h.audit.RecordSettings(ctx, caller, auth.SecuritySection, before, st)
	return &livechatv1.UpdateSecuritySettingsResponse{Settings: securityProto(st)}, nil
}

func securityProto(st auth.SecuritySettings) *livechatv1.SecuritySettings {
	return &livechatv1.SecuritySettings{RequireTwoFactor: st.RequireTwoFactor}
}
