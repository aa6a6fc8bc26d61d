package mail

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/mailpit"
	"github.com/opensupport/livechat/server/principal"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// newClock starts at the present, at PostgreSQL's precision.
func newClock() *clock { return &clock{now: time.Now().Truncate(time.Microsecond)} }

// Now is the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// smtpOf is the configuration that sends to Mailpit.
func smtpOf(mp *mailpit.Server) SMTP {
	return SMTP{Host: mp.Host, Port: mp.SMTPPort, Security: None, From: "support@example.com", FromName: "Support", ReplyDomain: "reply.example.com"}
}

// newService is an instance of the domain on pool sending to mp, on clk.
func newService(pool *db.Pool, mp *mailpit.Server, clk *clock) *Service {
	return New(pool, Options{Config: Config{SMTP: smtpOf(mp), PublicURL: "http://chat.example.com", SendTimeout: 5 * time.Second, Now: clk.Now}})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// queue queues n test mails to distinct addresses.
func queue(t *testing.T, s *Service, n int) {
	t.Helper()
	err := db.Tx(ctxT(t), s.pool, func(q *dbq.Queries) error {
		for i := range n {
			m := render(langEN, tmplTest, data{})
			m.To = fmt.Sprintf("customer%d@example.com", i)
			if err := s.enqueue(ctxT(t), q, KindTest, nil, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func outbox(t *testing.T, s *Service) []OutboxEntry {
	t.Helper()
	p, err := s.ListOutbox(ctxT(t), OutboxFilter{PageSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	return p.Entries
}

// Two instances work the same outbox at the same time: every mail arrives
// exactly once.
func TestTwoInstancesSendEachMailOnce(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	mp := mailpit.Start(t)
	clk := newClock()
	a, b := newService(pool, mp, clk), newService(pool, mp, clk)
	const n = 30
	queue(t, a, n)
	var wg sync.WaitGroup
	for _, s := range []*Service{a, b, a, b} {
		wg.Go(func() {
			if err := s.Work(ctxT(t)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := mp.Wait(n, 10*time.Second)
	// Give a duplicate the time to arrive.
	time.Sleep(300 * time.Millisecond)
	got = mp.Messages()
	seen := map[string]int{}
	for _, m := range got {
		seen[m.To[0].Address]++
	}
	if len(got) != n || len(seen) != n {
		t.Fatalf("Mailpit got %d mails to %d addresses, want %d once each: %v", len(got), len(seen), n, seen)
	}
	for _, e := range outbox(t, a) {
		if e.Status != StatusSent || e.Attempts != 1 || e.SentAt == nil {
			t.Errorf("outbox entry %+v, want sent at the first attempt", e)
		}
	}
}

// With the SMTP server down, a mail waits with the reason and a backoff,
// and goes out once the server is back.
func TestSMTPDownThenBack(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	mp := mailpit.Start(t)
	clk := newClock()
	s := newService(pool, mp, clk)
	mp.Stop()
	queue(t, s, 1)
	for attempt := 1; attempt <= 3; attempt++ {
		if err := s.Work(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		e := outbox(t, s)[0]
		if e.Status != StatusQueued || e.Attempts != attempt || e.LastError == "" {
			t.Fatalf("after attempt %d with SMTP down: %+v, want queued with the reason", attempt, e)
		}
		wait := e.NextAttemptAt.Sub(clk.Now())
		if want := s.backoff(attempt); wait != want {
			t.Errorf("attempt %d: next attempt in %v, want %v", attempt, wait, want)
		}
		// Not due yet: nothing is tried.
		if err := s.Work(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		if got := outbox(t, s)[0].Attempts; got != attempt {
			t.Fatalf("tried again before the backoff: %d attempts", got)
		}
		clk.Add(wait)
	}
	mp.Start()
	if err := s.Work(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := mp.Wait(1, 10*time.Second); len(got) != 1 {
		t.Fatalf("Mailpit got %d mails after it came back, want 1", len(got))
	}
	if e := outbox(t, s)[0]; e.Status != StatusSent || e.Attempts != 4 || e.LastError != "" {
		t.Errorf("outbox entry %+v, want sent at the fourth attempt", e)
	}
}

// A mail that cannot be sent within GiveUpAfter is given up with the
// reason, and never tried again.
func TestGiveUpAfterBoundedTime(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	mp := mailpit.Start(t)
	clk := newClock()
	s := newService(pool, mp, clk)
	s.cfg.GiveUpAfter = time.Hour
	mp.Stop()
	queue(t, s, 1)
	for range 20 {
		if err := s.Work(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		if outbox(t, s)[0].Status != StatusQueued {
			break
		}
		clk.Add(s.cfg.RetryMax)
	}
	e := outbox(t, s)[0]
	if e.Status != StatusFailed || !strings.Contains(e.LastError, "gave up after 1h0m0s") {
		t.Fatalf("outbox entry %+v, want failed with the reason", e)
	}
	if clk.Now().Sub(e.CreatedAt) > time.Hour+s.cfg.RetryMax {
		t.Errorf("given up %v after queueing, want about 1h", clk.Now().Sub(e.CreatedAt))
	}
	mp.Start()
	clk.Add(24 * time.Hour)
	if err := s.Work(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := mp.Messages(); len(got) != 0 {
		t.Errorf("a given-up mail was sent: %v", got)
	}
}

// A test mail is multipart text + HTML from the configured sender.
func TestSendTestMail(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	mp := mailpit.Start(t)
	s := newService(pool, mp, newClock())
	if err := s.SendTestMail(ctxT(t), adminOf("Root"), "admin@example.com"); err != nil {
		t.Fatal(err)
	}
	got := mp.Wait(1, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("Mailpit got %d mails, want 1", len(got))
	}
	m := mp.Message(got[0].ID)
	if m.From.Address != "support@example.com" || m.From.Name != "Support" || m.To[0].Address != "admin@example.com" {
		t.Errorf("from %v to %v", m.From, m.To)
	}
	if !strings.Contains(m.Text, "outgoing mail works") || !strings.Contains(m.HTML, "<p>This is a test mail") {
		t.Errorf("text %q, html %q: want both parts", m.Text, m.HTML)
	}
	mp.Stop()
	if err := s.SendTestMail(ctxT(t), adminOf("Root"), "admin@example.com"); err == nil || !strings.Contains(err.Error(), "could not be sent") {
		t.Errorf("with SMTP down: %v, want MailSendFailed", err)
	}
	if err := s.SendTestMail(ctxT(t), adminOf("Root"), "not an address"); err == nil {
		t.Error("a bad address was accepted")
	}
}

func adminOf(name string) principal.Agent {
	return principal.Agent{ID: uuid.New(), Name: name, Role: principal.RoleAdmin}
}
