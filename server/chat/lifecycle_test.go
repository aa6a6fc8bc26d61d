package chat_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/principal"
)

// spec is the lifecycle table of conversation.proto, copied by hand so the
// code's table is checked against the documentation, not against itself.
var spec = map[chat.Status]map[chat.Action]chat.Status{
	chat.StatusWaiting:  {chat.ActionClaim: chat.StatusActive, chat.ActionAssign: chat.StatusActive},
	chat.StatusActive:   {chat.ActionAssign: chat.StatusActive, chat.ActionResolve: chat.StatusResolved, chat.ActionClose: chat.StatusClosed},
	chat.StatusResolved: {chat.ActionClose: chat.StatusClosed, chat.ActionReopen: chat.StatusActive, chat.ActionCustomerWrites: chat.StatusWaiting},
	chat.StatusClosed:   {chat.ActionReopen: chat.StatusActive, chat.ActionCustomerWrites: chat.StatusWaiting},
}

var actionNames = map[chat.Action]string{
	chat.ActionClaim: "claim", chat.ActionAssign: "assign", chat.ActionResolve: "resolve",
	chat.ActionClose: "close", chat.ActionReopen: "reopen", chat.ActionCustomerWrites: "customer writes",
}

var systemKinds = map[chat.Action]chat.SystemKind{
	chat.ActionClaim:          chat.SystemClaimed,
	chat.ActionAssign:         chat.SystemAssigned,
	chat.ActionResolve:        chat.SystemResolved,
	chat.ActionClose:          chat.SystemClosed,
	chat.ActionReopen:         chat.SystemReopened,
	chat.ActionCustomerWrites: chat.SystemReopened,
}

func TestTransitionTableMatchesSpec(t *testing.T) {
	t.Parallel()
	for _, from := range chat.Statuses {
		for _, a := range chat.Actions {
			want, wantOK := spec[from][a]
			got, ok := chat.Next(from, a)
			if ok != wantOK || got != want {
				t.Errorf("%s × %s: got (%q, %v), want (%q, %v)", from, actionNames[a], got, ok, want, wantOK)
			}
		}
	}
}

