// Package csat keeps customer satisfaction ratings: when a conversation is
// resolved, its widget (when its settings ask for ratings) asks the visitor
// to rate it, on one to five stars or thumbs up and down, with an optional
// comment. A conversation has one rating, which its customer may change for
// ChangeWindow after first rating it; agents see it on the conversation,
// live, through a conversation_updated event.
//
// Service speaks Go types and knows nothing about Connect; package csatapi
// adapts it to WidgetService.RateConversation. Package reports reads the
// ratings for CSAT figures.
package csat

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// ChangeWindow is how long after first rating a customer may change the
// rating: long enough to fix a slip of the finger, short enough that a
// rating describes the conversation rather than what came after.
const ChangeWindow = 10 * time.Minute

// Scale is the scale a rating was given on.
type Scale string

// The scales. ScaleOff (no scale) means the widget asks for no rating.
const (
	ScaleOff    Scale = ""
	ScaleFive   Scale = "five"
	ScaleThumbs Scale = "thumbs"
)

// Thumbs scores: thumbs down is the lowest score and thumbs up the highest,
// so averages over both scales stay meaningful.
const (
	ThumbsDown = 1
	ThumbsUp   = 5
)

// Rating is a customer's rating of a conversation.
type Rating struct {
	Score int
	Scale Scale
	// Comment is empty when the customer wrote none.
	Comment   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ChangeableUntil is when the rating stops accepting changes.
func (r Rating) ChangeableUntil() time.Time { return r.CreatedAt.Add(ChangeWindow) }

// Hub is what the service needs of the realtime hub.
type Hub interface {
	// Committed says that durable events were committed.
	Committed()
}

// Service holds the rules of ratings.
type Service struct {
	q   *dbq.Queries
	hub Hub
	// now is the clock the change window is measured by.
	now func() time.Time
}

// New returns the service over pool; hub (nil in tests that need no live
// events) is told about the events a rating writes.
func New(pool *db.Pool, hub Hub) *Service {
	return &Service{q: db.Queries(pool), hub: hub, now: time.Now}
}

// Rate records v's rating of their conversation, or changes it within
// ChangeWindow of the first rating. score is 1–5 on the five-star scale and
// ThumbsDown or ThumbsUp on the thumbs scale; comment is optional.
//
// Errors: ConversationNotFound for a conversation that is not v's;
// InvalidValue (field "score"); TextTooLong or TextInvalid (field
// "comment"); RatingsOff when the widget asks for no ratings; RatingNotYet
// when the conversation is not resolved or closed; RatingFinal after the
// change window.
func (s *Service) Rate(ctx context.Context, v principal.Visitor, conversationID uuid.UUID, score int, comment string) (Rating, error) {
	comment, err := limits.CleanOptional("comment", comment, limits.RatingComment, true)
	if err != nil {
		return Rating{}, err
	}
	t, err := s.q.RatingTarget(ctx, dbq.RatingTargetParams{ConversationID: conversationID, CustomerID: v.CustomerID})
	if err != nil {
		return Rating{}, apperr.NotFoundAs(err, apperr.ConversationNotFound, "conversation not found")
	}
	scale := storedScale(t.Csat)
	if scale == ScaleOff {
		return Rating{}, apperr.New(apperr.RatingsOff, "this chat does not ask for ratings")
	}
	if err := checkScore(scale, score); err != nil {
		return Rating{}, err
	}
	if t.Status != "resolved" && t.Status != "closed" {
		return Rating{}, apperr.New(apperr.RatingNotYet, "the conversation can be rated once it is resolved")
	}
	now := s.now()
	if t.RatedAt != nil && !t.RatedAt.After(now.Add(-ChangeWindow)) {
		return Rating{}, errFinal
	}
	row, err := s.q.SaveRating(ctx, dbq.SaveRatingParams{
		ConversationID:  conversationID,
		WidgetID:        t.WidgetID,
		CustomerID:      t.CustomerID,
		AgentID:         t.AssigneeID,
		Scale:           string(scale),
		Score:           int16(score),
		Comment:         comment,
		Now:             now,
		ChangeableAfter: now.Add(-ChangeWindow),
	})
	if err != nil {
		// The window closed between the read and the write.
		return Rating{}, apperr.NotFoundAs(err, apperr.RatingFinal, finalText)
	}
	if s.hub != nil {
		s.hub.Committed()
	}
	return Rating{
		Score: int(row.Score), Scale: Scale(row.Scale), Comment: row.Comment,
		CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt,
	}, nil
}

const finalText = "the rating can no longer be changed"

var errFinal = apperr.New(apperr.RatingFinal, finalText)

// checkScore refuses a score the scale does not have.
func checkScore(scale Scale, score int) error {
	switch {
	case scale == ScaleThumbs && score != ThumbsDown && score != ThumbsUp:
		return apperr.New(apperr.InvalidValue, "a thumbs rating is %d (down) or %d (up), not %d", ThumbsDown, ThumbsUp, score).WithField("score")
	case score < 1 || score > 5:
		return apperr.New(apperr.InvalidValue, "a rating is 1 to 5, not %d", score).WithField("score")
	}
	return nil
}

// storedScale reads WidgetSettings.csat as the widgets store keeps it (the
// enum's protobuf JSON name, or its number).
func storedScale(s string) Scale {
	switch s {
	case "CSAT_SCALE_FIVE":
		return ScaleFive
	case "CSAT_SCALE_THUMBS":
		return ScaleThumbs
	}
	switch n, _ := strconv.Atoi(s); n {
	case 1:
		return ScaleFive
	case 2:
		return ScaleThumbs
	}
	return ScaleOff
}

// Of returns the ratings of the conversations that have one, by
// conversation, for the conversation views of agents and visitors.
func Of(ctx context.Context, q *dbq.Queries, ids []uuid.UUID) (map[uuid.UUID]*Rating, error) {
	out := map[uuid.UUID]*Rating{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.RatingsOfConversations(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ConversationID] = &Rating{
			Score: int(r.Score), Scale: Scale(r.Scale), Comment: r.Comment,
			CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		}
	}
	return out, nil
}
