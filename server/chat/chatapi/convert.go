package chatapi

import (
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/attachments/attachmentsapi"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/csat/csatapi"
	"github.com/opensupport/livechat/server/protoconv"
	"github.com/opensupport/livechat/server/tags/tagsapi"
)

// This file is the one conversion between the chat domain's types and the
// API's messages, for every service that shows conversations, messages or
// customers.

var statuses = map[chat.Status]livechatv1.ConversationStatus{
	chat.StatusWaiting:  livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING,
	chat.StatusActive:   livechatv1.ConversationStatus_CONVERSATION_STATUS_ACTIVE,
	chat.StatusResolved: livechatv1.ConversationStatus_CONVERSATION_STATUS_RESOLVED,
	chat.StatusClosed:   livechatv1.ConversationStatus_CONVERSATION_STATUS_CLOSED,
}

// StatusProto returns the API's name of a status.
func StatusProto(st chat.Status) livechatv1.ConversationStatus { return statuses[st] }

// StatusFromProto returns the domain's status; "" for UNSPECIFIED or an
// unknown value, which the domain refuses as InvalidValue.
func StatusFromProto(st livechatv1.ConversationStatus) chat.Status {
	for s, p := range statuses {
		if p == st {
			return s
		}
	}
	return ""
}

var senderTypes = map[chat.SenderType]livechatv1.SenderType{
	chat.SenderCustomer: livechatv1.SenderType_SENDER_TYPE_CUSTOMER,
	chat.SenderAgent:    livechatv1.SenderType_SENDER_TYPE_AGENT,
	chat.SenderSystem:   livechatv1.SenderType_SENDER_TYPE_SYSTEM,
}

var systemKinds = map[chat.SystemKind]livechatv1.SystemEventKind{
	chat.SystemClaimed:   livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_CLAIMED,
	chat.SystemAssigned:  livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_ASSIGNED,
	chat.SystemResolved:  livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_RESOLVED,
	chat.SystemClosed:    livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_CLOSED,
	chat.SystemReopened:  livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_REOPENED,
	chat.SystemHandedOff: livechatv1.SystemEventKind_SYSTEM_EVENT_KIND_HANDED_OFF,
}

// ConversationProto writes a conversation for a response or an event.
func ConversationProto(c chat.Conversation) *livechatv1.Conversation {
	out := &livechatv1.Conversation{
		Id:            protoconv.ID(c.ID),
		Status:        StatusProto(c.Status),
		CustomerId:    protoconv.ID(c.CustomerID),
		CustomerName:  c.CustomerName,
		CustomerEmail: c.CustomerEmail,
		AssigneeId:    protoconv.OptionalID(c.AssigneeID),
		AssigneeName:  c.AssigneeName,
		WidgetId:      protoconv.ID(c.WidgetID),
		WidgetName:    c.WidgetName,
		CreatedAt:     protoconv.Timestamp(c.CreatedAt),
		UpdatedAt:     protoconv.Timestamp(c.UpdatedAt),
		LastMessageAt: protoconv.Timestamp(c.LastMessageAt),
		WaitingSince:  protoconv.OptionalTimestamp(c.WaitingSince),
		UnreadCount:   c.UnreadCount,
		LastSeq:       c.LastSeq,
	}
	if c.LastMessage != nil {
		out.LastMessage = MessageProto(*c.LastMessage)
	}
	for _, t := range c.Tags {
		out.Tags = append(out.Tags, tagsapi.TagProto(t))
	}
	out.Rating = csatapi.RatingProto(c.Rating)
	if c.Bot != nil {
		out.BotTokenId, out.BotName = protoconv.OptionalID(&c.Bot.TokenID), c.Bot.Name
	}
	return out
}

// ConversationsProto writes a list of conversations.
func ConversationsProto(cs []chat.Conversation) []*livechatv1.Conversation {
	out := make([]*livechatv1.Conversation, len(cs))
	for i, c := range cs {
		out[i] = ConversationProto(c)
	}
	return out
}

