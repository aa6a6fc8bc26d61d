package audit_test

import (
	"context"
	"encoding/base32"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/totp"
)

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// auditLog reads the audit log through the API as an admin.
type auditLog struct {
	admin *apptest.Client
	mark  int64
}

// newest returns the entries written after the last call, oldest first,
// and moves the mark past them.
func (l *auditLog) newest(t *testing.T) []*livechatv1.AuditEntry {
	t.Helper()
	res, err := l.admin.Audit.ListAuditEntries(ctx(t), &livechatv1.ListAuditEntriesRequest{PageSize: 200})
	if err != nil {
		t.Fatalf("ListAuditEntries: %v", err)
	}
	var out []*livechatv1.AuditEntry
	for i := len(res.Entries) - 1; i >= 0; i-- {
		if e := res.Entries[i]; e.Id > l.mark {
			out = append(out, e)
			l.mark = e.Id
		}
	}
	return out
}

// want checks that exactly one entry was written since the last check,
// with the action, the target and the actor given ("" actor: nobody), from
// the test's loopback address; it returns the entry.
func (l *auditLog) want(t *testing.T, action, targetType, targetName, actor string) *livechatv1.AuditEntry {
	t.Helper()
	got := l.newest(t)
	if len(got) != 1 {
		var names []string
		for _, e := range got {
			names = append(names, e.Action)
		}
		t.Fatalf("after %s: %d new entries %v, want exactly one", action, len(got), names)
	}
	e := got[0]
	if e.Action != action || e.TargetType != targetType || e.TargetName != targetName || e.ActorName != actor {
		t.Fatalf("entry = %s %s %q by %q, want %s %s %q by %q", e.Action, e.TargetType, e.TargetName, e.ActorName,
			action, targetType, targetName, actor)
	}
	if e.ClientIp != "127.0.0.1" {
		t.Errorf("%s: client_ip %q, want 127.0.0.1", action, e.ClientIp)
	}
	if e.At == nil || time.Since(e.At.AsTime()) > time.Minute {
		t.Errorf("%s: at %v, want now", action, e.At)
	}
	return e
}

func codeNow(t *testing.T, secret string) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return totp.Code(key, totp.Counter(time.Now()), totp.Digits)
}

