package chat_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/realtime"
	"github.com/opensupport/livechat/server/widgets"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// The widget service drives the customer side through these functions.
var _ widgets.Chat = (*chat.Service)(nil)

// bg is the context of calls that need no deadline.
var bg = context.Background()

// env is one test's database with a widget and a Service over it.
type env struct {
	t      *testing.T
	pool   *pgxpool.Pool
	svc    *chat.Service
	hub    *fakeHub
	widget uuid.UUID
	n      atomic.Int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := dbtest.New(t)
	e := &env{t: t, pool: pool, hub: &fakeHub{}}
	e.svc = chat.New(pool, e.hub)
	err := pool.QueryRow(context.Background(),
		`INSERT INTO widgets (site_key, name, identity_secret) VALUES ('site_test', 'Shop', 'secret') RETURNING id`).Scan(&e.widget)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// agent adds an agent and returns them as the caller of domain methods.
func (e *env) agent(name string, role principal.Role) (principal.Agent, uuid.UUID) {
	e.t.Helper()
	var id uuid.UUID
	r := "agent"
	if role == principal.RoleAdmin {
		r = "admin"
	}
	err := e.pool.QueryRow(context.Background(),
		`INSERT INTO agents (username, display_name, role, password_hash) VALUES ($1, $2, $3, 'x') RETURNING id`,
		fmt.Sprintf("agent%d", e.n.Add(1)), name, r).Scan(&id)
	if err != nil {
		e.t.Fatal(err)
	}
	return principal.Agent{ID: id, Name: name, Role: role}, id
}

// visitor is the customer as the caller of the domain's visitor methods,
// coming through the test widget.
func (e *env) visitor(customerID uuid.UUID) principal.Visitor {
	return principal.Visitor{CustomerID: customerID, WidgetID: e.widget}
}

// customer adds a customer of the test widget.
func (e *env) customer(name, email string) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	err := e.pool.QueryRow(context.Background(),
		`INSERT INTO customers (widget_id, name, email) VALUES ($1, $2, $3) RETURNING id`, e.widget, name, email).Scan(&id)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// open starts a conversation with a customer's first message.
func (e *env) open(customerID uuid.UUID, text string) chat.Conversation {
	e.t.Helper()
	_, c, err := e.svc.SendVisitorMessage(context.Background(), e.visitor(customerID), text, uuid.NewString())
	if err != nil {
		e.t.Fatalf("SendVisitorMessage: %v", err)
	}
	return c
}

// wantCode fails unless err carries code.
func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want code %d", code)
	}
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("got code %d (%v), want %d", got, err, code)
	}
}

// countRows counts rows of a table matching a condition.
func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// fakeHub records what the domain tells the realtime hub.
type fakeHub struct {
	mu        sync.Mutex
	committed int
	typing    []realtime.Typing
}

func (h *fakeHub) Committed() {
	h.mu.Lock()
	h.committed++
	h.mu.Unlock()
}

func (h *fakeHub) PublishViewing(context.Context, realtime.Viewing) {}

func (h *fakeHub) PublishTyping(_ context.Context, t realtime.Typing) {
	h.mu.Lock()
	h.typing = append(h.typing, t)
	h.mu.Unlock()
}

func (h *fakeHub) commits() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.committed
}

// send adds an agent's reply (internal false) or note.
func (e *env) send(a principal.Agent, cid uuid.UUID, text string, internal bool, key string) (chat.Message, error) {
	return e.svc.SendMessage(bg, a, cid, chat.NewMessage{Text: text, Internal: internal, ClientMessageID: key})
}
