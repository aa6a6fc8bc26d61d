package widgets

import (
	"context"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/principal"
)

// Chat is the conversation domain as a visitor uses it (*chat.Service). It
// owns conversations, messages and customer records as the API shows them;
// Service passes it only the calling visitor, so a visitor reaches nothing
// else.
type Chat interface {
	Customer(ctx context.Context, customerID uuid.UUID) (chat.Customer, error)
	VisitorConversation(ctx context.Context, v principal.Visitor) (*chat.Conversation, error)
	SendVisitorMessage(ctx context.Context, v principal.Visitor, text, clientMessageID string, files ...uuid.UUID) (chat.Message, chat.Conversation, error)
	ListVisitorMessages(ctx context.Context, v principal.Visitor, conversationID *uuid.UUID, q chat.MessageQuery) (chat.MessagePage, error)
	VisitorTyping(ctx context.Context, v principal.Visitor, typing bool) error
	VisitorMarkRead(ctx context.Context, v principal.Visitor, seq int64) error
	EditVisitorMessage(ctx context.Context, v principal.Visitor, messageID uuid.UUID, text string) (chat.Message, error)
	DeleteVisitorMessage(ctx context.Context, v principal.Visitor, messageID uuid.UUID) (chat.Message, error)
	VisitorHandOff(ctx context.Context, v principal.Visitor) (chat.Conversation, error)
}

var _ Chat = (*chat.Service)(nil)

// errNoChat is returned when the server was built without a chat domain.
var errNoChat = apperr.New(apperr.NotAvailable, "chat is not available on this server")

// The methods below take the calling visitor explicitly: the policy table
// admits only visitors to them, and the handler passes the one it resolved.

// SendMessage adds the visitor's message to their conversation, opening one
// as WAITING when they have none open. A visitor may send at most
// Limits.Messages per Limits.MessageWindow.
//
// A retry of a client_message_id the visitor already stored is answered
// with the stored message before the limit is looked at, and does not count
// against it: the message is not new, and a widget that lost the answer to
// its send must learn that it arrived, not that it is refused.
//
// Errors: those of chat.Service.SendVisitorMessage (text and key reasons);
// RateLimited, with the time to wait, over the limit.
// files are the visitor's uploads to send with it.
func (s *Service) SendMessage(ctx context.Context, v principal.Visitor, text, clientMessageID string, files ...uuid.UUID) (chat.Message, chat.Conversation, error) {
	if s.chatDomain == nil {
		return chat.Message{}, chat.Conversation{}, errNoChat
	}
	retry := false
	if clientMessageID != "" {
		var err error
		retry, err = s.q.CustomerMessageKeyUsed(ctx, dbq.CustomerMessageKeyUsedParams{CustomerID: v.CustomerID, ClientMessageID: clientMessageID})
		if err != nil {
			return chat.Message{}, chat.Conversation{}, err
		}
	}
	if !retry {
		if err := s.countMessage(ctx, v); err != nil {
			return chat.Message{}, chat.Conversation{}, err
		}
	}
	// The chat domain answers a retry with the stored message.
	return s.chatDomain.SendVisitorMessage(ctx, v, text, clientMessageID, files...)
}

// ListMessages pages through one of the visitor's conversations (nil: the
// current one), without internal notes.
//
// Errors: ConversationNotFound for a conversation that is not theirs;
// those of the chat domain for bad cursors or page sizes.
func (s *Service) ListMessages(ctx context.Context, v principal.Visitor, conversationID *uuid.UUID, q chat.MessageQuery) (chat.MessagePage, error) {
	if s.chatDomain == nil {
		return chat.MessagePage{}, errNoChat
	}
	return s.chatDomain.ListVisitorMessages(ctx, v, conversationID, q)
}

// SetTyping shows or clears the visitor's typing indicator.
func (s *Service) SetTyping(ctx context.Context, v principal.Visitor, typing bool) error {
	if s.chatDomain == nil {
		return errNoChat
	}
	return s.chatDomain.VisitorTyping(ctx, v, typing)
}

// HandOff asks for a person: the bot holding the visitor's conversation,
// if any, hands it to the team. Handoffs count against the visitor's
// message rate limit. Errors: those of chat.Service.VisitorHandOff;
// RateLimited over the limit.
func (s *Service) HandOff(ctx context.Context, v principal.Visitor) (chat.Conversation, error) {
	if s.chatDomain == nil {
		return chat.Conversation{}, errNoChat
	}
	if err := s.countMessage(ctx, v); err != nil {
		return chat.Conversation{}, err
	}
	return s.chatDomain.VisitorHandOff(ctx, v)
}

// MarkRead moves the visitor's read marker forward to seq (0: the newest
// message).
func (s *Service) MarkRead(ctx context.Context, v principal.Visitor, seq int64) error {
	if s.chatDomain == nil {
		return errNoChat
	}
	return s.chatDomain.VisitorMarkRead(ctx, v, seq)
}

// EditMessage changes the text of one of the visitor's own messages. Edits
// and deletions count against the visitor's message rate limit, so a
// visitor cannot flood agents with changes.
//
// Errors: those of chat.Service.EditVisitorMessage; RateLimited over the
// limit.
func (s *Service) EditMessage(ctx context.Context, v principal.Visitor, messageID uuid.UUID, text string) (chat.Message, error) {
	if s.chatDomain == nil {
		return chat.Message{}, errNoChat
	}
	if err := s.countMessage(ctx, v); err != nil {
		return chat.Message{}, err
	}
	return s.chatDomain.EditVisitorMessage(ctx, v, messageID, text)
}

// DeleteMessage withdraws one of the visitor's own messages, counted as
// EditMessage is.
//
// Errors: those of chat.Service.DeleteVisitorMessage; RateLimited over the
// limit.
func (s *Service) DeleteMessage(ctx context.Context, v principal.Visitor, messageID uuid.UUID) (chat.Message, error) {
	if s.chatDomain == nil {
		return chat.Message{}, errNoChat
	}
	if err := s.countMessage(ctx, v); err != nil {
		return chat.Message{}, err
	}
	return s.chatDomain.DeleteVisitorMessage(ctx, v, messageID)
}

// countMessage counts one message, edit or deletion against the visitor's
// message rate limit: RateLimited over it.
func (s *Service) countMessage(ctx context.Context, v principal.Visitor) error {
	return s.hit(ctx, "send_message:"+v.CustomerID.String(), s.limits.Messages, s.limits.MessageWindow, "messages")
}

// conversation returns the visitor's open or latest conversation, or nil.
func (s *Service) conversation(ctx context.Context, v principal.Visitor) (*chat.Conversation, error) {
	if s.chatDomain == nil {
		return nil, nil
	}
	return s.chatDomain.VisitorConversation(ctx, v)
}
