package auth_test

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
)

// TestRequireTwoFactorForEveryone: with the installation's switch on, an
// agent without a second factor may only see who they are, enrol and sign
// out; once enrolled the same session works; the second factor cannot be
// turned off; API tokens are not sign-ins and keep working; the switch is
// audited.
func TestRequireTwoFactorForEveryone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, adminToken := e.token(t, e.admin, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN)
	api := e.srv.NewClient(apptest.Bearer(adminToken))
	e.createAgent(t, "lan", livechatv1.AgentRole_AGENT_ROLE_AGENT)
	lan := e.srv.NewClient(nil)
	if _, err := lan.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "lan", Password: password}); err != nil {
		t.Fatal(err)
	}
	list := func(c *apptest.Client) error {
		_, err := c.Conversation.ListConversations(ctx(t), &livechatv1.ListConversationsRequest{})
		return err
	}
	if err := list(lan); err != nil {
		t.Fatalf("before the switch: %v", err)
	}
	set := func(on bool) {
		t.Helper()
		res, err := e.admin.Auth.UpdateSecuritySettings(ctx(t), &livechatv1.UpdateSecuritySettingsRequest{Settings: &livechatv1.SecuritySettings{RequireTwoFactor: on}})
		if err != nil || res.Settings.RequireTwoFactor != on {
			t.Fatalf("UpdateSecuritySettings(%v) = %v, %v", on, res, err)
		}
	}
	set(true)

	t.Run("the switch is audited", func(t *testing.T) {
		res, err := api.Audit.ListAuditEntries(ctx(t), &livechatv1.ListAuditEntriesRequest{Filter: &livechatv1.AuditFilter{Action: "settings.changed"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Entries) != 1 || res.Entries[0].TargetId != "security" || res.Entries[0].ActorName != "Root Admin" {
			t.Fatalf("entries = %v", res.Entries)
		}
		ch, _ := res.Entries[0].Details.AsMap()["require_two_factor"].(map[string]any)
		if ch["from"] != false || ch["to"] != true {
			t.Fatalf("details = %v", res.Entries[0].Details.AsMap())
		}
	})

	t.Run("an agent without a second factor may only enrol", func(t *testing.T) {
		me, err := lan.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		if err != nil || !me.TwoFactorRequired || me.Agent.TwoFactorEnabled {
			t.Fatalf("GetMe = %v, %v; want required and not enabled", me, err)
		}
		apptest.WantReason(t, list(lan), connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_TWO_FACTOR_REQUIRED)
		sctx, cancel := context.WithTimeout(ctx(t), 2*time.Second)
		defer cancel()
		stream, err := lan.Conversation.Subscribe(sctx, &livechatv1.SubscribeRequest{})
		if err == nil {
			_, err = stream.Receive()
		}
		apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_TWO_FACTOR_REQUIRED)
		// A fresh sign-in is led the same way.
		again := e.srv.NewClient(nil)
		if _, err := again.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "lan", Password: password}); err != nil {
			t.Fatal(err)
		}
		apptest.WantReason(t, list(again), connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_TWO_FACTOR_REQUIRED)
		// So is the admin who turned it on; their API token is not.
		apptest.WantReason(t, list(e.admin), connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_TWO_FACTOR_REQUIRED)
		if err := list(api); err != nil {
			t.Fatalf("an API token: %v", err)
		}
	})

	t.Run("enrolling lets the same session in", func(t *testing.T) {
		enrol(t, lan)
		if err := list(lan); err != nil {
			t.Fatalf("after enrolling: %v", err)
		}
		_, err := lan.Auth.DisableTwoFactor(ctx(t), &livechatv1.DisableTwoFactorRequest{Password: password, Code: "123456"})
		apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_TWO_FACTOR_REQUIRED)
	})

	t.Run("an admin's reset leads the agent to enrol again", func(t *testing.T) {
		me, err := lan.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := api.Auth.ResetAgentTwoFactor(ctx(t), &livechatv1.ResetAgentTwoFactorRequest{AgentId: me.Agent.Id}); err != nil {
			t.Fatal(err)
		}
		apptest.WantReason(t, list(lan), connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_TWO_FACTOR_REQUIRED)
	})

	t.Run("turning it off lets everyone in", func(t *testing.T) {
		if _, err := api.Auth.UpdateSecuritySettings(ctx(t), &livechatv1.UpdateSecuritySettingsRequest{Settings: &livechatv1.SecuritySettings{}}); err != nil {
			t.Fatal(err)
		}
		if err := list(lan); err != nil {
			t.Fatalf("after turning it off: %v", err)
		}
		if err := list(e.admin); err != nil {
			t.Fatalf("the admin after turning it off: %v", err)
		}
	})
}
