package canned_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const password = apptest.TeamPassword

const (
	team     = livechatv1.CannedResponseScope_CANNED_RESPONSE_SCOPE_TEAM
	personal = livechatv1.CannedResponseScope_CANNED_RESPONSE_SCOPE_PERSONAL
)

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// env is a running server with a signed-in admin and two signed-in agents.
type env struct {
	srv              *apptest.Server
	admin, lan, minh *apptest.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	tm := apptest.NewTeam(t)
	return &env{srv: tm.Server, admin: tm.Admin, lan: tm.Lan, minh: tm.Minh}
}

func input(shortcut string) *livechatv1.CannedResponseInput {
	return &livechatv1.CannedResponseInput{Shortcut: shortcut, Title: "Title " + shortcut, Text: "Hello {{customer.name}}, " + shortcut}
}

func create(t *testing.T, c *apptest.Client, scope livechatv1.CannedResponseScope, in *livechatv1.CannedResponseInput) *livechatv1.CannedResponse {
	t.Helper()
	res, err := c.Canned.CreateCannedResponse(ctx(t), &livechatv1.CreateCannedResponseRequest{Scope: scope, Response: in})
	if err != nil {
		t.Fatalf("CreateCannedResponse %s: %v", in.Shortcut, err)
	}
	return res.CannedResponse
}

func shortcuts(t *testing.T, c *apptest.Client, req *livechatv1.ListCannedResponsesRequest) []string {
	t.Helper()
	res, err := c.Canned.ListCannedResponses(ctx(t), req)
	if err != nil {
		t.Fatalf("ListCannedResponses: %v", err)
	}
	var out []string
	for _, r := range res.CannedResponses {
		out = append(out, r.Shortcut)
	}
	return out
}

