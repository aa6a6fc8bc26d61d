package mail

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
)

// Notifications are one agent's email notifications.
type Notifications struct {
	// Address is where they go; "" sends none.
	Address string
	// NewConversations: a new or reopened conversation while no agent is
	// online.
	NewConversations bool
	// Assigned: a conversation assigned to the agent by someone else or by
	// routing.
	Assigned bool
	// Language of the mails: "en" or "vi".
	Language string
}

// MyNotifications returns the agent's notifications (all off until they
// choose).
func (s *Service) MyNotifications(ctx context.Context, agent principal.Agent) (Notifications, error) {
	r, err := s.q.GetAgentNotifications(ctx, agent.ID)
	if apperr.Is(err, apperr.NotFound) {
		return Notifications{Language: string(langEN)}, nil
	}
	if err != nil {
		return Notifications{}, err
	}
	return Notifications{Address: r.Address, NewConversations: r.NewConversations, Assigned: r.Assigned, Language: r.Language}, nil
}

// SetMyNotifications stores the agent's notifications.
//
// Errors: InvalidEmail (field "address"); Required (field "address") when
// a notification is on without an address; InvalidValue (field
// "language") for a language other than "en", "vi" or "".
func (s *Service) SetMyNotifications(ctx context.Context, agent principal.Agent, n Notifications) (Notifications, error) {
	addr, err := checkAddress("address", n.Address)
	if err != nil {
		return Notifications{}, err
	}
	if addr == "" && (n.NewConversations || n.Assigned) {
		return Notifications{}, apperr.New(apperr.Required, "an address is required to be emailed").WithField("address")
	}
	switch n.Language {
	case "":
		n.Language = string(langEN)
	case string(langEN), string(langVI):
	default:
		return Notifications{}, apperr.New(apperr.InvalidValue, "the language must be en or vi").WithField("language")
	}
	if err := s.q.PutAgentNotifications(ctx, dbq.PutAgentNotificationsParams{
		AgentID: agent.ID, Address: addr, NewConversations: n.NewConversations, Assigned: n.Assigned, Language: n.Language,
	}); err != nil {
		return Notifications{}, err
	}
	return s.MyNotifications(ctx, agent)
}

// notifyNewConversation queues, in q's transaction, a mail to every agent
// who wants one about a new conversation while no agent is online. The
// caller checked that nobody is online and that mail is configured.
func (s *Service) notifyNewConversation(ctx context.Context, q *dbq.Queries, conversationID uuid.UUID) error {
	rows, err := q.NewConversationRecipients(ctx)
	if err != nil || len(rows) == 0 {
		return err
	}
	c, err := q.ConversationForNotification(ctx, conversationID)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := s.queueNotification(ctx, q, conversationID, r.Address, r.DisplayName, r.Language, tmplNewConversation, c); err != nil {
			return err
		}
	}
	return nil
}

// Assigned is told of a conversation given to assigneeID by someone else
// (actorID, uuid.Nil for routing), inside the assignment's transaction: it
// queues a mail to the assignee when they want one. Claiming a
// conversation oneself mails nothing.
func (s *Service) Assigned(ctx context.Context, q *dbq.Queries, conversationID, assigneeID, actorID uuid.UUID) error {
	if assigneeID == actorID {
		return nil
	}
	rows, err := q.AssignedRecipient(ctx, assigneeID)
	if err != nil || len(rows) == 0 {
		return err
	}
	m, _, err := s.currentIn(ctx, q)
	if err != nil || !m.configured() {
		return err
	}
	c, err := q.ConversationForNotification(ctx, conversationID)
	if err != nil {
		return err
	}
	if err := s.queueNotification(ctx, q, conversationID, rows[0].Address, rows[0].DisplayName, rows[0].Language, tmplAssigned, c); err != nil {
		return err
	}
	s.nudge()
	return nil
}

// queueNotification renders and queues one agent notification.
func (s *Service) queueNotification(ctx context.Context, q *dbq.Queries, conversationID uuid.UUID, to, name, language string, t tmpl, c dbq.ConversationForNotificationRow) error {
	l := langEN
	if language == string(langVI) {
		l = langVI
	}
	d := data{Greet: name, Team: c.WidgetName, CustomerName: c.CustomerName, Text: truncate(c.LastText, 2000)}
	if d.CustomerName == "" {
		d.CustomerName = texts[l]["notify.visitor"]
	}
	if s.cfg.PublicURL != "" {
		d.Link = strings.TrimRight(s.cfg.PublicURL, "/") + "/inbox/all/" + conversationID.String()
	}
	msg := render(l, t, d)
	msg.To = to
	return s.enqueue(ctx, q, KindNotification, &conversationID, msg)
}
