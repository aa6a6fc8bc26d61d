package chat

import (
	"context"
	"math"
	"slices"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
)

// SendMessage adds the calling agent's reply, or an internal note that no
// customer ever sees. The same clientMessageID sent again into the same
// conversation returns the first message and stores nothing new. Errors:
// Invalid (text, key), NotFound, FailedPrecondition for a reply (not a note)
// to a closed conversation.
func (s *Service) SendMessage(ctx context.Context, conversationID uuid.UUID, text string, internal bool, clientMessageID string) (*livechatv1.Message, error) {
	p, err := agent(ctx)
	if err != nil {
		return nil, err
	}
	text, err = CleanText(text)
	if err != nil {
		return nil, err
	}
	if err := CheckClientMessageID(clientMessageID); err != nil {
		return nil, err
	}
	row, err := s.q.InsertAgentMessage(ctx, dbq.InsertAgentMessageParams{
		ConversationID:  conversationID,
		Internal:        internal,
		SenderID:        p.AgentID,
		SenderName:      p.AgentName,
		Text:            text,
		ClientMessageID: clientMessageID,
	})
	if err == nil {
		m := messageProto(dbq.Message(row))
		s.recent.add(row.ID, m)
		s.committed()
		return m, nil
	}
	if !noRows(err) && !apperr.IsUniqueViolation(err, "messages_agent_key") {
		return nil, err
	}
	// Nothing stored. A retry gets the first message (also once the
	// conversation is closed); otherwise it is missing or closed.
	prev, err := s.q.MessageByAgentKey(ctx, dbq.MessageByAgentKeyParams{
		ConversationID: conversationID, SenderID: &p.AgentID, ClientMessageID: &clientMessageID,
	})
	if err == nil {
		return messageProto(prev), nil
	}
	if !noRows(err) {
		return nil, err
	}
	st, err := s.q.ConversationState(ctx, conversationID)
	if err != nil {
		return nil, apperr.FromDB(err, conversationNotFound)
	}
	if Status(st.Status) == StatusClosed && !internal {
		return nil, apperr.New(apperr.ConversationClosed, "the conversation is closed; reopen it to reply (internal notes are still allowed)")
	}
	// Closed when the statement ran, reopened since.
	return nil, apperr.New(apperr.ConversationClosed, "the conversation was closed; try again")
}

// SendCustomerMessage adds a customer's message to their open (waiting or
// active) conversation. The first message opens a WAITING conversation on
// widgetID; a message after the last conversation was resolved or closed
// reopens it as WAITING, without assignee and with a system line. The same
// clientMessageID sent again by the customer returns the first message and
// stores nothing new. It returns the message and the conversation as the
// customer sees it. Errors: Invalid (text, key), NotFound for an unknown
// customer.
func (s *Service) SendCustomerMessage(ctx context.Context, customerID, widgetID uuid.UUID, text, clientMessageID string) (*livechatv1.Message, *livechatv1.Conversation, error) {
	text, err := CleanText(text)
	if err != nil {
		return nil, nil, err
	}
	if err := CheckClientMessageID(clientMessageID); err != nil {
		return nil, nil, err
	}
	params := dbq.InsertCustomerMessageParams{CustomerID: customerID, Text: text, ClientMessageID: clientMessageID}
	// The common case: an open conversation, one statement.
	row, err := s.q.InsertCustomerMessage(ctx, params)
	msg := dbq.Message(row)
	switch {
	case err == nil:
		s.recent.add(msg.ID, messageProto(msg))
		s.committed()
	case noRows(err):
		var stored bool
		msg, stored, err = s.openAndSend(ctx, customerID, widgetID, params)
		if stored {
			s.committed()
		}
	}
	if apperr.IsUniqueViolation(err, "messages_customer_key") {
		// A retry (perhaps racing its original): the first message stands.
		msg, err = s.q.MessageByCustomerKey(ctx, dbq.MessageByCustomerKeyParams{CustomerID: &customerID, ClientMessageID: &params.ClientMessageID})
	}
	if err != nil {
		return nil, nil, err
	}
	conv, err := s.conversationForCustomer(ctx, msg.ConversationID, customerID)
	if err != nil {
		return nil, nil, err
	}
	return messageProto(msg), conv, nil
}

// openAndSend is the rare path of a customer's message: a retry, a first
// message or one into a finished conversation. It holds the customer's row
// lock, so concurrent first messages open one conversation.
func (s *Service) openAndSend(ctx context.Context, customerID, widgetID uuid.UUID, params dbq.InsertCustomerMessageParams) (msg dbq.Message, stored bool, err error) {
	err = s.tx(ctx, func(q *dbq.Queries) error {
		cust, err := q.LockCustomer(ctx, customerID)
		if err != nil {
			return apperr.FromDB(err, "customer not found")
		}
		prev, err := q.MessageByCustomerKey(ctx, dbq.MessageByCustomerKeyParams{CustomerID: &customerID, ClientMessageID: &params.ClientMessageID})
		if err == nil {
			msg = prev
			return nil
		}
		if !noRows(err) {
			return err
		}
		latest, err := q.LatestCustomerConversation(ctx, customerID)
		switch {
		case noRows(err):
			if _, err := q.CreateConversation(ctx, dbq.CreateConversationParams{CustomerID: customerID, WidgetID: widgetID}); err != nil {
				return err
			}
		case err != nil:
			return err
		case Status(latest.Status) == StatusResolved || Status(latest.Status) == StatusClosed:
			if _, err := s.apply(ctx, q, move{
				action: ActionCustomerWrites, conversationID: latest.ID,
				actorName: cust.Name, anyAssignee: true,
			}); err != nil {
				return err
			}
		}
		row, err := q.InsertCustomerMessage(ctx, params)
		if err != nil {
			return err
		}
		msg, stored = dbq.Message(row), true
		return nil
	})
	return msg, stored, err
}

