package auth_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
)

// wantCode fails the test unless err carries code (and, if given, a message
// containing msg).
func wantCode(t *testing.T, err error, code connect.Code, msg string) {
	t.Helper()
	if got := connect.CodeOf(err); err == nil || got != code {
		t.Fatalf("got %v (%v), want %v", got, err, code)
	}
	var ce *connect.Error
	if msg != "" && (!errors.As(err, &ce) || !strings.Contains(ce.Message(), msg)) {
		t.Fatalf("error %v does not say %q", err, msg)
	}
}

func TestSetup(t *testing.T) {
	t.Parallel()
	t.Run("required until the first admin exists, then refused", func(t *testing.T) {
		t.Parallel()
		srv := apptest.New(t, cheapHashes)
		c := srv.NewClient(nil)
		st, err := c.Auth.GetSetupState(ctx(t), &livechatv1.GetSetupStateRequest{})
		if err != nil || !st.SetupRequired {
			t.Fatalf("GetSetupState = %v, %v; want required", st, err)
		}
		res, err := c.Auth.Setup(ctx(t), &livechatv1.SetupRequest{Username: "Boss", DisplayName: " The Boss ", Password: password})
		if err != nil {
			t.Fatal(err)
		}
		if a := res.Agent; a.Username != "boss" || a.DisplayName != "The Boss" || a.Role != livechatv1.AgentRole_AGENT_ROLE_ADMIN {
			t.Fatalf("agent = %v", a)
		}
		// Setup signed the admin in.
		me, err := c.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		if err != nil || me.Agent.Id != res.Agent.Id || me.TokenScope != livechatv1.ApiTokenScope_API_TOKEN_SCOPE_UNSPECIFIED {
			t.Fatalf("GetMe = %v, %v", me, err)
		}
		st, err = c.Auth.GetSetupState(ctx(t), &livechatv1.GetSetupStateRequest{})
		if err != nil || st.SetupRequired {
			t.Fatalf("GetSetupState after setup = %v, %v", st, err)
		}
		_, err = srv.NewClient(nil).Auth.Setup(ctx(t), &livechatv1.SetupRequest{Username: "other", DisplayName: "Other", Password: password})
		wantCode(t, err, connect.CodeFailedPrecondition, "already")
	})
	t.Run("concurrent calls: exactly one wins", func(t *testing.T) {
		t.Parallel()
		srv := apptest.New(t, cheapHashes)
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = srv.NewClient(nil).Auth.Setup(ctx(t), &livechatv1.SetupRequest{
					Username: "admin" + string(rune('a'+i)), DisplayName: "Admin", Password: password,
				})
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case connect.CodeOf(err) != connect.CodeFailedPrecondition:
				t.Errorf("unexpected error %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d Setup calls won, want 1 (%v)", wins, errs)
		}
	})
	t.Run("bad input: InvalidArgument, and nothing is created", func(t *testing.T) {
		t.Parallel()
		srv := apptest.New(t, cheapHashes)
		c := srv.NewClient(nil)
		for _, tc := range []struct {
			name string
			req  *livechatv1.SetupRequest
			msg  string
		}{
			{"ErrShortUsername", &livechatv1.SetupRequest{Username: "ab", DisplayName: "A", Password: password}, "username"},
			{"ErrUsernameChars", &livechatv1.SetupRequest{Username: "a b c", DisplayName: "A", Password: password}, "username"},
			{"ErrEmptyDisplayName", &livechatv1.SetupRequest{Username: "abc", DisplayName: "  ", Password: password}, "display name"},
			{"ErrLongDisplayName", &livechatv1.SetupRequest{Username: "abc", DisplayName: strings.Repeat("é", 65), Password: password}, "64"},
			{"ErrShortPassword", &livechatv1.SetupRequest{Username: "abc", DisplayName: "A", Password: "1234567"}, "at least 8"},
		} {
			_, err := c.Auth.Setup(ctx(t), tc.req)
			wantCode(t, err, connect.CodeInvalidArgument, tc.msg)
			if strings.Contains(err.Error(), password) {
				t.Fatalf("%s: error leaks the password", tc.name)
			}
		}
		st, _ := c.Auth.GetSetupState(ctx(t), &livechatv1.GetSetupStateRequest{})
		if !st.SetupRequired {
			t.Fatal("a failed Setup created an admin")
		}
	})
}

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createAgent(t, "lan", livechatv1.AgentRole_AGENT_ROLE_AGENT)

	t.Run("case-insensitive username; every login a new session", func(t *testing.T) {
		a, b := e.srv.NewClient(nil), e.srv.NewClient(nil)
		for _, c := range []*apptest.Client{a, b} {
			if _, err := c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: " LAN ", Password: password}); err != nil {
				t.Fatal(err)
			}
		}
		if e.sessionCookie(t, a) == e.sessionCookie(t, b) {
			t.Fatal("two logins share a session")
		}
		for _, c := range []*apptest.Client{a, b} {
			me, err := c.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
			if err != nil || me.Agent.Username != "lan" || me.Agent.LastSeenAt == nil {
				t.Fatalf("GetMe = %v, %v", me, err)
			}
		}
	})
	t.Run("unknown user, wrong password and disabled agent look the same", func(t *testing.T) {
		id := e.createAgent(t, "gone", livechatv1.AgentRole_AGENT_ROLE_AGENT)
		disabled := true
		if _, err := e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: id, Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		c := e.srv.NewClient(nil)
		for _, req := range []*livechatv1.LoginRequest{
			{Username: "nobody", Password: password},
			{Username: "lan", Password: "wrong password"},
			{Username: "gone", Password: password},
		} {
			_, err := c.Auth.Login(ctx(t), req)
			wantCode(t, err, connect.CodeUnauthenticated, "invalid username or password")
		}
	})
	t.Run("cookie: HttpOnly, SameSite=Lax, not Secure over plain HTTP", func(t *testing.T) {
		cookie := loginRaw(t, e.srv.URL, "root")
		for _, want := range []string{"livechat_session=", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="} {
			if !strings.Contains(cookie, want) {
				t.Errorf("Set-Cookie %q lacks %q", cookie, want)
			}
		}
		if strings.Contains(cookie, "Secure") {
			t.Errorf("Set-Cookie %q is Secure over plain HTTP", cookie)
		}
	})
	t.Run("cookie: Secure when forced by config", func(t *testing.T) {
		s := newEnv(t, func(c *app.Config) { c.SecureCookies = true })
		if cookie := loginRaw(t, s.srv.URL, "root"); !strings.Contains(cookie, "Secure") {
			t.Errorf("Set-Cookie %q is not Secure", cookie)
		}
	})
}

