// Package realtime delivers livechat's events to every Subscribe stream, on
// every server instance.
//
// # Durable events
//
// The events table is the log (db/migrations/00003_events.sql). Writers
// insert an event row with each change and call Hub.Committed after their
// transaction commits. Each instance runs one reader: woken by Committed, by
// a notification from another instance or by its listener reconnecting, it
// reads the next rows once, turns them into protos once (through the
// Loader) and fans them out in memory to every matching subscriber.
// Subscribers never query per event.
//
// Rows are read in (tx, id) order, only from transactions older than every
// running one, so the log grows at its end only and delivery never skips a
// row that commits late (see db/migrations/00007_presence.sql). The pair is
// the stream cursor.
//
// # Many instances
//
// PostgreSQL LISTEN/NOTIFY is the bus. A NOTIFY inside a writer's
// transaction would hold a cluster-wide lock across its commit flush, so
// instances notify after commit instead, batched: at most one NOTIFY in
// flight, the next one coalescing every commit that happened meanwhile. The
// payload only wakes the other readers, which read the log themselves; a
// listener that loses its connection reconnects and its reader catches up
// from its position, so nothing is missed. Ephemeral events (typing) travel
// inside notification payloads and are never stored.
//
// # Idle cost
//
// A stream costs its handler goroutine plus a small subscriber struct: no
// extra goroutine, no timer, no database connection and no buffer until
// events arrive. Heartbeats come from one shared ticker. An idle instance
// only renews its presence row every few seconds.
package realtime

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
)

// Event kinds stored in events.kind.
const (
	KindMessageCreated      = "message_created"
	KindConversationCreated = "conversation_created"
	KindConversationUpdated = "conversation_updated"
	KindRead                = "read"
	// KindMessageUpdated: a message was edited or deleted.
	KindMessageUpdated = "message_updated"
)

// EventRow is one row of the durable event log.
type EventRow struct {
	ID             int64
	Kind           string
	ConversationID uuid.UUID
	CustomerID     uuid.UUID
	MessageID      *uuid.UUID
	// Internal rows reach agent streams only; the writer decides.
	Internal   bool
	ReaderType *string
	ReaderID   *uuid.UUID
	ReadSeq    *int64
	OccurredAt time.Time
	// State is the conversation's state the event announces, recorded by
	// conversation_created and conversation_updated rows; nil when the row
	// holds none (other kinds, rows older than the record).
	State *ConversationState
}

// ConversationState is a conversation's state as one event recorded it.
type ConversationState struct {
	Status        string
	AssigneeID    *uuid.UUID
	LastSeq       int64
	WaitingSince  *time.Time
	UpdatedAt     time.Time
	LastMessageAt time.Time
}

// Views is one event as each kind of stream sees it. Agent is what agent
// streams get; Visitor what the streams of the event's customer get, nil
// to hide it from them (it may be the same pointer as Agent).
type Views struct {
	Agent   *livechatv1.Event
	Visitor *livechatv1.Event
}

// Loader turns event rows into the protos streams get: the domain that
// wrote the events decides what they say and what a visitor may see of
// them, so the hub holds no such rule. It is called once per batch of
// rows, whatever the number of subscribers.
type Loader interface {
	// LoadEvents returns the views of each row, in the same order. A nil
	// Agent drops that row (for example a message deleted since). The hub
	// sets Cursor; OccurredAt is set from the row when left empty. The
	// events are shared by every stream and must not change afterwards.
	LoadEvents(ctx context.Context, rows []EventRow) ([]Views, error)
}

// Filter selects a stream's events. Exactly one of AgentID and CustomerID
// is set.
type Filter struct {
	// AgentID makes an agent stream: every event, internal notes included.
	// The stream keeps the agent present (online) unless NoPresence is set.
	AgentID uuid.UUID
	// CustomerID makes a visitor stream: only that customer's events, as
	// the Loader's Visitor view shows them, never internal rows, presence
	// only as agents_online.
	CustomerID uuid.UUID
	// NoPresence keeps an agent stream from counting toward presence, for
	// callers that are not a person at the dashboard (API tokens).
	NoPresence bool
	// Credential is what authorised the stream: a dashboard session or API
	// token id (agents) or a visitor session id. The stream ends when it is
	// revoked (see Credentials). Zero is never re-checked.
	Credential uuid.UUID
	// TokenCredential says Credential is an API token: the stream then
	// ends saying the token was revoked (TOKEN_REVOKED), as a unary call
	// with it would, rather than that a sign-in ended.
	TokenCredential bool
}

