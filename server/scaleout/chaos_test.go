package scaleout_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/jackc/pgx/v5"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/pgembed"
)

// Tuning of the fault suite. The visitor is held to the product's limit of
// 20 messages a minute; the agent has none.
const (
	chaosVisitorEvery = 3200 * time.Millisecond
	chaosAgentEvery   = 100 * time.Millisecond
	chaosNoteEvery    = 4 // every 4th agent message is an internal note
	// chaosAttempt bounds one call: a call on a link that stopped
	// forwarding never ends by itself.
	chaosAttempt = 3 * time.Second
	// chaosGiveUp bounds the retries of one message; it is then counted as
	// sent but not acknowledged (the run fails: no fault lasts this long).
	chaosGiveUp = 60 * time.Second
	// chaosStall ends a stream that brought nothing for this long. Events
	// flow every chaosAgentEvery while the system is healthy, so silence
	// this long means a dead link (a browser relies on the 15 s heartbeat).
	chaosStall = 4 * time.Second
	// chaosPause separates faults, so that traffic flows between them.
	chaosPause = 2 * time.Second
)

// TestChaos is the fault suite: two real instances on one PostgreSQL
// behind a round-robin TCP proxy, a visitor and an agent sending all the
// time with idempotency keys and resuming their streams with cursors,
// while instances are killed, PostgreSQL restarts, instances are rolled
// one after the other and links break in one direction. Then it checks,
// from the database and both streams, that every acknowledged message was
// stored once and delivered once to each side that may see it, in order.
//
// LIVECHAT_CHAOS_DURATION sets how long faults keep coming (`make chaos`);
// without it one round of every fault runs, which is what `make test` does.
func TestChaos(t *testing.T) {
	t.Parallel()
	var duration time.Duration
	if v := os.Getenv("LIVECHAT_CHAOS_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			t.Fatalf("LIVECHAT_CHAOS_DURATION=%q: want a duration such as 2m", v)
		}
		duration = d
	}
	bin := binary(t)
	pg := startChaosPostgres(t)

	a := newInstance(t, "a", bin, pg.url, "LIVECHAT_LOG_LEVEL=warn")
	b := newInstance(t, "b", bin, pg.url, "LIVECHAT_LOG_LEVEL=warn")
	instances := []*instance{a, b}
	a.start()
	b.start()
	proxy, err := startTCPProxy(a.addr, b.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.close() })
	front := &apptest.Server{URL: "http://" + proxy.addr()}

	ctx, cancel := context.WithTimeout(t.Context(), duration+10*time.Minute)
	defer cancel()

	// Setup goes through the proxy before any fault.
	admin := front.NewClient(nil)
	if _, err := admin.Auth.Setup(ctx, &livechatv1.SetupRequest{Username: "admin", DisplayName: "Ada Admin", Password: "chaos-suite-password"}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	tok, err := admin.Auth.CreateApiToken(ctx, &livechatv1.CreateApiTokenRequest{Name: "chaos", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN})
	if err != nil {
		t.Fatalf("CreateApiToken: %v", err)
	}
	agent := front.NewClient(apptest.Bearer(tok.GetSecret()))
	w, err := agent.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatalf("CreateWidget: %v", err)
	}
	sess, err := front.NewClient(nil).Widget.StartSession(ctx, &livechatv1.StartSessionRequest{SiteKey: w.GetWidget().GetSiteKey()})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	visitor := front.NewClient(apptest.Bearer(sess.GetVisitorToken()))

	streamCtx, stopStreams := context.WithCancel(ctx)
	var streams sync.WaitGroup
	defer func() { stopStreams(); streams.Wait() }()
	agentSub := newSubscriber("agent", func(ctx context.Context, cursor string) (func() (*livechatv1.Event, error), func(), error) {
		st, err := agent.Conversation.Subscribe(ctx, &livechatv1.SubscribeRequest{Cursor: cursor})
		if err != nil {
			return nil, nil, err
		}
		return func() (*livechatv1.Event, error) { res, err := st.Receive(); return res.GetEvent(), err }, func() { _ = st.Close() }, nil
	})
	visitorSub := newSubscriber("visitor", func(ctx context.Context, cursor string) (func() (*livechatv1.Event, error), func(), error) {
		st, err := visitor.Widget.Subscribe(ctx, &livechatv1.WidgetServiceSubscribeRequest{Cursor: cursor})
		if err != nil {
			return nil, nil, err
		}
		return func() (*livechatv1.Event, error) { res, err := st.Receive(); return res.GetEvent(), err }, func() { _ = st.Close() }, nil
	})
	for _, s := range []*subscriber{agentSub, visitorSub} {
		s.stall = chaosStall
		streams.Go(func() { s.run(streamCtx) })
		waitReady(t, s)
	}

	// The visitor's first message opens the conversation; the agent
	// claims it so that it may reply.
	vs, as := &chaosSender{name: "visitor"}, &chaosSender{name: "agent"}
	sendVisitor := func(n int) error {
		return vs.send(ctx, fmt.Sprintf("v-%d", n), func(ctx context.Context) (*livechatv1.Message, error) {
			res, err := visitor.Widget.SendMessage(ctx, &livechatv1.WidgetServiceSendMessageRequest{
				Text: fmt.Sprintf("visitor message %d", n), ClientMessageId: fmt.Sprintf("v-%d", n),
			})
			return res.GetMessage(), err
		})
	}
	if err := sendVisitor(0); err != nil {
		t.Fatal(err)
	}
	conv := vs.acks[0].msg.GetConversationId()
	if _, err := agent.Conversation.ClaimConversation(ctx, &livechatv1.ClaimConversationRequest{ConversationId: conv}); err != nil {
		t.Fatalf("ClaimConversation: %v", err)
	}

	stopLoad := make(chan struct{})
	var stopOnce sync.Once
	var load sync.WaitGroup
	// On an early failure the senders still stop before the cleanups run.
	defer func() { stopOnce.Do(func() { close(stopLoad) }); cancel(); load.Wait() }()
	loadErrs := make(chan error, 2)
	load.Go(func() {
		for n := 1; ; n++ {
			select {
			case <-stopLoad:
				return
			case <-time.After(chaosVisitorEvery):
			}
			if err := sendVisitor(n); err != nil {
				loadErrs <- err
				return
			}
		}
	})
	load.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-stopLoad:
				return
			case <-time.After(chaosAgentEvery):
			}
			key, internal := fmt.Sprintf("a-%d", n), n%chaosNoteEvery == chaosNoteEvery-1
			err := as.send(ctx, key, func(ctx context.Context) (*livechatv1.Message, error) {
				res, err := agent.Conversation.SendMessage(ctx, &livechatv1.SendMessageRequest{
					ConversationId: conv, Text: fmt.Sprintf("agent message %d", n), Internal: internal, ClientMessageId: key,
				})
				return res.GetMessage(), err
			})
			if err != nil {
				loadErrs <- err
				return
			}
		}
	})

	// The faults, in rounds, until the duration is over (one round at least).
	var f chaosFaults
	alive := func() {
		t.Helper()
		for _, in := range instances {
			select {
			case err := <-in.done:
				in.cmd = nil
				t.Fatalf("instance %s exited by itself: %v\n%s", in.name, err, in.log.String())
			default:
			}
		}
	}
	pause := func() {
		t.Helper()
		select {
		case err := <-loadErrs:
			t.Fatal(err)
		case <-time.After(chaosPause):
		}
		alive()
	}
	begin := time.Now()
	for round := 0; round == 0 || time.Since(begin) < duration; round++ {
		pause()
		victim := instances[round%len(instances)]
		_ = victim.cmd.Process.Kill() // SIGKILL: no goodbye to anyone
		<-victim.done
		victim.cmd = nil
		f.kills++
		time.Sleep(500 * time.Millisecond)
		victim.start()

		pause()
		pg.restart(t)
		f.pgRestarts++

		pause()
		for _, in := range instances { // a rolling restart
			in.stop()
			f.sigterms++
			in.start()
		}

		for _, d := range []direction{downstream, upstream} {
			pause()
			f.oneWayConns += proxy.breakOneWay(d)
			f.oneWay++
		}
	}
	pause()
	stopOnce.Do(func() { close(stopLoad) })
	load.Wait()
	close(loadErrs)
	for err := range loadErrs {
		t.Fatal(err)
	}
	alive()
	elapsed := time.Since(begin)

	// What the database holds.
	stored := readConversation(ctx, t, pg.url, conv)
	r := checkChaos(stored, vs, as, agentSub, visitorSub)
	// Streams may still be catching up after the last fault.
	for deadline := time.Now().Add(30 * time.Second); (r.lostAgent > 0 || r.lostVisitor > 0) && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		r = checkChaos(stored, vs, as, agentSub, visitorSub)
	}
	stopStreams()
	streams.Wait()
	for _, s := range []*subscriber{agentSub, visitorSub} {
		if s.fatalErr != nil {
			t.Error(s.fatalErr)
		}
	}

	t.Logf("fault suite: %v of faults, %d rounds\n%s", elapsed.Round(time.Second), f.pgRestarts, r.table(vs, as, agentSub, visitorSub, f))
	for _, p := range r.problems {
		t.Error(p)
	}
	// Every round restarts both instances: a stream that never had to
	// resume means the faults missed it.
	for _, s := range []*subscriber{agentSub, visitorSub} {
		if s.reconnects.Load() == 0 {
			t.Errorf("the %s stream never reconnected", s.name)
		}
	}
}

