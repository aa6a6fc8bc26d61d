package chat

import (
	"context"
	"math"
	"slices"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/realtime"
)

// cleanText validates a message's text and returns it trimmed: 1–4000
// characters of valid UTF-8 without control characters other than newline
// and tab (limits.Clean, worded for a message).
func cleanText(text string) (string, error) {
	t, err := limits.CleanOptional("text", text, limits.MessageText, true)
	if err == nil && t == "" {
		return "", apperr.New(apperr.TextEmpty, "text is empty").WithField("text")
	}
	return t, err
}

// checkClientMessageID validates an idempotency key: 1–64 characters of
// valid UTF-8 without control characters, kept as sent.
func checkClientMessageID(id string) error {
	if id == "" {
		return apperr.New(apperr.Required, "client_message_id is required (a key you choose, such as a UUID, so retries are safe)").WithField("client_message_id")
	}
	_, err := limits.CleanOptional("client_message_id", id, limits.ClientMessageID, false)
	return err
}

// SendMessage adds the agent's reply, or an internal note that no customer
// ever sees. The first reply (not a note) to a WAITING conversation claims
// it for the agent, as ClaimConversation does (not a bot's reply to a
// conversation it holds, see bots.go): of agents replying at once
// one becomes the assignee, and every reply is stored. A reply into a
// conversation assigned to someone else is allowed (the dashboard asks
// first). The same ClientMessageID sent again into the same conversation
// returns the first message and stores nothing new. Errors: TextEmpty,
// TextTooLong, TextInvalid, Required, ConversationNotFound,
// ConversationClosed for a reply (not a note) to a closed conversation.
func (s *Service) SendMessage(ctx context.Context, agent principal.Agent, conversationID uuid.UUID, in NewMessage) (Message, error) {
	text, err := cleanContent(in.Text, in.AttachmentIDs)
	if err != nil {
		return Message{}, err
	}
	if err := checkClientMessageID(in.ClientMessageID); err != nil {
		return Message{}, err
	}
	params := dbq.InsertAgentMessageParams{
		ConversationID:  conversationID,
		Internal:        in.Internal,
		SenderID:        agent.ID,
		SenderName:      agent.Name,
		Text:            text,
		ClientMessageID: in.ClientMessageID,
		// A bot answering first replies to what it holds without claiming.
		BotTokenID: agent.TokenID,
	}
	direct, _ := s.hub.(directHub)
	// With files, the message and the binding of its files commit
	// together.
	insert := func() (dbq.InsertAgentMessageRow, error) {
		if len(in.AttachmentIDs) == 0 {
			if direct != nil {
				mark := direct.Mark()
				params.AfterTx, params.AfterID = mark.Tx, mark.ID
			}
			return s.q.InsertAgentMessage(ctx, params)
		}
		var row dbq.InsertAgentMessageRow
		err := s.tx(ctx, func(q *dbq.Queries) error {
			var err error
			if row, err = q.InsertAgentMessage(ctx, params); err != nil {
				return err
			}
			return s.bindFiles(ctx, q, attachments.AgentOwner(agent), agentMessageRow(row), in.AttachmentIDs)
		})
		return row, err
	}
	claimed := false
	// Each round either stores, answers a retry, refuses, or learns the
	// conversation changed under it (claimed, reopened) and tries again.
	for range 3 {
		row, err := insert()
		if err == nil {
			m := s.editable(messageFromRow(agentMessageRow(row)))
			if len(in.AttachmentIDs) == 0 {
				// No files: nothing to read back, and the hub is told at
				// once (a query here would delay every delivery). Kept
				// in recent first: the hub loads the event from there.
				m.filesKnown = true
				m.SenderAvatarURL = attachments.AvatarURL(&row.SenderAvatar)
				s.recent.add(m)
				if direct != nil {
					direct.CommittedNext(ctx, realtime.Written{
						Mark: realtime.Mark{Tx: params.AfterTx, ID: params.AfterID},
						Tx:   row.EventTx,
						Row: realtime.EventRow{
							ID: row.EventID, Kind: realtime.KindMessageCreated, ConversationID: row.ConversationID,
							CustomerID: row.EventCustomerID, MessageID: &m.ID, Internal: row.Internal, OccurredAt: row.EventOccurredAt,
						},
						Follows: row.EventFollows,
					})
				} else {
					s.committed()
				}
				return m, nil
			}
			m, err = s.withFilesOne(ctx, m)
			m.filesKnown = true
			s.recent.add(m)
			s.committed()
			return m, err
		}
		if !apperr.Is(err, apperr.NotFound) && !db.Violated(err, db.AgentMessageKey) {
			return Message{}, err
		}
		// Nothing stored. A retry gets the first message (also once the
		// conversation is closed); otherwise it is missing, closed, or
		// waiting for its first reply.
		prev, err := s.q.MessageByAgentKey(ctx, dbq.MessageByAgentKeyParams{
			ConversationID: conversationID, SenderID: &agent.ID, ClientMessageID: &in.ClientMessageID,
		})
		if err == nil {
			return s.withFilesOne(ctx, s.editable(messageFromRow(prev)))
		}
		if !apperr.Is(err, apperr.NotFound) {
			return Message{}, err
		}
		st, err := s.q.ConversationState(ctx, conversationID)
		if err != nil {
			return Message{}, apperr.NotFoundAs(err, apperr.ConversationNotFound, conversationNotFound)
		}
		switch {
		case Status(st.Status) == StatusClosed && !in.Internal:
			return Message{}, apperr.New(apperr.ConversationClosed, "the conversation is closed; reopen it to reply (internal notes are still allowed)")
		case Status(st.Status) == StatusWaiting && !in.Internal && !claimed:
			// The first reply claims. Losing a race to another agent's
			// claim or reply is fine: the reply goes in all the same.
			claimed = true
			if _, err := s.claim(ctx, agent, conversationID); err == nil {
				s.committed()
			} else if !apperr.Is(err, apperr.InvalidTransition) && !apperr.Is(err, apperr.ConversationChanged) {
				return Message{}, err
			}
		}
		// Otherwise the conversation changed between the statement and
		// this read (another agent's first reply claimed it, or it was
		// reopened): the next round stores the reply.
	}
	return Message{}, apperr.New(apperr.ConversationChanged, "the conversation keeps changing; try again")
}

