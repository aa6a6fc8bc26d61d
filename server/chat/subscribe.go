package chat

import (
	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/realtime"
)

// The two kinds of Subscribe stream are built here, side by side, so that
// what each caller may stream is decided in one place: the handlers pass
// the filter to the hub as it is.

// AgentFilter selects every event an agent may see: all conversations,
// internal notes included. A stream opened at the dashboard keeps its
// agent online; one opened with an API token does not, since a backend
// holding a stream is not a person who can answer. The stream ends when
// its session or token is revoked or its agent disabled.
func AgentFilter(a principal.Agent) realtime.Filter {
	f := realtime.Filter{AgentID: a.ID, Credential: a.SessionID}
	if a.TokenID != uuid.Nil {
		f.NoPresence, f.Credential, f.TokenCredential = true, a.TokenID, true
	}
	return f
}

// VisitorFilter selects the events of the visitor's own customer, as
// visibility.go lets a visitor see them. The stream ends when the visitor
// session ends.
func VisitorFilter(v principal.Visitor) realtime.Filter {
	return realtime.Filter{CustomerID: v.CustomerID, Credential: v.SessionID}
}
