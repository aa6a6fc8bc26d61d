package webhooks_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/webhooks"
)

// checkOrder fails unless every conversation's messages arrived in seq
// order and every accepted id arrived once.
func checkOrder(t *testing.T, got []received) {
	t.Helper()
	seen := map[string]bool{}
	last := map[string]int{}
	for _, g := range got {
		if seen[g.ID] {
			t.Errorf("%s accepted twice", g.ID)
		}
		seen[g.ID] = true
		if m := g.Data.Message; m != nil {
			seq, _ := strconv.Atoi(m.Seq)
			if seq <= last[m.ConversationID] {
				t.Errorf("conversation %s: seq %d after %d", m.ConversationID, seq, last[m.ConversationID])
			}
			last[m.ConversationID] = seq
		}
	}
}

func TestReceiverDownForTenMinutesGetsEverythingInOrder(t *testing.T) {
	e := newEnv(t)
	svc := e.service(webhooks.Options{BaseBackoff: 30 * time.Second, MaxBackoff: 2 * time.Minute, RetryFor: time.Hour})
	rcv := newReceiver(t)
	_, secret := e.create(svc, rcv.URL, webhooks.MessageCreated, webhooks.ConversationCreated)
	rcv.status.Store(503)
	e.run(svc)

	// Three conversations, interleaved.
	var customers []uuid.UUID
	want := 0
	for i := range 3 {
		c, _ := e.open("hello " + strconv.Itoa(i))
		customers = append(customers, c)
		want += 2 // conversation.created + message.created
	}
	for round := range 4 {
		for _, c := range customers {
			e.say(c, "round "+strconv.Itoa(round))
			want++
		}
	}
	// Down for ten minutes: attempts keep failing, backing off.
	eventually(t, "a first failed attempt", func() bool { return rcv.count() >= 1 })
	for range 10 {
		e.clock.Advance(time.Minute)
		time.Sleep(30 * time.Millisecond)
	}
	failed := rcv.count()
	if failed < 4 || failed > 40 {
		t.Fatalf("%d attempts in ten minutes of backoff from 30s to 2m; want a handful", failed)
	}
	if a := rcv.accepted(); len(a) != 0 {
		t.Fatalf("accepted %d while down", len(a))
	}
	var state string
	if err := e.pool.QueryRow(bg, `SELECT state FROM webhooks`).Scan(&state); err != nil || state != "retrying" {
		t.Fatalf("state %q (%v), want retrying", state, err)
	}

	rcv.status.Store(200)
	e.clock.Advance(3 * time.Minute) // past the longest backoff
	eventually(t, "every event", func() bool { return len(rcv.accepted()) >= want })
	time.Sleep(100 * time.Millisecond) // nothing more may come
	got := rcv.accepted()
	if len(got) != want {
		t.Fatalf("accepted %d, want %d", len(got), want)
	}
	checkOrder(t, got)
	// Each conversation's created event precedes its messages.
	for _, g := range got {
		if g.Type != "message.created" && g.Type != "conversation.created" {
			t.Errorf("type %q", g.Type)
		}
	}
	// The signature is HMAC-SHA256 of id.timestamp.body with the secret.
	g := got[0]
	mac := hmac.New(sha256.New, secretKey(t, secret))
	mac.Write([]byte(g.ID + "." + g.Timestamp + "." + string(g.Body)))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); g.Signature != want {
		t.Fatalf("signature %q, want %q", g.Signature, want)
	}
	if err := e.pool.QueryRow(bg, `SELECT state FROM webhooks`).Scan(&state); err != nil || state != "healthy" {
		t.Fatalf("state %q (%v), want healthy again", state, err)
	}
}

