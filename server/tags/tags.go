// Package tags keeps the tags agents put on conversations: a name (unique
// whatever its case) and a colour from a fixed palette. Every agent lists
// tags and may create one, so a tag can be made on the fly while tagging a
// conversation; renaming, recolouring and deleting are for admins, because
// they change every conversation that carries the tag. Which conversations
// carry which tags is package chat's (SetConversationTags), since a change
// there is a conversation event.
//
// Service speaks Go types and knows nothing about Connect; package tagsapi
// adapts it to livechatv1connect.TagServiceHandler.
package tags

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// MaxTags bounds the tags of an installation: any agent may create one, and
// ListTags returns them all.
const MaxTags = 1000

// Color is a tag's colour, one of Colors.
type Color string

// Colors is the palette, in the order the dashboard offers it.
var Colors = []Color{"grey", "red", "orange", "yellow", "green", "teal", "blue", "purple", "pink"}

// Tag is one tag. CreatedAt and UpdatedAt are zero where a tag is read as
// part of a conversation.
type Tag struct {
	ID        uuid.UUID
	Name      string
	Color     Color
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Input is what a caller writes of a tag.
type Input struct {
	Name  string
	Color Color
}

// Service holds the rules of tags.
type Service struct {
	q *dbq.Queries
}

// New returns the service over pool.
func New(pool *db.Pool) *Service {
	return &Service{q: db.Queries(pool)}
}

// ListTags lists every tag by name, case-insensitively.
func (s *Service) ListTags(ctx context.Context, _ principal.Agent) ([]Tag, error) {
	rows, err := s.q.ListTags(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Tag, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// CreateTag adds a tag; any agent may.
// Errors: the validation errors of check; AlreadyExists (field "name")
// when a tag has the name in any case.
func (s *Service) CreateTag(ctx context.Context, _ principal.Agent, in Input) (Tag, error) {
	in, err := check(in)
	if err != nil {
		return Tag{}, err
	}
	row, err := s.q.CreateTag(ctx, dbq.CreateTagParams{Name: in.Name, Color: string(in.Color), MaxTags: MaxTags})
	if apperr.Is(err, apperr.NotFound) {
		return Tag{}, apperr.New(apperr.TooManyItems, "an installation has at most %d tags", MaxTags).WithLimit(MaxTags)
	}
	if err != nil {
		return Tag{}, nameTaken(err)
	}
	return fromRow(row), nil
}

// UpdateTag renames and recolours a tag.
// Errors: AdminRequired for a non-admin; the errors of CreateTag;
// NotFound for an unknown id.
func (s *Service) UpdateTag(ctx context.Context, agent principal.Agent, id uuid.UUID, in Input) (Tag, error) {
	if err := adminOnly(agent); err != nil {
		return Tag{}, err
	}
	in, err := check(in)
	if err != nil {
		return Tag{}, err
	}
	row, err := s.q.UpdateTag(ctx, dbq.UpdateTagParams{ID: id, Name: in.Name, Color: string(in.Color)})
	if err != nil {
		return Tag{}, nameTaken(apperr.NotFoundAs(err, apperr.NotFound, "tag not found"))
	}
	return fromRow(row), nil
}

// DeleteTag deletes a tag, which takes it off every conversation.
// Errors: AdminRequired for a non-admin; NotFound for an unknown id.
func (s *Service) DeleteTag(ctx context.Context, agent principal.Agent, id uuid.UUID) error {
	if err := adminOnly(agent); err != nil {
		return err
	}
	n, err := s.q.DeleteTag(ctx, id)
	if err == nil && n == 0 {
		err = apperr.New(apperr.NotFound, "tag not found")
	}
	return err
}

func adminOnly(agent principal.Agent) error {
	if !agent.IsAdmin() {
		return apperr.New(apperr.AdminRequired, "only admins rename, recolour and delete tags")
	}
	return nil
}

// check validates and trims an input. Errors: TextEmpty, TextTooLong,
// TextInvalid (field "name"); Required or InvalidValue (field "color").
func check(in Input) (Input, error) {
	name, err := limits.Clean("name", in.Name, limits.TagName, false)
	if err != nil {
		return Input{}, err
	}
	if in.Color == "" {
		return Input{}, apperr.New(apperr.Required, "a colour is required").WithField("color")
	}
	if !in.Color.Valid() {
		return Input{}, apperr.New(apperr.InvalidValue, "unknown colour %q", in.Color).WithField("color")
	}
	return Input{Name: name, Color: in.Color}, nil
}

// Valid reports whether c is in the palette.
func (c Color) Valid() bool {
	for _, p := range Colors {
		if p == c {
			return true
		}
	}
	return false
}

// nameTaken labels a duplicate name for the client; other errors pass
// through.
func nameTaken(err error) error {
	if db.Violated(err, db.TagNameKey) {
		return apperr.Wrap(apperr.AlreadyExists, err, "a tag with this name exists").WithField("name")
	}
	return err
}

func fromRow(r dbq.Tag) Tag {
	return Tag{ID: r.ID, Name: r.Name, Color: Color(r.Color), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Distinct returns ids without repeats, in their first order; never nil,
// so a statement gets an empty array rather than NULL.
func Distinct(ids []uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ids))
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
