package auth

import (
	"sync"
	"time"

	"github.com/opensupport/livechat/db/dbq"
)

// Credential lookups are cached for a few seconds, so an agent's or a
// backend's calls cost no query each to authenticate. The cache never
// outlives a revocation: this instance forgets everything the moment it
// revokes anything (or changes an agent), and the realtime hub tells every
// other instance to forget as well (Forget). The TTL only bounds how stale
// an entry can be when that announcement is lost with a database
// connection. Expiry times and flags are checked on every call against the
// cached row, as they would be against a fresh one.

// maxCachedCredentials bounds the cache; past it, it starts afresh.
const maxCachedCredentials = 10_000

type cachedRow[T any] struct {
	row T
	at  time.Time
}

// rowCache maps a secret's hash to its database row for a TTL.
type rowCache[T any] struct {
	mu sync.Mutex
	m  map[string]cachedRow[T]
}

func (c *rowCache[T]) get(hash []byte, now time.Time, ttl time.Duration) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[string(hash)]
	if !ok || now.Sub(e.at) >= ttl || now.Before(e.at) {
		var zero T
		return zero, false
	}
	return e.row, true
}

func (c *rowCache[T]) put(hash []byte, row T, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedCredentials {
		c.m = make(map[string]cachedRow[T])
	}
	c.m[string(hash)] = cachedRow[T]{row: row, at: now}
}

// update changes a cached row in place (after a touch), keeping its age.
func (c *rowCache[T]) update(hash []byte, fn func(*T)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[string(hash)]; ok {
		fn(&e.row)
		c.m[string(hash)] = e
	}
}

func (c *rowCache[T]) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// credentialCache holds the session and API token rows seen recently.
type credentialCache struct {
	sessions rowCache[dbq.GetSessionByHashRow]
	tokens   rowCache[dbq.GetApiTokenByHashRow]
	// security holds the settings section "security" (under one key),
	// which every session resolution consults.
	security rowCache[SecuritySettings]
}

// Forget drops every cached credential. The realtime hub calls it when
// another instance announces a revocation; this instance calls it itself
// whenever it revokes or changes anything a credential stands for.
func (s *Service) Forget() {
	s.cache.sessions.clear()
	s.cache.tokens.clear()
	s.cache.security.clear()
}