// OptionalConversationProto writes an optional conversation: nil for none.
func OptionalConversationProto(c *chat.Conversation) *livechatv1.Conversation {
	if c == nil {
		return nil
	}
	return ConversationProto(*c)
}

// MessageProto writes a message.
func MessageProto(m chat.Message) *livechatv1.Message {
	out := &livechatv1.Message{
		Id:              protoconv.ID(m.ID),
		ConversationId:  protoconv.ID(m.ConversationID),
		Seq:             m.Seq,
		SenderType:      senderTypes[m.SenderType],
		SenderId:        protoconv.OptionalID(m.SenderID),
		SenderName:      m.SenderName,
		SenderAvatarUrl: m.SenderAvatarURL,
		Text:            m.Text,
		Internal:        m.Internal,
		ClientMessageId: m.ClientMessageID,
		CreatedAt:       protoconv.Timestamp(m.CreatedAt),
		EditedAt:        protoconv.OptionalTimestamp(m.EditedAt),
		DeletedAt:       protoconv.OptionalTimestamp(m.DeletedAt),
		EditableUntil:   protoconv.OptionalTimestamp(m.EditableUntil),
	}
	if m.System != nil {
		out.SystemEvent = &livechatv1.SystemEvent{
			Kind: systemKinds[m.System.Kind], ActorName: m.System.ActorName, TargetName: m.System.TargetName,
		}
	}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, attachmentsapi.AttachmentProto(a))
	}
	return out
}

// MessagesProto writes a list of messages.
func MessagesProto(ms []chat.Message) []*livechatv1.Message {
	out := make([]*livechatv1.Message, len(ms))
	for i, m := range ms {
		out[i] = MessageProto(m)
	}
	return out
}

// CustomerProto writes a customer record: the one customer conversion of
// the server, for agents and for visitors.
func CustomerProto(c chat.Customer) *livechatv1.Customer {
	return &livechatv1.Customer{
		Id:             protoconv.ID(c.ID),
		Name:           c.Name,
		Email:          c.Email,
		Phone:          c.Phone,
		Attributes:     c.Attributes,
		VerifiedUserId: c.VerifiedUserID,
		WidgetId:       protoconv.ID(c.WidgetID),
		WidgetName:     c.WidgetName,
		FirstSeenAt:    protoconv.Timestamp(c.FirstSeenAt),
		LastSeenAt:     protoconv.Timestamp(c.LastSeenAt),
		Company:        c.Company,
	}
}

func readProto(r chat.Read) *livechatv1.ReadEvent {
	return &livechatv1.ReadEvent{
		ConversationId: protoconv.ID(r.ConversationID),
		ReaderType:     senderTypes[r.ReaderType],
		ReaderId:       protoconv.ID(r.ReaderID),
		Seq:            r.Seq,
	}
}

// EventProto writes a durable event; nil for the zero Event (nothing to
// send).
func EventProto(ev chat.Event) *livechatv1.Event {
	out := &livechatv1.Event{OccurredAt: protoconv.Timestamp(ev.OccurredAt)}
	switch {
	case ev.Message != nil && ev.Updated:
		out.Kind = &livechatv1.Event_MessageUpdated{MessageUpdated: MessageProto(*ev.Message)}
	case ev.Message != nil:
		out.Kind = &livechatv1.Event_MessageCreated{MessageCreated: MessageProto(*ev.Message)}
	case ev.Conversation != nil && ev.Created:
		out.Kind = &livechatv1.Event_ConversationCreated{ConversationCreated: ConversationProto(*ev.Conversation)}
	case ev.Conversation != nil:
		out.Kind = &livechatv1.Event_ConversationUpdated{ConversationUpdated: ConversationProto(*ev.Conversation)}
	case ev.Read != nil:
		out.Kind = &livechatv1.Event_Read{Read: readProto(*ev.Read)}
	default:
		return nil
	}
	return out
}
