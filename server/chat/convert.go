package chat

import (
	"encoding/json"

	"github.com/opensupport/livechat/db/dbq"
)

// This file turns database rows into the domain's types.

func conversationFromRow(r dbq.ConversationsByIDsRow) Conversation {
	return Conversation{
		ID:            r.ID,
		Status:        Status(r.Status),
		CustomerID:    r.CustomerID,
		CustomerName:  r.CustomerName,
		CustomerEmail: r.CustomerEmail,
		AssigneeID:    r.AssigneeID,
		AssigneeName:  r.AssigneeName,
		WidgetID:      r.WidgetID,
		WidgetName:    r.WidgetName,
		CreatedAt:     r.CreatedAt,
		UpdatedAt:     r.UpdatedAt,
		LastMessageAt: r.LastMessageAt,
		WaitingSince:  r.WaitingSince,
		UnreadCount:   r.UnreadCount,
		LastSeq:       r.LastSeq,
	}
}

func messageFromRow(m dbq.Message) Message {
	out := Message{
		ID:             m.ID,
		ConversationID: m.ConversationID,
		Seq:            m.Seq,
		SenderType:     SenderType(m.SenderType),
		SenderID:       m.SenderID,
		SenderName:     m.SenderName,
		Text:           m.Text,
		Internal:       m.Internal,
		CreatedAt:      m.CreatedAt,
		EditedAt:       m.EditedAt,
		DeletedAt:      m.DeletedAt,
	}
	if m.ClientMessageID != nil {
		out.ClientMessageID = *m.ClientMessageID
	}
	if m.SystemKind != nil {
		out.System = &SystemEvent{Kind: SystemKind(*m.SystemKind)}
		if m.SystemActor != nil {
			out.System.ActorName = *m.SystemActor
		}
		if m.SystemTarget != nil {
			out.System.TargetName = *m.SystemTarget
		}
	}
	return out
}

func messagesFromRows(ms []dbq.Message) []Message {
	out := make([]Message, len(ms))
	for i, m := range ms {
		out[i] = messageFromRow(m)
	}
	return out
}

func customerFromRow(r dbq.CustomerWithWidgetRow) Customer {
	c := Customer{
		ID:          r.ID,
		Name:        r.Name,
		Email:       r.Email,
		Phone:       r.Phone,
		WidgetID:    r.WidgetID,
		WidgetName:  r.WidgetName,
		FirstSeenAt: r.CreatedAt,
		LastSeenAt:  r.LastSeenAt,
		Attributes:  attributes(r.Attributes),
		Company:     r.Company,
	}
	if r.VerifiedUserID != nil {
		c.VerifiedUserID = *r.VerifiedUserID
	}
	return c
}

// attributes decodes the customers.attributes object; values written as
// something other than strings are shown in their JSON form.
func attributes(raw []byte) map[string]string {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out
}
