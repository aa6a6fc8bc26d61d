package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// streamKind says which Subscribe a stream uses.
type streamKind string

const (
	// kindAgent is ConversationService.Subscribe with the admin API token:
	// it carries every event of every conversation.
	kindAgent streamKind = "agent"
	// kindVisitor is WidgetService.Subscribe with a visitor token: it
	// carries the events of that visitor's conversation only, so it stays
	// idle while others chat — the stream a busy site holds most of.
	kindVisitor streamKind = "visitor"
	// kindCentrifugo is a Centrifugo unidirectional HTTP stream whose
	// connection token subscribes it to its channels (peers.go).
	kindCentrifugo streamKind = "centrifugo"
)

// stream is one open Subscribe stream.
type stream struct {
	recv  func() (*livechatv1.Event, error)
	close func() error
}

// openStream opens a Subscribe stream and waits for its ReadyEvent, so the
// server has finished setting it up when openStream returns.
func openStream(ctx context.Context, cl clients, kind streamKind, readyTimeout time.Duration) (*stream, error) {
	var s *stream
	switch kind {
	case kindAgent:
		st, err := cl.Conversation.Subscribe(ctx, &livechatv1.SubscribeRequest{})
		if err != nil {
			return nil, unavailable("ConversationService.Subscribe", err)
		}
		s = &stream{
			recv: func() (*livechatv1.Event, error) {
				r, err := st.Receive()
				return r.GetEvent(), err
			},
			close: st.Close,
		}
	case kindVisitor:
		st, err := cl.Widget.Subscribe(ctx, &livechatv1.WidgetServiceSubscribeRequest{})
		if err != nil {
			return nil, unavailable("WidgetService.Subscribe", err)
		}
		s = &stream{
			recv: func() (*livechatv1.Event, error) {
				r, err := st.Receive()
				return r.GetEvent(), err
			},
			close: st.Close,
		}
	case kindCentrifugo:
		var err error
		if s, err = centrifugoStream(ctx, cl); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown stream kind %q", kind)
	}
	// Receive has no deadline of its own: close the stream if Ready is late.
	timer := time.AfterFunc(readyTimeout, func() { _ = s.close() })
	defer timer.Stop()
	for {
		ev, err := s.recv()
		if err != nil {
			_ = s.close()
			if errors.Is(err, io.EOF) {
				err = errors.New("stream ended before its ReadyEvent")
			}
			return nil, unavailable(string(kind)+" Subscribe", err)
		}
		if ev.GetReady() != nil {
			return s, nil
		}
	}
}
