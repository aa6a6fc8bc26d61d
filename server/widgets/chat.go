package widgets

import (
	"context"

	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
)

// Chat is the conversation domain as a visitor uses it (package chat). Its
// functions take the customer explicitly; Service passes only the calling
// visitor's own, so a visitor reaches nothing else.
type Chat interface {
	CustomerConversation(ctx context.Context, customerID uuid.UUID) (*livechatv1.Conversation, error)
	SendCustomerMessage(ctx context.Context, customerID, widgetID uuid.UUID, text, clientMessageID string) (*livechatv1.Message, *livechatv1.Conversation, error)
	ListCustomerMessages(ctx context.Context, customerID, conversationID uuid.UUID, beforeSeq, afterSeq int64, size int32) ([]*livechatv1.Message, bool, error)
	CustomerAgentsRead(ctx context.Context, customerID, conversationID uuid.UUID) (int64, error)
	CustomerTyping(ctx context.Context, customerID uuid.UUID, typing bool) error
	CustomerMarkRead(ctx context.Context, customerID uuid.UUID, seq int64) error
}

// SubscribeFunc streams one customer's events through send until ctx ends:
// the realtime hub's Subscribe with a visitor filter, which sends only that
// customer's events, never internal ones, and presence only as
// agents_online.
// The stream ends when the visitor session (sessionID) ends.
type SubscribeFunc func(ctx context.Context, customerID, sessionID uuid.UUID, cursor string, send func(*livechatv1.Event) error) error

// errNoChat is returned when the server was built without a chat domain.
var errNoChat = apperr.New(apperr.NotAvailable, "chat is not available on this server")

// chat returns the calling visitor, once it is sure there is a chat domain
// to call.
func (s *Service) chat(ctx context.Context) (principal.Principal, error) {
	p, err := visitor(ctx)
	if err != nil {
		return p, err
	}
	if s.chatDomain == nil {
		return p, errNoChat
	}
	return p, nil
}

// SendMessage adds the calling visitor's message to their conversation,
// opening one as WAITING when they have none open. A visitor may send at
// most Limits.Messages per Limits.MessageWindow; retries of one
// client_message_id count like new messages.
//
// Errors: Unauthenticated for a non-visitor; Invalid for bad text or key;
// ResourceExhausted over the limit.
func (s *Service) SendMessage(ctx context.Context, text, clientMessageID string) (*livechatv1.Message, *livechatv1.Conversation, error) {
	v, err := s.chat(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := s.hit(ctx, "send_message:"+v.CustomerID.String(), s.limits.Messages, s.limits.MessageWindow, "messages"); err != nil {
		return nil, nil, err
	}
	return s.chatDomain.SendCustomerMessage(ctx, v.CustomerID, v.WidgetID, text, clientMessageID)
}

// ListMessages pages through one of the calling visitor's conversations
// (empty id: the current one), without internal notes, and says how far
// agents have read it (agentsRead, the highest seq; 0 when no agent has).
//
// Errors: Unauthenticated; Invalid for a malformed id or cursors; NotFound
// for a conversation that is not theirs.
func (s *Service) ListMessages(ctx context.Context, conversationID string, beforeSeq, afterSeq int64, size int32) (msgs []*livechatv1.Message, more bool, agentsRead int64, err error) {
	v, err := s.chat(ctx)
	if err != nil {
		return nil, false, 0, err
	}
	var cid uuid.UUID
	if conversationID != "" {
		if cid, err = uuid.Parse(conversationID); err != nil {
			return nil, false, 0, apperr.New(apperr.MalformedID, "conversation_id %q is not a valid id", conversationID)
		}
	}
	if agentsRead, err = s.chatDomain.CustomerAgentsRead(ctx, v.CustomerID, cid); err != nil {
		return nil, false, 0, err
	}
	msgs, more, err = s.chatDomain.ListCustomerMessages(ctx, v.CustomerID, cid, beforeSeq, afterSeq, size)
	return msgs, more, agentsRead, err
}

// SetTyping shows or clears the calling visitor's typing indicator.
func (s *Service) SetTyping(ctx context.Context, typing bool) error {
	v, err := s.chat(ctx)
	if err != nil {
		return err
	}
	return s.chatDomain.CustomerTyping(ctx, v.CustomerID, typing)
}

// MarkRead moves the calling visitor's read marker forward to seq (0: the
// newest message).
func (s *Service) MarkRead(ctx context.Context, seq int64) error {
	v, err := s.chat(ctx)
	if err != nil {
		return err
	}
	return s.chatDomain.CustomerMarkRead(ctx, v.CustomerID, seq)
}

// Subscribe streams the calling visitor's own events through send until ctx
// ends; cursors and errors are those of the realtime hub.
func (s *Service) Subscribe(ctx context.Context, cursor string, send func(*livechatv1.Event) error) error {
	v, err := visitor(ctx)
	if err != nil {
		return err
	}
	if s.subscribe == nil {
		return apperr.New(apperr.NotAvailable, "live events are not available on this server")
	}
	return s.subscribe(ctx, v.CustomerID, v.VisitorSessionID, cursor, send)
}

// conversation returns the visitor's open or latest conversation, or nil.
func (s *Service) conversation(ctx context.Context, customerID uuid.UUID) (*livechatv1.Conversation, error) {
	if s.chatDomain == nil {
		return nil, nil
	}
	return s.chatDomain.CustomerConversation(ctx, customerID)
}