func TestCRUD(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := input("hello")
	in.Texts = map[string]string{"vi": "Xin chào {{customer.name}}", "en": "  "}
	r := create(t, e.admin, team, in)
	if r.Scope != team || r.Shortcut != "hello" || r.Title != "Title hello" || !r.Editable ||
		r.Texts["vi"] != "Xin chào {{customer.name}}" || len(r.Texts) != 1 || r.CreatedAt == nil || r.UpdatedAt == nil {
		t.Fatalf("created %v", r)
	}

	upd := &livechatv1.CannedResponseInput{Shortcut: "hi", Title: " New title ", Text: "Hi {{agent.name}}", Texts: map[string]string{"en": "Hi there"}}
	res, err := e.admin.Canned.UpdateCannedResponse(ctx(t), &livechatv1.UpdateCannedResponseRequest{CannedResponseId: r.Id, Response: upd})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	got := res.CannedResponse
	if got.Id != r.Id || got.Shortcut != "hi" || got.Title != "New title" || got.Texts["en"] != "Hi there" || got.Texts["vi"] != "" ||
		got.Scope != team || got.UpdatedAt.AsTime().Before(r.UpdatedAt.AsTime()) {
		t.Fatalf("updated %v", got)
	}
	// An agent reads it, not editable.
	lanList, err := e.lan.Canned.ListCannedResponses(ctx(t), &livechatv1.ListCannedResponsesRequest{})
	if err != nil || len(lanList.CannedResponses) != 1 || lanList.CannedResponses[0].Editable || lanList.CannedResponses[0].Text != "Hi {{agent.name}}" {
		t.Fatalf("agent's list: %v, %v", lanList, err)
	}

	if _, err := e.admin.Canned.DeleteCannedResponse(ctx(t), &livechatv1.DeleteCannedResponseRequest{CannedResponseId: r.Id}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got := shortcuts(t, e.admin, &livechatv1.ListCannedResponsesRequest{}); len(got) != 0 {
		t.Fatalf("after delete: %v", got)
	}
	_, err = e.admin.Canned.DeleteCannedResponse(ctx(t), &livechatv1.DeleteCannedResponseRequest{CannedResponseId: r.Id})
	apptest.WantField(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_NOT_FOUND, "")
}

func TestScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	teamR := create(t, e.admin, team, input("thanks"))
	lanR := create(t, e.lan, personal, input("lan-own"))
	create(t, e.minh, personal, input("minh-own"))
	adminR := create(t, e.admin, personal, input("admin-own"))

	t.Run("each sees team-wide ones and only their own", func(t *testing.T) {
		for name, c := range map[string]*apptest.Client{"lan": e.lan, "minh": e.minh, "admin": e.admin} {
			got := strings.Join(shortcuts(t, c, &livechatv1.ListCannedResponsesRequest{}), ",")
			want := map[string]string{"lan": "lan-own,thanks", "minh": "minh-own,thanks", "admin": "admin-own,thanks"}[name]
			if got != want {
				t.Errorf("%s sees %s, want %s", name, got, want)
			}
		}
		if got := strings.Join(shortcuts(t, e.lan, &livechatv1.ListCannedResponsesRequest{Scope: personal}), ","); got != "lan-own" {
			t.Errorf("lan's personal: %s", got)
		}
		if got := strings.Join(shortcuts(t, e.lan, &livechatv1.ListCannedResponsesRequest{Scope: team}), ","); got != "thanks" {
			t.Errorf("lan's team-wide: %s", got)
		}
	})
	t.Run("an agent cannot create, edit or delete team-wide ones", func(t *testing.T) {
		_, err := e.lan.Canned.CreateCannedResponse(ctx(t), &livechatv1.CreateCannedResponseRequest{Scope: team, Response: input("nope")})
		apptest.WantField(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED, "")
		_, err = e.lan.Canned.UpdateCannedResponse(ctx(t), &livechatv1.UpdateCannedResponseRequest{CannedResponseId: teamR.Id, Response: input("nope")})
		apptest.WantField(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED, "")
		_, err = e.lan.Canned.DeleteCannedResponse(ctx(t), &livechatv1.DeleteCannedResponseRequest{CannedResponseId: teamR.Id})
		apptest.WantField(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED, "")
	})
	t.Run("nobody edits or deletes another agent's personal ones", func(t *testing.T) {
		for _, c := range []*apptest.Client{e.minh, e.admin} {
			_, err := c.Canned.UpdateCannedResponse(ctx(t), &livechatv1.UpdateCannedResponseRequest{CannedResponseId: lanR.Id, Response: input("taken-over")})
			apptest.WantField(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_NOT_FOUND, "")
			_, err = c.Canned.DeleteCannedResponse(ctx(t), &livechatv1.DeleteCannedResponseRequest{CannedResponseId: lanR.Id})
			apptest.WantField(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_NOT_FOUND, "")
		}
		_, err := e.lan.Canned.DeleteCannedResponse(ctx(t), &livechatv1.DeleteCannedResponseRequest{CannedResponseId: adminR.Id})
		apptest.WantField(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_NOT_FOUND, "")
		if got := shortcuts(t, e.lan, &livechatv1.ListCannedResponsesRequest{Scope: personal}); len(got) != 1 {
			t.Fatalf("lan's own after others tried: %v", got)
		}
	})
	t.Run("an agent edits their own", func(t *testing.T) {
		if _, err := e.lan.Canned.UpdateCannedResponse(ctx(t), &livechatv1.UpdateCannedResponseRequest{CannedResponseId: lanR.Id, Response: input("lan-new")}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("API tokens act with their scope", func(t *testing.T) {
		for _, tc := range []struct {
			scope livechatv1.ApiTokenScope
			want  connect.Code
		}{
			{livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT, connect.CodePermissionDenied},
			{livechatv1.ApiTokenScope_API_TOKEN_SCOPE_ADMIN, 0},
		} {
			tok, err := e.admin.Auth.CreateApiToken(ctx(t), &livechatv1.CreateApiTokenRequest{Name: "t " + tc.scope.String(), Scope: tc.scope})
			if err != nil {
				t.Fatal(err)
			}
			c := e.srv.NewClient(apptest.Bearer(tok.Secret))
			if got := strings.Join(shortcuts(t, c, &livechatv1.ListCannedResponsesRequest{}), ","); got != "admin-own,thanks" {
				t.Errorf("%v token sees %s (the token's agent's own and the team's)", tc.scope, got)
			}
			_, err = c.Canned.CreateCannedResponse(ctx(t), &livechatv1.CreateCannedResponseRequest{Scope: team, Response: input("by-" + strings.ToLower(tc.scope.String()[len("API_TOKEN_SCOPE_"):]))})
			if connect.CodeOf(err) != tc.want && !(tc.want == 0 && err == nil) {
				t.Errorf("%v token creating a team-wide one: %v, want %v", tc.scope, err, tc.want)
			}
		}
	})
}

func TestShortcutUniquePerScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	create(t, e.admin, team, input("refund"))
	_, err := e.admin.Canned.CreateCannedResponse(ctx(t), &livechatv1.CreateCannedResponseRequest{Scope: team, Response: input("refund")})
	apptest.WantField(t, err, connect.CodeAlreadyExists, livechatv1.ErrorReason_ERROR_REASON_ALREADY_EXISTS, "shortcut")

	// The same shortcut in another scope, and in two agents' own scopes.
	create(t, e.lan, personal, input("refund"))
	create(t, e.minh, personal, input("refund"))
	_, err = e.lan.Canned.CreateCannedResponse(ctx(t), &livechatv1.CreateCannedResponseRequest{Scope: personal, Response: input("refund")})
	apptest.WantField(t, err, connect.CodeAlreadyExists, livechatv1.ErrorReason_ERROR_REASON_ALREADY_EXISTS, "shortcut")

	// Renaming onto a taken shortcut is refused the same way.
	other := create(t, e.lan, personal, input("other"))
	_, err = e.lan.Canned.UpdateCannedResponse(ctx(t), &livechatv1.UpdateCannedResponseRequest{CannedResponseId: other.Id, Response: input("refund")})
	apptest.WantField(t, err, connect.CodeAlreadyExists, livechatv1.ErrorReason_ERROR_REASON_ALREADY_EXISTS, "shortcut")
}

func TestValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const invalid = connect.CodeInvalidArgument
	r := livechatv1.ErrorReason_ERROR_REASON_TEXT_EMPTY
	for _, tc := range []struct {
		name   string
		scope  livechatv1.CannedResponseScope
		in     *livechatv1.CannedResponseInput
		reason livechatv1.ErrorReason
		field  string
	}{
		{"no scope", 0, input("a"), livechatv1.ErrorReason_ERROR_REASON_REQUIRED, "scope"},
		{"unknown scope", 9, input("a"), livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "scope"},
		{"no shortcut", personal, &livechatv1.CannedResponseInput{Title: "t", Text: "x"}, r, "shortcut"},
		{"shortcut with capitals", personal, &livechatv1.CannedResponseInput{Shortcut: "Hello", Title: "t", Text: "x"}, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "shortcut"},
		{"shortcut with a space", personal, &livechatv1.CannedResponseInput{Shortcut: "a b", Title: "t", Text: "x"}, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "shortcut"},
		{"shortcut of 33", personal, &livechatv1.CannedResponseInput{Shortcut: strings.Repeat("a", 33), Title: "t", Text: "x"}, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "shortcut"},
		{"no title", personal, &livechatv1.CannedResponseInput{Shortcut: "a", Title: " ", Text: "x"}, r, "title"},
		{"title of 81", personal, &livechatv1.CannedResponseInput{Shortcut: "a", Title: strings.Repeat("t", 81), Text: "x"}, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "title"},
		{"title with a newline", personal, &livechatv1.CannedResponseInput{Shortcut: "a", Title: "a\nb", Text: "x"}, livechatv1.ErrorReason_ERROR_REASON_TEXT_INVALID, "title"},
		{"no text", personal, &livechatv1.CannedResponseInput{Shortcut: "a", Title: "t"}, r, "text"},
		{"text of 4001", personal, &livechatv1.CannedResponseInput{Shortcut: "a", Title: "t", Text: strings.Repeat("x", 4001)}, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "text"},
		{"unknown language", personal, &livechatv1.CannedResponseInput{Shortcut: "a", Title: "t", Text: "x", Texts: map[string]string{"fr": "Bonjour"}}, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "texts"},
		{"vi text of 4001", personal, &livechatv1.CannedResponseInput{Shortcut: "a", Title: "t", Text: "x", Texts: map[string]string{"vi": strings.Repeat("x", 4001)}}, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "texts.vi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.lan.Canned.CreateCannedResponse(ctx(t), &livechatv1.CreateCannedResponseRequest{Scope: tc.scope, Response: tc.in})
			apptest.WantField(t, err, invalid, tc.reason, tc.field)
		})
	}
	t.Run("limits at the edge are accepted", func(t *testing.T) {
		create(t, e.lan, personal, &livechatv1.CannedResponseInput{Shortcut: strings.Repeat("a", 32), Title: strings.Repeat("é", 80), Text: strings.Repeat("x", 4000)})
	})
	t.Run("missing and malformed ids", func(t *testing.T) {
		_, err := e.lan.Canned.UpdateCannedResponse(ctx(t), &livechatv1.UpdateCannedResponseRequest{CannedResponseId: "123", Response: input("a")})
		apptest.WantField(t, err, invalid, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "canned_response_id")
		_, err = e.lan.Canned.DeleteCannedResponse(ctx(t), &livechatv1.DeleteCannedResponseRequest{})
		apptest.WantField(t, err, invalid, livechatv1.ErrorReason_ERROR_REASON_REQUIRED, "canned_response_id")
	})
	t.Run("list arguments", func(t *testing.T) {
		_, err := e.lan.Canned.ListCannedResponses(ctx(t), &livechatv1.ListCannedResponsesRequest{PageSize: 101})
		apptest.WantField(t, err, invalid, livechatv1.ErrorReason_ERROR_REASON_TOO_MANY_ITEMS, "page_size")
		_, err = e.lan.Canned.ListCannedResponses(ctx(t), &livechatv1.ListCannedResponsesRequest{PageToken: "!!"})
		apptest.WantField(t, err, invalid, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_CURSOR, "page_token")
		_, err = e.lan.Canned.ListCannedResponses(ctx(t), &livechatv1.ListCannedResponsesRequest{Query: strings.Repeat("q", 201)})
		apptest.WantField(t, err, invalid, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "query")
	})
}

func TestSearchAndPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 7 {
		create(t, e.admin, team, input(fmt.Sprintf("t%02d", i)))
	}
	special := input("refund")
	special.Title = "Money back"
	special.Text = "We refund 100%_ of it"
	special.Texts = map[string]string{"vi": "Hoàn tiền đầy đủ"}
	create(t, e.lan, personal, special)

	t.Run("pages of 3 list every response once, in order", func(t *testing.T) {
		var all []string
		token := ""
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("too many pages")
			}
			res, err := e.lan.Canned.ListCannedResponses(ctx(t), &livechatv1.ListCannedResponsesRequest{PageSize: 3, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.CannedResponses {
				all = append(all, r.Shortcut)
			}
			if token = res.NextPageToken; token == "" {
				break
			}
		}
		if got := strings.Join(all, ","); got != "refund,t00,t01,t02,t03,t04,t05,t06" {
			t.Fatalf("pages: %s", got)
		}
	})
	for query, want := range map[string]string{
		"REFUND":    "refund", // shortcut, any case
		"money":     "refund", // title
		"100%_":     "refund", // text, wildcards taken literally
		"hoàn tiền": "refund", // a language's text
		"t0":        "t00,t01,t02,t03,t04,t05,t06",
		"%":         "refund",
		"nothing":   "",
	} {
		t.Run("search "+query, func(t *testing.T) {
			if got := strings.Join(shortcuts(t, e.lan, &livechatv1.ListCannedResponsesRequest{Query: query}), ","); got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
	t.Run("others do not find a personal one", func(t *testing.T) {
		if got := shortcuts(t, e.minh, &livechatv1.ListCannedResponsesRequest{Query: "refund"}); len(got) != 0 {
			t.Fatalf("minh finds %v", got)
		}
	})
}
