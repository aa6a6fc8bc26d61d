package authapi

import (
	"connectrpc.com/grpcreflect/v2"

	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
)

// Access says who may call a procedure.
type Access int

// The access levels. The zero value is no access: a procedure missing from
// Policy is refused to everyone.
const (
	// Deny: nobody. Not used in Policy; it is what a missing entry means.
	Deny Access = iota
	// Public: anyone, with or without credentials. Credentials that fail
	// to resolve are ignored (the caller is anonymous).
	Public
	// VisitorOnly: a website visitor with a valid visitor token.
	VisitorOnly
	// AgentAccess: an agent or admin, by session or by an API token of
	// either scope.
	AgentAccess
	// AdminAccess: an admin by session, or an admin's admin-scope token.
	AdminAccess
	// SessionAgent: an agent or admin signed in by a dashboard session; API
	// tokens may not (for example ChangePassword).
	SessionAgent
)

func (a Access) String() string {
	switch a {
	case Public:
		return "public"
	case VisitorOnly:
		return "visitor"
	case AgentAccess:
		return "agent"
	case AdminAccess:
		return "admin"
	case SessionAgent:
		return "session-agent"
	}
	return "deny"
}

// Policy is the one table of who may call what, for every procedure the
// server serves. Handlers trust it: they read principal.From(ctx) and only
// check what depends on the data (for example "only the assignee or an
// admin may transfer"). A test fails when a procedure of the API has no
// entry here.
var Policy = map[string]Access{
	// AuthService.
	livechatv1connect.AuthServiceGetSetupStateProcedure:      Public,
	livechatv1connect.AuthServiceSetupProcedure:              Public,
	livechatv1connect.AuthServiceLoginProcedure:              Public,
	livechatv1connect.AuthServiceLogoutProcedure:             Public,
	livechatv1connect.AuthServiceGetMeProcedure:              AgentAccess,
	livechatv1connect.AuthServiceChangePasswordProcedure:     SessionAgent,
	livechatv1connect.AuthServiceSetMyStatusProcedure:        AgentAccess,
	livechatv1connect.AuthServiceSetMyIdleAwayProcedure:      AgentAccess,
	livechatv1connect.AuthServiceListAgentsProcedure:         AgentAccess,
	livechatv1connect.AuthServiceCreateAgentProcedure:        AdminAccess,
	livechatv1connect.AuthServiceUpdateAgentProcedure:        AdminAccess,
	livechatv1connect.AuthServiceResetAgentPasswordProcedure: AdminAccess,
	livechatv1connect.AuthServiceCreateApiTokenProcedure:     AdminAccess,
	livechatv1connect.AuthServiceListApiTokensProcedure:      AdminAccess,
	livechatv1connect.AuthServiceRevokeApiTokenProcedure:     AdminAccess,
	// Two-factor sign-in: completing a sign-in is anyone's (the challenge
	// is the credential); enrolment is the signed-in agent's own.
	livechatv1connect.AuthServiceCompleteLoginProcedure:           Public,
	livechatv1connect.AuthServiceStartTwoFactorEnrolmentProcedure: SessionAgent,
	livechatv1connect.AuthServiceConfirmTwoFactorProcedure:        SessionAgent,
	livechatv1connect.AuthServiceDisableTwoFactorProcedure:        SessionAgent,
	livechatv1connect.AuthServiceResetAgentTwoFactorProcedure:     AdminAccess,
	// The installation's sign-in rules.
	livechatv1connect.AuthServiceGetSecuritySettingsProcedure:    AdminAccess,
	livechatv1connect.AuthServiceUpdateSecuritySettingsProcedure: AdminAccess,

	// ConversationService: the agents' inbox.
	livechatv1connect.ConversationServiceListConversationsProcedure:     AgentAccess,
	livechatv1connect.ConversationServiceGetInboxCountsProcedure:        AgentAccess,
	livechatv1connect.ConversationServiceGetConversationProcedure:       AgentAccess,
	livechatv1connect.ConversationServiceListMessagesProcedure:          AgentAccess,
	livechatv1connect.ConversationServiceClaimConversationProcedure:     AgentAccess,
	livechatv1connect.ConversationServiceAssignConversationProcedure:    AgentAccess,
	livechatv1connect.ConversationServiceSetConversationStatusProcedure: AgentAccess,
	livechatv1connect.ConversationServiceSetConversationTagsProcedure:   AgentAccess,
	livechatv1connect.ConversationServiceSendMessageProcedure:           AgentAccess,
	livechatv1connect.IntegrationServiceHandOffConversationProcedure:    AgentAccess,
	livechatv1connect.IntegrationServiceCreateConversationProcedure:     AgentAccess,
	livechatv1connect.ConversationServiceSetTypingProcedure:             AgentAccess,
	livechatv1connect.ConversationServiceSetViewingProcedure:            AgentAccess,
	livechatv1connect.ConversationServiceMarkReadProcedure:              AgentAccess,
	livechatv1connect.ConversationServiceSubscribeProcedure:             AgentAccess,

	// Editing and deleting messages: every agent and visitor their own (the
	// domain checks the sender); only admins read the replaced texts.
	livechatv1connect.ConversationServiceEditMessageProcedure:          AgentAccess,
	livechatv1connect.ConversationServiceDeleteMessageProcedure:        AgentAccess,
	livechatv1connect.ConversationServiceListMessageRevisionsProcedure: AdminAccess,
	livechatv1connect.WidgetServiceEditMessageProcedure:                VisitorOnly,
	livechatv1connect.WidgetServiceDeleteMessageProcedure:              VisitorOnly,

	// WidgetService: admins manage widgets; the widget itself starts as
	// anyone and then acts as the visitor.
	livechatv1connect.WidgetServiceListWidgetsProcedure:        AdminAccess,
	livechatv1connect.WidgetServiceGetWidgetProcedure:          AdminAccess,
	livechatv1connect.WidgetServiceCreateWidgetProcedure:       AdminAccess,
	livechatv1connect.WidgetServiceUpdateWidgetProcedure:       AdminAccess,
	livechatv1connect.WidgetServiceDeleteWidgetProcedure:       AdminAccess,
	livechatv1connect.WidgetServiceRotateWidgetSecretProcedure: AdminAccess,
	livechatv1connect.WidgetServiceGetWidgetConfigProcedure:    Public,
	livechatv1connect.WidgetServiceStartSessionProcedure:       Public,
	livechatv1connect.WidgetServiceSendMessageProcedure:        VisitorOnly,
	livechatv1connect.WidgetServiceListMessagesProcedure:       VisitorOnly,
	livechatv1connect.WidgetServiceSetTypingProcedure:          VisitorOnly,
	livechatv1connect.WidgetServiceMarkReadProcedure:           VisitorOnly,
	livechatv1connect.WidgetServiceHandOffProcedure:            VisitorOnly,
	livechatv1connect.WidgetServiceUpdateCustomerProcedure:     VisitorOnly,
	livechatv1connect.WidgetServiceSubscribeProcedure:          VisitorOnly,

	// CannedResponseService: every agent reads and keeps their own; who may
	// manage team-wide responses depends on the data (the domain decides).
	livechatv1connect.CannedResponseServiceListCannedResponsesProcedure:  AgentAccess,
	livechatv1connect.CannedResponseServiceCreateCannedResponseProcedure: AgentAccess,
	livechatv1connect.CannedResponseServiceUpdateCannedResponseProcedure: AgentAccess,
	livechatv1connect.CannedResponseServiceDeleteCannedResponseProcedure: AgentAccess,

	// TagService: every agent lists and creates tags; renaming,
	// recolouring and deleting need an admin, which the domain checks so
	// the refusal says ADMIN_REQUIRED for agents of either kind.
	livechatv1connect.TagServiceListTagsProcedure:  AgentAccess,
	livechatv1connect.TagServiceCreateTagProcedure: AgentAccess,
	livechatv1connect.TagServiceUpdateTagProcedure: AgentAccess,
	livechatv1connect.TagServiceDeleteTagProcedure: AgentAccess,
	// WidgetService.RateConversation: the visitor rates their own conversation.
	livechatv1connect.WidgetServiceRateConversationProcedure: VisitorOnly,
	// ReportService: the report compares agents, so it is for admins.
	livechatv1connect.ReportServiceGetReportProcedure: AdminAccess,

	// WebhookService: admins only; a webhook receives every conversation.
	livechatv1connect.WebhookServiceListWebhooksProcedure:          AdminAccess,
	livechatv1connect.WebhookServiceCreateWebhookProcedure:         AdminAccess,
	livechatv1connect.WebhookServiceUpdateWebhookProcedure:         AdminAccess,
	livechatv1connect.WebhookServiceDeleteWebhookProcedure:         AdminAccess,
	livechatv1connect.WebhookServiceRotateWebhookSecretProcedure:   AdminAccess,
	livechatv1connect.WebhookServiceReplayWebhookProcedure:         AdminAccess,
	livechatv1connect.WebhookServiceListWebhookDeliveriesProcedure: AdminAccess,
	livechatv1connect.WebhookServiceResendWebhookDeliveryProcedure: AdminAccess,

	// RoutingService: every agent sees the loads; widgets' modes and
	// agents' capacities are for admins.
	livechatv1connect.RoutingServiceGetWidgetRoutingProcedure:    AdminAccess,
	livechatv1connect.RoutingServiceUpdateWidgetRoutingProcedure: AdminAccess,
	livechatv1connect.RoutingServiceListAgentCapacitiesProcedure: AgentAccess,
	livechatv1connect.RoutingServiceSetAgentCapacityProcedure:    AdminAccess,

	// TeamService: every agent lists teams (the team inboxes); changing
	// them is for admins.
	livechatv1connect.TeamServiceListTeamsProcedure:      AgentAccess,
	livechatv1connect.TeamServiceCreateTeamProcedure:     AdminAccess,
	livechatv1connect.TeamServiceRenameTeamProcedure:     AdminAccess,
	livechatv1connect.TeamServiceDeleteTeamProcedure:     AdminAccess,
	livechatv1connect.TeamServiceSetTeamMembersProcedure: AdminAccess,
	// ViewService: every agent keeps their own saved views.
	livechatv1connect.ViewServiceListViewsProcedure:    AgentAccess,
	livechatv1connect.ViewServiceCreateViewProcedure:   AgentAccess,
	livechatv1connect.ViewServiceUpdateViewProcedure:   AgentAccess,
	livechatv1connect.ViewServiceDeleteViewProcedure:   AgentAccess,
	livechatv1connect.ViewServiceReorderViewsProcedure: AgentAccess,

	// MailService: the mail set-up and outbox are admins'.
	livechatv1connect.MailServiceGetMailSettingsProcedure:    AdminAccess,
	livechatv1connect.MailServiceUpdateMailSettingsProcedure: AdminAccess,
	livechatv1connect.MailServiceSendTestMailProcedure:       AdminAccess,
	livechatv1connect.MailServiceListOutboxProcedure:         AdminAccess,
	// Any agent may email a customer their conversation's transcript.
	livechatv1connect.MailServiceSendTranscriptProcedure: AgentAccess,
	// Each signed-in agent chooses their own email notifications.
	livechatv1connect.MailServiceGetMyNotificationsProcedure:    SessionAgent,
	livechatv1connect.MailServiceUpdateMyNotificationsProcedure: SessionAgent,
	// The widget's visitor asks for their own conversation's transcript.
	livechatv1connect.MailServiceEmailMyTranscriptProcedure: VisitorOnly,

	// AuditService: the audit log is for admins.
	livechatv1connect.AuditServiceListAuditEntriesProcedure:    AdminAccess,
	livechatv1connect.AuditServiceExportAuditEntriesProcedure:  AdminAccess,
	livechatv1connect.AuditServiceGetAuditSettingsProcedure:    AdminAccess,
	livechatv1connect.AuditServiceUpdateAuditSettingsProcedure: AdminAccess,

	// PrivacyService: exporting and erasing customers is for admins.
	livechatv1connect.PrivacyServiceExportCustomerProcedure:          AdminAccess,
	livechatv1connect.PrivacyServiceEraseCustomerProcedure:           AdminAccess,
	livechatv1connect.PrivacyServiceGetRetentionSettingsProcedure:    AdminAccess,
	livechatv1connect.PrivacyServiceUpdateRetentionSettingsProcedure: AdminAccess,
	livechatv1connect.PrivacyServicePreviewRetentionProcedure:        AdminAccess,

	// Server reflection lets `buf curl` and grpcurl discover the API, which
	// is public (the proto files ship with the product).
	"/" + grpcreflect.ReflectV1ServiceName + "/ServerReflectionInfo":      Public,
	"/" + grpcreflect.ReflectV1AlphaServiceName + "/ServerReflectionInfo": Public,
	// CustomerService: every agent reads and edits customers; defining
	// and deleting custom attributes is for admins.
	livechatv1connect.CustomerServiceListCustomersProcedure:             AgentAccess,
	livechatv1connect.CustomerServiceGetCustomerProcedure:               AgentAccess,
	livechatv1connect.CustomerServiceUpdateCustomerProcedure:            AgentAccess,
	livechatv1connect.CustomerServiceListAttributeDefinitionsProcedure:  AgentAccess,
	livechatv1connect.CustomerServiceCreateAttributeDefinitionProcedure: AdminAccess,
	livechatv1connect.CustomerServiceDeleteAttributeDefinitionProcedure: AdminAccess,
	// The widget reports where its visitor is.
	livechatv1connect.CustomerServiceReportVisitorContextProcedure: VisitorOnly,
	livechatv1connect.CustomerServiceSetVisitorAttributesProcedure: VisitorOnly,

	// VisitorService: the widget reports who browses (anyone, by site key)
	// and accepts invitations (visitors); agents list and invite.
	livechatv1connect.VisitorServiceBrowseProcedure:           Public,
	livechatv1connect.VisitorServiceListVisitorsProcedure:     AgentAccess,
	livechatv1connect.VisitorServiceInviteVisitorProcedure:    AgentAccess,
	livechatv1connect.VisitorServiceAcceptInvitationProcedure: VisitorOnly,
}

// sameOriginOnly are the procedures that start or end a dashboard session.
// A browser may call them only from the dashboard's own origin, even without
// a cookie, so another site can neither sign a visitor into an account of
// its choosing nor sign them out.
var sameOriginOnly = map[string]bool{
	livechatv1connect.AuthServiceSetupProcedure:         true,
	livechatv1connect.AuthServiceLoginProcedure:         true,
	livechatv1connect.AuthServiceCompleteLoginProcedure: true,
	livechatv1connect.AuthServiceLogoutProcedure:        true,
}

// enrolment are the agent procedures a session may call while the
// installation requires a second factor its agent has not set up
// (principal.Principal.TwoFactorPending): who it is, enrolling, and
// leaving. Everything else answers TWO_FACTOR_REQUIRED.
var enrolment = map[string]bool{
	livechatv1connect.AuthServiceGetMeProcedure:                   true,
	livechatv1connect.AuthServiceStartTwoFactorEnrolmentProcedure: true,
	livechatv1connect.AuthServiceConfirmTwoFactorProcedure:        true,
	livechatv1connect.AuthServiceLogoutProcedure:                  true,
}