// must(call(...))(t) is call's result, failing t on its error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestEveryAdministrativeActionIsAudited performs every action the audit
// log covers through the real server and checks that each wrote exactly
// one entry saying who, what, to what and from where.
func TestEveryAdministrativeActionIsAudited(t *testing.T) {
	t.Parallel()
	tm := apptest.NewTeam(t)
	l := &auditLog{admin: tm.Admin}

	// The team's setup: root created itself, root created lan and minh,
	// who signed in.
	var actions []string
	for _, e := range l.newest(t) {
		actions = append(actions, e.Action+":"+e.TargetName)
	}
	if got, want := strings.Join(actions, " "), "agent.created:root agent.created:lan auth.sign_in:lan agent.created:minh auth.sign_in:minh"; got != want {
		t.Fatalf("setup entries = %s, want %s", got, want)
	}

	t.Run("agents", func(t *testing.T) {
		sam := must(tm.Admin.Auth.CreateAgent(ctx(t), &livechatv1.CreateAgentRequest{
			Username: "sam", DisplayName: "Sam", Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: apptest.TeamPassword,
		}))(t)
		e := l.want(t, "agent.created", "agent", "sam", "Root")
		if e.TargetId != sam.Agent.Id || e.Details.AsMap()["role"] != "agent" {
			t.Errorf("agent.created = %v", e)
		}

		yes := true
		admin := livechatv1.AgentRole_AGENT_ROLE_ADMIN
		must(tm.Admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: sam.Agent.Id, Role: &admin}))(t)
		e = l.want(t, "agent.updated", "agent", "sam", "Root")
		if got := e.Details.AsMap(); len(got) != 1 || got["role"] == nil {
			t.Errorf("role change details = %v, want only role", got)
		} else if ch := got["role"].(map[string]any); ch["from"] != "agent" || ch["to"] != "admin" {
			t.Errorf("role change = %v, want agent → admin", ch)
		}

		must(tm.Admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: sam.Agent.Id, Disabled: &yes}))(t)
		e = l.want(t, "agent.updated", "agent", "sam", "Root")
		if ch, _ := e.Details.AsMap()["disabled"].(map[string]any); ch["from"] != false || ch["to"] != true {
			t.Errorf("disable details = %v", e.Details.AsMap())
		}

		must(tm.Admin.Auth.ResetAgentPassword(ctx(t), &livechatv1.ResetAgentPasswordRequest{AgentId: sam.Agent.Id, NewPassword: "another long password"}))(t)
		e = l.want(t, "agent.password_reset", "agent", "sam", "Root")
		if strings.Contains(e.Details.String(), "another long password") {
			t.Error("the new password is in the audit log")
		}
	})

	t.Run("second factor", func(t *testing.T) {
		start := must(tm.Lan.Auth.StartTwoFactorEnrolment(ctx(t), &livechatv1.StartTwoFactorEnrolmentRequest{}))(t)
		if got := l.newest(t); len(got) != 0 {
			t.Fatalf("starting an enrolment wrote %d entries", len(got))
		}
		must(tm.Lan.Auth.ConfirmTwoFactor(ctx(t), &livechatv1.ConfirmTwoFactorRequest{Code: codeNow(t, start.Secret)}))(t)
		l.want(t, "agent.two_factor_enabled", "agent", "lan", "lan")

		// A sign-in with a wrong second factor, then the admin's reset.
		c := tm.Server.NewClient(nil)
		ch := must(c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "lan", Password: apptest.TeamPassword}))(t)
		if got := l.newest(t); len(got) != 0 {
			t.Fatalf("the password half of a sign-in wrote %v", got)
		}
		_, err := c.Auth.CompleteLogin(ctx(t), &livechatv1.CompleteLoginRequest{Challenge: ch.SecondFactorChallenge, Code: "000000"})
		if apperr.DetailOf(err).GetReason() != livechatv1.ErrorReason_ERROR_REASON_WRONG_CODE {
			t.Fatalf("CompleteLogin with a wrong code: %v", err)
		}
		e := l.want(t, "auth.sign_in_failed", "agent", "", "")
		if e.Details.AsMap()["stage"] != "second_factor" {
			t.Errorf("details = %v", e.Details.AsMap())
		}

		lanID := must(tm.Lan.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}))(t).Agent.Id
		must(tm.Admin.Auth.ResetAgentTwoFactor(ctx(t), &livechatv1.ResetAgentTwoFactorRequest{AgentId: lanID}))(t)
		e = l.want(t, "agent.two_factor_reset", "agent", "lan", "Root")
		if e.TargetId != lanID {
			t.Errorf("target_id = %s, want %s", e.TargetId, lanID)
		}
	})

	t.Run("sign-ins", func(t *testing.T) {
		c := tm.Server.NewClient(nil)
		_, err := c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "minh", Password: "not the password"})
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Fatalf("wrong password: %v", err)
		}
		e := l.want(t, "auth.sign_in_failed", "agent", "minh", "")
		if e.ActorId != "" || strings.Contains(e.Details.String(), "not the password") {
			t.Errorf("failed sign-in entry = %v", e)
		}
		// A name that is no username is stored printable; a formula-like
		// one is defused in the CSV export (below).
		_, _ = c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "=HYPERLINK(\"x\")\x01", Password: "x"})
		l.want(t, "auth.sign_in_failed", "agent", "=HYPERLINK(\"x\")", "")

		must(c.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "minh", Password: apptest.TeamPassword}))(t)
		e = l.want(t, "auth.sign_in", "agent", "minh", "minh")
		if e.ActorId == "" || e.Details.AsMap()["second_factor"] != false {
			t.Errorf("sign-in entry = %v", e)
		}

		must(c.Auth.ChangePassword(ctx(t), &livechatv1.ChangePasswordRequest{CurrentPassword: apptest.TeamPassword, NewPassword: "a new long password"}))(t)
		l.want(t, "agent.password_changed", "agent", "minh", "minh")
	})

	t.Run("API tokens", func(t *testing.T) {
		tok := must(tm.Admin.Auth.CreateApiToken(ctx(t), &livechatv1.CreateApiTokenRequest{Name: "CRM sync", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN}))(t)
		e := l.want(t, "token.created", "token", "CRM sync", "Root")
		if strings.Contains(e.String(), tok.Secret) {
			t.Error("the token's secret is in the audit log")
		}
		// What the token does is recorded as its owner, through the token.
		viaToken := tm.Server.NewClient(apptest.Bearer(tok.Secret))
		must(viaToken.Auth.CreateAgent(ctx(t), &livechatv1.CreateAgentRequest{
			Username: "bot", DisplayName: "Bot", Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: apptest.TeamPassword,
		}))(t)
		if e := l.want(t, "agent.created", "agent", "bot", "Root"); e.TokenId != tok.Token.Id {
			t.Errorf("token_id = %q, want %q", e.TokenId, tok.Token.Id)
		}
		must(tm.Admin.Auth.RevokeApiToken(ctx(t), &livechatv1.RevokeApiTokenRequest{TokenId: tok.Token.Id}))(t)
		l.want(t, "token.revoked", "token", "CRM sync", "Root")
	})

	t.Run("widgets", func(t *testing.T) {
		w := must(tm.Admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}}))(t)
		l.want(t, "widget.created", "widget", "Shop", "Root")
		settings := w.Widget.Settings
		settings.Name = "Shop EU"
		settings.AllowedOrigins = []string{"https://shop.example"}
		must(tm.Admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: w.Widget.Id, Settings: settings}))(t)
		e := l.want(t, "widget.updated", "widget", "Shop EU", "Root")
		d := e.Details.AsMap()
		if len(d) != 2 || d["Name"] == nil || d["AllowedOrigins"] == nil {
			t.Errorf("update details = %v, want Name and AllowedOrigins", d)
		}
		rot := must(tm.Admin.Widget.RotateWidgetSecret(ctx(t), &livechatv1.RotateWidgetSecretRequest{WidgetId: w.Widget.Id}))(t)
		e = l.want(t, "widget.secret_rotated", "widget", "Shop EU", "Root")
		for _, secret := range []string{w.IdentitySecret, rot.IdentitySecret} {
			if strings.Contains(e.String(), secret) {
				t.Error("an identity secret is in the audit log")
			}
		}
		must(tm.Admin.Widget.DeleteWidget(ctx(t), &livechatv1.DeleteWidgetRequest{WidgetId: w.Widget.Id}))(t)
		l.want(t, "widget.deleted", "widget", "Shop EU", "Root")
	})

	t.Run("webhooks", func(t *testing.T) {
		w := must(tm.Admin.Webhooks.CreateWebhook(ctx(t), &livechatv1.CreateWebhookRequest{
			Url: "https://hooks.example.com/in?token=abc", EventTypes: []livechatv1.WebhookEventType{livechatv1.WebhookEventType_WEBHOOK_EVENT_TYPE_MESSAGE_CREATED}, Enabled: true,
		}))(t)
		e := l.want(t, "webhook.created", "webhook", "https://hooks.example.com", "Root")
		must(tm.Admin.Webhooks.UpdateWebhook(ctx(t), &livechatv1.UpdateWebhookRequest{
			WebhookId: w.Webhook.Id, Url: "https://hooks.example.com/in?token=abc", EventTypes: []livechatv1.WebhookEventType{livechatv1.WebhookEventType_WEBHOOK_EVENT_TYPE_MESSAGE_CREATED}, Enabled: false,
		}))(t)
		l.want(t, "webhook.updated", "webhook", "https://hooks.example.com", "Root")
		rot := must(tm.Admin.Webhooks.RotateWebhookSecret(ctx(t), &livechatv1.RotateWebhookSecretRequest{WebhookId: w.Webhook.Id}))(t)
		r := l.want(t, "webhook.secret_rotated", "webhook", "https://hooks.example.com", "Root")
		for _, s := range []string{w.Secret, rot.Secret, "token=abc"} {
			if strings.Contains(e.String()+r.String(), s) {
				t.Errorf("%q is in the audit log", s)
			}
		}
		must(tm.Admin.Webhooks.DeleteWebhook(ctx(t), &livechatv1.DeleteWebhookRequest{WebhookId: w.Webhook.Id}))(t)
		l.want(t, "webhook.deleted", "webhook", "", "Root")
	})

	t.Run("routing and business hours", func(t *testing.T) {
		w := must(tm.Admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Desk"}}))(t)
		l.want(t, "widget.created", "widget", "Desk", "Root")
		must(tm.Admin.Routing.UpdateWidgetRouting(ctx(t), &livechatv1.UpdateWidgetRoutingRequest{WidgetId: w.Widget.Id, Routing: &livechatv1.WidgetRouting{
			Mode:  livechatv1.AssignmentMode_ASSIGNMENT_MODE_AUTO,
			Hours: &livechatv1.BusinessHours{Enabled: true, TimeZone: "Asia/Ho_Chi_Minh", Days: []*livechatv1.DayHours{{Day: 1, OpenMinute: 540, CloseMinute: 1020}}},
		}}))(t)
		e := l.want(t, "routing.changed", "widget", "", "Root")
		if e.TargetId != w.Widget.Id || len(e.Details.AsMap()) == 0 {
			t.Errorf("routing entry = %v", e)
		}
		me := must(tm.Lan.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}))(t)
		must(tm.Admin.Routing.SetAgentCapacity(ctx(t), &livechatv1.SetAgentCapacityRequest{AgentId: me.Agent.Id, MaxActiveConversations: 3}))(t)
		e = l.want(t, "routing.capacity_changed", "agent", "lan", "Root")
		if e.Details.AsMap()["max_active_conversations"] != float64(3) {
			t.Errorf("capacity details = %v", e.Details.AsMap())
		}
		must(tm.Admin.Widget.DeleteWidget(ctx(t), &livechatv1.DeleteWidgetRequest{WidgetId: w.Widget.Id}))(t)
		l.want(t, "widget.deleted", "widget", "Desk", "Root")
	})

	t.Run("mail settings", func(t *testing.T) {
		password := "smtp-secret-PW"
		must(tm.Admin.Mail.UpdateMailSettings(ctx(t), &livechatv1.UpdateMailSettingsRequest{Settings: &livechatv1.MailSettings{
			Host: "smtp.example.com", Port: 587, Security: livechatv1.MailSecurity_MAIL_SECURITY_STARTTLS, FromAddress: "help@example.org",
		}, Password: &password}))(t)
		e := l.want(t, "settings.changed", "settings", "mail", "Root")
		if strings.Contains(e.String(), password) {
			t.Error("the SMTP password is in the audit log")
		}
		if e.Details.AsMap()["SMTP.Host"] == nil {
			t.Errorf("mail details = %v", e.Details.AsMap())
		}
	})

	t.Run("retention policy", func(t *testing.T) {
		must(tm.Admin.Privacy.UpdateRetentionSettings(ctx(t), &livechatv1.UpdateRetentionSettingsRequest{Settings: &livechatv1.RetentionSettings{AttachmentDays: 30}}))(t)
		e := l.want(t, "settings.changed", "settings", "retention", "Root")
		if ch, _ := e.Details.AsMap()["attachment_days"].(map[string]any); ch["to"] != float64(30) {
			t.Errorf("retention details = %v", e.Details.AsMap())
		}
	})

	t.Run("message edits and deletions", func(t *testing.T) {
		w := must(tm.Admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Chat"}}))(t)
		l.want(t, "widget.created", "widget", "Chat", "Root")
		s := must(tm.Server.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey}))(t)
		v := tm.Server.NewClient(apptest.Bearer(s.VisitorToken))
		first := must(v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hello SECRET-VISITOR-TEXT", ClientMessageId: "v1"}))(t)
		conv := first.Conversation.Id
		reply := must(tm.Lan.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: conv, Text: "hi SECRET-AGENT-TEXT", ClientMessageId: "a1"}))(t)
		if got := l.newest(t); len(got) != 0 {
			t.Fatalf("sending wrote %d entries", len(got))
		}
		check := func(e *livechatv1.AuditEntry, messageID, senderType string) {
			t.Helper()
			d := e.Details.AsMap()
			if e.TargetId != messageID || d["conversation_id"] != conv || d["sender_type"] != senderType {
				t.Errorf("%s entry = %v", e.Action, e)
			}
			if strings.Contains(e.String(), "SECRET-") {
				t.Errorf("%s entry holds the message's text: %v", e.Action, e)
			}
		}
		must(tm.Lan.Conversation.EditMessage(ctx(t), &livechatv1.EditMessageRequest{MessageId: reply.Message.Id, Text: "hi SECRET-AGENT-TEXT-2"}))(t)
		check(l.want(t, "message.edited", "message", "", "lan"), reply.Message.Id, "agent")
		must(tm.Lan.Conversation.DeleteMessage(ctx(t), &livechatv1.DeleteMessageRequest{MessageId: reply.Message.Id}))(t)
		check(l.want(t, "message.deleted", "message", "", "lan"), reply.Message.Id, "agent")
		// A visitor's own edits and deletions: no agent acted.
		// The customer is named by id only, and their address is not
		// kept: an erasure could not remove it from the append-only log.
		visitorEntry := func(action string) *livechatv1.AuditEntry {
			t.Helper()
			got := l.newest(t)
			if len(got) != 1 || got[0].Action != action || got[0].ActorName != "" || got[0].ClientIp != "" ||
				got[0].Details.AsMap()["customer_id"] != s.Customer.Id {
				t.Fatalf("after the visitor's %s: %v", action, got)
			}
			return got[0]
		}
		must(v.Widget.EditMessage(ctx(t), &livechatv1.WidgetServiceEditMessageRequest{MessageId: first.Message.Id, Text: "hello SECRET-VISITOR-TEXT-2"}))(t)
		check(visitorEntry("message.edited"), first.Message.Id, "customer")
		must(v.Widget.DeleteMessage(ctx(t), &livechatv1.WidgetServiceDeleteMessageRequest{MessageId: first.Message.Id}))(t)
		check(visitorEntry("message.deleted"), first.Message.Id, "customer")
	})

	t.Run("settings", func(t *testing.T) {
		must(tm.Admin.Audit.UpdateAuditSettings(ctx(t), &livechatv1.UpdateAuditSettingsRequest{Settings: &livechatv1.AuditSettings{RetentionDays: 90}}))(t)
		e := l.want(t, "settings.changed", "settings", "audit", "Root")
		if ch, _ := e.Details.AsMap()["retention_days"].(map[string]any); ch["from"] != float64(365) || ch["to"] != float64(90) {
			t.Errorf("settings details = %v", e.Details.AsMap())
		}
		got := must(tm.Admin.Audit.GetAuditSettings(ctx(t), &livechatv1.GetAuditSettingsRequest{}))(t)
		if got.Settings.RetentionDays != 90 {
			t.Errorf("retention = %d, want 90", got.Settings.RetentionDays)
		}
		// The same value again changes nothing and records nothing.
		must(tm.Admin.Audit.UpdateAuditSettings(ctx(t), &livechatv1.UpdateAuditSettingsRequest{Settings: &livechatv1.AuditSettings{RetentionDays: 90}}))(t)
		if got := l.newest(t); len(got) != 0 {
			t.Errorf("an unchanged setting wrote %d entries", len(got))
		}
		_, err := tm.Admin.Audit.UpdateAuditSettings(ctx(t), &livechatv1.UpdateAuditSettingsRequest{Settings: &livechatv1.AuditSettings{RetentionDays: 7}})
		if d := apperr.DetailOf(err); d.GetReason() != livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE || d.GetField() != "retention_days" {
			t.Errorf("7 days: %v, want INVALID_VALUE on retention_days", err)
		}
	})

	t.Run("export", func(t *testing.T) {
		x := must(tm.Admin.Audit.ExportAuditEntries(ctx(t), &livechatv1.ExportAuditEntriesRequest{
			Format: livechatv1.AuditExportFormat_AUDIT_EXPORT_FORMAT_CSV,
			Filter: &livechatv1.AuditFilter{Action: "auth."},
		}))(t)
		e := l.want(t, "audit.exported", "audit_log", "", "Root")
		if e.Details.AsMap()["format"] != "csv" {
			t.Errorf("export details = %v", e.Details.AsMap())
		}
		rows, err := csv.NewReader(strings.NewReader(string(x.Data))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != int(x.Count)+1 || rows[0][5] != "action" || x.Truncated {
			t.Fatalf("CSV of %d entries has %d rows, header %v", x.Count, len(rows), rows[0])
		}
		for _, r := range rows[1:] {
			if !strings.HasPrefix(r[5], "auth.") {
				t.Errorf("the filter let %s through", r[5])
			}
			if strings.HasPrefix(r[8], "=") {
				t.Errorf("a formula cell reached the CSV: %q", r[8])
			}
		}
		if !strings.Contains(string(x.Data), `'=HYPERLINK`) {
			t.Error("the formula-like username is not defused")
		}

		j := must(tm.Admin.Audit.ExportAuditEntries(ctx(t), &livechatv1.ExportAuditEntriesRequest{Format: livechatv1.AuditExportFormat_AUDIT_EXPORT_FORMAT_JSON}))(t)
		l.want(t, "audit.exported", "audit_log", "", "Root")
		var doc struct {
			Entries []struct {
				ID     int64  `json:"id"`
				Action string `json:"action"`
			} `json:"entries"`
		}
		if err := json.Unmarshal(j.Data, &doc); err != nil || len(doc.Entries) != int(j.Count) || j.ContentType != "application/json" {
			t.Fatalf("JSON export: %v, %d entries, count %d, %s", err, len(doc.Entries), j.Count, j.ContentType)
		}
		_, err = tm.Admin.Audit.ExportAuditEntries(ctx(t), &livechatv1.ExportAuditEntriesRequest{})
		if apperr.DetailOf(err).GetField() != "format" {
			t.Errorf("no format: %v", err)
		}
	})
}

