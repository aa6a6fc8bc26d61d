package chat

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
)

// DefaultEditWindow is how long after sending a sender may edit or delete
// a message, unless the installation sets another (Service.EditWindow,
// `livechat serve --message-edit-window`).
const DefaultEditWindow = 15 * time.Minute

// Editing and deleting one's own message.
//
// Only the sender may change a message: an agent their replies and notes,
// a visitor their own messages; system lines never change. The change is
// allowed while the message is younger than the edit window and not
// deleted. The messages row then holds the text as it is now (empty once
// deleted), so timelines, previews, search and every visitor's view show
// only that; the text replaced goes to message_revisions, which only
// admins read (MessageRevisions). Each change writes a message_updated
// event with the message's internal flag, so a note's change reaches
// agents only, and a stream that resumes replays the message as it is
// now.

const messageNotFound = "message not found"

// editor is who asks to change a message, as the messages table names
// senders.
type editor struct {
	typ SenderType
	id  uuid.UUID
}

// EditMessage replaces the text of one of the agent's own messages.
// Errors: TextEmpty, TextTooLong, TextInvalid; those of revise.
func (s *Service) EditMessage(ctx context.Context, agent principal.Agent, messageID uuid.UUID, text string) (Message, error) {
	t, err := cleanText(text)
	if err != nil {
		return Message{}, err
	}
	return s.revise(ctx, editor{SenderAgent, agent.ID}, messageID, t, false)
}

// DeleteMessage withdraws one of the agent's own messages. Errors: those
// of revise.
func (s *Service) DeleteMessage(ctx context.Context, agent principal.Agent, messageID uuid.UUID) (Message, error) {
	return s.revise(ctx, editor{SenderAgent, agent.ID}, messageID, "", true)
}

// EditVisitorMessage replaces the text of one of the visitor's own
// messages. Errors: as EditMessage; a message the visitor may not see is
// MessageNotFound.
func (s *Service) EditVisitorMessage(ctx context.Context, v principal.Visitor, messageID uuid.UUID, text string) (Message, error) {
	t, err := cleanText(text)
	if err != nil {
		return Message{}, err
	}
	return s.revise(ctx, editor{SenderCustomer, v.CustomerID}, messageID, t, false)
}

// DeleteVisitorMessage withdraws one of the visitor's own messages.
// Errors: as EditVisitorMessage, without the text's.
func (s *Service) DeleteVisitorMessage(ctx context.Context, v principal.Visitor, messageID uuid.UUID) (Message, error) {
	return s.revise(ctx, editor{SenderCustomer, v.CustomerID}, messageID, "", true)
}

// MessageRevision is a text a message had before its sender changed it.
type MessageRevision struct {
	Text string
	// Deleted: the change was the deletion, else an edit.
	Deleted    bool
	ReplacedAt time.Time
}

// MessageRevisions returns the texts a message had before each change,
// oldest first; for admins (the policy table admits no one else).
// Errors: MessageNotFound.
func (s *Service) MessageRevisions(ctx context.Context, messageID uuid.UUID) ([]MessageRevision, error) {
	if _, err := s.q.MessageForRevision(ctx, messageID); err != nil {
		return nil, apperr.NotFoundAs(err, apperr.MessageNotFound, messageNotFound)
	}
	rows, err := s.q.MessageRevisions(ctx, messageID)
	if err != nil {
		return nil, err
	}
	out := make([]MessageRevision, len(rows))
	for i, r := range rows {
		out[i] = MessageRevision{Text: r.Text, Deleted: r.Deleted, ReplacedAt: r.ReplacedAt}
	}
	return out, nil
}

// revise changes the message in one statement and, when that changes
// nothing, says why. Errors: MessageNotFound for an unknown message and,
// for a visitor, one that is not in their conversations or is an internal
// note; NotMessageSender for someone else's message; MessageDeleted;
// EditWindowPassed.
func (s *Service) revise(ctx context.Context, by editor, messageID uuid.UUID, text string, deleted bool) (Message, error) {
	now := s.Now()
	row, err := s.q.ReviseMessage(ctx, dbq.ReviseMessageParams{
		MessageID: messageID, SenderType: string(by.typ), SenderID: by.id,
		NotBefore: now.Add(-s.editWindow()), Deleted: deleted, NewText: text,
	})
	if err == nil {
		m := s.editable(messageFromRow(dbq.Message(row)))
		s.recent.replace(m)
		s.committed()
		return m, nil
	}
	if !isNotFound(err) {
		return Message{}, err
	}
	m, err := s.q.MessageForRevision(ctx, messageID)
	if err != nil {
		return Message{}, apperr.NotFoundAs(err, apperr.MessageNotFound, messageNotFound)
	}
	// A visitor learns nothing of messages outside their conversations,
	// nor of internal notes in them.
	if by.typ == SenderCustomer && (m.CustomerID != by.id || m.Internal) {
		return Message{}, apperr.New(apperr.MessageNotFound, messageNotFound)
	}
	switch {
	case SenderType(m.SenderType) != by.typ || m.SenderID == nil || *m.SenderID != by.id:
		return Message{}, apperr.New(apperr.NotMessageSender, "only the sender of a message may edit or delete it")
	case m.DeletedAt != nil:
		return Message{}, apperr.New(apperr.MessageDeleted, "the message was deleted")
	default:
		// The only condition left is the window (checked with the same clock).
		return Message{}, apperr.New(apperr.EditWindowPassed, "the time to edit or delete this message has passed")
	}
}

// editWindow is the installation's edit window, DefaultEditWindow unless set.
func (s *Service) editWindow() time.Duration {
	if s.EditWindow > 0 {
		return s.EditWindow
	}
	return DefaultEditWindow
}

// editable sets when m's sender may no longer change it: never for system
// lines and deleted messages.
func (s *Service) editable(m Message) Message {
	if m.SenderType == SenderSystem || m.DeletedAt != nil {
		m.EditableUntil = nil
		return m
	}
	until := m.CreatedAt.Add(s.editWindow())
	m.EditableUntil = &until
	return m
}

// editables applies editable to each message of ms, in place.
func (s *Service) editables(ms []Message) []Message {
	for i := range ms {
		ms[i] = s.editable(ms[i])
	}
	return ms
}
