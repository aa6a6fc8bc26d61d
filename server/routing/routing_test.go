package routing_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/routing"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var bg = context.Background()

// env is one test's database with a widget, the chat domain and a router.
type env struct {
	t      *testing.T
	pool   *pgxpool.Pool
	chat   *chat.Service
	router *routing.Service
	widget uuid.UUID
	inst   uuid.UUID
	n      int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := dbtest.New(t)
	e := &env{t: t, pool: pool, chat: chat.New(pool, nil), inst: uuid.New()}
	e.router = routing.New(pool, e.chat, nil, routing.Options{})
	e.exec(`INSERT INTO widgets (site_key, name, identity_secret) VALUES ('site_test', 'Shop', 'secret')`)
	e.scan(&e.widget, `SELECT id FROM widgets`)
	// One live instance that agents "stream" on.
	e.exec(`INSERT INTO realtime_instances (id, expires_at) VALUES ($1, now() + interval '1 hour')`, e.inst)
	if _, err := e.router.SetWidgetRouting(bg, e.widget, routing.WidgetRouting{Mode: routing.ModeAuto}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.pool.Exec(bg, sql, args...); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
}

func (e *env) scan(dst any, sql string, args ...any) {
	e.t.Helper()
	if err := e.pool.QueryRow(bg, sql, args...).Scan(dst); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
}

// agent adds an agent with the status and capacity; streaming says whether
// they hold a stream on the live instance.
func (e *env) agent(name, status string, streaming bool, capacity int) principal.Agent {
	e.t.Helper()
	e.n++
	var id uuid.UUID
	e.scan(&id, `INSERT INTO agents (username, display_name, role, password_hash, status) VALUES ($1, $2, 'agent', 'x', $3) RETURNING id`,
		fmt.Sprintf("agent%d", e.n), name, status)
	if streaming {
		e.exec(`INSERT INTO agent_streams (instance_id, agent_id) VALUES ($1, $2)`, e.inst, id)
	}
	if _, err := e.router.SetAgentCapacity(bg, id, capacity); err != nil {
		e.t.Fatal(err)
	}
	return principal.Agent{ID: id, Name: name, Role: principal.RoleAgent}
}

// conversations opens n conversations, each from a new customer. Safe to
// call from several goroutines.
func (e *env) conversations(n int) []uuid.UUID {
	ids := make([]uuid.UUID, n)
	for i := range ids {
		var cust uuid.UUID
		if err := e.pool.QueryRow(bg, `INSERT INTO customers (widget_id, name) VALUES ($1, 'Visitor') RETURNING id`, e.widget).Scan(&cust); err != nil {
			e.t.Error(err)
			return nil
		}
		_, conv, err := e.chat.SendVisitorMessage(bg, principal.Visitor{CustomerID: cust, WidgetID: e.widget}, "Hello", uuid.NewString())
		if err != nil {
			e.t.Error(err)
			return nil
		}
		ids[i] = conv.ID
	}
	return ids
}

// loads is each agent's number of active conversations, by name.
func (e *env) loads() map[string]int {
	e.t.Helper()
	rows, err := e.pool.Query(bg, `SELECT a.display_name, count(c.id) FROM agents a
		LEFT JOIN conversations c ON c.assignee_id = a.id AND c.status = 'active' GROUP BY a.display_name`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			e.t.Fatal(err)
		}
		out[name] = n
	}
	return out
}

func (e *env) queued() int {
	e.t.Helper()
	var n int
	e.scan(&n, `SELECT count(*) FROM conversations WHERE status = 'waiting' AND assignee_id IS NULL`)
	return n
}

