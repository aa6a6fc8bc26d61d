// Package mailapi serves MailService and the unsubscribe page: it converts
// between the API's messages and package mail's Go values and passes the
// caller the auth interceptor resolved. The rules live in package mail.
package mailapi

import (
	"context"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/audit"
	"github.com/opensupport/livechat/server/mail"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/protoconv"
)

// Handler serves MailService. It embeds no generated Unimplemented
// handler, so a method missing here is a compile error.
type Handler struct {
	svc *mail.Service
	// audit records changes of the mail settings (nil: none).
	audit *audit.Service
}

var _ livechatv1connect.MailServiceHandler = (*Handler)(nil)

// NewHandler returns the Connect handler of svc.
func NewHandler(svc *mail.Service) *Handler { return &Handler{svc: svc} }

// WithAudit makes the handler record changes of the mail settings in rec
// (never the password: only whether one is set).
func (h *Handler) WithAudit(rec *audit.Service) *Handler {
	h.audit = rec
	return h
}

// GetMailSettings implements livechatv1connect.MailServiceHandler.
func (h *Handler) GetMailSettings(ctx context.Context, _ *livechatv1.GetMailSettingsRequest) (*livechatv1.GetMailSettingsResponse, error) {
	s, err := h.svc.GetSettings(ctx)
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetMailSettingsResponse{Settings: settingsProto(s)}, nil
}

// UpdateMailSettings implements livechatv1connect.MailServiceHandler.
func (h *Handler) UpdateMailSettings(ctx context.Context, req *livechatv1.UpdateMailSettingsRequest) (*livechatv1.UpdateMailSettingsResponse, error) {
	in := req.GetSettings()
	sec, err := securityFromProto(in.GetSecurity())
	if err != nil {
		return nil, err
	}
	before, err := h.svc.GetSettings(ctx)
	if err != nil {
		return nil, err
	}
	s, err := h.svc.UpdateSettings(ctx, principal.From(ctx).Agent(), mail.SettingsInput{
		SMTP: mail.SMTP{
			Host: in.GetHost(), Port: int(in.GetPort()), Security: sec, Username: in.GetUsername(),
			From: in.GetFromAddress(), FromName: in.GetFromName(), ReplyDomain: in.GetReplyDomain(),
		},
		Password:            req.Password,
		FollowupMinutes:     int(in.GetFollowupMinutes()),
		TranscriptOnResolve: in.GetTranscriptOnResolve(),
	})
	if err != nil {
		return nil, err
	}
	changes := audit.Changes(before, s)
	if req.Password != nil && *req.Password != "" && before.PasswordSet {
		// A new password replacing an old one changes nothing the diff
		// sees (only whether one is set); it is a change all the same.
		changes["password"] = "replaced"
	}
	if len(changes) > 0 {
		h.audit.Record(ctx, principal.From(ctx).Agent(), audit.SettingsChanged, audit.Target{Type: "settings", ID: mail.Section, Name: mail.Section}, changes)
	}
	return &livechatv1.UpdateMailSettingsResponse{Settings: settingsProto(s)}, nil
}

// SendTestMail implements livechatv1connect.MailServiceHandler.
func (h *Handler) SendTestMail(ctx context.Context, req *livechatv1.SendTestMailRequest) (*livechatv1.SendTestMailResponse, error) {
	if err := h.svc.SendTestMail(ctx, principal.From(ctx).Agent(), req.ToAddress); err != nil {
		return nil, err
	}
	return &livechatv1.SendTestMailResponse{}, nil
}

// ListOutbox implements livechatv1connect.MailServiceHandler.
func (h *Handler) ListOutbox(ctx context.Context, req *livechatv1.ListOutboxRequest) (*livechatv1.ListOutboxResponse, error) {
	st, ok := statusFromProto[req.Status]
	if !ok {
		return nil, apperr.New(apperr.InvalidValue, "unknown status %d", req.Status).WithField("status")
	}
	page, err := h.svc.ListOutbox(ctx, mail.OutboxFilter{Status: st, PageSize: req.PageSize, PageToken: req.PageToken})
	if err != nil {
		return nil, err
	}
	out := &livechatv1.ListOutboxResponse{Mails: make([]*livechatv1.OutboxMail, 0, len(page.Entries)), NextPageToken: page.NextPageToken}
	for _, e := range page.Entries {
		out.Mails = append(out.Mails, &livechatv1.OutboxMail{
			Id: protoconv.ID(e.ID), Kind: kindToProto[e.Kind], ToAddress: e.To, Subject: e.Subject,
			ConversationId: protoconv.OptionalID(e.ConversationID), Status: statusToProto[e.Status],
			Attempts: int32(e.Attempts), NextAttemptAt: protoconv.Timestamp(e.NextAttemptAt), LastError: e.LastError,
			CreatedAt: protoconv.Timestamp(e.CreatedAt), SentAt: protoconv.OptionalTimestamp(e.SentAt),
			BouncedAt: protoconv.OptionalTimestamp(e.BouncedAt),
		})
	}
	return out, nil
}

// SendTranscript implements livechatv1connect.MailServiceHandler.
func (h *Handler) SendTranscript(ctx context.Context, req *livechatv1.SendTranscriptRequest) (*livechatv1.SendTranscriptResponse, error) {
	id, err := protoconv.ParseID("conversation_id", req.ConversationId)
	if err != nil {
		return nil, err
	}
	to, err := h.svc.SendTranscript(ctx, principal.From(ctx).Agent(), id)
	if err != nil {
		return nil, err
	}
	return &livechatv1.SendTranscriptResponse{ToAddress: to}, nil
}

