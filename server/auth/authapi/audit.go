package authapi

import (
	"context"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/auth"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
)

// The audit log's view of this service's objects.

func agentTarget(a auth.Agent) audit.Target {
	return audit.Target{Type: "agent", ID: protoconv.ID(a.ID), Name: a.Username}
}

// agentTargetOf names the agent id (by username, like agentTarget) for an
// entry about an action that returns no agent.
func (h *Handler) agentTargetOf(ctx context.Context, id uuid.UUID) audit.Target {
	if a, err := h.svc.Agent(ctx, id); err == nil {
		return agentTarget(a)
	}
	return audit.Target{Type: "agent", ID: protoconv.ID(id)}
}

func tokenTarget(t auth.APIToken) audit.Target {
	return audit.Target{Type: "token", ID: protoconv.ID(t.ID), Name: t.Name}
}

// auditedFields are the fields of an agent an admin changes, as an update's
// entry compares them (presence and last-seen times are not changes).
func auditedFields(a auth.Agent) map[string]any {
	return map[string]any{"display_name": a.DisplayName, "role": string(a.Role), "disabled": a.Disabled}
}

// signInFailed records a sign-in refused for a wrong password or code.
// Throttled attempts are not recorded: they are refused without checking
// anything, and recording each would let anyone grow the log at will.
func (h *Handler) signInFailed(ctx context.Context, err error, target audit.Target, stage string) {
	if apperr.Is(err, apperr.BadCredentials) || apperr.Is(err, apperr.WrongCode) {
		h.audit.Record(ctx, principal.Agent{}, audit.SignInFailed, target, audit.Details{"stage": stage})
	}
}
