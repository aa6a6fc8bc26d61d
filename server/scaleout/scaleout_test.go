package scaleout_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
)

// subscriber keeps one Subscribe stream open the way the dashboard and the
// widget do: on any end it reconnects with the cursor of the last durable
// event it processed. It records every message event it gets.
type subscriber struct {
	name string
	open func(ctx context.Context, cursor string) (recv func() (*livechatv1.Event, error), closeFn func(), err error)
	// stall, when set, ends a stream that brought no event for that long:
	// a link that silently stopped forwarding never ends by itself.
	stall time.Duration

	ready      chan struct{} // closed at the first READY
	done       chan struct{} // closed when run returns
	readyOnce  sync.Once
	reconnects atomic.Int64

	mu       sync.Mutex
	seen     map[string]int     // message id → deliveries
	seqs     map[string][]int64 // conversation id → seq of each delivery, in arrival order
	maxGap   time.Duration      // longest time from a stream's end to the next READY
	fatalErr error
}

func newSubscriber(name string, open func(ctx context.Context, cursor string) (func() (*livechatv1.Event, error), func(), error)) *subscriber {
	return &subscriber{name: name, open: open, ready: make(chan struct{}), done: make(chan struct{}), seen: map[string]int{}, seqs: map[string][]int64{}}
}

func (s *subscriber) run(ctx context.Context) {
	defer close(s.done)
	cursor := ""
	var endedAt time.Time
	for ctx.Err() == nil {
		attemptCtx, cancelAttempt := context.WithCancel(ctx)
		var watchdog *time.Timer
		if s.stall > 0 {
			watchdog = time.AfterFunc(s.stall, cancelAttempt)
		}
		recv, closeFn, err := s.open(attemptCtx, cursor)
		if err == nil {
			for {
				ev, rerr := recv()
				if rerr != nil {
					err = rerr
					break
				}
				if watchdog != nil {
					watchdog.Reset(s.stall)
				}
				if ev.GetReady() != nil {
					s.readyOnce.Do(func() { close(s.ready) })
					if !endedAt.IsZero() {
						s.mu.Lock()
						s.maxGap = max(s.maxGap, time.Since(endedAt))
						s.mu.Unlock()
					}
				}
				if m := ev.GetMessageCreated(); m != nil {
					s.mu.Lock()
					s.seen[m.GetId()]++
					s.seqs[m.GetConversationId()] = append(s.seqs[m.GetConversationId()], m.GetSeq())
					s.mu.Unlock()
				}
				if c := ev.GetCursor(); c != "" {
					cursor = c
				}
			}
			closeFn()
		}
		if watchdog != nil {
			watchdog.Stop()
		}
		cancelAttempt()
		if ctx.Err() != nil {
			return
		}
		switch connect.CodeOf(err) {
		case connect.CodeUnavailable, connect.CodeUnknown, connect.CodeInternal, connect.CodeCanceled, connect.CodeDeadlineExceeded:
			// The instance went away (or the balancer had no answer):
			// reconnect at once, through the balancer.
		default:
			s.mu.Lock()
			s.fatalErr = fmt.Errorf("%s stream ended with %w", s.name, err)
			s.mu.Unlock()
			return
		}
		endedAt = time.Now()
		s.reconnects.Add(1)
		time.Sleep(20 * time.Millisecond)
	}
}

// missingOrDuplicated compares what the stream delivered with want.
func (s *subscriber) missingOrDuplicated(want map[string]bool) (missing, dup []string, extra []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range want {
		if s.seen[id] == 0 {
			missing = append(missing, id)
		}
	}
	for id, n := range s.seen {
		if n > 1 {
			dup = append(dup, fmt.Sprintf("%s×%d", id, n))
		}
		if !want[id] {
			extra = append(extra, id)
		}
	}
	return missing, dup, extra
}

// retry calls f until it succeeds, as a client does across a restart: the
// balancer answers 502 (UNAVAILABLE) when a backend died mid-request. The
// same request (same client_message_id) is sent again, so nothing is lost
// and nothing is stored twice.
func retry(ctx context.Context, retries *atomic.Int64, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil {
			return nil
		}
		switch connect.CodeOf(err) {
		case connect.CodeUnavailable, connect.CodeUnknown:
		default:
			return err
		}
		if attempt == 200 || ctx.Err() != nil {
			return fmt.Errorf("still failing after %d attempts: %w", attempt+1, err)
		}
		retries.Add(1)
		time.Sleep(25 * time.Millisecond)
	}
}

func TestScaleOutRollingRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real server processes")
	}
	t.Parallel()
	bin := binary(t)
	dbURL := dbtest.NewURL(t)
	// The balancer is a trusted proxy: rate limits see the real client.
	a := newInstance(t, "a", bin, dbURL, "LIVECHAT_TRUSTED_PROXIES=127.0.0.1")
	b := newInstance(t, "b", bin, dbURL, "LIVECHAT_TRUSTED_PROXIES=127.0.0.1")
	startA, startB := a.start(), b.start()
	lb := newRoundRobin(t, a.addr, b.addr)
	front := &apptest.Server{URL: lb.URL}

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	// An admin, an API token for the agent side, a widget.
	admin := front.NewClient(nil)
	if _, err := admin.Auth.Setup(ctx, &livechatv1.SetupRequest{Username: "admin", DisplayName: "Ada Admin", Password: "scale-out-password"}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	tok, err := admin.Auth.CreateApiToken(ctx, &livechatv1.CreateApiTokenRequest{Name: "scale-out", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN})
	if err != nil {
		t.Fatalf("CreateApiToken: %v", err)
	}
	agent := front.NewClient(apptest.Bearer(tok.GetSecret()))
	w, err := agent.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatalf("CreateWidget: %v", err)
	}

	streamCtx, stopStreams := context.WithCancel(ctx)
	var streams sync.WaitGroup
	defer func() { stopStreams(); streams.Wait() }()

	agentSub := newSubscriber("agent", func(ctx context.Context, cursor string) (func() (*livechatv1.Event, error), func(), error) {
		st, err := agent.Conversation.Subscribe(ctx, &livechatv1.SubscribeRequest{Cursor: cursor})
		if err != nil {
			return nil, nil, err
		}
		return func() (*livechatv1.Event, error) {
			res, err := st.Receive()
			return res.GetEvent(), err
		}, func() { _ = st.Close() }, nil
	})
	streams.Go(func() { agentSub.run(streamCtx) })
	waitReady(t, agentSub)

	// Visitors: each its own session, stream and conversation. Several of
	// them, because one visitor may send at most 20 messages a minute.
	const visitors = 3
	type visitor struct {
		client *apptest.Client
		sub    *subscriber
		conv   string
	}
	vs := make([]*visitor, visitors)
	for i := range vs {
		sess, err := front.NewClient(nil).Widget.StartSession(ctx, &livechatv1.StartSessionRequest{SiteKey: w.GetWidget().GetSiteKey()})
		if err != nil {
			t.Fatalf("StartSession: %v", err)
		}
		v := &visitor{client: front.NewClient(apptest.Bearer(sess.GetVisitorToken()))}
		v.sub = newSubscriber(fmt.Sprintf("visitor %d", i), func(ctx context.Context, cursor string) (func() (*livechatv1.Event, error), func(), error) {
			st, err := v.client.Widget.Subscribe(ctx, &livechatv1.WidgetServiceSubscribeRequest{Cursor: cursor})
			if err != nil {
				return nil, nil, err
			}
			return func() (*livechatv1.Event, error) {
				res, err := st.Receive()
				return res.GetEvent(), err
			}, func() { _ = st.Close() }, nil
		})
		streams.Go(func() { v.sub.run(streamCtx) })
		waitReady(t, v.sub)
		vs[i] = v
	}

	var retries atomic.Int64
	var sentVisitor, sentAgent atomic.Int64
	sendVisitor := func(v *visitor, i, n int) error {
		return retry(ctx, &retries, func() error {
			res, err := v.client.Widget.SendMessage(ctx, &livechatv1.WidgetServiceSendMessageRequest{
				Text: fmt.Sprintf("visitor %d message %d", i, n), ClientMessageId: fmt.Sprintf("v%d-%d", i, n),
			})
			if err == nil && v.conv == "" {
				v.conv = res.GetConversation().GetId()
			}
			return err
		})
	}
	for i, v := range vs {
		if err := sendVisitor(v, i, 0); err != nil {
			t.Fatalf("first visitor message: %v", err)
		}
		sentVisitor.Add(1)
		if _, err := agent.Conversation.ClaimConversation(ctx, &livechatv1.ClaimConversationRequest{ConversationId: v.conv}); err != nil {
			t.Fatalf("ClaimConversation: %v", err)
		}
	}

	// Both sides send continuously while each instance is stopped and
	// started again in turn.
	stopLoad := make(chan struct{})
	var load sync.WaitGroup
	var loadErr error
	var loadErrOnce sync.Once
	fail := func(err error) { loadErrOnce.Do(func() { loadErr = err }) }
	for i, v := range vs {
		load.Go(func() {
			// 1 + 17 messages stay under the 20-a-minute limit.
			for n := 1; n < 18; n++ {
				select {
				case <-stopLoad:
					return
				case <-time.After(200 * time.Millisecond):
				}
				if err := sendVisitor(v, i, n); err != nil {
					fail(fmt.Errorf("visitor %d message %d: %w", i, n, err))
					return
				}
				sentVisitor.Add(1)
			}
		})
	}
	load.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-stopLoad:
				return
			case <-time.After(40 * time.Millisecond):
			}
			conv := vs[n%visitors].conv
			err := retry(ctx, &retries, func() error {
				_, err := agent.Conversation.SendMessage(ctx, &livechatv1.SendMessageRequest{
					ConversationId: conv, Text: fmt.Sprintf("agent reply %d", n), ClientMessageId: fmt.Sprintf("a-%d", n),
				})
				return err
			})
			if err != nil {
				fail(fmt.Errorf("agent message %d: %w", n, err))
				return
			}
			sentAgent.Add(1)
		}
	})

	time.Sleep(700 * time.Millisecond)
	stopA := a.stop()
	restartA := a.start()
	time.Sleep(500 * time.Millisecond)
	stopB := b.stop()
	restartB := b.start()
	time.Sleep(700 * time.Millisecond)
	close(stopLoad)
	load.Wait()
	if loadErr != nil {
		t.Fatal(loadErr)
	}

	// What was stored: every message of the visitors' conversations, read
	// through the API.
	stored := map[string]*livechatv1.Message{}
	byClientID := map[string]int{}
	perConv := map[string]map[string]bool{}
	for _, v := range vs {
		perConv[v.conv] = map[string]bool{}
		var after int64
		for {
			res, err := agent.Conversation.ListMessages(ctx, &livechatv1.ListMessagesRequest{ConversationId: v.conv, AfterSeq: after, PageSize: 200})
			if err != nil {
				t.Fatalf("ListMessages: %v", err)
			}
			for _, m := range res.GetMessages() {
				stored[m.GetId()] = m
				perConv[v.conv][m.GetId()] = true
				if m.GetClientMessageId() != "" {
					byClientID[m.GetSenderType().String()+"/"+m.GetClientMessageId()]++
				}
				after = m.GetSeq()
			}
			if !res.GetHasMore() {
				break
			}
		}
	}

	// Stored once: every acknowledged send exactly once, nothing else.
	if got, want := len(byClientID), int(sentVisitor.Load()+sentAgent.Load()); got != want {
		t.Errorf("stored %d distinct client messages, sent %d", got, want)
	}
	for k, n := range byClientID {
		if n != 1 {
			t.Errorf("client message %s stored %d times", k, n)
		}
	}

	// Delivered exactly once to both sides: the agent sees every message
	// of every conversation, each visitor every message of their own.
	agentWant := map[string]bool{}
	for id := range stored {
		agentWant[id] = true
	}
	subs := []*subscriber{agentSub}
	wants := []map[string]bool{agentWant}
	for _, v := range vs {
		want := map[string]bool{}
		for id := range perConv[v.conv] {
			if !stored[id].GetInternal() {
				want[id] = true
			}
		}
		subs = append(subs, v.sub)
		wants = append(wants, want)
	}
	deadline := time.Now().Add(20 * time.Second)
	for i, s := range subs {
		for {
			missing, dup, extra := s.missingOrDuplicated(wants[i])
			s.mu.Lock()
			fatal := s.fatalErr
			s.mu.Unlock()
			if fatal != nil {
				t.Fatal(fatal)
			}
			if len(dup) > 0 || len(extra) > 0 {
				t.Fatalf("%s: duplicated %v, not its own %v", s.name, dup, extra)
			}
			if len(missing) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d of %d messages never delivered: %v", s.name, len(missing), len(wants[i]), missing)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	if agentSub.reconnects.Load() == 0 {
		t.Error("the agent stream never reconnected, though both instances restarted")
	}
	var maxGap time.Duration
	var reconnects int64
	for _, s := range subs {
		maxGap = max(maxGap, s.maxGap)
		reconnects += s.reconnects.Load()
	}
	t.Logf("instances ready in %v and %v; SIGTERM→exit %v and %v; restarted ready in %v and %v",
		startA.Round(time.Millisecond), startB.Round(time.Millisecond), stopA.Round(time.Millisecond),
		stopB.Round(time.Millisecond), restartA.Round(time.Millisecond), restartB.Round(time.Millisecond))
	t.Logf("%d visitor + %d agent messages stored once each and delivered once to %d streams; %d stream reconnects (longest gap %v); %d retried sends",
		sentVisitor.Load(), sentAgent.Load(), len(subs), reconnects, maxGap.Round(time.Millisecond), retries.Load())
}

func waitReady(t *testing.T, s *subscriber) {
	t.Helper()
	select {
	case <-s.ready:
		return
	case <-s.done:
	case <-time.After(15 * time.Second):
	}
	s.mu.Lock()
	err := s.fatalErr
	s.mu.Unlock()
	t.Fatalf("%s stream not ready (%v)", s.name, err)
}