// agentMessageRow is the message InsertAgentMessage stored.
func agentMessageRow(r dbq.InsertAgentMessageRow) dbq.Message {
	return dbq.Message{
		ID: r.ID, ConversationID: r.ConversationID, Seq: r.Seq, SenderType: r.SenderType, SenderID: r.SenderID,
		SenderName: r.SenderName, Text: r.Text, Internal: r.Internal, ClientMessageID: r.ClientMessageID,
		CreatedAt: r.CreatedAt, SystemKind: r.SystemKind, SystemActor: r.SystemActor, SystemTarget: r.SystemTarget,
		EditedAt: r.EditedAt, DeletedAt: r.DeletedAt,
	}
}

// SendVisitorMessage adds the visitor's message to their open (waiting or
// active) conversation. The first message opens a WAITING conversation on
// the visitor's widget; a message after the last conversation was resolved
// or closed reopens it as WAITING, without assignee and with a system line.
// The same clientMessageID sent again by the customer returns the first
// message and stores nothing new. It returns the message and the
// conversation as the visitor sees it. Errors: TextEmpty, TextTooLong,
// TextInvalid, Required, CustomerNotFound for an unknown customer.
//
// files are the visitor's uploads to send with the message (the text may
// then be empty); AttachmentNotFound when one is not theirs or sent.
func (s *Service) SendVisitorMessage(ctx context.Context, v principal.Visitor, text, clientMessageID string, files ...uuid.UUID) (Message, Conversation, error) {
	text, err := cleanContent(text, files)
	if err != nil {
		return Message{}, Conversation{}, err
	}
	if err := checkClientMessageID(clientMessageID); err != nil {
		return Message{}, Conversation{}, err
	}
	customerID := v.CustomerID
	params := dbq.InsertCustomerMessageParams{CustomerID: customerID, Text: text, ClientMessageID: clientMessageID}
	// The common case: an open conversation, one statement. A message
	// with files takes the transaction that binds them.
	var msg dbq.Message
	err = apperr.New(apperr.NotFound, "with files")
	if len(files) == 0 {
		var row dbq.InsertCustomerMessageRow
		row, err = s.q.InsertCustomerMessage(ctx, params)
		msg = dbq.Message(row)
	}
	// fresh: stored just now without files, so there are none to read.
	fresh := false
	switch {
	case err == nil:
		m := s.editable(messageFromRow(msg))
		m.filesKnown = true
		s.recent.add(m)
		s.committed()
		fresh = true
	case apperr.Is(err, apperr.NotFound):
		var stored bool
		msg, stored, err = s.openAndSend(ctx, v, params, files)
		if stored {
			s.committed()
			s.kick() // a new or returning conversation joins the queue
		}
	}
	if db.Violated(err, db.CustomerMessageKey) {
		// A retry (perhaps racing its original): the first message stands.
		msg, err = s.q.MessageByCustomerKey(ctx, dbq.MessageByCustomerKeyParams{CustomerID: &customerID, ClientMessageID: &params.ClientMessageID})
	}
	if err != nil {
		return Message{}, Conversation{}, err
	}
	conv, err := s.conversationFor(ctx, visitorViewer(customerID), msg.ConversationID)
	if err != nil {
		return Message{}, Conversation{}, err
	}
	m := s.editable(messageFromRow(msg))
	m.filesKnown = fresh
	m, err = s.withFilesOne(ctx, m)
	return m, conv, err
}