func (e *env) drain() int {
	e.t.Helper()
	n, err := e.router.Drain(bg)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestConcurrentDrainsSpreadEvenlyAmongAvailableAgents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, name := range []string{"Lan", "Minh", "Hoa"} {
		e.agent(name, "online", true, 20)
	}
	e.agent("Away", "away", true, 40)
	e.agent("Invisible", "invisible", true, 40)
	e.agent("Offline", "online", false, 40)
	full := e.agent("Full", "online", true, 1)
	// Full already has their one conversation (claimed by hand).
	mine := e.conversations(1)
	if _, err := e.chat.ClaimConversation(bg, full, mine[0]); err != nil {
		t.Fatal(err)
	}
	// Conversations arrive at once, each followed by a drain of one of
	// several routers, as several instances would run them.
	routers := make([]*routing.Service, 6)
	for i := range routers {
		routers[i] = routing.New(e.pool, e.chat, nil, routing.Options{})
	}
	var wg sync.WaitGroup
	for i := range 66 {
		wg.Go(func() {
			e.conversations(1)
			if _, err := routers[i%len(routers)].Drain(bg); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	got := e.loads()
	want := map[string]int{"Lan": 20, "Minh": 20, "Hoa": 20, "Away": 0, "Invisible": 0, "Offline": 0, "Full": 1}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s has %d active conversations, want %d (all: %v)", name, got[name], n, got)
		}
	}
	// Six more than the three capacities: they wait.
	if q := e.queued(); q != 6 {
		t.Errorf("%d conversations queued, want 6", q)
	}
}

func TestRoundRobinAmongEquallyLoadedAgents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.agent("Lan", "online", true, 5)
	e.agent("Minh", "online", true, 5)
	// One of them gets the first; once loads are equal again it is the
	// other's turn.
	first := e.conversations(1)
	e.drain()
	if e.loads()["Lan"]+e.loads()["Minh"] != 1 {
		t.Fatalf("loads %v after one conversation", e.loads())
	}
	firstTo := "Minh"
	if e.loads()["Lan"] == 1 {
		firstTo = "Lan"
	}
	var assignee uuid.UUID
	e.scan(&assignee, `SELECT assignee_id FROM conversations WHERE id = $1`, first[0])
	resolver := principal.Agent{ID: assignee, Name: firstTo}
	if _, err := e.chat.SetConversationStatus(bg, resolver, first[0], chat.StatusResolved); err != nil {
		t.Fatal(err)
	}
	e.conversations(1)
	e.drain()
	loads := e.loads()
	if loads[firstTo] != 0 || loads["Lan"]+loads["Minh"] != 1 {
		t.Errorf("the second conversation went to %s again (loads %v)", firstTo, loads)
	}
}

func TestQueueWaitsForCapacityAndPresence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan := e.agent("Lan", "online", true, 2)
	minh := e.agent("Minh", "away", true, 5)
	e.conversations(3)

	if n := e.drain(); n != 2 {
		t.Fatalf("assigned %d, want 2 (Lan's capacity)", n)
	}
	if q := e.queued(); q != 1 {
		t.Fatalf("queued %d, want 1", q)
	}

	t.Run("a resolved conversation frees capacity", func(t *testing.T) {
		var mine uuid.UUID
		e.scan(&mine, `SELECT id FROM conversations WHERE assignee_id = $1 LIMIT 1`, lan.ID)
		if _, err := e.chat.SetConversationStatus(bg, lan, mine, chat.StatusResolved); err != nil {
			t.Fatal(err)
		}
		if n := e.drain(); n != 1 || e.queued() != 0 {
			t.Fatalf("assigned %d, queued %d; want 1 and 0", n, e.queued())
		}
	})

	t.Run("an agent coming online takes the queue", func(t *testing.T) {
		e.conversations(2)
		if n := e.drain(); n != 0 {
			t.Fatalf("assigned %d with Lan full and Minh away", n)
		}
		e.exec(`UPDATE agents SET status = 'online' WHERE id = $1`, minh.ID)
		if n := e.drain(); n != 2 {
			t.Fatalf("assigned %d, want 2 to Minh", n)
		}
		if got := e.loads()["Minh"]; got != 2 {
			t.Errorf("Minh has %d", got)
		}
	})

	t.Run("raising a capacity takes the queue", func(t *testing.T) {
		e.exec(`UPDATE agents SET status = 'away' WHERE id = $1`, minh.ID)
		e.conversations(1)
		if n := e.drain(); n != 0 {
			t.Fatalf("assigned %d with Lan full and Minh away", n)
		}
		if _, err := e.router.SetAgentCapacity(bg, lan.ID, 3); err != nil {
			t.Fatal(err)
		}
		if n := e.drain(); n != 1 || e.loads()["Lan"] != 3 {
			t.Fatalf("assigned %d, Lan has %d; want 1 and 3", n, e.loads()["Lan"])
		}
	})
}

