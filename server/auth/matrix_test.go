package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/auth/authapi"
)

// allowed marks a cell where the policy lets the call through: whatever the
// handler answers, it is not Unauthenticated or PermissionDenied.
const allowed = connect.Code(1000)

// caller is one column of the matrix.
type caller struct {
	name   string
	header http.Header
	// want is the outcome for each access level.
	want map[authapi.Access]connect.Code
	// unauth is the reason of an UNAUTHENTICATED answer: what the client
	// should do (sign in, sign in again, replace the token, start a new
	// visitor session).
	unauth livechatv1.ErrorReason
	// agent: an agent's credentials, which an admin RPC refuses with
	// ADMIN_REQUIRED (other refusals are PERMISSION_DENIED).
	agent bool
}

// access is who may call each procedure, written out here independently of
// authapi.Policy: the matrix checks the server's behaviour against this
// specification, so a wrong entry in the policy table fails it.
var access = map[string]authapi.Access{
	livechatv1connect.AuthServiceGetSetupStateProcedure:           authapi.Public,
	livechatv1connect.AuthServiceSetupProcedure:                   authapi.Public,
	livechatv1connect.AuthServiceLoginProcedure:                   authapi.Public,
	livechatv1connect.AuthServiceLogoutProcedure:                  authapi.Public,
	livechatv1connect.AuthServiceGetMeProcedure:                   authapi.AgentAccess,
	livechatv1connect.AuthServiceChangePasswordProcedure:          authapi.SessionAgent,
	livechatv1connect.AuthServiceSetMyStatusProcedure:             authapi.AgentAccess,
	livechatv1connect.AuthServiceListAgentsProcedure:              authapi.AgentAccess,
	livechatv1connect.AuthServiceCreateAgentProcedure:             authapi.AdminAccess,
	livechatv1connect.AuthServiceUpdateAgentProcedure:             authapi.AdminAccess,
	livechatv1connect.AuthServiceResetAgentPasswordProcedure:      authapi.AdminAccess,
	livechatv1connect.AuthServiceCreateApiTokenProcedure:          authapi.AdminAccess,
	livechatv1connect.AuthServiceListApiTokensProcedure:           authapi.AdminAccess,
	livechatv1connect.AuthServiceRevokeApiTokenProcedure:          authapi.AdminAccess,
	livechatv1connect.AuthServiceCompleteLoginProcedure:           authapi.Public,
	livechatv1connect.AuthServiceStartTwoFactorEnrolmentProcedure: authapi.SessionAgent,
	livechatv1connect.AuthServiceConfirmTwoFactorProcedure:        authapi.SessionAgent,
	livechatv1connect.AuthServiceDisableTwoFactorProcedure:        authapi.SessionAgent,
	livechatv1connect.AuthServiceResetAgentTwoFactorProcedure:     authapi.AdminAccess,
	livechatv1connect.AuthServiceSetMyIdleAwayProcedure:           authapi.AgentAccess,

	livechatv1connect.ConversationServiceListConversationsProcedure:     authapi.AgentAccess,
	livechatv1connect.ConversationServiceGetInboxCountsProcedure:        authapi.AgentAccess,
	livechatv1connect.ConversationServiceGetConversationProcedure:       authapi.AgentAccess,
	livechatv1connect.ConversationServiceListMessagesProcedure:          authapi.AgentAccess,
	livechatv1connect.ConversationServiceClaimConversationProcedure:     authapi.AgentAccess,
	livechatv1connect.ConversationServiceAssignConversationProcedure:    authapi.AgentAccess,
	livechatv1connect.ConversationServiceSetConversationStatusProcedure: authapi.AgentAccess,
	livechatv1connect.ConversationServiceSetConversationTagsProcedure:   authapi.AgentAccess,
	livechatv1connect.ConversationServiceSendMessageProcedure:           authapi.AgentAccess,
	livechatv1connect.IntegrationServiceHandOffConversationProcedure:    authapi.AgentAccess,
	livechatv1connect.IntegrationServiceCreateConversationProcedure:     authapi.AgentAccess,
	livechatv1connect.ConversationServiceSetTypingProcedure:             authapi.AgentAccess,
	livechatv1connect.ConversationServiceSetViewingProcedure:            authapi.AgentAccess,
	livechatv1connect.ConversationServiceMarkReadProcedure:              authapi.AgentAccess,
	livechatv1connect.ConversationServiceSubscribeProcedure:             authapi.AgentAccess,

	livechatv1connect.WidgetServiceListWidgetsProcedure:        authapi.AdminAccess,
	livechatv1connect.WidgetServiceGetWidgetProcedure:          authapi.AdminAccess,
	livechatv1connect.WidgetServiceCreateWidgetProcedure:       authapi.AdminAccess,
	livechatv1connect.WidgetServiceUpdateWidgetProcedure:       authapi.AdminAccess,
	livechatv1connect.WidgetServiceDeleteWidgetProcedure:       authapi.AdminAccess,
	livechatv1connect.WidgetServiceRotateWidgetSecretProcedure: authapi.AdminAccess,
	livechatv1connect.WidgetServiceGetWidgetConfigProcedure:    authapi.Public,
	livechatv1connect.WidgetServiceStartSessionProcedure:       authapi.Public,
	livechatv1connect.WidgetServiceSendMessageProcedure:        authapi.VisitorOnly,
	livechatv1connect.WidgetServiceListMessagesProcedure:       authapi.VisitorOnly,
	livechatv1connect.WidgetServiceSetTypingProcedure:          authapi.VisitorOnly,
	livechatv1connect.WidgetServiceMarkReadProcedure:           authapi.VisitorOnly,
	livechatv1connect.WidgetServiceHandOffProcedure:            authapi.VisitorOnly,
	livechatv1connect.WidgetServiceUpdateCustomerProcedure:     authapi.VisitorOnly,
	livechatv1connect.WidgetServiceSubscribeProcedure:          authapi.VisitorOnly,

	livechatv1connect.CannedResponseServiceListCannedResponsesProcedure:  authapi.AgentAccess,
	livechatv1connect.CannedResponseServiceCreateCannedResponseProcedure: authapi.AgentAccess,
	livechatv1connect.CannedResponseServiceUpdateCannedResponseProcedure: authapi.AgentAccess,
	livechatv1connect.CannedResponseServiceDeleteCannedResponseProcedure: authapi.AgentAccess,

	livechatv1connect.TagServiceListTagsProcedure:  authapi.AgentAccess,
	livechatv1connect.TagServiceCreateTagProcedure: authapi.AgentAccess,
	livechatv1connect.TagServiceUpdateTagProcedure: authapi.AgentAccess,
	livechatv1connect.TagServiceDeleteTagProcedure: authapi.AgentAccess,

	livechatv1connect.WebhookServiceListWebhooksProcedure:               authapi.AdminAccess,
	livechatv1connect.WebhookServiceCreateWebhookProcedure:              authapi.AdminAccess,
	livechatv1connect.WebhookServiceUpdateWebhookProcedure:              authapi.AdminAccess,
	livechatv1connect.WebhookServiceDeleteWebhookProcedure:              authapi.AdminAccess,
	livechatv1connect.WebhookServiceRotateWebhookSecretProcedure:        authapi.AdminAccess,
	livechatv1connect.WebhookServiceReplayWebhookProcedure:              authapi.AdminAccess,
	livechatv1connect.WebhookServiceListWebhookDeliveriesProcedure:      authapi.AdminAccess,
	livechatv1connect.WebhookServiceResendWebhookDeliveryProcedure:      authapi.AdminAccess,
	livechatv1connect.WidgetServiceRateConversationProcedure:            authapi.VisitorOnly,
	livechatv1connect.ReportServiceGetReportProcedure:                   authapi.AdminAccess,
	livechatv1connect.ConversationServiceEditMessageProcedure:           authapi.AgentAccess,
	livechatv1connect.ConversationServiceDeleteMessageProcedure:         authapi.AgentAccess,
	livechatv1connect.ConversationServiceListMessageRevisionsProcedure:  authapi.AdminAccess,
	livechatv1connect.WidgetServiceEditMessageProcedure:                 authapi.VisitorOnly,
	livechatv1connect.WidgetServiceDeleteMessageProcedure:               authapi.VisitorOnly,
	livechatv1connect.RoutingServiceGetWidgetRoutingProcedure:           authapi.AdminAccess,
	livechatv1connect.RoutingServiceUpdateWidgetRoutingProcedure:        authapi.AdminAccess,
	livechatv1connect.RoutingServiceListAgentCapacitiesProcedure:        authapi.AgentAccess,
	livechatv1connect.RoutingServiceSetAgentCapacityProcedure:           authapi.AdminAccess,
	livechatv1connect.TeamServiceListTeamsProcedure:                     authapi.AgentAccess,
	livechatv1connect.TeamServiceCreateTeamProcedure:                    authapi.AdminAccess,
	livechatv1connect.TeamServiceRenameTeamProcedure:                    authapi.AdminAccess,
	livechatv1connect.TeamServiceDeleteTeamProcedure:                    authapi.AdminAccess,
	livechatv1connect.TeamServiceSetTeamMembersProcedure:                authapi.AdminAccess,
	livechatv1connect.ViewServiceListViewsProcedure:                     authapi.AgentAccess,
	livechatv1connect.ViewServiceCreateViewProcedure:                    authapi.AgentAccess,
	livechatv1connect.ViewServiceUpdateViewProcedure:                    authapi.AgentAccess,
	livechatv1connect.ViewServiceDeleteViewProcedure:                    authapi.AgentAccess,
	livechatv1connect.ViewServiceReorderViewsProcedure:                  authapi.AgentAccess,
	livechatv1connect.MailServiceGetMailSettingsProcedure:               authapi.AdminAccess,
	livechatv1connect.MailServiceUpdateMailSettingsProcedure:            authapi.AdminAccess,
	livechatv1connect.MailServiceSendTestMailProcedure:                  authapi.AdminAccess,
	livechatv1connect.MailServiceListOutboxProcedure:                    authapi.AdminAccess,
	livechatv1connect.MailServiceSendTranscriptProcedure:                authapi.AgentAccess,
	livechatv1connect.MailServiceGetMyNotificationsProcedure:            authapi.SessionAgent,
	livechatv1connect.MailServiceUpdateMyNotificationsProcedure:         authapi.SessionAgent,
	livechatv1connect.MailServiceEmailMyTranscriptProcedure:             authapi.VisitorOnly,
	livechatv1connect.CustomerServiceListCustomersProcedure:             authapi.AgentAccess,
	livechatv1connect.CustomerServiceGetCustomerProcedure:               authapi.AgentAccess,
	livechatv1connect.CustomerServiceUpdateCustomerProcedure:            authapi.AgentAccess,
	livechatv1connect.CustomerServiceListAttributeDefinitionsProcedure:  authapi.AgentAccess,
	livechatv1connect.CustomerServiceCreateAttributeDefinitionProcedure: authapi.AdminAccess,
	livechatv1connect.CustomerServiceDeleteAttributeDefinitionProcedure: authapi.AdminAccess,
	livechatv1connect.CustomerServiceReportVisitorContextProcedure:      authapi.VisitorOnly,
	livechatv1connect.CustomerServiceSetVisitorAttributesProcedure:      authapi.VisitorOnly,
	livechatv1connect.VisitorServiceBrowseProcedure:                     authapi.Public,
	livechatv1connect.VisitorServiceListVisitorsProcedure:               authapi.AgentAccess,
	livechatv1connect.VisitorServiceInviteVisitorProcedure:              authapi.AgentAccess,
	livechatv1connect.VisitorServiceAcceptInvitationProcedure:           authapi.VisitorOnly,
	livechatv1connect.AuthServiceGetSecuritySettingsProcedure:           authapi.AdminAccess,
	livechatv1connect.AuthServiceUpdateSecuritySettingsProcedure:        authapi.AdminAccess,

	livechatv1connect.AuditServiceListAuditEntriesProcedure:    authapi.AdminAccess,
	livechatv1connect.AuditServiceExportAuditEntriesProcedure:  authapi.AdminAccess,
	livechatv1connect.AuditServiceGetAuditSettingsProcedure:    authapi.AdminAccess,
	livechatv1connect.AuditServiceUpdateAuditSettingsProcedure: authapi.AdminAccess,

	livechatv1connect.PrivacyServiceExportCustomerProcedure:          authapi.AdminAccess,
	livechatv1connect.PrivacyServiceEraseCustomerProcedure:           authapi.AdminAccess,
	livechatv1connect.PrivacyServiceGetRetentionSettingsProcedure:    authapi.AdminAccess,
	livechatv1connect.PrivacyServiceUpdateRetentionSettingsProcedure: authapi.AdminAccess,
	livechatv1connect.PrivacyServicePreviewRetentionProcedure:        authapi.AdminAccess,
}

