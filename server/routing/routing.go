// Package routing decides who gets a new conversation. A widget in
// automatic mode hands each waiting conversation that nobody has to an
// available agent: enabled, status online (not away, not invisible) with a
// live stream, and under their capacity (the most active conversations
// routing gives them). Of those, the one with the fewest active
// conversations gets it, ties going to whoever was given one longest ago,
// so assignment goes round and no agent gets a second while another
// available one has none. A conversation that finds nobody stays in the
// queue until someone frees up or comes online.
//
// Assignment is serialised in PostgreSQL (a transaction-scoped advisory
// lock), never in memory: several instances drain the one queue and each
// drain sees the loads the previous one left. Drains are started by Kick
// (a conversation arrived, a load went down, presence changed) and, as a
// safety net, every Sweep.
//
// Service speaks Go types and knows nothing about Connect; package
// routingapi adapts it to livechatv1connect.RoutingServiceHandler.
package routing

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
)

// DefaultCapacity is the capacity of an agent nobody has set one for.
const DefaultCapacity = 5

// MaxCapacity is the highest capacity an admin may set.
const MaxCapacity = 100

// batch is how many queued conversations one transaction assigns at most,
// so the lock is never held for long.
const batch = 50

// Mode is a widget's assignment mode, as stored.
type Mode string

// The modes.
const (
	ModeManual Mode = "manual"
	ModeAuto   Mode = "auto"
)

// WidgetRouting is one widget's routing settings, business hours and
// expected reply time.
type WidgetRouting struct {
	Mode      Mode
	Hours     Hours
	ReplyTime ReplyTime
	// BotTokenID is the bot that answers first (nil: none), BotName its
	// name (read only).
	BotTokenID *uuid.UUID
	BotName    string
	// TeamID, when set, is the team whose members alone automatic
	// routing gives the widget's conversations to.
	TeamID *uuid.UUID
}

// AgentCapacity is one agent's share of automatic routing.
type AgentCapacity struct {
	AgentID     uuid.UUID
	DisplayName string
	MaxActive   int
	Active      int
	// Online: status online with a live stream.
	Online bool
}

// Available reports whether routing may give the agent a conversation now.
func (a AgentCapacity) Available() bool { return a.Online && a.Active < a.MaxActive }

// Capacities is every enabled agent's capacity and the queue's length.
type Capacities struct {
	Agents []AgentCapacity
	Queued int
}

// Assigner gives a queued conversation to an agent inside the drain's
// transaction (*chat.Service). It reports false when the conversation is no
// longer waiting for someone.
type Assigner interface {
	AssignQueued(ctx context.Context, q *dbq.Queries, conversationID, agentID uuid.UUID, agentName string) (bool, error)
}

// Hub is what routing tells the realtime hub.
type Hub interface {
	// Committed says durable events were committed.
	Committed()
}

// Options configure a Service.
type Options struct {
	// Sweep is how often Run drains the queue without being kicked (10 s):
	// it catches what no kick announced, such as an instance that died
	// with its agents' streams.
	Sweep time.Duration
	// Log receives the errors of background drains.
	Log *slog.Logger
	// Now is the clock business hours are read by (time.Now).
	Now func() time.Time
}

// Service holds the rules of routing.
type Service struct {
	pool   *db.Pool
	q      *dbq.Queries
	assign Assigner
	hub    Hub
	opts   Options
	wake   chan struct{}
	// replies caches measured reply times (see hours.go).
	replies replyCache
}

// New returns the service over pool. hub may be nil (tests).
func New(pool *db.Pool, assign Assigner, hub Hub, opts Options) *Service {
	if opts.Sweep <= 0 {
		opts.Sweep = 10 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{pool: pool, q: db.Queries(pool), assign: assign, hub: hub, opts: opts, wake: make(chan struct{}, 1)}
}

// Kick asks Run to drain the queue soon. It never blocks; kicks that come
// while a drain is pending are one.
func (s *Service) Kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// AgentOnline implements realtime.Availability: an agent coming online may
// take waiting conversations.
func (s *Service) AgentOnline() { s.Kick() }

// Run drains the queue when kicked and every Sweep until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.Sweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
		if _, err := s.Drain(ctx); err != nil && ctx.Err() == nil {
			s.opts.Log.Error("routing: drain the queue", "err", err)
		}
	}
}

