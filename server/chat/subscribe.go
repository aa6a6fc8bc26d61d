package chat

import (
	"context"

	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/realtime"
)

// Subscribe streams every event the calling agent may see through send
// until ctx ends; cursors, READY, heartbeats and the errors that end a
// stream are the realtime hub's. A stream opened at the dashboard keeps its
// agent online; one opened with an API token does not, since a backend
// holding a stream is not a person who can answer. The stream ends when its
// session or token is revoked or its agent disabled.
func (s *Service) Subscribe(ctx context.Context, cursor string, send func(*livechatv1.Event) error) error {
	p, err := agent(ctx)
	if err != nil {
		return err
	}
	if s.hub == nil {
		return apperr.New(apperr.NotAvailable, "live events are not available on this server")
	}
	f := realtime.Filter{AgentID: p.AgentID, NoPresence: p.TokenID != uuid.Nil, Credential: p.SessionID}
	if p.TokenID != uuid.Nil {
		f.Credential, f.TokenCredential = p.TokenID, true
	}
	return s.hub.Subscribe(ctx, f, cursor, send)
}
