package mail_test

import (
	"strings"
	"testing"
	"time"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/mail"
)

// Each agent chooses their email notifications: a new conversation while
// nobody is online, a conversation assigned to them. Each event is mailed
// once although two instances send mail; a disabled agent gets none, nor
// an agent who claims a conversation themselves.
func TestAgentNotifications(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A second instance on the same database sends mail too.
	apptest.NewOnPool(t, e.srv.Pool, func(c *app.Config) {
		c.ScryptLogN = 10
		c.PublicURL = "http://chat.example.com"
		c.Mail = mail.Config{
			SMTP: mail.SMTP{
				Host: e.mp.Host, Port: e.mp.SMTPPort, Security: mail.None,
				From: "support@example.com", FromName: "Example Support", ReplyDomain: "reply.example.com",
			},
			PollInterval: 100 * time.Millisecond, Now: e.clk.Now, SendTimeout: 5 * time.Second,
		}
	})

	// Validation.
	if _, err := e.agent.Mail.UpdateMyNotifications(ctx(t), &livechatv1.UpdateMyNotificationsRequest{Notifications: &livechatv1.MailNotifications{
		Address: "not an address", Assigned: true,
	}}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_INVALID_EMAIL {
		t.Errorf("bad address: %v, want INVALID_EMAIL", err)
	}
	if _, err := e.agent.Mail.UpdateMyNotifications(ctx(t), &livechatv1.UpdateMyNotificationsRequest{Notifications: &livechatv1.MailNotifications{
		Assigned: true,
	}}); reason(err) != livechatv1.ErrorReason_ERROR_REASON_REQUIRED {
		t.Errorf("no address: %v, want REQUIRED", err)
	}
	got, err := e.agent.Mail.GetMyNotifications(ctx(t), &livechatv1.GetMyNotificationsRequest{})
	if err != nil || got.Notifications.Address != "" || got.Notifications.Assigned || got.Notifications.NewConversations {
		t.Fatalf("before choosing: %v, %v, want all off", got, err)
	}

	// Root wants new conversations; Lan assignments, in Vietnamese; Tam
	// wants both but is disabled.
	set := func(c *apptest.Client, n *livechatv1.MailNotifications) {
		t.Helper()
		if _, err := c.Mail.UpdateMyNotifications(ctx(t), &livechatv1.UpdateMyNotificationsRequest{Notifications: n}); err != nil {
			t.Fatal(err)
		}
	}
	set(e.admin, &livechatv1.MailNotifications{Address: "root@example.com", NewConversations: true})
	set(e.agent, &livechatv1.MailNotifications{Address: "lan@example.com", Assigned: true, Language: "vi"})
	got, err = e.agent.Mail.GetMyNotifications(ctx(t), &livechatv1.GetMyNotificationsRequest{})
	if err != nil || got.Notifications.Address != "lan@example.com" || !got.Notifications.Assigned || got.Notifications.NewConversations || got.Notifications.Language != "vi" {
		t.Fatalf("Lan's notifications: %v, %v", got, err)
	}
	created, err := e.admin.Auth.CreateAgent(ctx(t), &livechatv1.CreateAgentRequest{
		Username: "tam", DisplayName: "Tam", Role: livechatv1.AgentRole_AGENT_ROLE_AGENT, Password: apptest.TeamPassword,
	})
	if err != nil {
		t.Fatal(err)
	}
	tam := e.srv.NewClient(nil)
	if _, err := tam.Auth.Login(ctx(t), &livechatv1.LoginRequest{Username: "tam", Password: apptest.TeamPassword}); err != nil {
		t.Fatal(err)
	}
	set(tam, &livechatv1.MailNotifications{Address: "tam@example.com", NewConversations: true, Assigned: true})
	disabled := true
	if _, err := e.admin.Auth.UpdateAgent(ctx(t), &livechatv1.UpdateAgentRequest{AgentId: created.Agent.Id, Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}

	// A visitor writes while nobody is online: Root is told, once.
	v := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_EN, "")
	conv := v.send(t, "Is anyone there?")
	ms := e.settle(t, 1)
	if len(ms) != 1 || ms[0].To[0].Address != "root@example.com" || !strings.HasPrefix(ms[0].Subject, "New conversation from") {
		t.Fatalf("Mailpit has %v, want one notification to root", ms)
	}
	if m := e.mp.Message(ms[0].ID); !strings.Contains(m.Text, "Is anyone there?") || !strings.Contains(m.Text, "http://chat.example.com/inbox/all/"+conv) {
		t.Errorf("notification text %q, want the message and the link", m.Text)
	}

	// Root assigns it to Lan: Lan is told, in Vietnamese, once.
	me, err := e.agent.Auth.GetMe(ctx(t), &livechatv1.GetMeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Conversation.AssignConversation(ctx(t), &livechatv1.AssignConversationRequest{ConversationId: conv, AgentId: me.Agent.Id}); err != nil {
		t.Fatal(err)
	}
	ms = e.settle(t, 2)
	if len(ms) != 2 || ms[0].To[0].Address != "lan@example.com" || !strings.Contains(ms[0].Subject, "đã được giao cho bạn") {
		t.Fatalf("Mailpit has %v, want the assignment to Lan, in Vietnamese", ms)
	}

	// Lan claims another conversation himself: nothing.
	conv2 := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_EN, "").send(t, "Second")
	ms = e.settle(t, 3) // Root's notification of the second conversation
	if _, err := e.agent.Conversation.ClaimConversation(ctx(t), &livechatv1.ClaimConversationRequest{ConversationId: conv2}); err != nil {
		t.Fatal(err)
	}
	ms = e.settle(t, 4)
	if len(ms) != 3 {
		t.Errorf("Mailpit has %d mails, want 3 (no mail for a claim)", len(ms))
	}
	for _, m := range ms {
		if m.To[0].Address == "tam@example.com" {
			t.Error("a disabled agent was mailed")
		}
	}
}