func TestRetriesGiveUpThenResumeWhenEnabled(t *testing.T) {
	e := newEnv(t)
	svc := e.service(webhooks.Options{BaseBackoff: time.Minute, MaxBackoff: time.Minute, RetryFor: 5 * time.Minute})
	rcv := newReceiver(t)
	w, _ := e.create(svc, rcv.URL, webhooks.MessageCreated)
	rcv.status.Store(500)
	e.run(svc)
	c, _ := e.open("first")
	eventually(t, "a failed attempt", func() bool { return rcv.count() >= 1 })
	for range 7 {
		e.clock.Advance(time.Minute)
		time.Sleep(30 * time.Millisecond)
	}
	var ws []webhooks.Webhook
	eventually(t, "the webhook failing", func() bool {
		ws, _ = svc.ListWebhooks(bg, e.admin)
		return ws[0].State == webhooks.Failing
	})
	if !strings.Contains(ws[0].LastError, "answered 500") || !strings.Contains(ws[0].LastError, "gave up") {
		t.Fatalf("last error %q", ws[0].LastError)
	}
	// Nothing more is attempted while failing.
	n := rcv.count()
	e.say(c, "second")
	e.clock.Advance(time.Hour)
	time.Sleep(100 * time.Millisecond)
	if rcv.count() != n {
		t.Fatalf("a failing webhook was attempted")
	}
	page, err := svc.ListDeliveries(bg, e.admin, w.ID, 0, "")
	if err != nil || len(page.Deliveries) != n || page.Deliveries[0].ResponseStatus != 500 || page.Deliveries[0].Succeeded ||
		page.Deliveries[0].ResponseExcerpt != "answered 500" {
		t.Fatalf("log %+v, %v", page.Deliveries, err)
	}

	// Enabled again (an update), it resumes where it stopped.
	rcv.status.Store(200)
	if _, err := svc.UpdateWebhook(bg, e.admin, w.ID, webhooks.Input{URL: w.URL, EventTypes: w.EventTypes, Enabled: true, AllowPrivateNetwork: true}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both messages", func() bool { return len(rcv.accepted()) == 2 })
	got := rcv.accepted()
	if got[0].Data.Message.Text != "first" || got[1].Data.Message.Text != "second" {
		t.Fatalf("got %q, %q", got[0].Data.Message.Text, got[1].Data.Message.Text)
	}
}

func TestTwoInstancesNeverDeliverTheSameEvent(t *testing.T) {
	e := newEnv(t)
	a := e.service(webhooks.Options{LeaseTTL: time.Second})
	b := e.service(webhooks.Options{LeaseTTL: time.Second})
	rcv := newReceiver(t)
	e.create(a, rcv.URL, webhooks.MessageCreated)
	stopA := e.run(a)
	e.run(b)

	c, _ := e.open("m0")
	var wg sync.WaitGroup
	for i := 1; i < 40; i++ {
		e.say(c, "m"+strconv.Itoa(i))
		if i == 20 {
			// One instance stops (shutting down): the other carries on.
			wg.Add(1)
			go func() { defer wg.Done(); stopA() }()
		}
	}
	wg.Wait()
	eventually(t, "40 messages", func() bool { return len(rcv.accepted()) >= 40 })
	time.Sleep(200 * time.Millisecond)
	got := rcv.accepted()
	if len(got) != 40 || rcv.count() != 40 {
		t.Fatalf("received %d requests (%d accepted), want each of 40 once", rcv.count(), len(got))
	}
	checkOrder(t, got)
}

func TestAnInstanceThatDiesIsTakenOver(t *testing.T) {
	e := newEnv(t)
	rcv := newReceiver(t)
	a := e.service(webhooks.Options{LeaseTTL: 300 * time.Millisecond})
	w, _ := e.create(a, rcv.URL, webhooks.MessageCreated)
	// A dead instance holds the lease: it never releases it.
	dead := uuid.New()
	if _, err := e.pool.Exec(bg, `UPDATE webhooks SET lease_owner = $1, lease_until = now() + interval '300 milliseconds' WHERE id = $2`, dead, w.ID); err != nil {
		t.Fatal(err)
	}
	e.run(a)
	e.open("hello")
	eventually(t, "the delivery after the lease ran out", func() bool { return len(rcv.accepted()) == 1 })
}

func TestConversationTypes(t *testing.T) {
	e := newEnv(t)
	svc := e.service(webhooks.Options{})
	rcv := newReceiver(t)
	e.create(svc, rcv.URL, webhooks.ConversationAssigned, webhooks.ConversationResolved, webhooks.ConversationUpdated)
	e.run(svc)
	_, c := e.open("help")
	if _, err := e.chat.ClaimConversation(bg, e.admin, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.chat.SetConversationStatus(bg, e.admin, c.ID, chat.StatusResolved); err != nil {
		t.Fatal(err)
	}
	if _, err := e.chat.SetConversationStatus(bg, e.admin, c.ID, chat.StatusClosed); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"conversation.updated", "conversation.assigned", // claimed
		"conversation.updated", "conversation.resolved", // resolved
		"conversation.updated", // closed after resolved: no second resolution
	}
	eventually(t, "the conversation's events", func() bool { return len(rcv.accepted()) >= len(want) })
	time.Sleep(100 * time.Millisecond)
	got := rcv.accepted()
	var types []string
	for _, g := range got {
		types = append(types, g.Type)
		if g.Data.Conversation == nil || g.Data.Conversation.ID != c.ID.String() {
			t.Errorf("%s without the conversation", g.Type)
		}
	}
	if strings.Join(types, " ") != strings.Join(want, " ") {
		t.Fatalf("types %v, want %v", types, want)
	}
	if got[3].Data.Conversation.Status != "CONVERSATION_STATUS_RESOLVED" {
		t.Fatalf("resolved event shows %s", got[3].Data.Conversation.Status)
	}
	if got[0].ID == got[1].ID || !strings.HasPrefix(got[1].ID, "evt_") {
		t.Fatalf("ids %q %q: one per type of an event", got[0].ID, got[1].ID)
	}
}

func TestReplayAndResend(t *testing.T) {
	e := newEnv(t)
	svc := e.service(webhooks.Options{})
	rcv := newReceiver(t)
	w, _ := e.create(svc, rcv.URL, webhooks.MessageCreated)
	e.run(svc)
	start := time.Now().Add(-time.Second)
	cust, _ := e.open("one")
	e.say(cust, "two")
	eventually(t, "two deliveries logged", func() bool {
		page, err := svc.ListDeliveries(bg, e.admin, w.ID, 0, "")
		return err == nil && len(page.Deliveries) == 2
	})

	page, err := svc.ListDeliveries(bg, e.admin, w.ID, 1, "")
	if err != nil || len(page.Deliveries) != 1 || page.NextPageToken == "" {
		t.Fatalf("%+v %v", page, err)
	}
	first := page.Deliveries[0]
	d, err := svc.Resend(bg, e.admin, first.ID)
	if err != nil || !d.Succeeded || !d.Manual || d.MessageID != first.MessageID {
		t.Fatalf("resend %+v %v", d, err)
	}
	if got := rcv.accepted(); len(got) != 3 || got[2].ID != first.MessageID {
		t.Fatalf("resend did not send the same id again")
	}

	if _, err := svc.Replay(bg, e.admin, w.ID, start); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the replay", func() bool { return len(rcv.accepted()) == 5 })
	got := rcv.accepted()
	if got[3].ID != got[0].ID || got[4].ID != got[1].ID {
		t.Fatalf("replay ids %s %s, want %s %s", got[3].ID, got[4].ID, got[0].ID, got[1].ID)
	}

	// Replay from the newest delivery: its event alone comes again.
	page, err = svc.ListDeliveries(bg, e.admin, w.ID, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ReplayFromDelivery(bg, e.admin, w.ID, page.Deliveries[0].ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the replay from a delivery", func() bool { return len(rcv.accepted()) == 6 })
	if got := rcv.accepted(); got[5].ID != got[1].ID {
		t.Fatalf("replayed %s, want %s", got[5].ID, got[1].ID)
	}
	if _, err := svc.ReplayFromDelivery(bg, e.admin, uuid.New(), page.Deliveries[0].ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another webhook's delivery: %v", err)
	}
}

// A webhook disabled while retrying and enabled later starts its retries
// afresh: the time it spent disabled does not count against them.
func TestEnablingStartsRetriesAfresh(t *testing.T) {
	e := newEnv(t)
	svc := e.service(webhooks.Options{BaseBackoff: time.Minute, MaxBackoff: time.Minute, RetryFor: 5 * time.Minute})
	rcv := newReceiver(t)
	w, _ := e.create(svc, rcv.URL, webhooks.MessageCreated)
	rcv.status.Store(500)
	e.run(svc)
	e.open("hello")
	eventually(t, "a failed attempt", func() bool { return rcv.count() >= 1 })
	in := webhooks.Input{URL: w.URL, EventTypes: w.EventTypes, AllowPrivateNetwork: true}
	if _, err := svc.UpdateWebhook(bg, e.admin, w.ID, in); err != nil { // disabled
		t.Fatal(err)
	}
	// The delivering worker notices and lets the webhook go.
	eventually(t, "the lease released", func() bool {
		var free bool
		_ = e.pool.QueryRow(bg, `SELECT lease_owner IS NULL FROM webhooks`).Scan(&free)
		return free
	})
	e.clock.Advance(time.Hour)
	n := rcv.count()
	in.Enabled = true
	got, err := svc.UpdateWebhook(bg, e.admin, w.ID, in)
	if err != nil || got.State != webhooks.Healthy || got.FailingSince != nil || got.NextAttemptAt != nil || got.LastError != "" {
		t.Fatalf("enabled: %+v %v", got, err)
	}
	eventually(t, "the next attempt", func() bool { return rcv.count() > n })
	time.Sleep(50 * time.Millisecond)
	ws, _ := svc.ListWebhooks(bg, e.admin)
	if ws[0].State != webhooks.Retrying {
		t.Fatalf("state %s after one failure since enabling (%s)", ws[0].State, ws[0].LastError)
	}
}

// TestMessageEditedAndDeleted: a sender's edit and deletion reach the
// receiver as message.edited and message.deleted, each once.
func TestMessageEditedAndDeleted(t *testing.T) {
	e := newEnv(t)
	svc := e.service(webhooks.Options{})
	rcv := newReceiver(t)
	e.create(svc, rcv.URL, webhooks.MessageEdited, webhooks.MessageDeleted)
	e.run(svc)
	cust, _ := e.open("hello")
	v := principal.Visitor{CustomerID: cust, WidgetID: e.widget}
	m := e.say(cust, "my order is 1234")
	if _, err := e.chat.EditVisitorMessage(bg, v, m.ID, "my order is 1243"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.chat.DeleteVisitorMessage(bg, v, m.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the edit and the deletion", func() bool { return len(rcv.accepted()) >= 2 })
	time.Sleep(100 * time.Millisecond)
	got := rcv.accepted()
	if len(got) != 2 || got[0].Type != "message.edited" || got[1].Type != "message.deleted" {
		var types []string
		for _, g := range got {
			types = append(types, g.Type)
		}
		t.Fatalf("types %v, want [message.edited message.deleted]", types)
	}
	for _, g := range got {
		if g.Data.Message == nil || g.Data.Message.ID != m.ID.String() {
			t.Fatalf("%s without the message", g.Type)
		}
	}
}