// TestTransitions drives every status × action through the service against
// the database: allowed moves land in the table's status and add their
// system line; refused ones are FailedPrecondition and change nothing.
func TestTransitions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, _ := e.agent("Lan", principal.RoleAgent)
	admin, _ := e.agent("Mai", principal.RoleAdmin)
	_, target := e.agent("Binh", principal.RoleAgent)

	// reach puts a new conversation into status.
	reach := func(t *testing.T, status chat.Status) uuid.UUID {
		t.Helper()
		c := e.open(e.customer("Ann", ""), "hello")
		cid := c.ID
		steps := map[chat.Status][]chat.Status{
			chat.StatusResolved: {chat.StatusResolved},
			chat.StatusClosed:   {chat.StatusClosed},
		}
		if status != chat.StatusWaiting {
			if _, err := e.svc.ClaimConversation(bg, lan, cid); err != nil {
				t.Fatal(err)
			}
		}
		for _, st := range steps[status] {
			if _, err := e.svc.SetConversationStatus(bg, lan, cid, st); err != nil {
				t.Fatal(err)
			}
		}
		return cid
	}
	do := func(a chat.Action, cid uuid.UUID) (chat.Conversation, error) {
		switch a {
		case chat.ActionClaim:
			return e.svc.ClaimConversation(bg, admin, cid)
		case chat.ActionAssign:
			return e.svc.AssignConversation(bg, admin, cid, target)
		case chat.ActionResolve:
			return e.svc.SetConversationStatus(bg, admin, cid, chat.StatusResolved)
		case chat.ActionClose:
			return e.svc.SetConversationStatus(bg, admin, cid, chat.StatusClosed)
		case chat.ActionReopen:
			return e.svc.SetConversationStatus(bg, admin, cid, chat.StatusActive)
		default:
			_, c, err := e.svc.SendVisitorMessage(context.Background(), e.visitor(customerOf(t, e, cid)), "me again", uuid.NewString())
			return c, err
		}
	}
	for _, from := range chat.Statuses {
		for _, a := range chat.Actions {
			t.Run(fmt.Sprintf("%s × %s", from, actionNames[a]), func(t *testing.T) {
				cid := reach(t, from)
				before := lastSeq(t, e, cid)
				c, err := do(a, cid)
				to, allowed := spec[from][a]
				if a == chat.ActionCustomerWrites && !allowed {
					// Writing into an open conversation is not a move.
					if err != nil {
						t.Fatal(err)
					}
					if got := statusOf(t, e, cid); got != from {
						t.Fatalf("status %s, want unchanged %s", got, from)
					}
					return
				}
				if !allowed {
					wantCode(t, err, apperr.CodeFailedPrecondition)
					if !strings.Contains(err.Error(), string(from)) {
						t.Errorf("refusal %q does not name the status %s", err, from)
					}
					if got := statusOf(t, e, cid); got != from {
						t.Fatalf("status %s after a refused move, want %s", got, from)
					}
					if lastSeq(t, e, cid) != before {
						t.Fatal("a refused move wrote to the timeline")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got := statusOf(t, e, cid); got != to {
					t.Fatalf("status %s, want %s", got, to)
				}
				if c.Status != to {
					t.Errorf("returned status %s, want %s", c.Status, to)
				}
				page, err := e.svc.ListMessages(bg, admin, cid, chat.MessageQuery{})
				if err != nil {
					t.Fatal(err)
				}
				ms := page.Messages
				var sys *chat.Message
				for _, m := range ms {
					if m.Seq > before && m.SenderType == chat.SenderSystem {
						sys = &m
					}
				}
				if sys == nil || sys.System == nil || sys.System.Kind != systemKinds[a] {
					t.Fatalf("no %s system line after the move: %v", systemKinds[a], ms)
				}
				switch a {
				case chat.ActionAssign:
					if sys.Text != "Mai assigned the conversation to Binh" || sys.System.TargetName != "Binh" || c.AssigneeName != "Binh" {
						t.Errorf("assign: line %q target %q assignee %q", sys.Text, sys.System.TargetName, c.AssigneeName)
					}
				case chat.ActionCustomerWrites:
					if c.AssigneeID != nil || sys.System.ActorName != "Ann" {
						t.Errorf("customer reopen: assignee %v actor %q; want none and Ann", c.AssigneeID, sys.System.ActorName)
					}
				case chat.ActionReopen:
					if c.AssigneeName != "Lan" {
						t.Errorf("agent reopen: assignee %q, want Lan kept", c.AssigneeName)
					}
				case chat.ActionClaim:
					if sys.Text != "Mai claimed the conversation" || c.AssigneeName != "Mai" {
						t.Errorf("claim: line %q assignee %q", sys.Text, c.AssigneeName)
					}
				}
			})
		}
	}
}

func TestClaimRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cid := e.open(e.customer("Ann", ""), "help").ID
	const n = 10
	ctxs := make([]principal.Agent, n)
	for i := range ctxs {
		ctxs[i], _ = e.agent(fmt.Sprintf("Agent %d", i), principal.RoleAgent)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = e.svc.ClaimConversation(bg, ctxs[i], cid)
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("agents %d and %d both won the claim", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("nobody won the claim: %v", errs)
	}
	name := fmt.Sprintf("Agent %d", winner)
	for i, err := range errs {
		if i == winner {
			continue
		}
		wantCode(t, err, apperr.CodeFailedPrecondition)
		if !strings.Contains(err.Error(), name) {
			t.Errorf("loser %d: %q does not name the winner %s", i, err, name)
		}
	}
	if got := e.count(`SELECT count(*) FROM messages WHERE conversation_id = $1 AND system_kind = 'claimed'`, cid); got != 1 {
		t.Errorf("%d claim lines, want 1", got)
	}
}

func TestAssignPermissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan, lanID := e.agent("Lan", principal.RoleAgent)
	other, otherID := e.agent("Khoa", principal.RoleAgent)
	admin, _ := e.agent("Mai", principal.RoleAdmin)
	_, disabledID := e.agent("Gone", principal.RoleAgent)
	if _, err := e.pool.Exec(context.Background(), `UPDATE agents SET disabled = true WHERE id = $1`, disabledID); err != nil {
		t.Fatal(err)
	}
	cid := e.open(e.customer("Ann", ""), "hi").ID

	t.Run("anyone may assign a waiting conversation", func(t *testing.T) {
		c, err := e.svc.AssignConversation(bg, other, cid, lanID)
		if err != nil || !c.AssignedTo(lanID) {
			t.Fatalf("got %v, %v", c, err)
		}
	})
	t.Run("only the assignee or an admin may transfer", func(t *testing.T) {
		_, err := e.svc.AssignConversation(bg, other, cid, otherID)
		wantCode(t, err, apperr.CodePermissionDenied)
		if !strings.Contains(err.Error(), "Lan") {
			t.Errorf("%q does not name the assignee", err)
		}
	})
	t.Run("the assignee transfers", func(t *testing.T) {
		if _, err := e.svc.AssignConversation(bg, lan, cid, otherID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an admin transfers", func(t *testing.T) {
		if _, err := e.svc.AssignConversation(bg, admin, cid, lanID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("assigning to the current assignee changes nothing", func(t *testing.T) {
		before := lastSeq(t, e, cid)
		if _, err := e.svc.AssignConversation(bg, admin, cid, lanID); err != nil {
			t.Fatal(err)
		}
		if lastSeq(t, e, cid) != before {
			t.Error("a no-op assignment wrote a system line")
		}
	})
	t.Run("a disabled agent", func(t *testing.T) {
		_, err := e.svc.AssignConversation(bg, admin, cid, disabledID)
		wantCode(t, err, apperr.CodeFailedPrecondition)
	})
	t.Run("an unknown agent", func(t *testing.T) {
		_, err := e.svc.AssignConversation(bg, admin, cid, uuid.New())
		wantCode(t, err, apperr.CodeNotFound)
	})
	t.Run("an unknown conversation", func(t *testing.T) {
		_, err := e.svc.AssignConversation(bg, admin, uuid.New(), lanID)
		wantCode(t, err, apperr.CodeNotFound)
	})
}

func statusOf(t *testing.T, e *env, cid uuid.UUID) chat.Status {
	t.Helper()
	var s string
	if err := e.pool.QueryRow(context.Background(), `SELECT status FROM conversations WHERE id = $1`, cid).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return chat.Status(s)
}

func lastSeq(t *testing.T, e *env, cid uuid.UUID) int64 {
	t.Helper()
	var n int64
	if err := e.pool.QueryRow(context.Background(), `SELECT last_seq FROM conversations WHERE id = $1`, cid).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func customerOf(t *testing.T, e *env, cid uuid.UUID) uuid.UUID {
	t.Helper()
	var c uuid.UUID
	if err := e.pool.QueryRow(context.Background(), `SELECT customer_id FROM conversations WHERE id = $1`, cid).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}
