package auth_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
)

func TestAPITokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res, err := e.admin.Auth.CreateApiToken(ctx(t), &livechatv1.CreateApiTokenRequest{Name: " CRM sync ", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN})
	if err != nil {
		t.Fatal(err)
	}
	secret, tok := res.Secret, res.Token

	t.Run("shown once with the lc_ prefix, stored as a hash", func(t *testing.T) {
		if !strings.HasPrefix(secret, "lc_") || len(secret) < 40 || !strings.HasPrefix(secret, tok.Prefix) || len(tok.Prefix) >= len(secret) {
			t.Fatalf("secret %q, prefix %q", secret, tok.Prefix)
		}
		if tok.Name != "CRM sync" || tok.AgentId != e.adminID || tok.AgentName != "Root Admin" || tok.LastUsedAt != nil {
			t.Fatalf("token = %v", tok)
		}
		var n int
		if err := e.srv.Pool.QueryRow(ctx(t), `SELECT count(*) FROM api_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, secret).Scan(&n); err != nil || n != 1 {
			t.Fatalf("stored hash rows = %d, %v", n, err)
		}
	})
	t.Run("acts for its admin on unary calls and streams; last use is listed", func(t *testing.T) {
		c := e.srv.NewClient(apptest.Bearer(secret))
		me, err := c.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		if err != nil || me.Agent.Id != e.adminID || me.TokenScope != livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN {
			t.Fatalf("GetMe = %v, %v", me, err)
		}
		if _, err := c.Auth.ListAgents(ctx(t), &livechatv1.ListAgentsRequest{}); err != nil {
			t.Fatal(err)
		}
		if code := streamCode(t, c); code == connect.CodeUnauthenticated || code == connect.CodePermissionDenied {
			t.Fatalf("Subscribe with a token: %v", code)
		}
		list, err := e.admin.Auth.ListApiTokens(ctx(t), &livechatv1.ListApiTokensRequest{})
		if err != nil || len(list.Tokens) != 1 || list.Tokens[0].LastUsedAt == nil {
			t.Fatalf("ListApiTokens = %v, %v", list, err)
		}
	})
	t.Run("agent scope caps an admin's token", func(t *testing.T) {
		_, agentSecret := e.token(t, e.admin, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT)
		c := e.srv.NewClient(apptest.Bearer(agentSecret))
		_, err := c.Auth.ListApiTokens(ctx(t), &livechatv1.ListApiTokensRequest{})
		wantCode(t, err, connect.CodePermissionDenied, "agent only")
		me, err := c.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		if err != nil || me.TokenScope != livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT {
			t.Fatalf("GetMe = %v, %v", me, err)
		}
		_, err = c.Auth.ChangePassword(ctx(t), &livechatv1.ChangePasswordRequest{CurrentPassword: password, NewPassword: password})
		wantCode(t, err, connect.CodePermissionDenied, "session")
	})
	t.Run("a demoted admin's admin token acts as an agent", func(t *testing.T) {
		id := e.createAgent(t, "demoted", livechatv1.AgentRole_AGENT_ROLE_ADMIN)
		_, s := e.token(t, e.login(t, "demoted"), livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN)
		role := livechatv1.AgentRole_AGENT_ROLE_AGENT
		if _, err := e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: id, Role: &role}); err != nil {
			t.Fatal(err)
		}
		_, err := e.srv.NewClient(apptest.Bearer(s)).Auth.ListApiTokens(ctx(t), &livechatv1.ListApiTokensRequest{})
		wantCode(t, err, connect.CodePermissionDenied, "")
	})
	t.Run("revoked at once, on streams too; revoking again keeps the first time", func(t *testing.T) {
		id, s := e.token(t, e.admin, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT)
		c := e.srv.NewClient(apptest.Bearer(s))
		first, err := e.admin.Auth.RevokeApiToken(ctx(t), &livechatv1.RevokeApiTokenRequest{TokenId: id})
		if err != nil || first.Token.RevokedAt == nil {
			t.Fatalf("RevokeApiToken = %v, %v", first, err)
		}
		_, err = c.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		wantCode(t, err, connect.CodeUnauthenticated, "revoked")
		if code := streamCode(t, c); code != connect.CodeUnauthenticated {
			t.Fatalf("Subscribe with a revoked token: %v", code)
		}
		again, err := e.admin.Auth.RevokeApiToken(ctx(t), &livechatv1.RevokeApiTokenRequest{TokenId: id})
		if err != nil || !again.Token.RevokedAt.AsTime().Equal(first.Token.RevokedAt.AsTime()) {
			t.Fatalf("second revoke = %v, %v", again, err)
		}
		_, err = e.admin.Auth.RevokeApiToken(ctx(t), &livechatv1.RevokeApiTokenRequest{TokenId: "00000000-0000-0000-0000-000000000001"})
		wantCode(t, err, connect.CodeNotFound, "")
	})
	t.Run("bad input", func(t *testing.T) {
		for _, req := range []*livechatv1.CreateApiTokenRequest{
			{Name: "", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT},
			{Name: strings.Repeat("n", 65), Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT},
			{Name: "x"},
		} {
			_, err := e.admin.Auth.CreateApiToken(ctx(t), req)
			wantCode(t, err, connect.CodeInvalidArgument, "")
		}
	})
	t.Run("malformed Authorization headers are refused clearly", func(t *testing.T) {
		for _, h := range []string{"Basic dXNlcjpwYXNz", "Bearer", "Bearer xyz", "Bearer lc_unknown"} {
			c := e.srv.NewClient(http.Header{"Authorization": {h}})
			_, err := c.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
			wantCode(t, err, connect.CodeUnauthenticated, "")
		}
	})
}

// streamCode opens ConversationService.Subscribe and returns how it ends
// within a moment (0 when it stays open or delivers an event).
func streamCode(t *testing.T, c *apptest.Client) connect.Code {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx(t), time.Second)
	defer cancel()
	s, err := c.Conversation.Subscribe(sctx, &livechatv1.SubscribeRequest{})
	if err == nil {
		_, err = s.Receive()
	}
	if err == nil || sctx.Err() != nil {
		return 0
	}
	return connect.CodeOf(err)
}

func TestCrossSiteRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cookie := e.sessionCookie(t, e.admin)
	for _, tc := range []struct {
		name   string
		header http.Header
		code   connect.Code // 0: accepted
	}{
		{"no browser headers (curl, buf curl)", nil, 0},
		{"same origin", http.Header{"Origin": {e.srv.URL}, "Sec-Fetch-Site": {"same-origin"}}, 0},
		{"cross-origin fetch with credentials", http.Header{"Origin": {"https://evil.example"}}, connect.CodePermissionDenied},
		{"cross-site per Sec-Fetch-Site", http.Header{"Sec-Fetch-Site": {"cross-site"}}, connect.CodePermissionDenied},
		{"same-site sibling", http.Header{"Sec-Fetch-Site": {"same-site"}}, connect.CodePermissionDenied},
		{"opaque origin", http.Header{"Origin": {"null"}}, connect.CodePermissionDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.withCookie(cookie, tc.header)
			_, err := c.Auth.ListApiTokens(ctx(t), &livechatv1.ListApiTokensRequest{})
			if tc.code == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.code, "cross-origin")
			// Public calls still work: the cookie is just not used.
			if _, err := c.Auth.GetSetupState(ctx(t), &livechatv1.GetSetupStateRequest{}); err != nil {
				t.Fatal(err)
			}
			// Sign-in and sign-out refuse other sites outright.
			_, err = c.Auth.Logout(ctx(t), &livechatv1.LogoutRequest{})
			wantCode(t, err, connect.CodePermissionDenied, "")
			_, err = e.srv.NewClient(tc.header).Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "root", Password: password})
			wantCode(t, err, connect.CodePermissionDenied, "")
		})
	}
	t.Run("a form post never reaches a handler", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/livechat.v1.AuthService/CreateApiToken", strings.NewReader("name=x&scope=2"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", "livechat_session="+cookie)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("form post: HTTP %d", res.StatusCode)
		}
	})
	t.Run("with a public URL, only its origin is the dashboard", func(t *testing.T) {
		p := newEnv(t, func(c *app.Config) { c.PublicURL = "https://chat.example.com" })
		ck := p.sessionCookie(t, p.admin)
		_, err := p.withCookie(ck, http.Header{"Origin": {"https://chat.example.com"}}).Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.withCookie(ck, http.Header{"Origin": {p.srv.URL}}).Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		wantCode(t, err, connect.CodePermissionDenied, "")
	})
}
