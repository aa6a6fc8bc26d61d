// Package principal says who is calling. The auth interceptor resolves the
// caller's credentials once per call and stores a Principal in the context;
// domain code reads it with From and never looks at headers or cookies.
package principal

import (
	"context"

	"github.com/google/uuid"
)

// Kind is the kind of caller.
type Kind int

// The kinds of caller.
const (
	// Anonymous: no credentials.
	Anonymous Kind = iota
	// Visitor: a website visitor with a widget visitor token.
	Visitor
	// Agent: a signed-in agent or admin (session cookie), or an API token
	// acting for one.
	Agent
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

	// Visitor callers.
	CustomerID       uuid.UUID
	WidgetID         uuid.UUID
	VisitorSessionID uuid.UUID
}

// IsAgent reports whether the caller is an agent, an admin or an API token.
func (p Principal) IsAgent() bool { return p.Kind == Agent }

// IsAdmin reports whether the caller may do what admins do.
func (p Principal) IsAdmin() bool { return p.Kind == Agent && p.Role == RoleAdmin }

// IsVisitor reports whether the caller is a widget visitor.
func (p Principal) IsVisitor() bool { return p.Kind == Visitor }

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
