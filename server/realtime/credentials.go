package realtime

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
)

// Revocation
//
// A stream is authorised once, when it opens, but may stay open for days.
// So each stream remembers the credential it was opened with (dashboard
// session, API token or visitor session), and the hub checks every open
// stream's credential again — all of an instance's streams in one query per
// kind — when told that something was revoked (on every instance, through
// the bus) and every RevalidateEvery, which catches expiry. A stream whose
// credential no longer holds ends with UNAUTHENTICATED.

// Credentials tells which stream credentials no longer hold. The app
// implements it over the auth and widget tables.
type Credentials interface {
	// RevokedAgentCredentials returns those of ids (dashboard sessions and
	// API tokens) that ended or whose agent was disabled.
	RevokedAgentCredentials(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error)
	// RevokedVisitorSessions returns those of ids (visitor sessions) that
	// ended or whose widget was deleted.
	RevokedVisitorSessions(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error)
	// Forget drops whatever the implementation caches about credentials:
	// another instance announced a revocation (or announcements may have
	// been missed while the listener was down).
	Forget()
}

var (
	errAgentRevoked   = apperr.New(apperr.SessionEnded, "your sign-in has ended (signed out, expired, password changed or account disabled): sign in again")
	errVisitorRevoked = apperr.New(apperr.VisitorSessionEnded, "this visitor session has ended; start a new session")
	errTokenRevoked   = apperr.New(apperr.TokenRevoked, "this API token was revoked, or the agent it acts for is disabled")
)

// SetCredentials sets what checks open streams' credentials. Until it is
// set, streams are never re-checked.
func (h *Hub) SetCredentials(c Credentials) { h.creds.Store(&c) }

// CredentialsRevoked tells the hub that a session, token or visitor session
// was revoked, or an agent disabled or a widget deleted, after the change
// committed: every instance re-checks its open streams at once and ends
// those that lost their right. It never blocks.
func (h *Hub) CredentialsRevoked() {
	wake(h.revalidateWake)
	h.notifyMu.Lock()
	h.notifyRevokedFlag = true
	h.notifyMu.Unlock()
	wake(h.notifyWake)
}

// revocationAnnounced handles a revocation made elsewhere (or possibly
// missed): cached credentials are forgotten at once, then open streams are
// checked.
func (h *Hub) revocationAnnounced() {
	if c := h.creds.Load(); c != nil {
		(*c).Forget()
	}
	wake(h.revalidateWake)
}

// revalidateLoop re-checks open streams' credentials when woken and on a
// timer.
func (h *Hub) revalidateLoop(ctx context.Context) {
	t := time.NewTicker(h.opts.RevalidateEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.revalidateWake:
		}
		if err := h.revalidate(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("realtime: re-check stream credentials", "err", err)
		}
	}
}

// revalidate ends every open stream whose credential no longer holds.
func (h *Hub) revalidate(ctx context.Context) error {
	cp := h.creds.Load()
	if cp == nil {
		return nil
	}
	var agentIDs, visitorIDs []uuid.UUID
	seen := map[uuid.UUID]bool{}
	h.mu.Lock()
	collect := func(s *subscriber, ids *[]uuid.UUID) {
		if s.cred != uuid.Nil && !seen[s.cred] {
			seen[s.cred] = true
			*ids = append(*ids, s.cred)
		}
	}
	for s := range h.agents {
		collect(s, &agentIDs)
	}
	for _, set := range h.visitors {
		for s := range set {
			collect(s, &visitorIDs)
		}
	}
	h.mu.Unlock()

	revoked := map[uuid.UUID]bool{}
	for _, batch := range []struct {
		ids   []uuid.UUID
		check func(context.Context, []uuid.UUID) ([]uuid.UUID, error)
	}{
		{agentIDs, (*cp).RevokedAgentCredentials},
		{visitorIDs, (*cp).RevokedVisitorSessions},
	} {
		if len(batch.ids) == 0 {
			continue
		}
		ids, err := batch.check(ctx, batch.ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			revoked[id] = true
		}
	}
	if len(revoked) == 0 {
		return nil
	}
	var ended []*subscriber
	h.mu.Lock()
	for s := range h.agents {
		if revoked[s.cred] {
			ended = append(ended, s)
		}
	}
	for _, set := range h.visitors {
		for s := range set {
			if revoked[s.cred] {
				ended = append(ended, s)
			}
		}
	}
	for _, s := range ended {
		h.removeLocked(s)
	}
	h.mu.Unlock()
	for _, s := range ended {
		switch {
		case s.visitor:
			s.fail(errVisitorRevoked)
		case s.token:
			s.fail(errTokenRevoked)
		default:
			s.fail(errAgentRevoked)
		}
	}
	h.log.Info("realtime: ended streams whose credentials were revoked", "streams", len(ended))
	return nil
}
