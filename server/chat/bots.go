package chat

import (
	"context"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
)

// A bot answers first on a widget that names one (routing's bot-first
// setting): each new conversation of the widget is held by the bot (an API
// token with a bot name). While it holds a WAITING conversation nobody is
// assigned, routing passes it over and the bot replies without claiming
// it. The hold ends when someone hands the conversation off (the bot, an
// agent, or the visitor asking for a person) or an agent claims or is
// assigned it; from then on the conversation follows the normal routing.

// SystemHandedOff is the system line of a handoff.
const SystemHandedOff SystemKind = "handed_off"

// Bot is the bot holding a conversation.
type Bot struct {
	TokenID uuid.UUID
	Name    string
}

// botHolds returns the bots holding any of the conversations ids.
func botHolds(ctx context.Context, q *dbq.Queries, ids []uuid.UUID) (map[uuid.UUID]*Bot, error) {
	out := map[uuid.UUID]*Bot{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.BotHolds(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ConversationID] = &Bot{TokenID: r.TokenID, Name: r.BotName}
	}
	return out, nil
}

// handOffText is the system line's stored text (clients word it
// themselves from its kind and actor).
func handOffText(actor string) string {
	if actor == "" {
		actor = "The customer"
	}
	return actor + " handed the conversation over to the team"
}

// HandOff ends a bot's hold on a conversation for the agent (a person, or
// a bot's token): it then follows the widget's normal routing. A bot may
// hand off only what it holds. Without a hold it changes nothing.
// Errors: ConversationNotFound; NotAssignee for another bot's token.
func (s *Service) HandOff(ctx context.Context, agent principal.Agent, conversationID uuid.UUID) (Conversation, error) {
	c, err := s.conversationFor(ctx, agentViewer(agent.ID), conversationID)
	if err != nil {
		return Conversation{}, err
	}
	if c.Bot == nil {
		return c, nil
	}
	if agent.TokenID != uuid.Nil && agent.TokenID != c.Bot.TokenID {
		if bot, err := s.q.BotToken(ctx, agent.TokenID); err == nil && bot.BotName != "" {
			return Conversation{}, apperr.New(apperr.NotAssignee, "the bot %s holds this conversation; only it or a person may hand it off", c.Bot.Name)
		}
	}
	if err := s.handOff(ctx, conversationID, agent.Name); err != nil {
		return Conversation{}, err
	}
	return s.conversationFor(ctx, agentViewer(agent.ID), conversationID)
}

// VisitorHandOff ends the bot's hold on the visitor's current conversation
// ("Talk to a human"). Errors: ConversationNotFound when they have none.
func (s *Service) VisitorHandOff(ctx context.Context, v principal.Visitor) (Conversation, error) {
	id, err := s.q.CustomerConversationID(ctx, v.CustomerID)
	if err != nil {
		return Conversation{}, apperr.NotFoundAs(err, apperr.ConversationNotFound, conversationNotFound)
	}
	name, err := s.q.CustomerName(ctx, v.CustomerID)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return Conversation{}, err
	}
	if err := s.handOff(ctx, id, name); err != nil {
		return Conversation{}, err
	}
	return s.conversationFor(ctx, visitorViewer(v.CustomerID), id)
}

// handOff ends the hold, if any, and tells the hub and the router.
func (s *Service) handOff(ctx context.Context, conversationID uuid.UUID, actor string) error {
	_, err := s.q.HandOffConversation(ctx, dbq.HandOffConversationParams{
		ConversationID: conversationID, ActorName: actor, Text: handOffText(actor),
	})
	if apperr.Is(err, apperr.NotFound) {
		return nil // nobody held it (or someone handed it off just now)
	}
	if err != nil {
		return err
	}
	s.committed()
	s.kick()
	return nil
}

// CreateConversation opens a WAITING conversation for a known customer on
// behalf of a backend, on widgetID (nil: the customer's widget), as the
// customer's first message would: the widget's bot answers first, else
// routing queues or assigns it. Called by a bot's token, that bot holds it.
// With a text, the caller's first message follows (SendMessage). Errors:
// CustomerNotFound, WidgetNotFound, ConversationAlreadyOpen; those of
// SendMessage for the first message.
func (s *Service) CreateConversation(ctx context.Context, agent principal.Agent, customerID uuid.UUID, widgetID *uuid.UUID, first NewMessage) (Conversation, *Message, error) {
	withText := first.Text != "" || len(first.AttachmentIDs) > 0
	if withText {
		if _, err := cleanContent(first.Text, first.AttachmentIDs); err != nil {
			return Conversation{}, nil, err
		}
		if err := checkClientMessageID(first.ClientMessageID); err != nil {
			return Conversation{}, nil, err
		}
	}
	var botToken uuid.UUID
	if agent.TokenID != uuid.Nil {
		if t, err := s.q.BotToken(ctx, agent.TokenID); err == nil && t.BotName != "" {
			botToken = t.ID
		}
	}
	var id uuid.UUID
	err := s.tx(ctx, func(q *dbq.Queries) error {
		if _, err := q.LockCustomer(ctx, customerID); err != nil {
			return apperr.NotFoundAs(err, apperr.CustomerNotFound, "customer not found")
		}
		cust, err := q.CustomerWithWidget(ctx, customerID)
		if err != nil {
			return apperr.NotFoundAs(err, apperr.CustomerNotFound, "customer not found")
		}
		w := cust.WidgetID
		if widgetID != nil {
			if w, err = q.LiveWidgetID(ctx, *widgetID); err != nil {
				return apperr.NotFoundAs(err, apperr.WidgetNotFound, "widget not found")
			}
		}
		if open, err := q.OpenConversationOf(ctx, customerID); err == nil {
			return apperr.New(apperr.ConversationAlreadyOpen, "the customer already has an open conversation (%s); send into it", open)
		} else if !apperr.Is(err, apperr.NotFound) {
			return err
		}
		c, err := q.CreateConversation(ctx, dbq.CreateConversationParams{CustomerID: customerID, WidgetID: w})
		if err != nil {
			return err
		}
		id = c.ID
		if botToken != uuid.Nil {
			return q.HoldForBot(ctx, dbq.HoldForBotParams{ConversationID: id, TokenID: botToken})
		}
		_, err = q.HoldForWidgetBot(ctx, dbq.HoldForWidgetBotParams{ConversationID: id, WidgetID: w})
		return err
	})
	if err != nil {
		return Conversation{}, nil, err
	}
	s.committed()
	s.kick()
	var msg *Message
	if withText {
		m, err := s.SendMessage(ctx, agent, id, first)
		if err != nil {
			return Conversation{}, nil, err
		}
		msg = &m
	}
	c, err := s.conversationFor(ctx, agentViewer(agent.ID), id)
	return c, msg, err
}