// Drain assigns queued conversations, oldest first, to available agents
// until the queue is empty or nobody is available. It returns how many it
// assigned.
func (s *Service) Drain(ctx context.Context) (int, error) {
	total := 0
	var after *dbq.QueuedConversationsRow
	for {
		n, more, err := s.drainBatch(ctx, &after)
		total += n
		if n > 0 && s.hub != nil {
			s.hub.Committed()
		}
		if err != nil || !more {
			return total, err
		}
	}
}

// drainBatch assigns up to batch conversations after *after in one
// transaction that holds the routing lock, and moves *after to the last
// one it read; more says the queue may hold more it could assign (it read
// a full batch and someone is still available: conversations of a team
// with nobody available are passed over, not waited behind).
func (s *Service) drainBatch(ctx context.Context, after **dbq.QueuedConversationsRow) (n int, more bool, err error) {
	// Most drains find an empty queue: look before taking the lock.
	queued, err := s.q.CountQueued(ctx)
	if err != nil || queued == 0 {
		return 0, false, err
	}
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		n, more = 0, false
		if err := q.LockRouting(ctx); err != nil {
			return err
		}
		params := dbq.QueuedConversationsParams{MaxRows: batch}
		if *after != nil {
			params.HasAfter, params.AfterAt, params.AfterID = true, (*after).CreatedAt, (*after).ID
		}
		queue, err := q.QueuedConversations(ctx, params)
		if err != nil || len(queue) == 0 {
			return err
		}
		rows, err := q.AgentLoads(ctx, DefaultCapacity)
		if err != nil {
			return err
		}
		agents := candidates(rows)
		teams, err := memberships(ctx, q, queue)
		if err != nil {
			return err
		}
		for _, c := range queue {
			a := next(agents, teams.allows(c.TeamID))
			if a == nil {
				// Nobody for this conversation's team; a later one may
				// be another team's.
				continue
			}
			ok, err := s.assign.AssignQueued(ctx, q, c.ID, a.id, a.name)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := q.MarkRouted(ctx, dbq.MarkRoutedParams{AgentID: a.id, DefaultMaxActive: DefaultCapacity}); err != nil {
				return err
			}
			a.active++
			a.turn = len(agents) + n // after everyone already ordered
			n++
		}
		last := queue[len(queue)-1]
		*after = &last
		more = len(queue) == batch && next(agents, func(uuid.UUID) bool { return true }) != nil
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return n, more, nil
}

// candidate is an available agent during a drain.
type candidate struct {
	id        uuid.UUID
	name      string
	active    int
	maxActive int
	// turn orders equally loaded agents: lower goes first.
	turn int
}

// candidates are the online agents under capacity, their turns numbered by
// when they were last given a conversation (never first).
func candidates(rows []dbq.AgentLoadsRow) []*candidate {
	rows = slices.DeleteFunc(slices.Clone(rows), func(r dbq.AgentLoadsRow) bool {
		return !r.Online || r.Active >= r.MaxActive
	})
	slices.SortStableFunc(rows, func(a, b dbq.AgentLoadsRow) int {
		switch {
		case a.LastRoutedAt == nil && b.LastRoutedAt == nil:
			return slices.Compare(a.ID[:], b.ID[:])
		case a.LastRoutedAt == nil:
			return -1
		case b.LastRoutedAt == nil:
			return 1
		}
		return cmp.Or(a.LastRoutedAt.Compare(*b.LastRoutedAt), slices.Compare(a.ID[:], b.ID[:]))
	})
	out := make([]*candidate, len(rows))
	for i, r := range rows {
		out[i] = &candidate{id: r.ID, name: r.DisplayName, active: int(r.Active), maxActive: int(r.MaxActive), turn: i}
	}
	return out
}

// teamMembers is who belongs to which team, for a drain.
type teamMembers map[uuid.UUID]map[uuid.UUID]bool

