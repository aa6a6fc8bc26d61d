package auth_test

import (
	"connectrpc.com/connect/v2"
	"encoding/base32"
	"testing"
	"time"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/totp"
)

// codeAt is what an authenticator app shows for secret, offset steps from
// now (the server accepts one step either way).
func codeAt(t *testing.T, secret string, offset int64) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	return totp.Code(key, totp.Counter(time.Now())+offset, totp.Digits)
}

// enrol enables TOTP for the signed-in client and returns the secret and
// the recovery codes.
func enrol(t *testing.T, c *apptest.Client) (string, []string) {
	t.Helper()
	start, err := c.Auth.StartTwoFactorEnrolment(ctx(t), &livechatv1.StartTwoFactorEnrolmentRequest{})
	if err != nil {
		t.Fatalf("StartTwoFactorEnrolment: %v", err)
	}
	_, err = c.Auth.ConfirmTwoFactor(ctx(t), &livechatv1.ConfirmTwoFactorRequest{Code: codeAt(t, start.Secret, 0) + "0"})
	apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_WRONG_CODE)
	res, err := c.Auth.ConfirmTwoFactor(ctx(t), &livechatv1.ConfirmTwoFactorRequest{Code: codeAt(t, start.Secret, -1)})
	if err != nil {
		t.Fatalf("ConfirmTwoFactor: %v", err)
	}
	return start.Secret, res.RecoveryCodes
}

// challenge logs in with the password and returns the second-factor
// challenge, checking no session was started.
func challenge(t *testing.T, c *apptest.Client, username string) string {
	t.Helper()
	res, err := c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: username, Password: password})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if res.SecondFactorChallenge == "" || res.Agent != nil {
		t.Fatalf("Login = %v, want a challenge and no agent", res)
	}
	if _, err := c.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}); err == nil {
		t.Fatal("a password alone signed in an agent with a second factor")
	}
	return res.SecondFactorChallenge
}

func TestTwoFactorSignIn(t *testing.T) {
	e := newEnv(t)
	e.createAgent(t, "tess", livechatv1.AgentRole_AGENT_ROLE_AGENT)
	tess := e.login(t, "tess")
	secret, recovery := enrol(t, tess)
	if len(recovery) != 10 {
		t.Fatalf("%d recovery codes, want 10", len(recovery))
	}
	// The secret is not handed out again once confirmed.
	_, err := tess.Auth.StartTwoFactorEnrolment(ctx(t), &livechatv1.StartTwoFactorEnrolmentRequest{})
	apptest.WantReason(t, err, connect.CodeFailedPrecondition, livechatv1.ErrorReason_ERROR_REASON_TWO_FACTOR_STATE)
	me, err := tess.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
	if err != nil || !me.Agent.TwoFactorEnabled {
		t.Fatalf("GetMe = %v, %v; want two_factor_enabled", me, err)
	}

	c := e.srv.NewClient(nil)
	ch := challenge(t, c, "tess")
	_, err = c.Auth.CompleteLogin(ctx(t), &livechatv1.CompleteLoginRequest{Challenge: ch, Code: "000000"})
	apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_WRONG_CODE)
	// The code confirmed the enrolment with (step -1) is spent already.
	_, err = c.Auth.CompleteLogin(ctx(t), &livechatv1.CompleteLoginRequest{Challenge: ch, Code: codeAt(t, secret, -1)})
	apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_WRONG_CODE)
	res, err := c.Auth.CompleteLogin(ctx(t), &livechatv1.CompleteLoginRequest{Challenge: ch, Code: codeAt(t, secret, 0)})
	if err != nil || res.Agent.GetUsername() != "tess" {
		t.Fatalf("CompleteLogin = %v, %v", res, err)
	}
	if _, err := c.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}); err != nil {
		t.Fatalf("GetMe after CompleteLogin: %v", err)
	}
	// A challenge is spent by its success.
	_, err = c.Auth.CompleteLogin(ctx(t), &livechatv1.CompleteLoginRequest{Challenge: ch, Code: codeAt(t, secret, 1)})
	apptest.WantReason(t, err, connect.CodeUnauthenticated, livechatv1.ErrorReason_ERROR_REASON_SIGN_IN_EXPIRED)

	// The same code again, on a new challenge: refused.
	c2 := e.srv.NewClient(nil)
	ch = challenge(t, c2, "tess")
	_, err = c2.Auth.CompleteLogin(ctx(t), &livechatv1.CompleteLoginRequest{Challenge: ch, Code: codeAt(t, secret, 0)})
	apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_WRONG_CODE)

	// A recovery code works once, typed in capitals without its dash.
	typed := recovery[3][:5] + recovery[3][6:]
	if _, err := c2.Auth.CompleteLogin(ctx(t), &livechatv1.CompleteLoginRequest{Challenge: ch, Code: " " + typed + " "}); err != nil {
		t.Fatalf("CompleteLogin with a recovery code: %v", err)
	}
	c3 := e.srv.NewClient(nil)
	ch = challenge(t, c3, "tess")
	_, err = c3.Auth.CompleteLogin(ctx(t), &livechatv1.CompleteLoginRequest{Challenge: ch, Code: recovery[3]})
	apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_WRONG_CODE)

	// Unknown challenges are refused as expired.
	_, err = c3.Auth.CompleteLogin(ctx(t), &livechatv1.CompleteLoginRequest{Challenge: "nope", Code: codeAt(t, secret, 1)})
	apptest.WantReason(t, err, connect.CodeUnauthenticated, livechatv1.ErrorReason_ERROR_REASON_SIGN_IN_EXPIRED)

	// API tokens are unaffected: an admin with a second factor still uses
	// their token.
	_, adminToken := e.token(t, e.admin, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN)
	enrol(t, e.admin)
	if _, err := e.srv.NewClient(apptest.Bearer(adminToken)).Auth.ListAgents(ctx(t), &livechatv1.ListAgentsRequest{}); err != nil {
		t.Fatalf("token after enrolment: %v", err)
	}
}