// TestSearchingTheAuditLog checks each filter and the paging.
func TestSearchingTheAuditLog(t *testing.T) {
	t.Parallel()
	tm := apptest.NewTeam(t)
	lanID := must(tm.Lan.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{}))(t).Agent.Id
	list := func(f *livechatv1.AuditFilter) []string {
		t.Helper()
		res, err := tm.Admin.Audit.ListAuditEntries(ctx(t), &livechatv1.ListAuditEntriesRequest{Filter: f})
		if err != nil {
			t.Fatalf("ListAuditEntries(%v): %v", f, err)
		}
		var out []string
		for _, e := range res.Entries {
			out = append(out, e.Action+":"+e.TargetName)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		filter *livechatv1.AuditFilter
		want   string
	}{
		{"everything, newest first", nil, "auth.sign_in:minh agent.created:minh auth.sign_in:lan agent.created:lan agent.created:root"},
		{"by actor", &livechatv1.AuditFilter{ActorId: lanID}, "auth.sign_in:lan"},
		{"by exact action", &livechatv1.AuditFilter{Action: "auth.sign_in"}, "auth.sign_in:minh auth.sign_in:lan"},
		{"by action prefix", &livechatv1.AuditFilter{Action: "agent."}, "agent.created:minh agent.created:lan agent.created:root"},
		{"a prefix needs its dot", &livechatv1.AuditFilter{Action: "agent"}, ""},
		{"by text, any case", &livechatv1.AuditFilter{Query: "MINH"}, "auth.sign_in:minh agent.created:minh"},
		{"by address", &livechatv1.AuditFilter{Query: "127.0.0.1", Action: "agent.created"}, "agent.created:minh agent.created:lan agent.created:root"},
		{"until the past", &livechatv1.AuditFilter{Until: timestamppb.New(time.Now().Add(-time.Hour))}, ""},
		{"since the past", &livechatv1.AuditFilter{Since: timestamppb.New(time.Now().Add(-time.Hour)), Action: "auth."}, "auth.sign_in:minh auth.sign_in:lan"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(list(tc.filter), " "); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		var all []int64
		tok := ""
		for {
			res := must(tm.Admin.Audit.ListAuditEntries(ctx(t), &livechatv1.ListAuditEntriesRequest{PageSize: 2, PageToken: tok}))(t)
			for _, e := range res.Entries {
				all = append(all, e.Id)
			}
			if tok = res.NextPageToken; tok == "" {
				break
			}
		}
		if len(all) != 5 || all[0] < all[4] {
			t.Errorf("paged ids = %v, want 5 newest first", all)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, tc := range []struct {
			req    *livechatv1.ListAuditEntriesRequest
			reason livechatv1.ErrorReason
			field  string
		}{
			{&livechatv1.ListAuditEntriesRequest{PageSize: 201}, livechatv1.ErrorReason_ERROR_REASON_TOO_MANY_ITEMS, "page_size"},
			{&livechatv1.ListAuditEntriesRequest{PageToken: "nope"}, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_CURSOR, "page_token"},
			{&livechatv1.ListAuditEntriesRequest{Filter: &livechatv1.AuditFilter{ActorId: "123"}}, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "filter.actor_id"},
			{&livechatv1.ListAuditEntriesRequest{Filter: &livechatv1.AuditFilter{Query: strings.Repeat("x", 201)}}, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "query"},
			{&livechatv1.ListAuditEntriesRequest{Filter: &livechatv1.AuditFilter{
				Since: timestamppb.New(time.Now()), Until: timestamppb.New(time.Now().Add(-time.Hour)),
			}}, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "until"},
		} {
			_, err := tm.Admin.Audit.ListAuditEntries(ctx(t), tc.req)
			if d := apperr.DetailOf(err); connect.CodeOf(err) != connect.CodeInvalidArgument || d.GetReason() != tc.reason || d.GetField() != tc.field {
				t.Errorf("%v: %v (%v %q), want %v on %q", tc.req, err, d.GetReason(), d.GetField(), tc.reason, tc.field)
			}
		}
	})

	t.Run("agents may not read it", func(t *testing.T) {
		_, err := tm.Lan.Audit.ListAuditEntries(ctx(t), &livechatv1.ListAuditEntriesRequest{})
		if apperr.DetailOf(err).GetReason() != livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED {
			t.Errorf("an agent listing: %v", err)
		}
	})
}