// openAndSend is the rare path of a customer's message: a retry, a first
// message or one into a finished conversation. It holds the customer's row
// lock, so concurrent first messages open one conversation.
func (s *Service) openAndSend(ctx context.Context, v principal.Visitor, params dbq.InsertCustomerMessageParams, files []uuid.UUID) (msg dbq.Message, stored bool, err error) {
	customerID, widgetID := v.CustomerID, v.WidgetID
	err = s.tx(ctx, func(q *dbq.Queries) error {
		cust, err := q.LockCustomer(ctx, customerID)
		if err != nil {
			return apperr.NotFoundAs(err, apperr.CustomerNotFound, "customer not found")
		}
		prev, err := q.MessageByCustomerKey(ctx, dbq.MessageByCustomerKeyParams{CustomerID: &customerID, ClientMessageID: &params.ClientMessageID})
		if err == nil {
			msg = prev
			return nil
		}
		if !apperr.Is(err, apperr.NotFound) {
			return err
		}
		latest, err := q.LatestCustomerConversation(ctx, customerID)
		opened := true
		switch {
		case apperr.Is(err, apperr.NotFound):
			c, err := q.CreateConversation(ctx, dbq.CreateConversationParams{CustomerID: customerID, WidgetID: widgetID})
			if err != nil {
				return err
			}
			// The widget's bot, if it has one, answers first.
			if _, err := q.HoldForWidgetBot(ctx, dbq.HoldForWidgetBotParams{ConversationID: c.ID, WidgetID: widgetID}); err != nil {
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
		default:
			opened = false
		}
		row, err := q.InsertCustomerMessage(ctx, params)
		if err != nil {
			return err
		}
		if len(files) > 0 {
			if err := s.bindFiles(ctx, q, attachments.VisitorOwner(v), dbq.Message(row), files); err != nil {
				return err
			}
		}
		msg, stored = dbq.Message(row), true
		if opened && s.mail != nil {
			// The acknowledgement mail commits with the message, or neither.
			return s.mail.CustomerOpened(ctx, q, msg.ConversationID, msg.Text)
		}
		return nil
	})
	return msg, stored, err
}

// ListMessages pages through a conversation's timeline for an agent,
// internal notes included; see listMessages. ConversationNotFound for an
// unknown conversation.
func (s *Service) ListMessages(ctx context.Context, agent principal.Agent, conversationID uuid.UUID, q MessageQuery) (MessagePage, error) {
	if err := checkCursors(q); err != nil {
		return MessagePage{}, err
	}
	if _, err := s.q.ConversationCustomerID(ctx, conversationID); err != nil {
		return MessagePage{}, apperr.NotFoundAs(err, apperr.ConversationNotFound, conversationNotFound)
	}
	return s.listMessages(ctx, agentViewer(agent.ID), conversationID, q)
}

// ListVisitorMessages pages through one of the visitor's conversations
// (nil: their current one, see VisitorConversation), as they see it.
// Another customer's conversation, or an unknown one, is
// ConversationNotFound.
func (s *Service) ListVisitorMessages(ctx context.Context, v principal.Visitor, conversationID *uuid.UUID, q MessageQuery) (MessagePage, error) {
	if err := checkCursors(q); err != nil {
		return MessagePage{}, err
	}
	var id uuid.UUID
	if conversationID == nil {
		cur, err := s.q.CustomerConversationID(ctx, v.CustomerID)
		if apperr.Is(err, apperr.NotFound) {
			return MessagePage{Messages: []Message{}}, nil // no conversation yet: an empty timeline
		}
		if err != nil {
			return MessagePage{}, err
		}
		id = cur
	} else {
		owner, err := s.q.ConversationCustomerID(ctx, *conversationID)
		if err != nil {
			return MessagePage{}, apperr.NotFoundAs(err, apperr.ConversationNotFound, conversationNotFound)
		}
		if owner != v.CustomerID {
			return MessagePage{}, apperr.New(apperr.ConversationNotFound, conversationNotFound)
		}
		id = *conversationID
	}
	page, err := s.listMessages(ctx, visitorViewer(v.CustomerID), id, q)
	if err != nil {
		return MessagePage{}, err
	}
	// "Seen" survives a reload: the visitor learns how far agents have
	// read with the messages, not only from live read events.
	page.AgentsReadSeq, err = s.q.AgentsReadSeq(ctx, id)
	return page, err
}

func checkCursors(q MessageQuery) error {
	if q.BeforeSeq < 0 || q.AfterSeq < 0 {
		return apperr.New(apperr.InvalidValue, "before_seq and after_seq must not be negative")
	}
	if q.BeforeSeq > 0 && q.AfterSeq > 0 {
		return apperr.New(apperr.InvalidValue, "give before_seq or after_seq, not both")
	}
	return nil
}

// listMessages returns up to a page of messages v may see, in ascending
// seq order: those after AfterSeq (paging forward), else those before
// BeforeSeq (paging back), else the newest. Seqs are assigned in commit
// order (see the conversations table), so pages neither skip nor repeat a
// message while new ones arrive. HasMore says whether more exist in that
// direction.
func (s *Service) listMessages(ctx context.Context, v viewer, conversationID uuid.UUID, q MessageQuery) (MessagePage, error) {
	n, err := limits.PageSize(q.PageSize, limits.DefaultMessagePage, limits.MessagePage)
	if err != nil {
		return MessagePage{}, err
	}
	var rows []dbq.Message
	if q.AfterSeq > 0 {
		rows, err = s.q.MessagesAfter(ctx, dbq.MessagesAfterParams{
			ConversationID: conversationID, AfterSeq: q.AfterSeq, IncludeInternal: v.seesInternal(), PageLimit: int32(n + 1),
		})
	} else {
		before := q.BeforeSeq
		if before == 0 {
			before = math.MaxInt64
		}
		rows, err = s.q.MessagesBefore(ctx, dbq.MessagesBeforeParams{
			ConversationID: conversationID, BeforeSeq: before, IncludeInternal: v.seesInternal(), PageLimit: int32(n + 1),
		})
	}
	if err != nil {
		return MessagePage{}, err
	}
	more := len(rows) > n
	if more {
		rows = rows[:n]
	}
	if q.AfterSeq == 0 {
		slices.Reverse(rows) // fetched newest first
	}
	ms := s.editables(messagesFromRows(rows))
	if err := s.withFiles(ctx, ms); err != nil {
		return MessagePage{}, err
	}
	return MessagePage{Messages: ms, HasMore: more}, nil
}