func TestManualWidgetsAreNotRouted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.agent("Lan", "online", true, 5)
	if _, err := e.router.SetWidgetRouting(bg, e.widget, routing.WidgetRouting{Mode: routing.ModeManual}); err != nil {
		t.Fatal(err)
	}
	e.conversations(2)
	if n := e.drain(); n != 0 {
		t.Fatalf("assigned %d conversations of a manual widget", n)
	}
	if _, err := e.router.SetWidgetRouting(bg, e.widget, routing.WidgetRouting{Mode: routing.ModeAuto}); err != nil {
		t.Fatal(err)
	}
	if n := e.drain(); n != 2 {
		t.Fatalf("assigned %d after switching to auto, want 2", n)
	}
}

func TestAssignmentIsAnnouncedLikeAnyOther(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.agent("Lan", "online", true, 5)
	ids := e.conversations(1)
	e.drain()
	var kind, actor, target, status string
	e.scan(&status, `SELECT status FROM conversations WHERE id = $1`, ids[0])
	if err := e.pool.QueryRow(bg, `SELECT system_kind, system_actor, system_target FROM messages
		WHERE conversation_id = $1 AND sender_type = 'system'`, ids[0]).Scan(&kind, &actor, &target); err != nil {
		t.Fatal(err)
	}
	if status != "active" || kind != "assigned" || actor != "Lan" || target != "Lan" {
		t.Errorf("status %q, system line %q by %q to %q", status, kind, actor, target)
	}
	var events int
	e.scan(&events, `SELECT count(*) FROM events WHERE conversation_id = $1 AND kind = 'conversation_updated'`, ids[0])
	if events != 1 {
		t.Errorf("%d conversation_updated events, want 1", events)
	}
}

func TestSettingsValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan := e.agent("Lan", "online", true, 5)
	cases := []struct {
		name string
		err  error
		want apperr.Reason
	}{
		{"capacity below zero", second(e.router.SetAgentCapacity(bg, lan.ID, -1)), apperr.CapacityOutOfRange},
		{"capacity over the limit", second(e.router.SetAgentCapacity(bg, lan.ID, routing.MaxCapacity+1)), apperr.CapacityOutOfRange},
		{"unknown agent", second(e.router.SetAgentCapacity(bg, uuid.New(), 3)), apperr.AgentNotFound},
		{"unknown mode", second(e.router.SetWidgetRouting(bg, e.widget, routing.WidgetRouting{Mode: "fastest"})), apperr.InvalidValue},
		{"unknown widget", second(e.router.SetWidgetRouting(bg, uuid.New(), routing.WidgetRouting{Mode: routing.ModeAuto})), apperr.WidgetNotFound},
		{"unknown widget read", second(e.router.WidgetRouting(bg, uuid.New())), apperr.WidgetNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !apperr.Is(c.err, c.want) {
				t.Errorf("got %v, want %s", c.err, c.want)
			}
		})
	}
	if a, err := e.router.SetAgentCapacity(bg, lan.ID, 0); err != nil || a.MaxActive != 0 || a.Available() {
		t.Errorf("capacity 0: %+v, %v", a, err)
	}
}

func second[T any](_ T, err error) error { return err }