// Options tune a Hub. Zero values take the defaults.
type Options struct {
	// InstanceID names this server instance; default random.
	InstanceID uuid.UUID
	// Heartbeat is how often idle streams get a heartbeat (15 s).
	Heartbeat time.Duration
	// PresenceGrace is how long an agent stays online after their last
	// stream ends (30 s).
	PresenceGrace time.Duration
	// InstanceTTL is how long an instance's presence counts without being
	// renewed (30 s); it is renewed every third of that.
	InstanceTTL time.Duration
	// TypingTTL is how long a typing indicator lasts unless repeated (6 s).
	TypingTTL time.Duration
	// TypingInterval is the minimum time between two typing indicators of
	// one sender in one conversation; repeats in between are coalesced (1 s).
	TypingInterval time.Duration
	// ViewingTTL is how long a viewing signal lasts unless repeated (20 s).
	ViewingTTL time.Duration
	// Buffer is how many events a stream may fall behind before it is
	// dropped (256), not counting the batch being delivered.
	Buffer int
	// Retention is how long events are kept for resuming (7 days).
	Retention time.Duration
	// PruneEvery is how often old events are deleted (1 h).
	PruneEvery time.Duration
	// RevalidateEvery is how often open streams' credentials are checked
	// again, which ends streams whose session expired (1 min). Revocations
	// are acted on at once (CredentialsRevoked).
	RevalidateEvery time.Duration
	// VisitorsPerWidget bounds the visitors (browsers on the site) one
	// instance keeps per widget (5,000).
	VisitorsPerWidget int
	// VisitorRefresh is how often an instance announces its visitors again
	// (20 s); another instance's visitors are dropped after three missed.
	VisitorRefresh time.Duration
	// VisitorsChangedEvery is the least time between two
	// VisitorsChangedEvents of a widget (1 s).
	VisitorsChangedEvery time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.InstanceID == uuid.Nil {
		o.InstanceID = uuid.New()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Heartbeat, 15*time.Second)
	def(&o.PresenceGrace, 30*time.Second)
	def(&o.InstanceTTL, 30*time.Second)
	def(&o.TypingTTL, 6*time.Second)
	def(&o.TypingInterval, time.Second)
	def(&o.ViewingTTL, 20*time.Second)
	def(&o.Retention, 7*24*time.Hour)
	def(&o.PruneEvery, time.Hour)
	def(&o.RevalidateEvery, time.Minute)
	def(&o.VisitorRefresh, 20*time.Second)
	def(&o.VisitorsChangedEvery, time.Second)
	if o.VisitorsPerWidget <= 0 {
		o.VisitorsPerWidget = 5000
	}
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Errors that end a stream. Clients resume with their last cursor.
var (
	errFellBehind = apperr.New(apperr.StreamBehind, "stream fell behind; resubscribe with your last cursor")
	errShutdown   = apperr.New(apperr.Unavailable, "server shutting down; reconnect with your last cursor")
	errExpired    = apperr.New(apperr.CursorExpired, "cursor expired: reload and subscribe again")
)

// Hub is one instance's end of the event bus: its reader, its listener and
// its subscribers. The zero value is not usable; call New.
type Hub struct {
	pool *pgxpool.Pool
	q    *dbq.Queries
	log  *slog.Logger
	opts Options

	loader atomic.Pointer[Loader]
	creds  atomic.Pointer[Credentials]
	// availability hears when an agent comes online (see presence.go).
	availability atomic.Pointer[Availability]

	// mu guards the subscriber sets and pos, so that a subscriber
	// registers at an exact position of the event stream.
	mu       sync.Mutex
	pos      position
	agents   map[*subscriber]struct{}
	visitors map[uuid.UUID]map[*subscriber]struct{}
	closed   bool
	// nextSlot spreads new streams over the heartbeat slots.
	nextSlot uint8

	readWake       chan struct{}
	notifyWake     chan struct{}
	revalidateWake chan struct{}
	// notifyEvents is set by Committed until the notifier sends it on.
	notifyEvents atomic.Bool
	// readBusy is set while the reader reads; readPending when its last
	// read found events waiting behind a running transaction (or failed):
	// CommittedNext then wakes it.
	readBusy, readPending atomic.Bool
	// notifyMu guards the presence and revocation flags and the ephemeral
	// lines waiting for the notifier.
	notifyMu           sync.Mutex
	notifyPresenceFlag bool
	notifyRevokedFlag  bool
	notifyPending      []string

	presence *presence
	typing   *typing
	// site holds the visitors browsing websites (visitors.go); closedSite,
	// guarded by site.mu, refuses new ones after Close.
	site       *site
	closedSite bool

	// listenerPID is the backend pid of the listener's connection (tests
	// terminate it to prove recovery).
	listenerPID atomic.Uint32
	// listening is closed once the listener has run LISTEN the first time.
	listening     chan struct{}
	listeningOnce sync.Once

	// beforeReconnect, when set by tests, runs before the listener
	// reconnects, so they can commit events while nobody listens.
	beforeReconnect func()

	startOnce sync.Once
	closeOnce sync.Once
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	started   atomic.Bool
}

// New returns a hub on pool. Call Start to run it and Close to stop it.
func New(pool *pgxpool.Pool, log *slog.Logger, opts Options) *Hub {
	opts.defaults()
	h := &Hub{
		pool:           pool,
		q:              db.Queries(pool),
		log:            log.With("instance", opts.InstanceID.String()[:8]),
		opts:           opts,
		agents:         make(map[*subscriber]struct{}),
		visitors:       make(map[uuid.UUID]map[*subscriber]struct{}),
		readWake:       make(chan struct{}, 1),
		notifyWake:     make(chan struct{}, 1),
		revalidateWake: make(chan struct{}, 1),
		listening:      make(chan struct{}),
	}
	h.presence = newPresence(h)
	h.typing = newTyping(h)
	h.site = newSite(h)
	return h
}

// SetLoader sets what turns event rows into protos. Until it is set, rows
// become minimal events carrying only ids (see RowEvent), the same for
// agents and visitors.
func (h *Hub) SetLoader(l Loader) { h.loader.Store(&l) }

// InstanceID is this instance's id in the presence tables.
func (h *Hub) InstanceID() uuid.UUID { return h.opts.InstanceID }

// Start runs the hub's reader, listener, notifier, presence and heartbeat
// loops until ctx ends or Close is called. It returns once the hub knows
// its position in the event log and the presence of agents.
func (h *Hub) Start(ctx context.Context) error {
	var err error
	h.startOnce.Do(func() { err = h.start(ctx) })
	return err
}

func (h *Hub) start(ctx context.Context) error {
	if n, err := h.q.RebaseForeignEvents(ctx); err != nil {
		return apperr.Wrap(apperr.Unavailable, err, "realtime: check the event log")
	} else if n > 0 {
		h.log.Warn("realtime: the event log came from another PostgreSQL cluster (a restored dump); its events were moved before this cluster's, and clients resuming from them will reload once", "events", n)
	}
	xmin, err := h.q.SnapshotXmin(ctx)
	if err != nil {
		return apperr.Wrap(apperr.Unavailable, err, "realtime: read the event log position")
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return errShutdown
	}
	// Every transaction below xmin has finished: events from them are
	// history, served to resuming streams from the database. (The
	// position only moves forward: an event delivered as it was committed
	// before Start stays passed.)
	if p := (position{tx: xmin, id: 0}); h.pos.less(p) {
		h.pos = p
	}
	h.mu.Unlock()

	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h.cancel = cancel
	if err := h.presence.start(ctx); err != nil {
		h.log.Warn("realtime: presence not yet available", "err", err)
	}
	h.started.Store(true)
	h.goRun(ctx, h.readLoop)
	h.goRun(ctx, h.listenLoop)
	h.goRun(ctx, h.notifyLoop)
	h.goRun(ctx, h.presence.loop)
	h.goRun(ctx, h.heartbeatLoop)
	h.goRun(ctx, h.pruneLoop)
	h.goRun(ctx, h.revalidateLoop)
	h.goRun(ctx, h.site.loop)
	return nil
}

func (h *Hub) goRun(ctx context.Context, fn func(context.Context)) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		fn(ctx)
	}()
}

// Close ends every stream with UNAVAILABLE ("reconnect with your last
// cursor"), stops the hub's loops and waits for them. Agents streaming here
// stay online for the grace period, time to reconnect to another instance.
// It is safe to call more than once and from several goroutines.
func (h *Hub) Close() {
	h.closeOnce.Do(func() {
		h.mu.Lock()
		h.closed = true
		subs := make([]*subscriber, 0, len(h.agents))
		for s := range h.agents {
			subs = append(subs, s)
		}
		for _, set := range h.visitors {
			for s := range set {
				subs = append(subs, s)
			}
		}
		h.agents = map[*subscriber]struct{}{}
		h.visitors = map[uuid.UUID]map[*subscriber]struct{}{}
		h.mu.Unlock()
		for _, s := range subs {
			s.fail(errShutdown)
		}
		if h.cancel != nil {
			h.cancel()
		}
		h.typing.stop()
		h.site.close()
		h.wg.Wait()
		if h.started.Load() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			h.presence.shutdown(ctx)
		}
	})
	// Callers racing the first Close still wait until the loops are done.
	h.wg.Wait()
}

// wake signals a loop's channel without blocking.
func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
