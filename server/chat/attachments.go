package chat

import (
	"context"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
)

// This file joins messages and their files (package attachments): a send
// binds the sender's uploads to the message in the same transaction, and
// every message leaving the domain carries its files with fresh links.

// SetAttachments gives the domain the attachments service. Without one
// (tests, tools) messages carry no files and a send naming files is
// NotAvailable.
func (s *Service) SetAttachments(files *attachments.Service) { s.files = files }

// cleanContent validates a message's text as cleanText does, except that a
// message with files may have no text.
func cleanContent(text string, files []uuid.UUID) (string, error) {
	if len(files) == 0 {
		return cleanText(text)
	}
	if err := attachments.CheckCount(files); err != nil {
		return "", err
	}
	t, err := cleanText(text)
	if apperr.Is(err, apperr.TextEmpty) {
		return "", nil
	}
	return t, err
}

// bindFiles binds the sender's uploads to the message just inserted by q.
func (s *Service) bindFiles(ctx context.Context, q *dbq.Queries, by attachments.Owner, m dbq.Message, ids []uuid.UUID) error {
	if s.files == nil {
		return apperr.New(apperr.NotAvailable, "this server does not keep attachments")
	}
	return attachments.Bind(ctx, q, by, m.ID, m.ConversationID, ids)
}

// withFiles loads the files of the messages, and their agent senders'
// avatars, into them. Messages that carry files already (from the recent
// cache) only get fresh links.
func (s *Service) withFiles(ctx context.Context, ms []Message) error {
	if s.files == nil {
		return nil
	}
	if err := s.withAvatars(ctx, ms); err != nil {
		return err
	}
	var ids []uuid.UUID
	for i := range ms {
		// A deleted message is withdrawn with its files: nobody gets links.
		if ms[i].DeletedAt != nil {
			ms[i].Attachments = nil
			continue
		}
		if len(ms[i].Attachments) > 0 {
			fresh := make([]attachments.Attachment, len(ms[i].Attachments))
			for j, a := range ms[i].Attachments {
				var err error
				if fresh[j], err = s.files.Sign(ctx, a); err != nil {
					return err
				}
			}
			ms[i].Attachments = fresh
		} else if ms[i].System == nil && !ms[i].filesKnown {
			ids = append(ids, ms[i].ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	byMsg, err := s.files.ForMessages(ctx, ids)
	if err != nil {
		return err
	}
	for i := range ms {
		if f, ok := byMsg[ms[i].ID]; ok && ms[i].DeletedAt == nil {
			ms[i].Attachments = f
		}
	}
	return nil
}

// withAvatars fills in the avatars of the agents (or bots) who sent ms.
func (s *Service) withAvatars(ctx context.Context, ms []Message) error {
	var senders []attachments.Sender
	for _, m := range ms {
		if m.SenderType == SenderAgent && m.SenderID != nil {
			senders = append(senders, attachments.Sender{AgentID: *m.SenderID, Name: m.SenderName})
		}
	}
	if len(senders) == 0 {
		return nil
	}
	urls, err := s.files.SenderAvatars(ctx, senders)
	if err != nil {
		return err
	}
	for i, m := range ms {
		if m.SenderType == SenderAgent && m.SenderID != nil {
			ms[i].SenderAvatarURL = urls[attachments.Sender{AgentID: *m.SenderID, Name: m.SenderName}]
		}
	}
	return nil
}

// withFilesOne is withFiles for one message.
func (s *Service) withFilesOne(ctx context.Context, m Message) (Message, error) {
	ms := []Message{m}
	err := s.withFiles(ctx, ms)
	return ms[0], err
}

// filesOf is withFiles for the messages of an event batch.
func (s *Service) filesOf(ctx context.Context, msgs map[uuid.UUID]Message) error {
	if s.files == nil || len(msgs) == 0 {
		return nil
	}
	ms := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		ms = append(ms, m)
	}
	if err := s.withFiles(ctx, ms); err != nil {
		return err
	}
	for _, m := range ms {
		msgs[m.ID] = m
	}
	return nil
}