// memberships reads team membership when a queued conversation needs it.
func memberships(ctx context.Context, q *dbq.Queries, queue []dbq.QueuedConversationsRow) (teamMembers, error) {
	if !slices.ContainsFunc(queue, func(c dbq.QueuedConversationsRow) bool { return c.TeamID != nil }) {
		return nil, nil
	}
	rows, err := q.TeamMemberships(ctx)
	if err != nil {
		return nil, err
	}
	m := teamMembers{}
	for _, r := range rows {
		if m[r.TeamID] == nil {
			m[r.TeamID] = map[uuid.UUID]bool{}
		}
		m[r.TeamID][r.AgentID] = true
	}
	return m, nil
}

// allows is who may take a conversation of the team (nil: anyone).
func (m teamMembers) allows(team *uuid.UUID) func(uuid.UUID) bool {
	if team == nil {
		return func(uuid.UUID) bool { return true }
	}
	members := m[*team]
	return func(id uuid.UUID) bool { return members[id] }
}

// next is the agent allowed to take the next conversation who gets it:
// under capacity, the fewest active conversations, then the earliest
// turn. nil when no allowed agent is under capacity.
func next(agents []*candidate, allowed func(uuid.UUID) bool) *candidate {
	var best *candidate
	for _, a := range agents {
		if a.active >= a.maxActive || !allowed(a.id) {
			continue
		}
		if best == nil || a.active < best.active || (a.active == best.active && a.turn < best.turn) {
			best = a
		}
	}
	return best
}

// WidgetRouting returns a live widget's routing settings.
// Errors: WidgetNotFound.
func (s *Service) WidgetRouting(ctx context.Context, widgetID uuid.UUID) (WidgetRouting, error) {
	row, err := s.q.WidgetRouting(ctx, widgetID)
	if err != nil {
		return WidgetRouting{}, apperr.NotFoundAs(err, apperr.WidgetNotFound, "widget not found")
	}
	out := WidgetRouting{
		Mode: Mode(row.Mode),
		Hours: Hours{
			Enabled: row.HoursEnabled, TimeZone: row.TimeZone, Days: decodeDays(row.Days),
			Holidays: row.Holidays, Outside: Outside(row.Outside),
		},
		ReplyTime: ReplyTime{Mode: ReplyMode(row.ReplyMode), FixedMinutes: int(row.ReplyMinutes)},
		TeamID:    row.TeamID,
	}
	bot, err := s.q.WidgetBot(ctx, widgetID)
	switch {
	case err == nil:
		out.BotTokenID, out.BotName = &bot.TokenID, bot.BotName
	case !apperr.Is(err, apperr.NotFound):
		return WidgetRouting{}, err
	}
	return out, nil
}

// checkBot refuses a token that cannot answer first: unknown, without a
// bot name, revoked, or acting for a disabled agent. Errors: BotRequired
// (field "routing.bot_token_id").
func (s *Service) checkBot(ctx context.Context, q *dbq.Queries, id uuid.UUID) (string, error) {
	t, err := q.BotToken(ctx, id)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return "", apperr.New(apperr.BotRequired, "no API token has this id").WithField("routing.bot_token_id")
	case err != nil:
		return "", err
	case t.BotName == "":
		return "", apperr.New(apperr.BotRequired, "this API token is not a bot: give it a bot name").WithField("routing.bot_token_id")
	case !t.Live:
		return "", apperr.New(apperr.BotRequired, "this bot's token is revoked or its agent disabled").WithField("routing.bot_token_id")
	}
	return t.BotName, nil
}

