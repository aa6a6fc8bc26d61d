// Package principal says who is calling. The auth interceptor resolves the
// caller's credentials once per call and stores a Principal in the context.
//
// Caller identity arrives one way: a handler reads From(ctx) once and passes
// the caller to the domain method as an explicit, typed argument — an Agent
// (p.Agent()) or a Visitor (p.Visitor()). The interceptor's policy table has
// already guaranteed the kind of caller each RPC accepts (agent, admin,
// visitor, anyone), so the handler's conversion cannot fail for a method
// whose policy admits only that kind, and domain code never re-checks the
// kind or reads the context for it. Domain code keeps the rules that depend
// on data ("only the assignee or an admin may transfer"), which it decides
// from the typed caller it was given.
//
// Domain code never looks at headers or cookies.
package principal

import (
	"context"

	"github.com/google/uuid"
)

// Kind is the kind of caller.
type Kind int

// The kinds of caller.
const (
	// KindAnonymous: no credentials.
	KindAnonymous Kind = iota
	// KindVisitor: a website visitor with a widget visitor token.
	KindVisitor
	// KindAgent: a signed-in agent or admin (session cookie), or an API
	// token acting for one.
	KindAgent
)

// Role is an agent's role, or an API token's scope.
type Role int

// The roles, in increasing power.
const (
	RoleNone Role = iota
	RoleAgent
	RoleAdmin
)

// Principal is the resolved caller of one RPC.
type Principal struct {
	Kind Kind

	// Agent callers.
	AgentID   uuid.UUID
	AgentName string
	// Role is the agent's role, limited by the token's scope for API tokens.
	Role Role
	// SessionID is set when the call is authenticated by a dashboard session.
	SessionID uuid.UUID
	// TokenID is set when the call is authenticated by an API token.
	TokenID uuid.UUID
	// TwoFactorPending: the installation requires a second factor and this
	// session's agent has none, so only enrolment is allowed.
	TwoFactorPending bool

	// Visitor callers.
	CustomerID       uuid.UUID
	WidgetID         uuid.UUID
	VisitorSessionID uuid.UUID
}

// IsAgent reports whether the caller is an agent, an admin or an API token.
func (p Principal) IsAgent() bool { return p.Kind == KindAgent }

// IsAdmin reports whether the caller may do what admins do.
func (p Principal) IsAdmin() bool { return p.Kind == KindAgent && p.Role == RoleAdmin }

// IsVisitor reports whether the caller is a widget visitor.
func (p Principal) IsVisitor() bool { return p.Kind == KindVisitor }

// Agent is an agent caller as domain methods take it: an agent or admin
// signed in to the dashboard, or an API token acting for one.
type Agent struct {
	ID   uuid.UUID
	Name string
	// Role is the agent's role, limited by the token's scope for API tokens.
	Role Role
	// SessionID is set when the call is authenticated by a dashboard session.
	SessionID uuid.UUID
	// TokenID is set when the call is authenticated by an API token.
	TokenID uuid.UUID
}

// IsAdmin reports whether the agent may do what admins do.
func (a Agent) IsAdmin() bool { return a.Role == RoleAdmin }

// Visitor is a website visitor caller as domain methods take it.
type Visitor struct {
	CustomerID uuid.UUID
	WidgetID   uuid.UUID
	SessionID  uuid.UUID
}

// Agent returns the caller as an Agent. For a caller of another kind it
// returns the zero Agent (no id, no role), which no agent-only rule admits;
// the policy table keeps such callers away from agent RPCs in the first
// place.
func (p Principal) Agent() Agent {
	if p.Kind != KindAgent {
		return Agent{}
	}
	return Agent{ID: p.AgentID, Name: p.AgentName, Role: p.Role, SessionID: p.SessionID, TokenID: p.TokenID}
}

// Visitor returns the caller as a Visitor; the zero Visitor for a caller of
// another kind (see Agent).
func (p Principal) Visitor() Visitor {
	if p.Kind != KindVisitor {
		return Visitor{}
	}
	return Visitor{CustomerID: p.CustomerID, WidgetID: p.WidgetID, SessionID: p.VisitorSessionID}
}

// VisitorTokenPrefix starts every visitor token ("lcv_…"), so the one
// interceptor can tell a visitor's bearer token from an API token.
const VisitorTokenPrefix = "lcv_"

type ctxKey struct{}

// With returns a context carrying p.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the caller stored in ctx, or an anonymous Principal.
func From(ctx context.Context) Principal {
	p, _ := ctx.Value(ctxKey{}).(Principal)
	return p
}
