package chat

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/opensupport/livechat/db/dbq"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
)

// viewer says whose eyes a conversation is loaded for: agents see internal
// notes, customers do not, and each counts the other side's messages as
// unread.
type viewer struct {
	readerID   uuid.UUID
	isCustomer bool
	// anyone: a snapshot shared by every stream, without an unread count.
	anyone bool
}

// loadConversations builds conversation snapshots for ids in one query for
// the rows and one for the previews, in the order of ids; unknown ids are
// skipped.
func (s *Service) loadConversations(ctx context.Context, q *dbq.Queries, v viewer, ids []uuid.UUID) ([]*livechatv1.Conversation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := q.ConversationsByIDs(ctx, dbq.ConversationsByIDsParams{
		CountUnread: !v.anyone, ReaderID: v.readerID, ReaderIsCustomer: v.isCustomer, Ids: ids,
	})
	if err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]dbq.ConversationsByIDsRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	ordered := make([]dbq.ConversationsByIDsRow, 0, len(rows))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			ordered = append(ordered, r)
			delete(byID, id) // a repeated id yields one snapshot
		}
	}
	return s.withPreviews(ctx, q, v, ordered)
}

// withPreviews converts rows and attaches each one's newest visible message.
func (s *Service) withPreviews(ctx context.Context, q *dbq.Queries, v viewer, rows []dbq.ConversationsByIDsRow) ([]*livechatv1.Conversation, error) {
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var last []dbq.Message
	var err error
	if len(ids) > 0 {
		if v.isCustomer {
			last, err = q.LastVisibleMessages(ctx, ids)
		} else {
			last, err = q.LastMessages(ctx, ids)
		}
		if err != nil {
			return nil, err
		}
	}
	previews := make(map[uuid.UUID]dbq.Message, len(last))
	for _, m := range last {
		previews[m.ConversationID] = m
	}
	out := make([]*livechatv1.Conversation, len(rows))
	for i, r := range rows {
		c := conversationProto(r)
		if m, ok := previews[r.ID]; ok {
			c.LastMessage = messageProto(m)
		}
		out[i] = c
	}
	return out, nil
}

// conversationForAgent loads one conversation as agent sees it.
func (s *Service) conversationForAgent(ctx context.Context, id, agentID uuid.UUID) (*livechatv1.Conversation, error) {
	cs, err := s.loadConversations(ctx, s.q, viewer{readerID: agentID}, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, apperr.New(apperr.ConversationNotFound, conversationNotFound)
	}
	return cs[0], nil
}

// conversationForCustomer loads one conversation as its customer sees it.
func (s *Service) conversationForCustomer(ctx context.Context, id, customerID uuid.UUID) (*livechatv1.Conversation, error) {
	cs, err := s.loadConversations(ctx, s.q, viewer{readerID: customerID, isCustomer: true}, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 || cs[0].CustomerId != customerID.String() {
		return nil, apperr.New(apperr.ConversationNotFound, conversationNotFound)
	}
	return cs[0], nil
}

func conversationProto(r dbq.ConversationsByIDsRow) *livechatv1.Conversation {
	c := &livechatv1.Conversation{
		Id:            r.ID.String(),
		Status:        statusToProto(r.Status),
		CustomerId:    r.CustomerID.String(),
		CustomerName:  r.CustomerName,
		CustomerEmail: r.CustomerEmail,
		AssigneeName:  r.AssigneeName,
		WidgetId:      r.WidgetID.String(),
		WidgetName:    r.WidgetName,
		CreatedAt:     timestamppb.New(r.CreatedAt),
		UpdatedAt:     timestamppb.New(r.UpdatedAt),
		LastMessageAt: timestamppb.New(r.LastMessageAt),
		UnreadCount:   r.UnreadCount,
		LastSeq:       r.LastSeq,
	}
	if r.AssigneeID != nil {
		c.AssigneeId = r.AssigneeID.String()
	}
	if r.WaitingSince != nil {
		c.WaitingSince = timestamppb.New(*r.WaitingSince)
	}
	return c
}

var senderTypes = map[string]livechatv1.SenderType{
	"customer": livechatv1.SenderType_SENDER_TYPE_CUSTOMER,
	"agent":    livechatv1.SenderType_SENDER_TYPE_AGENT,
	"system":   livechatv1.SenderType_SENDER_TYPE_SYSTEM,
}

func messageProto(m dbq.Message) *livechatv1.Message {
	out := &livechatv1.Message{
		Id:             m.ID.String(),
		ConversationId: m.ConversationID.String(),
		Seq:            m.Seq,
		SenderType:     senderTypes[m.SenderType],
		SenderName:     m.SenderName,
		Text:           m.Text,
		Internal:       m.Internal,
		CreatedAt:      timestamppb.New(m.CreatedAt),
	}
	if m.SenderID != nil {
		out.SenderId = m.SenderID.String()
	}
	if m.ClientMessageID != nil {
		out.ClientMessageId = *m.ClientMessageID
	}
	if m.SystemKind != nil {
		out.SystemEvent = &livechatv1.SystemEvent{Kind: systemKindOf(*m.SystemKind)}
		if m.SystemActor != nil {
			out.SystemEvent.ActorName = *m.SystemActor
		}
		if m.SystemTarget != nil {
			out.SystemEvent.TargetName = *m.SystemTarget
		}
	}
	return out
}

func messagesProto(ms []dbq.Message) []*livechatv1.Message {
	out := make([]*livechatv1.Message, len(ms))
	for i, m := range ms {
		out[i] = messageProto(m)
	}
	return out
}

func customerProto(r dbq.CustomerWithWidgetRow) *livechatv1.Customer {
	c := &livechatv1.Customer{
		Id:          r.ID.String(),
		Name:        r.Name,
		Email:       r.Email,
		Phone:       r.Phone,
		WidgetId:    r.WidgetID.String(),
		WidgetName:  r.WidgetName,
		FirstSeenAt: timestamppb.New(r.CreatedAt),
		LastSeenAt:  timestamppb.New(r.LastSeenAt),
		Attributes:  attributes(r.Attributes),
	}
	if r.VerifiedUserID != nil {
		c.VerifiedUserId = *r.VerifiedUserID
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
			out[k] = fmt.Sprint(string(v))
		}
	}
	return out
}
