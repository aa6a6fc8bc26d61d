package auth_test

import (
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
)

// TestCachedCredentialsNeverOutliveARevocation: instances reuse credential
// lookups for a few seconds, but a revocation or a change of an agent on
// one instance takes effect on every other at once, well within that time.
func TestCachedCredentialsNeverOutliveARevocation(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a := apptest.NewOnPool(t, pool, cheapHashes)
	b := apptest.NewOnPool(t, pool, cheapHashes)
	root := a.NewClient(nil)
	res, err := root.Auth.Setup(ctx(t), &livechatv1.SetupRequest{Username: "root", DisplayName: "Root", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: a, admin: root, adminID: res.Agent.Id}

	// within waits (much less than the cache's 10 s) until call's code is want.
	within := func(t *testing.T, what string, want connect.Code, call func() error) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for {
			err := call()
			if connect.CodeOf(err) == want && (want != 0 || err == nil) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still %v after 3s", what, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	t.Run("a token revoked on one instance stops working on the other", func(t *testing.T) {
		id, secret := e.token(t, root, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN)
		onB := b.NewClient(apptest.Bearer(secret))
		if _, err := onB.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}); err != nil {
			t.Fatal(err) // now cached on b
		}
		if _, err := root.Auth.RevokeApiToken(ctx(t), &livechatv1.RevokeApiTokenRequest{TokenId: id}); err != nil {
			t.Fatal(err)
		}
		within(t, "GetMe on b", connect.CodeUnauthenticated, func() error {
			_, err := onB.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
			return err
		})
	})
	t.Run("an admin demoted on one instance is no admin on the other", func(t *testing.T) {
		id := e.createAgent(t, "boss", livechatv1.AgentRole_AGENT_ROLE_ADMIN)
		boss := e.login(t, "boss")
		cookie := e.sessionCookie(t, boss)
		onB := b.NewClient(map[string][]string{"Cookie": {"livechat_session=" + cookie}})
		if _, err := onB.Auth.ListApiTokens(ctx(t), &livechatv1.ListApiTokensRequest{}); err != nil {
			t.Fatal(err) // an admin call, now cached on b
		}
		role := livechatv1.AgentRole_AGENT_ROLE_AGENT
		if _, err := root.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: id, Role: &role}); err != nil {
			t.Fatal(err)
		}
		within(t, "an admin call on b", connect.CodePermissionDenied, func() error {
			_, err := onB.Auth.ListApiTokens(ctx(t), &livechatv1.ListApiTokensRequest{})
			return err
		})
	})
	t.Run("signing out on one instance ends the session on the other", func(t *testing.T) {
		e.createAgent(t, "leaver", livechatv1.AgentRole_AGENT_ROLE_AGENT)
		c := e.login(t, "leaver")
		onB := b.NewClient(map[string][]string{"Cookie": {"livechat_session=" + e.sessionCookie(t, c)}})
		if _, err := onB.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Auth.Logout(ctx(t), &livechatv1.LogoutRequest{}); err != nil {
			t.Fatal(err)
		}
		within(t, "GetMe on b", connect.CodeUnauthenticated, func() error {
			_, err := onB.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
			return err
		})
	})
}