// loginRaw signs in with plain HTTP+JSON, as curl would, and returns the
// Set-Cookie header.
func loginRaw(t *testing.T, base, username string) string {
	t.Helper()
	body := `{"username":"` + username + `","password":"` + password + `"}`
	res, err := http.Post(base+"/livechat.v1.AuthService/Login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("Login: HTTP %d", res.StatusCode)
	}
	return res.Header.Get("Set-Cookie")
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.login(t, "root")
	if _, err := c.Auth.Logout(ctx(t), &livechatv1.LogoutRequest{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
	wantCode(t, err, connect.CodeUnauthenticated, "")
	// The admin's other session is untouched.
	if _, err := e.admin.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}); err != nil {
		t.Fatal(err)
	}
	// Without a session it succeeds and does nothing.
	if _, err := e.srv.NewClient(nil).Auth.Logout(ctx(t), &livechatv1.LogoutRequest{}); err != nil {
		t.Fatal(err)
	}
}

func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	t.Run("per username and address: the 6th try from there within 15 minutes is refused, even with the right password", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		c := e.srv.NewClient(nil)
		for range 5 {
			_, err := c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "root", Password: "wrong password"})
			wantCode(t, err, connect.CodeUnauthenticated, "")
		}
		_, err := c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "root", Password: password})
		wantCode(t, err, connect.CodeResourceExhausted, "try again in 15 minutes")
	})
	t.Run("per client address, across usernames known or not", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		c := e.srv.NewClient(nil)
		for _, u := range []string{"a1x", "b2x", "root", "c3x", "d4x"} {
			_, err := c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: u, Password: "wrong password"})
			wantCode(t, err, connect.CodeUnauthenticated, "")
		}
		_, err := c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "e5x", Password: "whatever1"})
		wantCode(t, err, connect.CodeResourceExhausted, "try again in")
	})
	t.Run("parallel guesses are throttled too", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		const n = 12
		codes := make([]connect.Code, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, err := e.srv.NewClient(nil).Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "root", Password: "wrong password"})
				codes[i] = connect.CodeOf(err)
			})
		}
		wg.Wait()
		checked := 0
		for _, c := range codes {
			if c == connect.CodeUnauthenticated {
				checked++
			}
		}
		if checked > 5 {
			t.Fatalf("%d of %d parallel guesses were checked, want at most 5: %v", checked, n, codes)
		}
	})
}

func TestPasswordChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createAgent(t, "mai", livechatv1.AgentRole_AGENT_ROLE_AGENT)
	a, b := e.login(t, "mai"), e.login(t, "mai")

	t.Run("ErrWrongCurrentPassword", func(t *testing.T) {
		_, err := a.Auth.ChangePassword(ctx(t), &livechatv1.ChangePasswordRequest{CurrentPassword: "not it at all", NewPassword: "new password 1"})
		wantCode(t, err, connect.CodePermissionDenied, "current password")
	})
	t.Run("wrong current passwords are throttled like sign-ins", func(t *testing.T) {
		e.createAgent(t, "vyvy", livechatv1.AgentRole_AGENT_ROLE_AGENT)
		v := e.login(t, "vyvy")
		for i := range 5 {
			_, err := v.Auth.ChangePassword(ctx(t), &livechatv1.ChangePasswordRequest{CurrentPassword: fmt.Sprintf("guess %d", i), NewPassword: "new password 1"})
			wantCode(t, err, connect.CodePermissionDenied, "current password")
		}
		_, err := v.Auth.ChangePassword(ctx(t), &livechatv1.ChangePasswordRequest{CurrentPassword: password, NewPassword: "new password 1"})
		wantCode(t, err, connect.CodeResourceExhausted, "try again in")
		_, err = e.srv.NewClient(nil).Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "vyvy", Password: password})
		wantCode(t, err, connect.CodeResourceExhausted, "try again in")
	})
	t.Run("changing my password revokes my API tokens", func(t *testing.T) {
		e.createAgent(t, "bao", livechatv1.AgentRole_AGENT_ROLE_ADMIN)
		b := e.login(t, "bao")
		_, secret := e.token(t, b, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT)
		if _, err := b.Auth.ChangePassword(ctx(t), &livechatv1.ChangePasswordRequest{CurrentPassword: password, NewPassword: "new password 2"}); err != nil {
			t.Fatal(err)
		}
		_, err := e.srv.NewClient(apptest.Bearer(secret)).Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		wantCode(t, err, connect.CodeUnauthenticated, "revoked")
	})
	t.Run("ErrShortNewPassword", func(t *testing.T) {
		_, err := a.Auth.ChangePassword(ctx(t), &livechatv1.ChangePasswordRequest{CurrentPassword: password, NewPassword: "short"})
		wantCode(t, err, connect.CodeInvalidArgument, "at least 8")
	})
	t.Run("change: this session stays, others end, the new password works", func(t *testing.T) {
		if _, err := a.Auth.ChangePassword(ctx(t), &livechatv1.ChangePasswordRequest{CurrentPassword: password, NewPassword: "new password 1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}); err != nil {
			t.Fatalf("current session: %v", err)
		}
		_, err := b.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		wantCode(t, err, connect.CodeUnauthenticated, "ended")
		_, err = e.srv.NewClient(nil).Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "mai", Password: password})
		wantCode(t, err, connect.CodeUnauthenticated, "")
		if _, err := e.srv.NewClient(nil).Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "mai", Password: "new password 1"}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("admin reset ends every session of the agent", func(t *testing.T) {
		id := e.createAgent(t, "kim", livechatv1.AgentRole_AGENT_ROLE_AGENT)
		k := e.login(t, "kim")
		if _, err := e.admin.Auth.ResetAgentPassword(ctx(t), &livechatv1.ResetAgentPasswordRequest{AgentId: id, NewPassword: "reset password"}); err != nil {
			t.Fatal(err)
		}
		_, err := k.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		wantCode(t, err, connect.CodeUnauthenticated, "")
		_, err = e.admin.Auth.ResetAgentPassword(ctx(t), &livechatv1.ResetAgentPasswordRequest{AgentId: "00000000-0000-0000-0000-000000000001", NewPassword: "reset password"})
		wantCode(t, err, connect.CodeNotFound, "")
		_, err = e.admin.Auth.ResetAgentPassword(ctx(t), &livechatv1.ResetAgentPasswordRequest{AgentId: "nope", NewPassword: "reset password"})
		wantCode(t, err, connect.CodeInvalidArgument, "")
	})
	t.Run("a new password revokes the agent's API tokens", func(t *testing.T) {
		id := e.createAgent(t, "ada", livechatv1.AgentRole_AGENT_ROLE_ADMIN)
		ada := e.login(t, "ada")
		created, err := ada.Auth.CreateApiToken(ctx(t), &livechatv1.CreateApiTokenRequest{Name: "crm", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT})
		if err != nil {
			t.Fatal(err)
		}
		token := e.srv.NewClient(apptest.Bearer(created.Secret))
		if _, err := token.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}); err != nil {
			t.Fatalf("token before reset: %v", err)
		}
		if _, err := e.admin.Auth.ResetAgentPassword(ctx(t), &livechatv1.ResetAgentPasswordRequest{AgentId: id, NewPassword: "reset password"}); err != nil {
			t.Fatal(err)
		}
		_, err = token.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
		wantCode(t, err, connect.CodeUnauthenticated, "")
	})
}