// GetMyNotifications implements livechatv1connect.MailServiceHandler.
func (h *Handler) GetMyNotifications(ctx context.Context, _ *livechatv1.GetMyNotificationsRequest) (*livechatv1.GetMyNotificationsResponse, error) {
	n, err := h.svc.MyNotifications(ctx, principal.From(ctx).Agent())
	if err != nil {
		return nil, err
	}
	return &livechatv1.GetMyNotificationsResponse{Notifications: notificationsProto(n)}, nil
}

// UpdateMyNotifications implements livechatv1connect.MailServiceHandler.
func (h *Handler) UpdateMyNotifications(ctx context.Context, req *livechatv1.UpdateMyNotificationsRequest) (*livechatv1.UpdateMyNotificationsResponse, error) {
	in := req.GetNotifications()
	n, err := h.svc.SetMyNotifications(ctx, principal.From(ctx).Agent(), mail.Notifications{
		Address: in.GetAddress(), NewConversations: in.GetNewConversations(), Assigned: in.GetAssigned(), Language: in.GetLanguage(),
	})
	if err != nil {
		return nil, err
	}
	return &livechatv1.UpdateMyNotificationsResponse{Notifications: notificationsProto(n)}, nil
}

// EmailMyTranscript implements livechatv1connect.MailServiceHandler.
func (h *Handler) EmailMyTranscript(ctx context.Context, req *livechatv1.EmailMyTranscriptRequest) (*livechatv1.EmailMyTranscriptResponse, error) {
	id, err := protoconv.ParseID("conversation_id", req.ConversationId)
	if err != nil {
		return nil, err
	}
	to, err := h.svc.VisitorTranscript(ctx, principal.From(ctx).Visitor(), id)
	if err != nil {
		return nil, err
	}
	return &livechatv1.EmailMyTranscriptResponse{ToAddress: to}, nil
}

func notificationsProto(n mail.Notifications) *livechatv1.MailNotifications {
	return &livechatv1.MailNotifications{Address: n.Address, NewConversations: n.NewConversations, Assigned: n.Assigned, Language: n.Language}
}

var securities = map[livechatv1.MailSecurity]mail.Security{
	livechatv1.MailSecurity_MAIL_SECURITY_UNSPECIFIED: "",
	livechatv1.MailSecurity_MAIL_SECURITY_STARTTLS:    mail.StartTLS,
	livechatv1.MailSecurity_MAIL_SECURITY_TLS:         mail.ImplicitTLS,
	livechatv1.MailSecurity_MAIL_SECURITY_NONE:        mail.None,
}

func securityFromProto(s livechatv1.MailSecurity) (mail.Security, error) {
	sec, ok := securities[s]
	if !ok {
		return "", apperr.New(apperr.InvalidValue, "unknown security %d", s).WithField("security")
	}
	return sec, nil
}

func settingsProto(s mail.Settings) *livechatv1.MailSettings {
	sec := livechatv1.MailSecurity_MAIL_SECURITY_STARTTLS
	for p, v := range securities {
		if v == s.SMTP.Security && v != "" {
			sec = p
		}
	}
	return &livechatv1.MailSettings{
		Host: s.SMTP.Host, Port: int32(s.SMTP.Port), Security: sec, Username: s.SMTP.Username,
		PasswordSet: s.PasswordSet, FromAddress: s.SMTP.From, FromName: s.SMTP.FromName,
		ReplyDomain: s.SMTP.ReplyDomain, FollowupMinutes: int32(s.FollowupMinutes),
		FromConfiguration: s.FromConfiguration, TranscriptOnResolve: s.TranscriptOnResolve,
	}
}

var statusFromProto = map[livechatv1.OutboxStatus]mail.Status{
	livechatv1.OutboxStatus_OUTBOX_STATUS_UNSPECIFIED: "",
	livechatv1.OutboxStatus_OUTBOX_STATUS_QUEUED:      mail.StatusQueued,
	livechatv1.OutboxStatus_OUTBOX_STATUS_SENT:        mail.StatusSent,
	livechatv1.OutboxStatus_OUTBOX_STATUS_FAILED:      mail.StatusFailed,
}

var statusToProto = map[mail.Status]livechatv1.OutboxStatus{
	mail.StatusQueued: livechatv1.OutboxStatus_OUTBOX_STATUS_QUEUED,
	mail.StatusSent:   livechatv1.OutboxStatus_OUTBOX_STATUS_SENT,
	mail.StatusFailed: livechatv1.OutboxStatus_OUTBOX_STATUS_FAILED,
}

var kindToProto = map[mail.Kind]livechatv1.OutboxMailKind{
	mail.KindFollowup:        livechatv1.OutboxMailKind_OUTBOX_MAIL_KIND_FOLLOWUP,
	mail.KindAcknowledgement: livechatv1.OutboxMailKind_OUTBOX_MAIL_KIND_ACKNOWLEDGEMENT,
	mail.KindTranscript:      livechatv1.OutboxMailKind_OUTBOX_MAIL_KIND_TRANSCRIPT,
	mail.KindNotification:    livechatv1.OutboxMailKind_OUTBOX_MAIL_KIND_NOTIFICATION,
	mail.KindTest:            livechatv1.OutboxMailKind_OUTBOX_MAIL_KIND_TEST,
}
