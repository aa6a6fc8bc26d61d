// Package settings keeps installation-wide settings that admins change at
// run time, one JSON document per section. A section belongs to the domain
// that uses it ("mail", "security", "retention", ...): that domain defines
// the Go struct, its defaults and its validation, and offers the RPCs that
// change it. This package only stores and returns documents, so there is
// one store rather than a table per feature.
//
// Nothing is cached: a setting is read when it is needed, so a change made
// on one instance is seen by every instance at once.
package settings

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
)

// Store reads and writes settings sections.
type Store struct {
	pool *db.Pool
	q    *dbq.Queries
}

// New returns a Store on pool.
func New(pool *db.Pool) *Store { return &Store{pool: pool, q: db.Queries(pool)} }

// Get decodes section into into and reports whether it was stored; when it
// was not, into is left as it was, so callers pass their defaults in it.
func (s *Store) Get(ctx context.Context, section string, into any) (found bool, err error) {
	return Get(ctx, s.q, section, into)
}

// Get is Store.Get through q, a transaction's queries. Code that holds a
// transaction reads its settings through it: a second connection taken from
// the pool while the transaction holds row locks waits forever once every
// pooled connection is held by a transaction waiting on those locks.
func Get(ctx context.Context, q *dbq.Queries, section string, into any) (found bool, err error) {
	raw, err := q.GetSetting(ctx, section)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return false, fmt.Errorf("settings %q: %w", section, err)
	}
	return true, nil
}

// Put writes section whole. q is the pool or a transaction (db.Tx), so a
// change can commit together with what it causes. by is the agent who made
// the change, or uuid.Nil for the server itself.
func Put(ctx context.Context, q dbq.DBTX, section string, value any, by uuid.UUID) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("settings %q: %w", section, err)
	}
	var updatedBy *uuid.UUID
	if by != uuid.Nil {
		updatedBy = &by
	}
	return db.Queries(q).PutSetting(ctx, dbq.PutSettingParams{Section: section, Value: raw, UpdatedBy: updatedBy})
}

// Put writes section whole through the store's pool; see the function Put.
func (s *Store) Put(ctx context.Context, section string, value any, by uuid.UUID) error {
	return Put(ctx, s.pool, section, value, by)
}

// Init writes section only when it is not stored yet and reports whether
// this call wrote it; several instances starting at once agree on the one
// value that was written first.
func (s *Store) Init(ctx context.Context, section string, value any) (bool, error) {
	raw, err := json.Marshal(value)
	if err != nil {
		return false, fmt.Errorf("settings %q: %w", section, err)
	}
	n, err := s.q.InsertSettingIfAbsent(ctx, dbq.InsertSettingIfAbsentParams{Section: section, Value: raw})
	return n == 1, err
}