// ListMessages pages through a conversation's timeline for an agent,
// internal notes included; see listMessages.
func (s *Service) ListMessages(ctx context.Context, conversationID uuid.UUID, beforeSeq, afterSeq int64, size int32) ([]*livechatv1.Message, bool, error) {
	if _, err := agent(ctx); err != nil {
		return nil, false, err
	}
	if err := checkCursors(beforeSeq, afterSeq); err != nil {
		return nil, false, err
	}
	if _, err := s.q.ConversationCustomerID(ctx, conversationID); err != nil {
		return nil, false, apperr.FromDB(err, conversationNotFound)
	}
	return s.listMessages(ctx, conversationID, true, beforeSeq, afterSeq, size)
}

// ListCustomerMessages pages through one of the customer's conversations
// (uuid.Nil: their current one, see CustomerConversation), without internal
// notes. Another customer's conversation is NotFound.
func (s *Service) ListCustomerMessages(ctx context.Context, customerID, conversationID uuid.UUID, beforeSeq, afterSeq int64, size int32) ([]*livechatv1.Message, bool, error) {
	if err := checkCursors(beforeSeq, afterSeq); err != nil {
		return nil, false, err
	}
	conversationID, err := s.customerConversationID(ctx, customerID, conversationID)
	if err != nil || conversationID == uuid.Nil {
		return []*livechatv1.Message{}, false, err // no conversation yet: an empty timeline
	}
	return s.listMessages(ctx, conversationID, false, beforeSeq, afterSeq, size)
}

// CustomerAgentsRead says how far agents have read one of the customer's
// conversations (uuid.Nil: the current one): the highest seq any agent's
// read marker reached, 0 when no agent has read it or there is no
// conversation yet. Which agent read is not told. Errors: NotFound for a
// conversation that is not the customer's.
func (s *Service) CustomerAgentsRead(ctx context.Context, customerID, conversationID uuid.UUID) (int64, error) {
	conversationID, err := s.customerConversationID(ctx, customerID, conversationID)
	if err != nil || conversationID == uuid.Nil {
		return 0, err
	}
	return s.q.AgentsReadSeq(ctx, conversationID)
}

// customerConversationID checks that conversationID is the customer's, or
// with uuid.Nil finds their current conversation (uuid.Nil when they have
// none yet). Errors: NotFound for someone else's conversation.
func (s *Service) customerConversationID(ctx context.Context, customerID, conversationID uuid.UUID) (uuid.UUID, error) {
	if conversationID == uuid.Nil {
		id, err := s.q.CustomerConversationID(ctx, customerID)
		if noRows(err) {
			return uuid.Nil, nil
		}
		return id, err
	}
	owner, err := s.q.ConversationCustomerID(ctx, conversationID)
	if err != nil {
		return uuid.Nil, apperr.FromDB(err, conversationNotFound)
	}
	if owner != customerID {
		return uuid.Nil, apperr.New(apperr.ConversationNotFound, conversationNotFound)
	}
	return conversationID, nil
}

func checkCursors(beforeSeq, afterSeq int64) error {
	if beforeSeq < 0 || afterSeq < 0 {
		return apperr.New(apperr.InvalidValue, "before_seq and after_seq must not be negative")
	}
	if beforeSeq > 0 && afterSeq > 0 {
		return apperr.New(apperr.InvalidValue, "give before_seq or after_seq, not both")
	}
	return nil
}

// listMessages returns up to size messages in ascending seq order: those
// after afterSeq (paging forward), else those before beforeSeq (paging
// back), else the newest. Seqs are assigned in commit order (see the
// conversations table), so pages neither skip nor repeat a message while
// new ones arrive. hasMore says whether more exist in that direction.
func (s *Service) listMessages(ctx context.Context, conversationID uuid.UUID, internal bool, beforeSeq, afterSeq int64, size int32) ([]*livechatv1.Message, bool, error) {
	n, err := pageSize(size, DefaultMessagePage, MaxMessagePage)
	if err != nil {
		return nil, false, err
	}
	var rows []dbq.Message
	if afterSeq > 0 {
		rows, err = s.q.MessagesAfter(ctx, dbq.MessagesAfterParams{
			ConversationID: conversationID, AfterSeq: afterSeq, IncludeInternal: internal, PageLimit: int32(n + 1),
		})
	} else {
		before := beforeSeq
		if before == 0 {
			before = math.MaxInt64
		}
		rows, err = s.q.MessagesBefore(ctx, dbq.MessagesBeforeParams{
			ConversationID: conversationID, BeforeSeq: before, IncludeInternal: internal, PageLimit: int32(n + 1),
		})
	}
	if err != nil {
		return nil, false, err
	}
	more := len(rows) > n
	if more {
		rows = rows[:n]
	}
	if afterSeq == 0 {
		slices.Reverse(rows) // fetched newest first
	}
	return messagesProto(rows), more, nil
}