func TestAgents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("create: validation and case-insensitive uniqueness", func(t *testing.T) {
		e.createAgent(t, "zoe", livechatv1.AgentRole_AGENT_ROLE_AGENT)
		for _, tc := range []struct {
			req  *livechatv1.CreateAgentRequest
			code connect.Code
		}{
			{&livechatv1.CreateAgentRequest{Username: "ZOE", DisplayName: "Z", Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: password}, connect.CodeAlreadyExists},
			{&livechatv1.CreateAgentRequest{Username: "x", DisplayName: "X", Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: password}, connect.CodeInvalidArgument},
			{&livechatv1.CreateAgentRequest{Username: strings.Repeat("x", 33), DisplayName: "X", Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: password}, connect.CodeInvalidArgument},
			{&livechatv1.CreateAgentRequest{Username: "xyz", DisplayName: "X\x00", Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: password}, connect.CodeInvalidArgument},
			{&livechatv1.CreateAgentRequest{Username: "xyz", DisplayName: "X", Password: password}, connect.CodeInvalidArgument},
			{&livechatv1.CreateAgentRequest{Username: "xyz", DisplayName: "X", Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: strings.Repeat("p", 257)}, connect.CodeInvalidArgument},
		} {
			_, err := e.admin.Auth.CreateAgent(ctx(t), tc.req)
			wantCode(t, err, tc.code, "")
		}
	})
	t.Run("list: everyone by display name, disabled included, with status", func(t *testing.T) {
		id := e.createAgent(t, "aaron", livechatv1.AgentRole_AGENT_ROLE_AGENT)
		disabled := true
		if _, err := e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: id, Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		res, err := e.admin.Auth.ListAgents(ctx(t), &livechatv1.ListAgentsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range res.Agents {
			names = append(names, a.DisplayName)
			if a.Online || a.Status == livechatv1.AgentStatus_AGENT_STATUS_UNSPECIFIED {
				t.Errorf("agent %s: online %v status %v", a.Username, a.Online, a.Status)
			}
		}
		if got := strings.Join(names, ","); !strings.HasPrefix(got, "Agent aaron,") || !strings.Contains(got, "Root Admin") {
			t.Fatalf("order: %s", got)
		}
		if !res.Agents[0].Disabled {
			t.Fatal("disabled flag not listed")
		}
	})
	t.Run("set my status", func(t *testing.T) {
		res, err := e.admin.Auth.SetMyStatus(ctx(t), &livechatv1.SetMyStatusRequest{Status: livechatv1.AgentStatus_AGENT_STATUS_AWAY})
		if err != nil || res.Agent.Status != livechatv1.AgentStatus_AGENT_STATUS_AWAY {
			t.Fatalf("SetMyStatus = %v, %v", res, err)
		}
		_, err = e.admin.Auth.SetMyStatus(ctx(t), &livechatv1.SetMyStatusRequest{})
		wantCode(t, err, connect.CodeInvalidArgument, "")
	})
	t.Run("update: only set fields change", func(t *testing.T) {
		id := e.createAgent(t, "bea", livechatv1.AgentRole_AGENT_ROLE_AGENT)
		name, role := "Beatrice", livechatv1.AgentRole_AGENT_ROLE_ADMIN
		res, err := e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: id, DisplayName: &name, Role: &role})
		if err != nil || res.Agent.DisplayName != name || res.Agent.Role != role || res.Agent.Disabled {
			t.Fatalf("UpdateAgent = %v, %v", res, err)
		}
		_, err = e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: "00000000-0000-0000-0000-000000000001", DisplayName: &name})
		wantCode(t, err, connect.CodeNotFound, "")
		bad := livechatv1.AgentRole_AGENT_ROLE_UNSPECIFIED
		_, err = e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: id, Role: &bad})
		wantCode(t, err, connect.CodeInvalidArgument, "")
	})
}

func TestLastAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	yes, agentRole := true, livechatv1.AgentRole_AGENT_ROLE_AGENT
	t.Run("cannot be disabled or demoted", func(t *testing.T) {
		_, err := e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: e.adminID, Disabled: &yes})
		wantCode(t, err, connect.CodeFailedPrecondition, "last enabled admin")
		_, err = e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: e.adminID, Role: &agentRole})
		wantCode(t, err, connect.CodeFailedPrecondition, "last enabled admin")
	})
	t.Run("two admins demoting each other at once: one stays admin", func(t *testing.T) {
		otherID := e.createAgent(t, "second", livechatv1.AgentRole_AGENT_ROLE_ADMIN)
		other := e.login(t, "second")
		var wg sync.WaitGroup
		var err1, err2 error
		wg.Go(func() {
			_, err1 = e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: otherID, Role: &agentRole})
		})
		wg.Go(func() {
			_, err2 = other.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: e.adminID, Role: &agentRole})
		})
		wg.Wait()
		if (err1 == nil) == (err2 == nil) {
			t.Fatalf("want exactly one success: %v / %v", err1, err2)
		}
		for _, err := range []error{err1, err2} {
			if err != nil && connect.CodeOf(err) != connect.CodeFailedPrecondition && connect.CodeOf(err) != connect.CodePermissionDenied {
				t.Fatalf("unexpected error %v", err)
			}
		}
	})
}

func TestDisablingAnAgent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.createAgent(t, "ops", livechatv1.AgentRole_AGENT_ROLE_ADMIN)
	ops := e.login(t, "ops")
	_, secret := e.token(t, ops, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN)
	tok := e.srv.NewClient(apptest.Bearer(secret))
	if _, err := tok.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}); err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	if _, err := e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: id, Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	_, err := ops.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
	wantCode(t, err, connect.CodeUnauthenticated, "")
	_, err = tok.Auth.ListAgents(ctx(t), &livechatv1.ListAgentsRequest{})
	wantCode(t, err, connect.CodeUnauthenticated, "disabled")

	// Enabled again: the token acts again, ended sessions stay ended.
	if _, err := e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: id, Disabled: &no}); err != nil {
		t.Fatal(err)
	}
	if _, err := tok.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}); err != nil {
		t.Fatal(err)
	}
	_, err = ops.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
	wantCode(t, err, connect.CodeUnauthenticated, "")
}
