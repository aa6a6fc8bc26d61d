package chat

import (
	"sync"

	"github.com/google/uuid"
)

// recentSize is how many of its newest messages an instance keeps.
const recentSize = 1024

// recentMessages keeps the messages this instance wrote last, so that the
// realtime hub, which reads each new event back moments later, turns them
// into events without querying them again; other instances' messages are
// queried as usual. A message changes only by its sender's edit or
// deletion (edit.go): the instance that made the change keeps the new
// version (replace), and every instance forgets its copy when it loads the
// change's event (forget), so a stream replaying the message reads it
// again.
type recentMessages struct {
	mu   sync.Mutex
	byID map[uuid.UUID]Message
	ring [recentSize]uuid.UUID
	next int
}

// add keeps m, forgetting the oldest kept message when full. Call it
// before telling the hub of the commit.
func (r *recentMessages) add(m Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID = make(map[uuid.UUID]Message, recentSize)
	}
	if old := r.ring[r.next]; old != uuid.Nil {
		delete(r.byID, old)
	}
	r.ring[r.next] = m.ID
	r.next = (r.next + 1) % recentSize
	r.byID[m.ID] = m
}

// get returns a kept message.
func (r *recentMessages) get(id uuid.UUID) (Message, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.byID[id]
	return m, ok
}

// replace keeps m in place of a kept older version; a message not kept
// stays so.
func (r *recentMessages) replace(m Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byID[m.ID]; ok {
		r.byID[m.ID] = m
	}
}

// forget drops a kept message, which then is queried like any other.
func (r *recentMessages) forget(id uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byID, id)
}
