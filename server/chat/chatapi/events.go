package chatapi

import (
	"context"

	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/realtime"
)

// Events is the realtime encoder of the chat domain's events: it
// implements realtime.Loader, loading each batch of event rows once
// through the domain and encoding what agents see and what the event's
// visitor sees (chat.VisitorEvent), so the hub holds no visibility rule.
type Events struct{ svc *chat.Service }

// NewEvents returns the encoder of svc's events.
func NewEvents(svc *chat.Service) Events { return Events{svc: svc} }

var _ realtime.Loader = Events{}

// LoadEvents implements realtime.Loader. An event the visitor sees as
// agents do shares one encoding.
func (e Events) LoadEvents(ctx context.Context, rows []realtime.EventRow) ([]realtime.Views, error) {
	evs, err := e.svc.LoadEvents(ctx, rows)
	if err != nil {
		return nil, err
	}
	out := make([]realtime.Views, len(evs))
	for i, ev := range evs {
		agent := EventProto(ev)
		if agent == nil {
			continue
		}
		out[i].Agent = agent
		v, visible, changed := chat.VisitorEvent(ev)
		switch {
		case !visible:
		case changed:
			out[i].Visitor = EventProto(v)
		default:
			out[i].Visitor = agent
		}
	}
	return out, nil
}
