// Package canned keeps canned responses: saved replies agents insert into
// the composer by shortcut. A response is team-wide (every agent reads it,
// admins manage it) or personal (only its owner sees and manages it).
//
// Service speaks Go types and knows nothing about Connect; package
// cannedapi adapts it to livechatv1connect.CannedResponseServiceHandler.
// Variables in the texts ({{customer.name}} and the like) are stored as
// written and filled in by the client that inserts the response.
package canned

import (
	"context"
	"encoding/base64"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// Scope says who shares a response.
type Scope string

// The scopes. ScopeAny lists both.
const (
	ScopeAny      Scope = ""
	ScopeTeam     Scope = "team"
	ScopePersonal Scope = "personal"
)

// Languages are the keys a response's per-language texts may have.
var Languages = []string{"en", "vi"}

// Response is one canned response.
type Response struct {
	ID       uuid.UUID
	Scope    Scope
	Shortcut string
	Title    string
	// Text is the default text.
	Text string
	// Texts are the texts by language ("en", "vi"); only non-empty ones.
	Texts map[string]string
	// Editable: the agent it was read for may change and delete it.
	Editable  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Input is what a caller writes of a response.
type Input struct {
	Shortcut string
	Title    string
	Text     string
	Texts    map[string]string
}

// Filter selects a page of ListResponses.
type Filter struct {
	Query     string
	Scope     Scope
	PageSize  int32
	PageToken string
}

// Page is one page of responses.
type Page struct {
	Responses     []Response
	NextPageToken string
}

// Service holds the rules of canned responses.
type Service struct {
	q *dbq.Queries
}

// New returns the service over pool.
func New(pool *db.Pool) *Service {
	return &Service{q: db.Queries(pool)}
}

// shortcutPattern is the shape of a shortcut; the table's check says the same.
var shortcutPattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

// ListResponses lists the responses agent may use: team-wide ones and the
// agent's own, by shortcut then id, keyset-paginated.
// Errors: TooManyItems for a page size over the limit, TextTooLong or
// TextInvalid for the query, InvalidValue for an unknown scope,
// MalformedCursor for a malformed page token.
func (s *Service) ListResponses(ctx context.Context, agent principal.Agent, f Filter) (Page, error) {
	n, err := limits.PageSize(f.PageSize, limits.DefaultCannedPage, limits.CannedPage)
	if err != nil {
		return Page{}, err
	}
	query, err := limits.CleanOptional("query", f.Query, limits.SearchQuery, false)
	if err != nil {
		return Page{}, err
	}
	if !f.Scope.valid() {
		return Page{}, apperr.New(apperr.InvalidValue, "unknown scope %q", f.Scope).WithField("scope")
	}
	params := dbq.ListCannedResponsesParams{AgentID: agent.ID, Scope: string(f.Scope), PageLimit: int32(n + 1)}
	if query != "" {
		params.Pattern = limits.LikePattern(query)
	}
	if f.PageToken != "" {
		shortcut, id, err := decodePageToken(f.PageToken)
		if err != nil {
			return Page{}, err
		}
		params.HasCursor, params.CursorShortcut, params.CursorID = true, shortcut, id
	}
	rows, err := s.q.ListCannedResponses(ctx, params)
	if err != nil {
		return Page{}, err
	}
	var page Page
	if len(rows) > n {
		rows = rows[:n]
		page.NextPageToken = encodePageToken(rows[n-1].Shortcut, rows[n-1].ID)
	}
	page.Responses = make([]Response, 0, len(rows))
	for _, r := range rows {
		page.Responses = append(page.Responses, fromRow(agent, r))
	}
	return page, nil
}

// CreateResponse adds a response in scope: team-wide for admins, personal
// for anyone (owned by agent).
// Errors: AdminRequired for a team-wide response from a non-admin;
// Required for a missing scope; the validation errors of Input (see
// check); AlreadyExists (field "shortcut") for a shortcut taken in scope.
func (s *Service) CreateResponse(ctx context.Context, agent principal.Agent, scope Scope, in Input) (Response, error) {
	var owner *uuid.UUID
	switch scope {
	case ScopeTeam:
		if !agent.IsAdmin() {
			return Response{}, apperr.New(apperr.AdminRequired, "only admins manage team-wide responses")
		}
	case ScopePersonal:
		owner = &agent.ID
	case ScopeAny:
		return Response{}, apperr.New(apperr.Required, "scope is required").WithField("scope")
	default:
		return Response{}, apperr.New(apperr.InvalidValue, "unknown scope %q", scope).WithField("scope")
	}
	in, err := check(in)
	if err != nil {
		return Response{}, err
	}
	row, err := s.q.CreateCannedResponse(ctx, dbq.CreateCannedResponseParams{
		OwnerID: owner, Shortcut: in.Shortcut, Title: in.Title, Text: in.Text,
		TextEn: in.Texts["en"], TextVi: in.Texts["vi"],
	})
	if err != nil {
		return Response{}, shortcutTaken(err)
	}
	return fromRow(agent, row), nil
}

// UpdateResponse replaces a response's shortcut, title and texts.
// Errors: NotFound for an unknown id or another agent's personal response;
// AdminRequired for a team-wide response from a non-admin; the errors of
// CreateResponse's input.
func (s *Service) UpdateResponse(ctx context.Context, agent principal.Agent, id uuid.UUID, in Input) (Response, error) {
	if _, err := s.editable(ctx, agent, id); err != nil {
		return Response{}, err
	}
	in, err := check(in)
	if err != nil {
		return Response{}, err
	}
	row, err := s.q.UpdateCannedResponse(ctx, dbq.UpdateCannedResponseParams{
		ID: id, Shortcut: in.Shortcut, Title: in.Title, Text: in.Text,
		TextEn: in.Texts["en"], TextVi: in.Texts["vi"],
	})
	if err != nil {
		return Response{}, shortcutTaken(apperr.NotFoundAs(err, apperr.NotFound, "canned response not found"))
	}
	return fromRow(agent, row), nil
}

// DeleteResponse deletes a response, with UpdateResponse's rules.
// Errors: NotFound, AdminRequired.
func (s *Service) DeleteResponse(ctx context.Context, agent principal.Agent, id uuid.UUID) error {
	if _, err := s.editable(ctx, agent, id); err != nil {
		return err
	}
	n, err := s.q.DeleteCannedResponse(ctx, id)
	if err == nil && n == 0 {
		err = apperr.New(apperr.NotFound, "canned response not found")
	}
	return err
}

// editable returns the response if agent may change it: NotFound when the
// agent cannot see it, AdminRequired for a team-wide one and a non-admin.
func (s *Service) editable(ctx context.Context, agent principal.Agent, id uuid.UUID) (dbq.CannedResponse, error) {
	row, err := s.q.GetCannedResponse(ctx, dbq.GetCannedResponseParams{ID: id, AgentID: agent.ID})
	if err != nil {
		return row, apperr.NotFoundAs(err, apperr.NotFound, "canned response not found")
	}
	if row.OwnerID == nil && !agent.IsAdmin() {
		return row, apperr.New(apperr.AdminRequired, "only admins manage team-wide responses")
	}
	return row, nil
}

// check validates and trims an input. Errors (each with its field):
// TextEmpty, TextTooLong, TextInvalid; InvalidValue for a shortcut with
// other characters than a-z, 0-9, '-' and '_' or an unknown language.
func check(in Input) (Input, error) {
	var out Input
	var err error
	if out.Shortcut, err = limits.Clean("shortcut", in.Shortcut, limits.CannedShortcut, false); err != nil {
		return out, err
	}
	if !shortcutPattern.MatchString(out.Shortcut) {
		return out, apperr.New(apperr.InvalidValue, "a shortcut may hold only a-z, 0-9, '-' and '_'").WithField("shortcut")
	}
	if out.Title, err = limits.Clean("title", in.Title, limits.CannedTitle, false); err != nil {
		return out, err
	}
	if out.Text, err = limits.Clean("text", in.Text, limits.MessageText, true); err != nil {
		return out, err
	}
	out.Texts = map[string]string{}
	for lang, t := range in.Texts {
		if !known(lang) {
			return out, apperr.New(apperr.InvalidValue, "texts may be given only for %q and %q", Languages[0], Languages[1]).WithField("texts")
		}
		field := "texts." + lang
		if out.Texts[lang], err = limits.CleanOptional(field, t, limits.MessageText, true); err != nil {
			return out, err
		}
	}
	return out, nil
}

func known(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// shortcutTaken labels a duplicate shortcut, in either scope, for the
// client; other errors pass through.
func shortcutTaken(err error) error {
	if db.Violated(err, db.CannedTeamShortcutKey) || db.Violated(err, db.CannedPersonalShortcutKey) {
		return apperr.Wrap(apperr.AlreadyExists, err, "the shortcut is taken").WithField("shortcut")
	}
	return err
}

func (s Scope) valid() bool { return s == ScopeAny || s == ScopeTeam || s == ScopePersonal }

func fromRow(agent principal.Agent, r dbq.CannedResponse) Response {
	out := Response{
		ID: r.ID, Scope: ScopePersonal, Shortcut: r.Shortcut, Title: r.Title, Text: r.Text,
		Texts: map[string]string{}, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Editable: r.OwnerID != nil || agent.IsAdmin(),
	}
	if r.OwnerID == nil {
		out.Scope = ScopeTeam
	}
	for lang, t := range map[string]string{"en": r.TextEn, "vi": r.TextVi} {
		if t != "" {
			out.Texts[lang] = t
		}
	}
	return out
}

// Page tokens are opaque to clients: the last row's shortcut and id.
func encodePageToken(shortcut string, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString(append(id[:], shortcut...))
}

func decodePageToken(tok string) (string, uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) <= 16 || !utf8.Valid(b[16:]) {
		return "", uuid.Nil, apperr.New(apperr.MalformedCursor, "malformed page token").WithField("page_token")
	}
	id, _ := uuid.FromBytes(b[:16])
	return string(b[16:]), id, nil
}
