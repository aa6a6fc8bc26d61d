package apperr

import (
	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// Reason is the machine-readable cause of an error: the name of a
// livechat.v1.ErrorReason value without its ERROR_REASON_ prefix. A test
// keeps the constants and the proto enum the same set.
type Reason string

// The reasons, grouped by the Connect code they map to (see codes).
const (
	// Internal is a fault of the server; its message is never shown and it
	// carries no detail.
	Internal Reason = "UNSPECIFIED"

	// Required: a required field is missing or empty.
	Required Reason = "REQUIRED"
	// InvalidValue: a field's value is malformed or out of range.
	InvalidValue Reason = "INVALID_VALUE"
	// MalformedID: an id is not a valid id.
	MalformedID Reason = "MALFORMED_ID"
	// TextEmpty: a text is empty after trimming white space.
	TextEmpty Reason = "TEXT_EMPTY"
	// TextTooLong: a text is longer than the limit (characters).
	TextTooLong Reason = "TEXT_TOO_LONG"
	// TextInvalid: a text is not valid UTF-8 or holds control characters.
	TextInvalid Reason = "TEXT_INVALID"
	// MalformedCursor: a page token or stream cursor is malformed.
	MalformedCursor Reason = "MALFORMED_CURSOR"
	// TooManyItems: a list is longer than the limit (items).
	TooManyItems Reason = "TOO_MANY_ITEMS"
	// PasswordLength: a password is shorter or longer than allowed.
	PasswordLength Reason = "PASSWORD_LENGTH"
	// InvalidEmail: an email address is not valid.
	InvalidEmail Reason = "INVALID_EMAIL"
	// RequestTooLarge: the request body is larger than the limit (bytes).
	RequestTooLarge Reason = "REQUEST_TOO_LARGE"

	// ConversationNotFound: the conversation does not exist or is not the
	// caller's to see.
	ConversationNotFound Reason = "CONVERSATION_NOT_FOUND"
	// CustomerNotFound: the customer does not exist.
	CustomerNotFound Reason = "CUSTOMER_NOT_FOUND"
	// AgentNotFound: the agent does not exist.
	AgentNotFound Reason = "AGENT_NOT_FOUND"
	// WidgetNotFound: the widget (or site key) does not exist.
	WidgetNotFound Reason = "WIDGET_NOT_FOUND"
	// TokenNotFound: the API token does not exist.
	TokenNotFound Reason = "TOKEN_NOT_FOUND"
	// NotFound: any other missing thing; the database edge's reason for a
	// missing row until the domain re-labels it (NotFoundAs).
	NotFound Reason = "NOT_FOUND"

	// ConversationClosed: the conversation is closed; reopen it to reply.
	ConversationClosed Reason = "CONVERSATION_CLOSED"
	// InvalidTransition: the status change is not allowed from the
	// conversation's current status.
	InvalidTransition Reason = "INVALID_TRANSITION"
	// ConversationChanged: someone else changed the conversation first.
	ConversationChanged Reason = "CONVERSATION_CHANGED"
	// AlreadyExists: a unique name or key is taken.
	AlreadyExists Reason = "ALREADY_EXISTS"
	// SetupDone: setup is already done.
	SetupDone Reason = "SETUP_DONE"
	// AgentDisabled: the agent is disabled.
	AgentDisabled Reason = "AGENT_DISABLED"
	// CursorExpired: a stream cursor is older than the retained event log.
	CursorExpired Reason = "CURSOR_EXPIRED"
	// LastAdmin: the change would leave no enabled admin.
	LastAdmin Reason = "LAST_ADMIN"

	// SignInRequired: no credentials, or credentials of the wrong kind.
	SignInRequired Reason = "SIGN_IN_REQUIRED"
	// BadCredentials: the username or password is wrong.
	BadCredentials Reason = "BAD_CREDENTIALS"
	// SessionEnded: the dashboard session ended.
	SessionEnded Reason = "SESSION_ENDED"
	// TokenRevoked: the API token was revoked or its agent is disabled.
	TokenRevoked Reason = "TOKEN_REVOKED"
	// VisitorSessionEnded: the visitor token is unknown or has ended.
	VisitorSessionEnded Reason = "VISITOR_SESSION_ENDED"

	// PermissionDenied: signed in, but not the caller's to do.
	PermissionDenied Reason = "PERMISSION_DENIED"
	// AdminRequired: only admins may do this.
	AdminRequired Reason = "ADMIN_REQUIRED"
	// OriginNotAllowed: the page's origin is not allowed for the widget.
	OriginNotAllowed Reason = "ORIGIN_NOT_ALLOWED"
	// WrongPassword: the current password given is wrong.
	WrongPassword Reason = "WRONG_PASSWORD"
	// IdentityInvalid: the identity-verification HMAC does not match.
	IdentityInvalid Reason = "IDENTITY_INVALID"
	// IdentityLocked: the customer's verified details cannot be changed.
	IdentityLocked Reason = "IDENTITY_LOCKED"
	// NotAssignee: only the assignee (or an admin) may do this.
	NotAssignee Reason = "NOT_ASSIGNEE"

	// RateLimited: too many requests; see RetryAfter.
	RateLimited Reason = "RATE_LIMITED"
	// SignInThrottled: too many failed sign-ins; see RetryAfter.
	SignInThrottled Reason = "SIGN_IN_THROTTLED"
	// TooManyStreams: too many open streams for this caller.
	TooManyStreams Reason = "TOO_MANY_STREAMS"
	// StreamBehind: the stream fell behind; resubscribe with the cursor.
	StreamBehind Reason = "STREAM_BEHIND"

	// Unavailable: the server or its database is briefly unavailable; retry.
	Unavailable Reason = "UNAVAILABLE"
	// NotAvailable: the feature is not available on this server.
	NotAvailable Reason = "NOT_AVAILABLE"

	// WrongCode: the second-factor or recovery code is wrong or was used.
	WrongCode Reason = "WRONG_CODE"
	// SignInExpired: the sign-in challenge is unknown, used or expired.
	SignInExpired Reason = "SIGN_IN_EXPIRED"
	// TwoFactorState: the second factor is already enabled, or not enrolled.
	TwoFactorState Reason = "TWO_FACTOR_STATE"

	// IdempotencyKeyReused: the Idempotency-Key was used for another request.
	IdempotencyKeyReused Reason = "IDEMPOTENCY_KEY_REUSED"
	// IdempotencyInProgress: the first request with this Idempotency-Key is
	// still running; retry after RetryAfter for its response.
	IdempotencyInProgress Reason = "IDEMPOTENCY_IN_PROGRESS"
	// WebhookURLInvalid: a webhook URL is not an absolute http(s) URL
	// without credentials, within the length limit.
	WebhookURLInvalid Reason = "WEBHOOK_URL_INVALID"
	// WebhookTargetNotAllowed: a webhook URL names a private address and
	// the webhook does not allow the private network.
	WebhookTargetNotAllowed Reason = "WEBHOOK_TARGET_NOT_ALLOWED"
	// RatingsOff: the widget does not ask visitors for ratings.
	RatingsOff Reason = "RATINGS_OFF"
	// RatingNotYet: the conversation is not resolved or closed yet.
	RatingNotYet Reason = "RATING_NOT_YET"
	// RatingFinal: the rating's change window has passed.
	RatingFinal Reason = "RATING_FINAL"
	// ReportRangeTooLong: a report's range is longer than the limit (days).
	ReportRangeTooLong Reason = "REPORT_RANGE_TOO_LONG"
	// UnknownTimeZone: the time zone is not a known IANA zone.
	UnknownTimeZone Reason = "UNKNOWN_TIME_ZONE"
	// MessageNotFound: no such message, or not one the caller may see.
	MessageNotFound Reason = "MESSAGE_NOT_FOUND"
	// NotMessageSender: only a message's sender may edit or delete it.
	NotMessageSender Reason = "NOT_MESSAGE_SENDER"
	// MessageDeleted: the message was deleted.
	MessageDeleted Reason = "MESSAGE_DELETED"
	// EditWindowPassed: the time to edit or delete the message has passed.
	EditWindowPassed Reason = "EDIT_WINDOW_PASSED"
	// FileTooLarge: the file is larger than the limit (bytes).
	FileTooLarge Reason = "FILE_TOO_LARGE"
	// FileTypeNotAllowed: the file's sniffed type is not allowed here.
	FileTypeNotAllowed Reason = "FILE_TYPE_NOT_ALLOWED"
	// FileEmpty: the file has no bytes.
	FileEmpty Reason = "FILE_EMPTY"
	// AttachmentNotFound: the attachment does not exist, is not the
	// caller's, or was sent already.
	AttachmentNotFound Reason = "ATTACHMENT_NOT_FOUND"
	// AttachmentLinkExpired: a download link expired or was altered.
	AttachmentLinkExpired Reason = "ATTACHMENT_LINK_EXPIRED"
	// Routing and business hours.

	// CapacityOutOfRange: an agent's capacity is outside what routing allows.
	CapacityOutOfRange Reason = "CAPACITY_OUT_OF_RANGE"
	// InvalidTimeZone: a time zone the IANA database does not know.
	InvalidTimeZone Reason = "INVALID_TIME_ZONE"
	// InvalidSchedule: a weekly schedule with a bad day or times.
	InvalidSchedule Reason = "INVALID_SCHEDULE"
	// InvalidDate: a date that is not a calendar date written YYYY-MM-DD.
	InvalidDate Reason = "INVALID_DATE"
	// TeamNotFound: no team has this id.
	TeamNotFound Reason = "TEAM_NOT_FOUND"
	// ViewNotFound: the caller has no saved view with this id.
	ViewNotFound Reason = "VIEW_NOT_FOUND"
	// MailNotConfigured: no SMTP server is configured for outgoing mail.
	MailNotConfigured Reason = "MAIL_NOT_CONFIGURED"
	// MailSendFailed: the SMTP server refused or could not be reached.
	MailSendFailed Reason = "MAIL_SEND_FAILED"
	// NoEmailAddress: the customer has no email address to send to.
	NoEmailAddress Reason = "NO_EMAIL_ADDRESS"
	// AddressUnsubscribed: the customer asked for no more mail.
	AddressUnsubscribed Reason = "ADDRESS_UNSUBSCRIBED"
	// AddressBounced: mail to the address bounced or was reported as spam.
	AddressBounced Reason = "ADDRESS_BOUNCED"
	// AddressNotGiven: the customer's address was not given by the customer
	// nor verified by the host site (an agent typed it), so it is not mailed.
	AddressNotGiven Reason = "ADDRESS_NOT_GIVEN"
	// AttributeNotFound: no custom customer attribute has this key or id.
	AttributeNotFound Reason = "ATTRIBUTE_NOT_FOUND"
	// AttributeKeyInvalid: a custom attribute key is not 1–32 characters of
	// a-z, 0-9 and "_" starting with a letter.
	AttributeKeyInvalid Reason = "ATTRIBUTE_KEY_INVALID"
	// AttributeValueInvalid: a value is not of its custom attribute's type.
	AttributeValueInvalid Reason = "ATTRIBUTE_VALUE_INVALID"
	// IdentityRequired: only an identity-verified visitor may do this.
	IdentityRequired Reason = "IDENTITY_REQUIRED"
	// VisitorNotOnSite: the visitor is not on the site now (visitors,
	// 94–97).
	VisitorNotOnSite Reason = "VISITOR_NOT_ON_SITE"
	// ProactiveNotAllowed: the widget does not let agents start chats.
	ProactiveNotAllowed Reason = "PROACTIVE_NOT_ALLOWED"
	// TooManyVisitors: the widget has as many visitors on this server as
	// it keeps track of.
	TooManyVisitors Reason = "TOO_MANY_VISITORS"
	// InvitationInvalid: a proactive chat invitation is not this visitor's
	// or has expired.
	InvitationInvalid Reason = "INVITATION_INVALID"
	// TwoFactorRequired: the installation requires a second factor and the
	// caller has none (data protection, 150–159).
	TwoFactorRequired Reason = "TWO_FACTOR_REQUIRED"
	// RetentionWidgetRepeated: a retention policy names a widget twice.
	RetentionWidgetRepeated Reason = "RETENTION_WIDGET_REPEATED"

	// BotRequired: the API token named to answer first is not a usable
	// bot (no bot name, revoked, or its agent disabled).
	BotRequired Reason = "BOT_REQUIRED"
	// ConversationAlreadyOpen: the customer already has a waiting or
	// active conversation.
	ConversationAlreadyOpen Reason = "CONVERSATION_ALREADY_OPEN"
)

// Code is the class of an error: which Connect code its reason maps to. It
// exists so tests and the command line can ask for a class; domain code
// speaks reasons.
type Code int

// The codes, one per Connect code a reason maps to.
const (
	CodeInternal Code = iota
	CodeInvalid
	CodeNotFound
	CodeAlreadyExists
	CodeFailedPrecondition
	CodeUnauthenticated
	CodePermissionDenied
	CodeResourceExhausted
	CodeUnavailable
)

var connectCodes = map[Code]connect.Code{
	CodeInternal:           connect.CodeInternal,
	CodeInvalid:            connect.CodeInvalidArgument,
	CodeNotFound:           connect.CodeNotFound,
	CodeAlreadyExists:      connect.CodeAlreadyExists,
	CodeFailedPrecondition: connect.CodeFailedPrecondition,
	CodeUnauthenticated:    connect.CodeUnauthenticated,
	CodePermissionDenied:   connect.CodePermissionDenied,
	CodeResourceExhausted:  connect.CodeResourceExhausted,
	CodeUnavailable:        connect.CodeUnavailable,
}

func (c Code) connect() connect.Code { return connectCodes[c] }

// Connect returns the Connect code of the class.
func (c Code) Connect() connect.Code { return c.connect() }

// codes is the one table from reason to code.
var codes = map[Reason]Code{
	Internal: CodeInternal,

	Required:        CodeInvalid,
	InvalidValue:    CodeInvalid,
	MalformedID:     CodeInvalid,
	TextEmpty:       CodeInvalid,
	TextTooLong:     CodeInvalid,
	TextInvalid:     CodeInvalid,
	MalformedCursor: CodeInvalid,
	TooManyItems:    CodeInvalid,
	PasswordLength:  CodeInvalid,
	InvalidEmail:    CodeInvalid,
	// Connect itself answers an oversized body with RESOURCE_EXHAUSTED; the
	// server's own refusal says the same.
	RequestTooLarge: CodeResourceExhausted,

	ConversationNotFound: CodeNotFound,
	CustomerNotFound:     CodeNotFound,
	AgentNotFound:        CodeNotFound,
	WidgetNotFound:       CodeNotFound,
	TokenNotFound:        CodeNotFound,
	NotFound:             CodeNotFound,

	ConversationClosed:  CodeFailedPrecondition,
	InvalidTransition:   CodeFailedPrecondition,
	ConversationChanged: CodeFailedPrecondition,
	AlreadyExists:       CodeAlreadyExists,
	SetupDone:           CodeFailedPrecondition,
	AgentDisabled:       CodeFailedPrecondition,
	CursorExpired:       CodeFailedPrecondition,
	LastAdmin:           CodeFailedPrecondition,

	SignInRequired:      CodeUnauthenticated,
	BadCredentials:      CodeUnauthenticated,
	SessionEnded:        CodeUnauthenticated,
	TokenRevoked:        CodeUnauthenticated,
	VisitorSessionEnded: CodeUnauthenticated,

	PermissionDenied: CodePermissionDenied,
	AdminRequired:    CodePermissionDenied,
	OriginNotAllowed: CodePermissionDenied,
	WrongPassword:    CodePermissionDenied,
	IdentityInvalid:  CodePermissionDenied,
	IdentityLocked:   CodePermissionDenied,
	NotAssignee:      CodePermissionDenied,

	RateLimited:     CodeResourceExhausted,
	SignInThrottled: CodeResourceExhausted,
	TooManyStreams:  CodeResourceExhausted,
	StreamBehind:    CodeResourceExhausted,

	Unavailable:  CodeUnavailable,
	NotAvailable: CodeUnavailable,

	WrongCode:      CodePermissionDenied,
	SignInExpired:  CodeUnauthenticated,
	TwoFactorState: CodeFailedPrecondition,

	IdempotencyKeyReused:    CodeInvalid,
	IdempotencyInProgress:   CodeUnavailable,
	WebhookURLInvalid:       CodeInvalid,
	WebhookTargetNotAllowed: CodePermissionDenied,
	RatingsOff:              CodeFailedPrecondition,
	RatingNotYet:            CodeFailedPrecondition,
	RatingFinal:             CodeFailedPrecondition,
	ReportRangeTooLong:      CodeInvalid,
	UnknownTimeZone:         CodeInvalid,
	MessageNotFound:         CodeNotFound,
	NotMessageSender:        CodePermissionDenied,
	MessageDeleted:          CodeFailedPrecondition,
	EditWindowPassed:        CodeFailedPrecondition,
	FileTooLarge:            CodeResourceExhausted,
	FileTypeNotAllowed:      CodeInvalid,
	FileEmpty:               CodeInvalid,
	AttachmentNotFound:      CodeNotFound,
	AttachmentLinkExpired:   CodePermissionDenied,
	CapacityOutOfRange:      CodeInvalid,
	InvalidTimeZone:         CodeInvalid,
	InvalidSchedule:         CodeInvalid,
	InvalidDate:             CodeInvalid,
	TeamNotFound:            CodeNotFound,
	ViewNotFound:            CodeNotFound,
	MailNotConfigured:       CodeFailedPrecondition,
	MailSendFailed:          CodeFailedPrecondition,
	NoEmailAddress:          CodeFailedPrecondition,

	AddressUnsubscribed:     CodeFailedPrecondition,
	AttributeNotFound:       CodeNotFound,
	AttributeKeyInvalid:     CodeInvalid,
	AttributeValueInvalid:   CodeInvalid,
	IdentityRequired:        CodeFailedPrecondition,
	TwoFactorRequired:       CodePermissionDenied,
	RetentionWidgetRepeated: CodeInvalid,
	AddressBounced:          CodeFailedPrecondition,
	AddressNotGiven:         CodeFailedPrecondition,
	VisitorNotOnSite:        CodeNotFound,
	ProactiveNotAllowed:     CodeFailedPrecondition,
	TooManyVisitors:         CodeResourceExhausted,
	InvitationInvalid:       CodeFailedPrecondition,
	BotRequired:             CodeInvalid,
	ConversationAlreadyOpen: CodeFailedPrecondition,
}

// Reasons lists every reason (for tests and documentation).
func Reasons() []Reason {
	out := make([]Reason, 0, len(codes))
	for r := range codes {
		out = append(out, r)
	}
	return out
}

// Code returns the class the reason maps to; an unknown reason is internal.
func (r Reason) Code() Code {
	if c, ok := codes[r]; ok {
		return c
	}
	return CodeInternal
}

// Proto returns the reason as the proto enum value.
func (r Reason) Proto() livechatv1.ErrorReason {
	return livechatv1.ErrorReason(livechatv1.ErrorReason_value["ERROR_REASON_"+string(r)])
}
