package realtime

import (
	"context"
	"strconv"
	"strings"

	"github.com/opensupport/livechat/server/apperr"
)

// position is a place in the event log: events are delivered in (tx, id)
// order. The zero position is before every event.
type position struct {
	tx int64
	id int64
}

func (p position) less(q position) bool {
	return p.tx < q.tx || (p.tx == q.tx && p.id < q.id)
}

func (p position) isZero() bool { return p.tx == 0 && p.id == 0 }

// cursor encodes p for clients, who must treat it as opaque.
func (p position) cursor() string {
	return strconv.FormatInt(p.tx, 36) + "." + strconv.FormatInt(p.id, 36)
}

// parseCursor decodes a cursor made by position.cursor.
func parseCursor(s string) (position, error) {
	bad := apperr.New(apperr.MalformedCursor, "malformed cursor: pass the cursor of a received event as it is")
	if len(s) > 32 {
		return position{}, bad
	}
	a, b, ok := strings.Cut(s, ".")
	if !ok {
		return position{}, bad
	}
	tx, err1 := strconv.ParseInt(a, 36, 64)
	id, err2 := strconv.ParseInt(b, 36, 64)
	if err1 != nil || err2 != nil || tx <= 0 || id <= 0 {
		return position{}, bad
	}
	return position{tx: tx, id: id}, nil
}

// checkCursor resolves a client's cursor: malformed is INVALID_ARGUMENT; a
// cursor whose event no longer exists (pruned after the retention period,
// or from another database) is FAILED_PRECONDITION, since what was missed
// can no longer be told.
func (h *Hub) checkCursor(ctx context.Context, s string) (position, error) {
	p, err := parseCursor(s)
	if err != nil {
		return position{}, err
	}
	tx, err := h.q.EventTx(ctx, p.id)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) { // h.q translates a missing row (package db)
			return position{}, errExpired
		}
		return position{}, err
	}
	if tx != p.tx {
		return position{}, errExpired
	}
	return p, nil
}