// chaosFaults counts the faults injected.
type chaosFaults struct {
	kills, pgRestarts, sigterms, oneWay, oneWayConns int
}

// chaosAck is one acknowledged message.
type chaosAck struct {
	key string
	msg *livechatv1.Message
	// lastTry is when the attempt that was answered began; retried tells
	// whether attempts before it failed.
	lastTry time.Time
	retried bool
}

// chaosSender sends one message at a time and retries each with the same
// idempotency key until it is acknowledged, as the widget and the
// dashboard do.
type chaosSender struct {
	name    string
	sent    int
	acks    []chaosAck // in the order they were acknowledged
	retries int
	codes   map[connect.Code]int // why attempts failed
	unacked []string
}

func (s *chaosSender) send(ctx context.Context, key string, call func(context.Context) (*livechatv1.Message, error)) error {
	if s.codes == nil {
		s.codes = map[connect.Code]int{}
	}
	s.sent++
	giveUp := time.Now().Add(chaosGiveUp)
	for attempt := 0; ; attempt++ {
		try := time.Now()
		actx, cancel := context.WithTimeout(ctx, chaosAttempt)
		m, err := call(actx)
		cancel()
		if err == nil {
			s.acks = append(s.acks, chaosAck{key: key, msg: m, lastTry: try, retried: attempt > 0})
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		code := connect.CodeOf(err)
		s.codes[code]++
		wait := 100 * time.Millisecond
		switch code {
		case connect.CodeUnavailable, connect.CodeUnknown, connect.CodeDeadlineExceeded, connect.CodeCanceled, connect.CodeAborted, connect.CodeInternal:
			// The link or an instance failed: try again, same key.
		case connect.CodeResourceExhausted:
			wait = 2 * time.Second // the visitor's rate limit: wait, same key
		default:
			return fmt.Errorf("%s message %s: %w", s.name, key, err)
		}
		if time.Now().After(giveUp) {
			s.unacked = append(s.unacked, key)
			return nil
		}
		s.retries++
		time.Sleep(wait)
	}
}

// storedMessage is one row of the messages table.
type storedMessage struct {
	id, sender, key string
	seq             int64
	created         time.Time
	internal        bool
}

// readConversation reads the conversation's messages straight from the
// database, in seq order.
func readConversation(ctx context.Context, t *testing.T, url, conv string) []storedMessage {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT id::text, sender_type, coalesce(client_message_id, ''), seq, internal, created_at
		FROM messages WHERE conversation_id = $1 ORDER BY seq`, conv)
	if err != nil {
		t.Fatalf("read messages: %v", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (storedMessage, error) {
		var m storedMessage
		err := row.Scan(&m.id, &m.sender, &m.key, &m.seq, &m.internal, &m.created)
		return m, err
	})
	if err != nil {
		t.Fatalf("read messages: %v", err)
	}
	return out
}

// chaosResult is what the checks found.
type chaosResult struct {
	stored, storedNotes              int
	dupDB, lostDB                    int
	deliveredAgent, deliveredVisitor int
	dupAgent, dupVisitor             int
	lostAgent, lostVisitor           int
	notesToVisitor                   int
	disorderAgent, disorderVisitor   int
	// retries answered with the message an earlier, failed attempt had
	// stored: the idempotency key at work.
	dedupVisitor, dedupAgent int
	problems                 []string
}

// checkChaos compares the acknowledgements, the database and the two
// streams. System lines (claimed, …) are not sent by the load and are
// left out of the counts, but they take part in the order check.
func checkChaos(stored []storedMessage, vs, as *chaosSender, agentSub, visitorSub *subscriber) chaosResult {
	var r chaosResult
	problem := func(format string, args ...any) { r.problems = append(r.problems, fmt.Sprintf(format, args...)) }
	byKey := map[string][]storedMessage{}
	system := map[string]bool{}
	for _, m := range stored {
		if m.sender == "system" {
			system[m.id] = true
			continue
		}
		k := m.sender + "/" + m.key
		byKey[k] = append(byKey[k], m)
	}
	sent := map[string]bool{} // ids of the stored messages the load sent
	for k, ms := range byKey {
		for _, m := range ms {
			sent[m.id] = true
		}
		r.stored++
		if ms[0].internal {
			r.storedNotes++
		}
		if len(ms) > 1 {
			r.dupDB += len(ms) - 1
			problem("%s stored %d times", k, len(ms))
		}
	}
	for _, side := range []struct {
		s      *chaosSender
		sender string
	}{{vs, "customer"}, {as, "agent"}} {
		var lastSeq int64
		for _, a := range side.s.acks {
			ms := byKey[side.sender+"/"+a.key]
			if len(ms) == 0 {
				r.lostDB++
				problem("%s message %s acknowledged as %s but not stored", side.s.name, a.key, a.msg.GetId())
				continue
			}
			if ms[0].id != a.msg.GetId() {
				problem("%s message %s acknowledged as %s, stored as %s", side.s.name, a.key, a.msg.GetId(), ms[0].id)
			}
			if ms[0].seq <= lastSeq {
				problem("%s message %s stored at seq %d, after a later-sent one at %d", side.s.name, a.key, ms[0].seq, lastSeq)
			}
			lastSeq = ms[0].seq
			// created_at is the storing transaction's start, on this
			// machine's clock: before the answered attempt began means an
			// earlier attempt stored it and only its answer was lost.
			if a.retried && ms[0].created.Before(a.lastTry) {
				if side.s == vs {
					r.dedupVisitor++
				} else {
					r.dedupAgent++
				}
			}
		}
		if len(side.s.unacked) > 0 {
			problem("%s: %d messages never acknowledged: %v", side.s.name, len(side.s.unacked), side.s.unacked)
		}
	}

	for _, sub := range []*subscriber{agentSub, visitorSub} {
		isVisitor := sub == visitorSub
		sub.mu.Lock()
		delivered, dup, lost, disorder := 0, 0, 0, 0
		for _, ms := range byKey {
			m := ms[0]
			n := sub.seen[m.id]
			delivered += n
			if n > 1 {
				dup += n - 1
			}
			switch {
			case isVisitor && m.internal && n > 0:
				r.notesToVisitor += n
			case isVisitor && m.internal:
			case n == 0:
				lost++
			}
		}
		for id, n := range sub.seen {
			if system[id] {
				continue
			}
			if !sent[id] {
				problem("%s stream delivered %s (%d times), which the database does not hold", sub.name, id, n)
			}
		}
		for convID, seqs := range sub.seqs {
			for i := 1; i < len(seqs); i++ {
				if seqs[i] <= seqs[i-1] {
					disorder++
					if disorder <= 5 {
						problem("%s stream: conversation %s seq %d after %d", sub.name, convID, seqs[i], seqs[i-1])
					}
				}
			}
		}
		sub.mu.Unlock()
		if dup > 0 {
			problem("%s stream delivered %d messages more than once", sub.name, dup)
		}
		if lost > 0 {
			problem("%s stream never delivered %d stored messages", sub.name, lost)
		}
		if isVisitor {
			r.deliveredVisitor, r.dupVisitor, r.lostVisitor, r.disorderVisitor = delivered, dup, lost, disorder
		} else {
			r.deliveredAgent, r.dupAgent, r.lostAgent, r.disorderAgent = delivered, dup, lost, disorder
		}
	}
	if r.notesToVisitor > 0 {
		problem("the visitor stream delivered %d internal notes", r.notesToVisitor)
	}
	return r
}

// table is the run's one summary table.
func (r chaosResult) table(vs, as *chaosSender, agentSub, visitorSub *subscriber, f chaosFaults) string {
	var b strings.Builder
	row := func(name string, v, a, total any) {
		fmt.Fprintf(&b, "| %-36s | %9v | %9v | %9v |\n", name, v, a, total)
	}
	row("", "visitor", "agent", "total")
	b.WriteString("|--------------------------------------|-----------|-----------|-----------|\n")
	row("sent", vs.sent, as.sent, vs.sent+as.sent)
	row("acknowledged", len(vs.acks), len(as.acks), len(vs.acks)+len(as.acks))
	row("retried sends", vs.retries, as.retries, vs.retries+as.retries)
	row("  answered with the earlier store", r.dedupVisitor, r.dedupAgent, r.dedupVisitor+r.dedupAgent)
	row("stored (database)", "", "", fmt.Sprintf("%d", r.stored))
	row("  of which internal notes", "", "", r.storedNotes)
	row("duplicates stored", "", "", r.dupDB)
	row("lost (acknowledged, not stored)", "", "", r.lostDB)
	row("delivered on the stream", r.deliveredVisitor, r.deliveredAgent, "")
	row("duplicates on the stream", r.dupVisitor, r.dupAgent, "")
	row("lost on the stream", r.lostVisitor, r.lostAgent, "")
	row("out of order on the stream", r.disorderVisitor, r.disorderAgent, "")
	row("internal notes to the visitor", r.notesToVisitor, "", "")
	row("stream reconnects", visitorSub.reconnects.Load(), agentSub.reconnects.Load(), "")
	fmt.Fprintf(&b, "faults injected: %d kill -9, %d PostgreSQL restarts, %d SIGTERM (rolling), %d one-way breaks (%d connections)\n",
		f.kills, f.pgRestarts, f.sigterms, f.oneWay, f.oneWayConns)
	fmt.Fprintf(&b, "failed attempts by code: visitor %s; agent %s\n", codes(vs.codes), codes(as.codes))
	return b.String()
}

func codes(m map[connect.Code]int) string {
	var parts []string
	for c, n := range m {
		parts = append(parts, fmt.Sprintf("%v %d", c, n))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// chaosPostgres is the suite's own PostgreSQL cluster, which it restarts.
type chaosPostgres struct {
	dir     string
	url     string
	cluster *pgembed.Cluster
}

// startChaosPostgres starts a cluster in a fresh folder, removed at the end.
func startChaosPostgres(t *testing.T) *chaosPostgres {
	t.Helper()
	dir, err := os.MkdirTemp("", "livechat-chaos-")
	if err != nil {
		t.Fatal(err)
	}
	// 0755: when tests run as root PostgreSQL runs as an unprivileged
	// account, which must reach the data directory inside.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pg := &chaosPostgres{dir: dir}
	t.Cleanup(func() {
		if pg.cluster != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := pg.cluster.Stop(ctx); err != nil {
				t.Errorf("stop PostgreSQL: %v", err)
			}
		}
		os.RemoveAll(dir)
	})
	if err := pg.start(); err != nil {
		if errors.Is(err, pgembed.ErrNoBinaries) {
			t.Skipf("the fault suite needs the PostgreSQL server binaries (initdb, postgres): %v", err)
		}
		t.Fatal(err)
	}
	pg.url = pg.cluster.URL()
	return pg
}

func (pg *chaosPostgres) start() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgembed.Start(ctx, pgembed.Options{
		DataDir:  filepath.Join(pg.dir, "pg"),
		Database: "livechat",
		// A restart is a fast shutdown, which writes everything committed
		// out first: fsync would only matter if the machine crashed.
		NoSync: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	pg.cluster = c
	return err
}

// restart stops PostgreSQL (fast shutdown: sessions are cut) and starts it
// again on the same data, after a second down.
func (pg *chaosPostgres) restart(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := pg.cluster.Stop(ctx); err != nil {
		t.Fatalf("stop PostgreSQL: %v", err)
	}
	pg.cluster = nil
	time.Sleep(time.Second)
	if err := pg.start(); err != nil {
		t.Fatalf("start PostgreSQL again: %v", err)
	}
	if pg.cluster.URL() != pg.url {
		t.Fatalf("PostgreSQL came back at %s, not %s", pg.cluster.URL(), pg.url)
	}
}