func TestTwoFactorCodesAreThrottled(t *testing.T) {
	e := newEnv(t)
	e.createAgent(t, "tom", livechatv1.AgentRole_AGENT_ROLE_AGENT)
	secret, _ := enrol(t, e.login(t, "tom"))
	c := e.srv.NewClient(nil)
	ch := challenge(t, c, "tom")
	var err error
	for range 5 {
		_, err = c.Auth.CompleteLogin(ctx(t), &livechatv1.CompleteLoginRequest{Challenge: ch, Code: "123456"})
		apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_WRONG_CODE)
	}
	// Now even the right code is refused from this address, and the right
	// password does not reset the count.
	_, err = c.Auth.CompleteLogin(ctx(t), &livechatv1.CompleteLoginRequest{Challenge: ch, Code: codeAt(t, secret, 0)})
	apptest.WantReason(t, err, connect.CodeResourceExhausted, livechatv1.ErrorReason_ERROR_REASON_SIGN_IN_THROTTLED)
	_, err = c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "tom", Password: password})
	apptest.WantReason(t, err, connect.CodeResourceExhausted, livechatv1.ErrorReason_ERROR_REASON_SIGN_IN_THROTTLED)
}

func TestTwoFactorDisableAndAdminReset(t *testing.T) {
	e := newEnv(t)
	id := e.createAgent(t, "dee", livechatv1.AgentRole_AGENT_ROLE_AGENT)
	dee := e.login(t, "dee")
	secret, _ := enrol(t, dee)

	_, err := dee.Auth.DisableTwoFactor(ctx(t), &livechatv1.DisableTwoFactorRequest{Password: "wrong password", Code: codeAt(t, secret, 0)})
	apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_WRONG_PASSWORD)
	_, err = dee.Auth.DisableTwoFactor(ctx(t), &livechatv1.DisableTwoFactorRequest{Password: password, Code: "000000"})
	apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_WRONG_CODE)
	if _, err := dee.Auth.DisableTwoFactor(ctx(t), &livechatv1.DisableTwoFactorRequest{Password: password, Code: codeAt(t, secret, 0)}); err != nil {
		t.Fatalf("DisableTwoFactor: %v", err)
	}
	e.login(t, "dee") // the password alone signs in again

	// An admin resets a second factor: the agent signs in with the password.
	enrol(t, dee)
	challenge(t, e.srv.NewClient(nil), "dee")
	agents, err := e.admin.Auth.ListAgents(ctx(t), &livechatv1.ListAgentsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range agents.Agents {
		if a.Id == id && !a.TwoFactorEnabled {
			t.Error("ListAgents does not show dee's second factor")
		}
	}
	_, err = dee.Auth.ResetAgentTwoFactor(ctx(t), &livechatv1.ResetAgentTwoFactorRequest{AgentId: id})
	apptest.WantReason(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED)
	if _, err := e.admin.Auth.ResetAgentTwoFactor(ctx(t), &livechatv1.ResetAgentTwoFactorRequest{AgentId: id}); err != nil {
		t.Fatalf("ResetAgentTwoFactor: %v", err)
	}
	e.login(t, "dee")
	_, err = e.admin.Auth.ResetAgentTwoFactor(ctx(t), &livechatv1.ResetAgentTwoFactorRequest{AgentId: "00000000-0000-4000-8000-000000000001"})
	apptest.WantReason(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_AGENT_NOT_FOUND)
}