// TestAuthorizationMatrix calls every procedure of the services as
// every kind of caller, against the real server, and checks the verdict
// against the access table above. Denials must have the exact code;
// allowed calls must get a real answer (never Internal), and AuthService's
// allowed answers are checked exactly (see authAnswers).
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	agentRole, adminRole := livechatv1.AgentRole_AGENT_ROLE_AGENT, livechatv1.AgentRole_AGENT_ROLE_ADMIN
	yes := true

	e.createAgent(t, "m-login", agentRole) // the account every Login cell signs into
	e.createAgent(t, "m-agent", agentRole)
	e.createAgent(t, "m-admin", adminRole)
	e.createAgent(t, "m-expired", agentRole)
	disabledID := e.createAgent(t, "m-disabled", agentRole)
	lockedID := e.createAgent(t, "m-locked", adminRole)

	agentSession := e.sessionCookie(t, e.login(t, "m-agent"))
	adminSession := e.sessionCookie(t, e.login(t, "m-admin"))
	expiredSession := e.sessionCookie(t, e.login(t, "m-expired"))
	if _, err := e.srv.Pool.Exec(ctx(t),
		`UPDATE agent_sessions SET expires_at = now() - interval '1 second'
		 WHERE agent_id = (SELECT id FROM agents WHERE username = 'm-expired')`); err != nil {
		t.Fatal(err)
	}
	disabledSession := e.sessionCookie(t, e.login(t, "m-disabled"))
	locked := e.login(t, "m-locked")
	_, lockedToken := e.token(t, locked, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN)
	for _, id := range []string{disabledID, lockedID} {
		if _, err := e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: id, Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
	}
	_, agentToken := e.token(t, e.admin, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT)
	_, adminToken := e.token(t, e.admin, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN)
	revokedID, revokedToken := e.token(t, e.admin, livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN)
	if _, err := e.admin.Auth.RevokeApiToken(ctx(t), &livechatv1.RevokeApiTokenRequest{TokenId: revokedID}); err != nil {
		t.Fatal(err)
	}
	visitorToken := startVisitor(t, e)

	const (
		U  = connect.CodeUnauthenticated
		PD = connect.CodePermissionDenied
		OK = allowed
	)
	cookie := func(v string) http.Header { return http.Header{"Cookie": {authapi.SessionCookie + "=" + v}} }
	denied := map[authapi.Access]connect.Code{authapi.Public: OK, authapi.VisitorOnly: U, authapi.AgentAccess: U, authapi.AdminAccess: U, authapi.SessionAgent: U}
	const (
		signIn        = livechatv1.ErrorReason_ERROR_REASON_SIGN_IN_REQUIRED
		sessionEnded  = livechatv1.ErrorReason_ERROR_REASON_SESSION_ENDED
		tokenRevoked  = livechatv1.ErrorReason_ERROR_REASON_TOKEN_REVOKED
		visitorEnded  = livechatv1.ErrorReason_ERROR_REASON_VISITOR_SESSION_ENDED
		adminRequired = livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED
		notYours      = livechatv1.ErrorReason_ERROR_REASON_PERMISSION_DENIED
	)
	callers := []caller{
		{"anonymous", nil, denied, signIn, false},
		{"visitor", apptest.Bearer(visitorToken), map[authapi.Access]connect.Code{authapi.Public: OK, authapi.VisitorOnly: OK, authapi.AgentAccess: PD, authapi.AdminAccess: PD, authapi.SessionAgent: PD}, 0, false},
		{"agent session", cookie(agentSession), map[authapi.Access]connect.Code{authapi.Public: OK, authapi.VisitorOnly: PD, authapi.AgentAccess: OK, authapi.AdminAccess: PD, authapi.SessionAgent: OK}, 0, true},
		{"admin session", cookie(adminSession), map[authapi.Access]connect.Code{authapi.Public: OK, authapi.VisitorOnly: PD, authapi.AgentAccess: OK, authapi.AdminAccess: OK, authapi.SessionAgent: OK}, 0, true},
		{"agent-scope token", apptest.Bearer(agentToken), map[authapi.Access]connect.Code{authapi.Public: OK, authapi.VisitorOnly: PD, authapi.AgentAccess: OK, authapi.AdminAccess: PD, authapi.SessionAgent: PD}, 0, true},
		{"admin-scope token", apptest.Bearer(adminToken), map[authapi.Access]connect.Code{authapi.Public: OK, authapi.VisitorOnly: PD, authapi.AgentAccess: OK, authapi.AdminAccess: OK, authapi.SessionAgent: PD}, 0, true},
		{"revoked token", apptest.Bearer(revokedToken), denied, tokenRevoked, false},
		{"expired session", cookie(expiredSession), denied, sessionEnded, false},
		{"disabled agent", cookie(disabledSession), denied, sessionEnded, false},
		{"disabled admin's token", apptest.Bearer(lockedToken), denied, tokenRevoked, false},
		{"unknown token", apptest.Bearer("lc_not-a-token"), denied, signIn, false},
		{"unknown visitor token", apptest.Bearer("lcv_not-a-token"), denied, visitorEnded, false},
	}

	methods := procedures()
	// Logout ends the caller's session: call it last.
	sort.SliceStable(methods, func(i, j int) bool {
		return procedureOf(methods[j]) == livechatv1connect.AuthServiceLogoutProcedure
	})
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// No cookie jar: the Login cell must not sign the caller in.
			hc := *e.srv.NewClient(c.header).HTTP
			hc.Jar = nil
			client := connect.NewClient(connecthttp.NewTransport(&hc, e.srv.URL))
			for _, m := range methods {
				proc := procedureOf(m)
				level, ok := access[proc]
				if !ok {
					t.Fatalf("%s is missing from the access table of this test", proc)
				}
				want := c.want[level]
				if want == allowed {
					if exact, ok := authAnswers[proc]; ok {
						want = exact
					}
				}
				got, err := call(t, client, m)
				switch {
				case want == allowed && (got == U || got == PD):
					t.Errorf("%s (%s): %v, want the call let through", proc, level, err)
				case want == allowed && (got == connect.CodeInternal || got == connect.CodeUnknown):
					t.Errorf("%s (%s): %v, want an answer of the handler", proc, level, err)
				case got == connect.CodeUnimplemented:
					// Every procedure the API declares is served: a handler
					// method missing behind an embedded Unimplemented…
					// handler would answer this.
					t.Errorf("%s (%s): %v, want it implemented", proc, level, err)
				case want != allowed && got != want:
					t.Errorf("%s (%s): got %v (%v), want %v", proc, level, codeName(got), err, codeName(want))
				case want == U && apperr.DetailOf(err).GetReason() != c.unauth:
					t.Errorf("%s (%s): %v has reason %v, want %v", proc, level, err, apperr.DetailOf(err).GetReason(), c.unauth)
				case want == PD:
					reason := notYours
					if c.agent && level == authapi.AdminAccess {
						reason = adminRequired
					}
					if got := apperr.DetailOf(err).GetReason(); got != reason {
						t.Errorf("%s (%s): %v has reason %v, want %v", proc, level, err, got, reason)
					}
				}
			}
		})
	}
}

