package webhooksapi

import (
	"context"
	"encoding/json"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/chat/chatapi"
	"github.com/opensupport/livechat/server/realtime"
	"github.com/opensupport/livechat/server/webhooks"
)

// Payloads encodes the data of webhook payloads from the chat domain's
// events: {"conversation": …}, {"message": …} or {"customer": …}, each in
// the JSON form of the API's Conversation, Message and Customer, as agents
// see them (internal notes included, flagged "internal"). A handoff and a
// rating carry the conversation (at the event, as conversation_updated
// does; a rating's as it is now, with its rating).
type Payloads struct{ chat *chat.Service }

// NewPayloads returns the encoder over svc.
func NewPayloads(svc *chat.Service) Payloads { return Payloads{chat: svc} }

var _ webhooks.Encoder = Payloads{}

// EncodeEvents implements webhooks.Encoder.
func (p Payloads) EncodeEvents(ctx context.Context, rows []realtime.EventRow) ([]json.RawMessage, error) {
	// The rows only webhooks read are shown as the conversation they are
	// about; customers are read here.
	asChat := make([]realtime.EventRow, len(rows))
	for i, r := range rows {
		asChat[i] = r
		switch r.Kind {
		case webhooks.KindConversationHandedOff, webhooks.KindCsatSubmitted:
			asChat[i].Kind = realtime.KindConversationUpdated
		}
	}
	evs, err := p.chat.LoadEvents(ctx, asChat)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(evs))
	for i, ev := range evs {
		var key string
		var m proto.Message
		switch r := rows[i]; {
		case r.Kind == webhooks.KindCustomerCreated || r.Kind == webhooks.KindCustomerUpdated:
			c, err := p.chat.Customer(ctx, r.CustomerID)
			if apperr.Is(err, apperr.CustomerNotFound) {
				continue // erased since
			}
			if err != nil {
				return nil, err
			}
			key, m = "customer", chatapi.CustomerProto(c)
		case ev.Message != nil:
			key, m = "message", chatapi.MessageProto(*ev.Message)
		case ev.Conversation != nil:
			key, m = "conversation", chatapi.ConversationProto(*ev.Conversation)
		default:
			continue
		}
		b, err := protojson.Marshal(m)
		if err != nil {
			return nil, err
		}
		out[i], err = json.Marshal(map[string]json.RawMessage{key: b})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
