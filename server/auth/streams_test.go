package auth_test

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
)

// liveStream is an open ConversationService.Subscribe stream read in the
// background.
type liveStream struct {
	events chan *livechatv1.Event
	ended  chan error
}

// openStream opens a stream as c and waits for its READY.
func openStream(t *testing.T, c *apptest.Client) *liveStream {
	t.Helper()
	sctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, err := c.Conversation.Subscribe(sctx, &livechatv1.SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	s := &liveStream{events: make(chan *livechatv1.Event, 256), ended: make(chan error, 1)}
	go func() {
		for {
			res, err := st.Receive()
			if err != nil {
				s.ended <- err
				return
			}
			s.events <- res.GetEvent()
		}
	}()
	s.next(t, func(ev *livechatv1.Event) bool { return ev.GetReady() != nil })
	return s
}

// next waits for an event that match accepts; the stream must not end.
func (s *liveStream) next(t *testing.T, match func(*livechatv1.Event) bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-s.events:
			if match(ev) {
				return
			}
		case err := <-s.ended:
			t.Fatalf("stream ended: %v", err)
		case <-timeout:
			t.Fatal("no matching event within 10s")
		}
	}
}

// endsWith waits for the stream to end with code and reason.
func (s *liveStream) endsWith(t *testing.T, code connect.Code, reason livechatv1.ErrorReason) {
	t.Helper()
	select {
	case err := <-s.ended:
		if connect.CodeOf(err) != code || apperr.DetailOf(err).GetReason() != reason {
			t.Fatalf("stream ended with %v (detail %v), want %v with reason %v", err, apperr.DetailOf(err), code, reason)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("stream still open 10s after its credentials were revoked")
	}
}

// stillOpen proves a stream lives on: it receives the presence event of a
// status change made now.
func (s *liveStream) stillOpen(t *testing.T, e *env, as *apptest.Client) {
	t.Helper()
	for _, st := range []livechatv1.AgentStatus{livechatv1.AgentStatus_AGENT_STATUS_AWAY, livechatv1.AgentStatus_AGENT_STATUS_ONLINE} {
		if _, err := as.Auth.SetMyStatus(ctx(t), &livechatv1.SetMyStatusRequest{Status: st}); err != nil {
			t.Fatal(err)
		}
		s.next(t, func(ev *livechatv1.Event) bool { return ev.GetPresence().GetStatus() == st })
	}
}

// TestOpenStreamsEndWhenCredentialsAreRevoked: a stream is authorised when
// it opens but may stay open for days; when what opened it is revoked, it
// ends with UNAUTHENTICATED at once, saying which credential ended (a
// dashboard session, or an API token — revoked or its agent disabled), and
// streams of other credentials go on.
func TestOpenStreamsEndWhenCredentialsAreRevoked(t *testing.T) {
	t.Parallel()
	const (
		sessionEnded = livechatv1.ErrorReason_ERROR_REASON_SESSION_ENDED
		tokenRevoked = livechatv1.ErrorReason_ERROR_REASON_TOKEN_REVOKED
	)
	e := newEnv(t)

	t.Run("signing out ends that session's streams only", func(t *testing.T) {
		e.createAgent(t, "lan", livechatv1.AgentRole_AGENT_ROLE_AGENT)
		laptop, phone := e.login(t, "lan"), e.login(t, "lan")
		onLaptop, onPhone := openStream(t, laptop), openStream(t, phone)
		if _, err := laptop.Auth.Logout(ctx(t), &livechatv1.LogoutRequest{}); err != nil {
			t.Fatal(err)
		}
		onLaptop.endsWith(t, connect.CodeUnauthenticated, sessionEnded)
		onPhone.stillOpen(t, e, phone)
	})
	t.Run("revoking an API token ends its streams", func(t *testing.T) {
		id, secret := e.token(t, e.admin, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT)
		backend := openStream(t, e.srv.NewClient(apptest.Bearer(secret)))
		dashboard := openStream(t, e.admin)
		if _, err := e.admin.Auth.RevokeApiToken(ctx(t), &livechatv1.RevokeApiTokenRequest{TokenId: id}); err != nil {
			t.Fatal(err)
		}
		backend.endsWith(t, connect.CodeUnauthenticated, tokenRevoked)
		dashboard.stillOpen(t, e, e.admin)
	})
	t.Run("disabling an agent ends their session and token streams", func(t *testing.T) {
		id := e.createAgent(t, "hoa", livechatv1.AgentRole_AGENT_ROLE_ADMIN)
		hoa := e.login(t, "hoa")
		_, secret := e.token(t, hoa, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN)
		session, token := openStream(t, hoa), openStream(t, e.srv.NewClient(apptest.Bearer(secret)))
		disabled := true
		if _, err := e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: id, Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		session.endsWith(t, connect.CodeUnauthenticated, sessionEnded)
		token.endsWith(t, connect.CodeUnauthenticated, tokenRevoked)
	})
	t.Run("changing my password ends my other sessions' streams, not this one's", func(t *testing.T) {
		e.createAgent(t, "minh", livechatv1.AgentRole_AGENT_ROLE_AGENT)
		here, elsewhere := e.login(t, "minh"), e.login(t, "minh")
		onHere, onElsewhere := openStream(t, here), openStream(t, elsewhere)
		if _, err := here.Auth.ChangePassword(ctx(t), &livechatv1.ChangePasswordRequest{CurrentPassword: password, NewPassword: "a brand new passphrase"}); err != nil {
			t.Fatal(err)
		}
		onElsewhere.endsWith(t, connect.CodeUnauthenticated, sessionEnded)
		onHere.stillOpen(t, e, here)
	})
	t.Run("an admin resetting a password ends all of that agent's streams", func(t *testing.T) {
		id := e.createAgent(t, "thu", livechatv1.AgentRole_AGENT_ROLE_AGENT)
		s := openStream(t, e.login(t, "thu"))
		if _, err := e.admin.Auth.ResetAgentPassword(ctx(t), &livechatv1.ResetAgentPasswordRequest{AgentId: id, NewPassword: "another long passphrase"}); err != nil {
			t.Fatal(err)
		}
		s.endsWith(t, connect.CodeUnauthenticated, sessionEnded)
	})
}
