package webhooks_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/outbound"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/realtime"
	"github.com/opensupport/livechat/server/webhooks"
	"github.com/opensupport/livechat/server/webhooks/webhooksapi"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var bg = context.Background()

// env is one test's database with a widget, an admin, the chat domain
// and webhook services (instances) over it.
type env struct {
	t      *testing.T
	pool   *pgxpool.Pool
	chat   *chat.Service
	admin  principal.Agent
	widget uuid.UUID
	clock  *clock
	sealer webhooks.Sealer
	n      atomic.Int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := dbtest.New(t)
	e := &env{t: t, pool: pool, chat: chat.New(pool, nopHub{}), clock: &clock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}, sealer: newSealer(t)}
	if err := pool.QueryRow(bg,
		`INSERT INTO widgets (site_key, name, identity_secret) VALUES ('site_test', 'Shop', 'secret') RETURNING id`).Scan(&e.widget); err != nil {
		t.Fatal(err)
	}
	var id uuid.UUID
	if err := pool.QueryRow(bg,
		`INSERT INTO agents (username, display_name, role, password_hash) VALUES ('boss', 'Boss', 'admin', 'x') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	e.admin = principal.Agent{ID: id, Name: "Boss", Role: principal.RoleAdmin}
	t.Cleanup(func() {
		if t.Failed() {
			e.dump()
		}
	})
	return e
}

// dump logs the webhooks' delivery state, to explain a failure.
func (e *env) dump() {
	rows, err := e.pool.Query(bg, `SELECT state, attempts, cursor_tx, cursor_id, next_attempt_at, last_error,
		lease_owner, lease_until, now() FROM webhooks`)
	if err != nil {
		e.t.Log(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		v, _ := rows.Values()
		e.t.Logf("webhook: %v (clock %v)", v, e.clock.Now())
	}
}

// service is one server instance's webhook service; fast polling, the
// test's clock for backoff.
func (e *env) service(o webhooks.Options) *webhooks.Service {
	if o.PollInterval == 0 {
		o.PollInterval = 10 * time.Millisecond
	}
	if o.LeaseTTL == 0 {
		o.LeaseTTL = 5 * time.Second
	}
	o.Now = e.clock.Now
	client := outbound.New(outbound.Options{Timeout: 2 * time.Second})
	return webhooks.New(e.pool, e.sealer, client, webhooksapi.NewPayloads(e.chat), o)
}

// run runs svc's delivery until the test ends or stop is called.
func (e *env) run(svc *webhooks.Service) (stop func()) {
	ctx, cancel := context.WithCancel(bg)
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	e.t.Cleanup(stop)
	return stop
}

// customer adds a customer and opens their conversation with a message.
func (e *env) open(text string) (uuid.UUID, chat.Conversation) {
	e.t.Helper()
	var id uuid.UUID
	if err := e.pool.QueryRow(bg, `INSERT INTO customers (widget_id, name, email) VALUES ($1, $2, '') RETURNING id`,
		e.widget, fmt.Sprintf("Customer %d", e.n.Add(1))).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	_, c, err := e.chat.SendVisitorMessage(bg, principal.Visitor{CustomerID: id, WidgetID: e.widget}, text, uuid.NewString())
	if err != nil {
		e.t.Fatal(err)
	}
	return id, c
}

// say sends a customer's message into their conversation.
func (e *env) say(customer uuid.UUID, text string) chat.Message {
	e.t.Helper()
	m, _, err := e.chat.SendVisitorMessage(bg, principal.Visitor{CustomerID: customer, WidgetID: e.widget}, text, uuid.NewString())
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// eventually waits up to 15s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// clock is the fake clock of backoff and failure.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type nopHub struct{}

func (nopHub) Committed()                                       {}
func (nopHub) PublishTyping(context.Context, realtime.Typing)   {}
func (nopHub) PublishViewing(context.Context, realtime.Viewing) {}

// received is one request a receiver got.
type received struct {
	ID, Timestamp, Signature string
	Type                     string
	Body                     []byte
	Data                     struct {
		Conversation *struct {
			ID      string `json:"id"`
			Status  string `json:"status"`
			BotName string `json:"botName"`
			Rating  *struct {
				Score int `json:"score"`
			} `json:"rating"`
		} `json:"conversation"`
		Customer *struct {
			ID    string `json:"id"`
			Name  string `json:"name"`
			Email string `json:"email"`
		} `json:"customer"`
		Message *struct {
			ID             string `json:"id"`
			ConversationID string `json:"conversationId"`
			Seq            string `json:"seq"`
			Text           string `json:"text"`
		} `json:"message"`
	}
	Status int
}

// receiver is a webhook endpoint the test controls: it answers status
// (200 unless set) and records every request.
type receiver struct {
	*httptest.Server
	status atomic.Int32
	mu     sync.Mutex
	got    []received
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.status.Store(200)
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		rec := received{ID: req.Header.Get("webhook-id"), Timestamp: req.Header.Get("webhook-timestamp"),
			Signature: req.Header.Get("webhook-signature"), Body: body, Status: int(r.status.Load())}
		var p struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("receiver: %v", err)
		}
		rec.Type = p.Type
		_ = json.Unmarshal(p.Data, &rec.Data)
		r.mu.Lock()
		r.got = append(r.got, rec)
		r.mu.Unlock()
		w.WriteHeader(rec.Status)
		_, _ = w.Write([]byte(fmt.Sprintf("answered %d", rec.Status)))
	}))
	t.Cleanup(r.Close)
	return r
}

// accepted are the requests answered 2xx, in arrival order.
func (r *receiver) accepted() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []received
	for _, g := range r.got {
		if g.Status < 300 {
			out = append(out, g)
		}
	}
	return out
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// create registers a webhook to the receiver for types (allowing the
// loopback address the test receiver listens on).
func (e *env) create(svc *webhooks.Service, url string, types ...webhooks.EventType) (webhooks.Webhook, string) {
	e.t.Helper()
	w, secret, err := svc.CreateWebhook(bg, e.admin, webhooks.Input{URL: url, EventTypes: types, Enabled: true, AllowPrivateNetwork: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return w, secret
}

// secretKey is the HMAC key of a whsec_ secret.
func secretKey(t *testing.T, secret string) []byte {
	t.Helper()
	k, err := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	if err != nil {
		t.Fatal(err)
	}
	return k
}
