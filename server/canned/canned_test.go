package canned_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/canned"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/principal"
)

// The domain on PostgreSQL, without HTTP: the typed caller decides.

func newService(t *testing.T) (*canned.Service, principal.Agent, principal.Agent) {
	t.Helper()
	pool := dbtest.New(t)
	var ids [2]uuid.UUID
	for i, role := range []string{"admin", "agent"} {
		if err := pool.QueryRow(ctx(t),
			`INSERT INTO agents (username, display_name, role, password_hash) VALUES ($1, $1, $2, 'x') RETURNING id`,
			fmt.Sprintf("u-%s", role), role).Scan(&ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	return canned.New(pool), principal.Agent{ID: ids[0], Role: principal.RoleAdmin}, principal.Agent{ID: ids[1], Role: principal.RoleAgent}
}

func TestTeamShortcutRace(t *testing.T) {
	t.Parallel()
	svc, admin, _ := newService(t)
	// Ten admins' tabs create the same team-wide shortcut at once: the
	// unique index lets one through and the rest get a clear conflict.
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = svc.CreateResponse(ctx(t), admin, canned.ScopeTeam, canned.Input{Shortcut: "hi", Title: "Hi", Text: "Hi"})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case apperr.Is(err, apperr.AlreadyExists):
		default:
			t.Errorf("got %v, want success or ALREADY_EXISTS", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d creates won, want 1", won)
	}
}

func TestRoleDecides(t *testing.T) {
	t.Parallel()
	svc, admin, agent := newService(t)
	r, err := svc.CreateResponse(ctx(t), admin, canned.ScopeTeam, canned.Input{Shortcut: "hi", Title: "Hi", Text: "Hi", Texts: map[string]string{"vi": " Chào ", "en": ""}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Texts["vi"] != "Chào" || len(r.Texts) != 1 || r.Scope != canned.ScopeTeam {
		t.Fatalf("created %+v", r)
	}
	// The same admin through an agent-scope token has the agent role.
	asToken := principal.Agent{ID: admin.ID, Role: principal.RoleAgent, TokenID: uuid.New()}
	if err := svc.DeleteResponse(ctx(t), asToken, r.ID); !apperr.Is(err, apperr.AdminRequired) {
		t.Fatalf("agent-role delete: %v, want ADMIN_REQUIRED", err)
	}
	page, err := svc.ListResponses(ctx(t), agent, canned.Filter{})
	if err != nil || len(page.Responses) != 1 || page.Responses[0].Editable {
		t.Fatalf("agent's list: %+v, %v", page, err)
	}
	if err := svc.DeleteResponse(ctx(t), admin, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteResponse(ctx(t), admin, uuid.Nil); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("delete of the all-zero id: %v, want NOT_FOUND", err)
	}
}