// SetWidgetRouting sets a widget's routing settings (the policy admits
// admins only) and returns them normalised. Switching to automatic assigns
// its queue as far as agents are available. BotTokenID names the bot that
// answers first (nil: none); it holds new conversations only, so a change
// leaves held ones with their bot.
// Errors: InvalidValue (field "routing.mode", or an outside behaviour or
// reply time); those of checkHours; BotRequired; WidgetNotFound;
// TeamNotFound (field "routing.team_id").
func (s *Service) SetWidgetRouting(ctx context.Context, widgetID uuid.UUID, r WidgetRouting) (WidgetRouting, error) {
	if r.Mode != ModeManual && r.Mode != ModeAuto {
		return WidgetRouting{}, apperr.New(apperr.InvalidValue, "mode must be MANUAL or AUTO").WithField("routing.mode")
	}
	var err error
	if r.Hours, err = checkHours(r.Hours); err != nil {
		return WidgetRouting{}, err
	}
	if r.ReplyTime, err = checkReply(r.ReplyTime); err != nil {
		return WidgetRouting{}, err
	}
	r.BotName = ""
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		n, err := q.SetWidgetRouting(ctx, dbq.SetWidgetRoutingParams{
			WidgetID: widgetID, Mode: string(r.Mode),
			HoursEnabled: r.Hours.Enabled, TimeZone: r.Hours.TimeZone, Days: encodeDays(r.Hours.Days),
			Holidays: r.Hours.Holidays, Outside: string(r.Hours.Outside),
			ReplyMode: string(r.ReplyTime.Mode), ReplyMinutes: int32(r.ReplyTime.FixedMinutes),
			TeamID: r.TeamID,
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.New(apperr.WidgetNotFound, "widget not found")
		}
		if r.BotTokenID == nil {
			return q.ClearWidgetBot(ctx, widgetID)
		}
		if r.BotName, err = s.checkBot(ctx, q, *r.BotTokenID); err != nil {
			return err
		}
		_, err = q.SetWidgetBot(ctx, dbq.SetWidgetBotParams{WidgetID: widgetID, TokenID: *r.BotTokenID})
		return err
	})
	if err != nil {
		return WidgetRouting{}, err
	}
	s.Kick()
	return r, nil
}

// Capacities lists every enabled agent's capacity and load, and the queue.
func (s *Service) Capacities(ctx context.Context) (Capacities, error) {
	rows, err := s.q.AgentLoads(ctx, DefaultCapacity)
	if err != nil {
		return Capacities{}, err
	}
	queued, err := s.q.CountQueued(ctx)
	if err != nil {
		return Capacities{}, err
	}
	out := Capacities{Agents: make([]AgentCapacity, len(rows)), Queued: int(queued)}
	for i, r := range rows {
		out.Agents[i] = capacityFromRow(r)
	}
	return out, nil
}

// SetAgentCapacity sets the most active conversations routing gives an
// agent (0–MaxCapacity; the policy admits admins only). Raising it may
// assign queued conversations at once.
// Errors: CapacityOutOfRange (field
// "max_active_conversations", limit MaxCapacity); AgentNotFound (also for a
// disabled agent, whom routing never considers).
func (s *Service) SetAgentCapacity(ctx context.Context, agentID uuid.UUID, maxActive int) (AgentCapacity, error) {
	if maxActive < 0 || maxActive > MaxCapacity {
		return AgentCapacity{}, apperr.New(apperr.CapacityOutOfRange, "capacity must be between 0 and %d", MaxCapacity).
			WithField("max_active_conversations").WithLimit(MaxCapacity)
	}
	n, err := s.q.SetAgentCapacity(ctx, dbq.SetAgentCapacityParams{AgentID: agentID, MaxActive: int32(maxActive)})
	if err != nil {
		return AgentCapacity{}, err
	}
	if n == 0 {
		return AgentCapacity{}, apperr.New(apperr.AgentNotFound, "agent not found")
	}
	s.Kick()
	all, err := s.Capacities(ctx)
	if err != nil {
		return AgentCapacity{}, err
	}
	for _, a := range all.Agents {
		if a.AgentID == agentID {
			return a, nil
		}
	}
	return AgentCapacity{}, apperr.New(apperr.AgentNotFound, "agent not found")
}

func capacityFromRow(r dbq.AgentLoadsRow) AgentCapacity {
	return AgentCapacity{
		AgentID: r.ID, DisplayName: r.DisplayName,
		MaxActive: int(r.MaxActive), Active: int(r.Active), Online: r.Online,
	}
}
