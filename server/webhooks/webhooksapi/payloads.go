package webhooksapi

import (
	"context"
	"encoding/json"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/chat/chatapi"
	"github.com/opensupport/livechat/server/realtime"
	"github.com/opensupport/livechat/server/webhooks"
)

// Payloads encodes the data of webhook payloads from the chat domain's
// events: {"conversation": …} or {"message": …}, each in the JSON form of
// the API's Conversation and Message, as agents see them (internal notes
// included, flagged "internal").
type Payloads struct{ chat *chat.Service }

// NewPayloads returns the encoder over svc.
func NewPayloads(svc *chat.Service) Payloads { return Payloads{chat: svc} }

var _ webhooks.Encoder = Payloads{}

// EncodeEvents implements webhooks.Encoder.
func (p Payloads) EncodeEvents(ctx context.Context, rows []realtime.EventRow) ([]json.RawMessage, error) {
	evs, err := p.chat.LoadEvents(ctx, rows)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(evs))
	for i, ev := range evs {
		var key string
		var m proto.Message
		switch {
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