// authAnswers are AuthService's exact answers to the requests call sends
// when the policy lets them through (0 is success).
var authAnswers = map[string]connect.Code{
	livechatv1connect.AuthServiceGetSetupStateProcedure:      0,
	livechatv1connect.AuthServiceSetupProcedure:              connect.CodeFailedPrecondition,
	livechatv1connect.AuthServiceLoginProcedure:              0,
	livechatv1connect.AuthServiceLogoutProcedure:             0,
	livechatv1connect.AuthServiceGetMeProcedure:              0,
	livechatv1connect.AuthServiceChangePasswordProcedure:     0,
	livechatv1connect.AuthServiceSetMyStatusProcedure:        0,
	livechatv1connect.AuthServiceListAgentsProcedure:         0,
	livechatv1connect.AuthServiceCreateAgentProcedure:        connect.CodeInvalidArgument,
	livechatv1connect.AuthServiceUpdateAgentProcedure:        connect.CodeInvalidArgument,
	livechatv1connect.AuthServiceResetAgentPasswordProcedure: connect.CodeInvalidArgument,
	livechatv1connect.AuthServiceCreateApiTokenProcedure:     connect.CodeInvalidArgument,
	livechatv1connect.AuthServiceListApiTokensProcedure:      0,
	livechatv1connect.AuthServiceRevokeApiTokenProcedure:     connect.CodeInvalidArgument,
	// Empty requests: the challenge, code and password are required.
	livechatv1connect.AuthServiceCompleteLoginProcedure:           connect.CodeInvalidArgument,
	livechatv1connect.AuthServiceStartTwoFactorEnrolmentProcedure: 0,
	livechatv1connect.AuthServiceConfirmTwoFactorProcedure:        connect.CodeInvalidArgument,
	livechatv1connect.AuthServiceDisableTwoFactorProcedure:        connect.CodeInvalidArgument,
	livechatv1connect.AuthServiceResetAgentTwoFactorProcedure:     connect.CodeInvalidArgument,
	livechatv1connect.AuthServiceGetSecuritySettingsProcedure:     0,
	livechatv1connect.AuthServiceUpdateSecuritySettingsProcedure:  connect.CodeInvalidArgument,
}

