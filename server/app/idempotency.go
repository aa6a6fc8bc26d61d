package app

import (
	"context"
	"errors"
	"io"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/opensupport/livechat/server/idempotency"
	"github.com/opensupport/livechat/server/principal"
)

// IdempotencyKeyHeader is the request header that makes a creating call
// safe to retry; IdempotentReplayedHeader marks a response that is the
// recorded answer to an earlier call.
const (
	IdempotencyKeyHeader     = "Idempotency-Key"
	IdempotentReplayedHeader = "Idempotent-Replayed"
)

// idempotencyInterceptor runs a unary call that has side effects and
// carries an Idempotency-Key once per caller and key: a retry gets the
// first call's response (see package idempotency). Calls without the
// header, reads, streams and anonymous callers pass through unchanged.
func (a *App) idempotencyInterceptor(next connect.ServerFunc) connect.ServerFunc {
	return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
		if spec.StreamType != connect.StreamTypeUnary || spec.IdempotencyLevel == connect.IdempotencyNoSideEffects {
			return next(ctx, spec, stream)
		}
		info, ok := connect.CallInfoForServerContext(ctx)
		if !ok {
			return next(ctx, spec, stream)
		}
		key := info.RequestHeader().Get(IdempotencyKeyHeader)
		scope := idempotencyScope(principal.From(ctx))
		md, isProto := spec.Schema.(protoreflect.MethodDescriptor)
		if key == "" || scope == "" || !isProto {
			return next(ctx, spec, stream)
		}
		req, err := newMessage(md.Input())
		if err != nil {
			return err
		}
		if err := stream.Receive(req); err != nil {
			return err
		}
		body, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
		if err != nil {
			return err
		}
		out, err := a.idempotency.Begin(ctx, scope, key, spec.Procedure, idempotency.Hash(spec.Procedure, body))
		if err != nil {
			return err
		}
		if out.Replay != nil {
			res, err := newMessage(md.Output())
			if err != nil {
				return err
			}
			if err := proto.Unmarshal(out.Replay, res); err != nil {
				return err
			}
			info.ResponseHeader().Set(IdempotentReplayedHeader, "true")
			return stream.Send(res)
		}
		rec := &recordingStream{ServerStream: stream, req: req}
		callErr := next(ctx, spec, rec)
		// The call is over: record or release even if the client went away.
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if callErr != nil || rec.res == nil {
			if err := a.idempotency.Release(bg, scope, key); err != nil {
				a.log.WarnContext(ctx, "release an idempotency key", "err", err)
			}
			return callErr
		}
		if err := a.idempotency.Complete(bg, scope, key, rec.res); err != nil {
			// The response is sent; a retry after idempotency.StaleAfter
			// runs the call again (the documented window).
			a.log.WarnContext(ctx, "record an idempotent response", "err", err)
		}
		return nil
	}
}

// idempotencyScope names whose keys a call uses: an agent's keys are the
// same in every session, a token's and a visitor session's their own.
func idempotencyScope(p principal.Principal) string {
	switch {
	case p.IsAgent() && p.TokenID != uuid.Nil:
		return "token:" + p.TokenID.String()
	case p.IsAgent():
		return "agent:" + p.AgentID.String()
	case p.IsVisitor():
		return "visitor:" + p.VisitorSessionID.String()
	}
	return ""
}

func newMessage(d protoreflect.MessageDescriptor) (proto.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(d.FullName())
	if err != nil {
		return nil, err
	}
	return mt.New().Interface(), nil
}

// recordingStream hands the handler the request the interceptor already
// read, and keeps the response it sends.
type recordingStream struct {
	connect.ServerStream
	req  proto.Message
	read bool
	res  []byte
}

func (s *recordingStream) Receive(msg any) error {
	if s.read {
		return io.EOF
	}
	m, ok := msg.(proto.Message)
	if !ok {
		return errors.New("idempotency: the request is not a protobuf message")
	}
	s.read = true
	proto.Reset(m)
	proto.Merge(m, s.req)
	return nil
}

func (s *recordingStream) Send(msg any) error {
	if m, ok := msg.(proto.Message); ok {
		b, err := proto.Marshal(m)
		if err != nil {
			return err
		}
		s.res = b
	}
	return s.ServerStream.Send(msg)
}