// team adds a team of the agents and routes the widget to it.
func (e *env) team(widget uuid.UUID, members ...principal.Agent) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	e.scan(&id, `INSERT INTO teams (name) VALUES ($1) RETURNING id`, fmt.Sprintf("team%d", e.n))
	e.n++
	for _, a := range members {
		e.exec(`INSERT INTO team_members (team_id, agent_id) VALUES ($1, $2)`, id, a.ID)
	}
	r, err := e.router.WidgetRouting(bg, widget)
	if err != nil {
		e.t.Fatal(err)
	}
	r.TeamID = &id
	if _, err := e.router.SetWidgetRouting(bg, widget, r); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func TestTeamRoutingNeverAssignsOutsideTheTeam(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan := e.agent("Lan", "online", true, 5)
	minh := e.agent("Minh", "online", true, 5)
	e.agent("Hoa", "online", true, 50) // available, idle, not in the team
	e.agent("Tuan", "online", true, 50)
	both := e.agent("Both", "away", true, 5) // in the team but away
	e.team(e.widget, lan, minh, both)

	// A second widget without a team, arriving in between, still goes to anyone.
	var other uuid.UUID
	e.scan(&other, `INSERT INTO widgets (site_key, name, identity_secret) VALUES ('site_other', 'Other', 'secret') RETURNING id`)
	if _, err := e.router.SetWidgetRouting(bg, other, routing.WidgetRouting{Mode: routing.ModeAuto}); err != nil {
		t.Fatal(err)
	}

	routers := make([]*routing.Service, 4)
	for i := range routers {
		routers[i] = routing.New(e.pool, e.chat, nil, routing.Options{})
	}
	var wg sync.WaitGroup
	for i := range 14 {
		wg.Go(func() {
			e.conversations(1)
			if _, err := routers[i%len(routers)].Drain(bg); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := e.loads()
	// The team's two available members fill their capacity, evenly; the
	// other four wait for the team even though Hoa and Tuan are idle.
	if got["Lan"] != 5 || got["Minh"] != 5 || got["Hoa"] != 0 || got["Tuan"] != 0 || got["Both"] != 0 {
		t.Errorf("loads %v, want Lan 5, Minh 5 and nobody else", got)
	}
	if q := e.queued(); q != 4 {
		t.Errorf("%d queued, want 4 waiting for the team", q)
	}

	// The other widget's conversation, behind the team's waiting ones in
	// the queue, is not held up by them.
	var cust uuid.UUID
	e.scan(&cust, `INSERT INTO customers (widget_id, name) VALUES ($1, 'Other visitor') RETURNING id`, other)
	if _, _, err := e.chat.SendVisitorMessage(bg, principal.Visitor{CustomerID: cust, WidgetID: other}, "Hi", uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	if n := e.drain(); n != 1 {
		t.Fatalf("drained %d, want the other widget's one", n)
	}
	got = e.loads()
	if got["Hoa"]+got["Tuan"] != 1 || got["Lan"] != 5 || got["Minh"] != 5 {
		t.Errorf("loads %v, want the other widget's conversation with Hoa or Tuan", got)
	}

	// A member coming back takes the team's queue; outsiders still get none of it.
	e.exec(`UPDATE agents SET status = 'online' WHERE id = $1`, both.ID)
	if n := e.drain(); n != 4 {
		t.Errorf("drained %d, want the 4 waiting for the team", n)
	}
	got = e.loads()
	if got["Both"] != 4 || got["Hoa"]+got["Tuan"] != 1 {
		t.Errorf("loads %v, want Both 4 and outsiders unchanged", got)
	}
}

func TestDeletingATeamRoutesItsWidgetToEveryone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.agent("Hoa", "online", true, 5)
	team := e.team(e.widget) // nobody in it
	e.conversations(2)
	if n := e.drain(); n != 0 {
		t.Fatalf("drained %d with an empty team, want 0", n)
	}
	e.exec(`DELETE FROM teams WHERE id = $1`, team)
	if n := e.drain(); n != 2 {
		t.Errorf("drained %d after deleting the team, want 2", n)
	}
	r, err := e.router.WidgetRouting(bg, e.widget)
	if err != nil || r.TeamID != nil {
		t.Errorf("routing %+v, %v: want no team", r, err)
	}
}

func TestRoutingToAnUnknownTeamIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	missing := uuid.New()
	_, err := e.router.SetWidgetRouting(bg, e.widget, routing.WidgetRouting{Mode: routing.ModeAuto, TeamID: &missing})
	if !apperr.Is(err, apperr.TeamNotFound) {
		t.Errorf("err = %v, want TEAM_NOT_FOUND", err)
	}
}