// requests are the messages sent where an empty one would not do.
var requests = map[string]proto.Message{
	livechatv1connect.AuthServiceLoginProcedure:          &livechatv1.LoginRequest{Username: "m-login", Password: password},
	livechatv1connect.AuthServiceChangePasswordProcedure: &livechatv1.ChangePasswordRequest{CurrentPassword: password, NewPassword: password},
	livechatv1connect.AuthServiceSetMyStatusProcedure:    &livechatv1.SetMyStatusRequest{Status: livechatv1.AgentStatus_AGENT_STATUS_ONLINE},
}

// call invokes one procedure with its request (or an empty one) and returns
// the code; 0 is success. A stream counts as successful when it delivers a
// message or stays open for a moment.
func call(t *testing.T, client *connect.Client, m protoreflect.MethodDescriptor) (connect.Code, error) {
	t.Helper()
	proc := procedureOf(m)
	spec := connect.Spec{Schema: m, Procedure: proc, StreamType: connect.StreamTypeUnary}
	if m.IsStreamingServer() {
		spec.StreamType = connect.StreamTypeServer
	}
	req := requests[proc]
	if req == nil {
		req = newMessage(t, m.Input())
	}
	res := newMessage(t, m.Output())
	if spec.StreamType == connect.StreamTypeUnary {
		err := client.CallUnary(ctx(t), spec, req, res)
		return codeOf(err), err
	}
	sctx, cancel := context.WithTimeout(ctx(t), time.Second)
	defer cancel()
	stream, err := client.CallServerStream(sctx, spec, req)
	if err == nil {
		err = stream.Receive(res)
		_ = stream.Close()
	}
	if err != nil && sctx.Err() != nil {
		return 0, nil // open until the deadline: let through
	}
	return codeOf(err), err
}

func codeOf(err error) connect.Code {
	if err == nil {
		return 0
	}
	return connect.CodeOf(err)
}

func codeName(c connect.Code) string {
	switch c {
	case 0:
		return "ok"
	case allowed:
		return "let through"
	}
	return c.String()
}

func newMessage(t *testing.T, d protoreflect.MessageDescriptor) proto.Message {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(d.FullName())
	if err != nil {
		t.Fatalf("message type %s: %v", d.FullName(), err)
	}
	return mt.New().Interface()
}

// startVisitor returns a real visitor token from WidgetService.
func startVisitor(t *testing.T, e *env) string {
	t.Helper()
	w, err := e.admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Matrix"}})
	if err != nil {
		t.Fatalf("CreateWidget: %v", err)
	}
	res, err := e.srv.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	if res.VisitorToken == "" {
		t.Fatal(fmt.Sprint("no visitor token in ", res))
	}
	return res.VisitorToken
}
