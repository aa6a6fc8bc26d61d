package auth

import (
	"context"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
)

// SecuritySection is the installation settings section of the sign-in
// rules.
const SecuritySection = "security"

// SecuritySettings are the installation's sign-in rules.
type SecuritySettings struct {
	// RequireTwoFactor: every agent must sign in with a second factor; a
	// session of an agent without one may only enrol (see
	// principal.Principal.TwoFactorPending and the interceptor).
	RequireTwoFactor bool `json:"require_two_factor"`
}

// securityKey is the one key under which the security settings are cached.
var securityKey = []byte(SecuritySection)

// SecuritySettings returns the sign-in rules, read at most once per
// CredentialCacheTTL (a change here, or announced by another instance,
// forgets the cached copy at once).
func (s *Service) SecuritySettings(ctx context.Context) (SecuritySettings, error) {
	now := s.now()
	if st, ok := s.cache.security.get(securityKey, now, s.cfg.CredentialCacheTTL); ok {
		return st, nil
	}
	var st SecuritySettings
	if s.cfg.Settings != nil {
		if _, err := s.cfg.Settings.Get(ctx, SecuritySection, &st); err != nil {
			return SecuritySettings{}, err
		}
	}
	s.cache.security.put(securityKey, st, now)
	return st, nil
}

// UpdateSecuritySettings changes the sign-in rules and returns them with
// what they were. Every instance forgets its cached credentials, so the
// rules apply to open sessions at their next call.
// Errors: NotAvailable without a settings store.
func (s *Service) UpdateSecuritySettings(ctx context.Context, caller principal.Agent, st SecuritySettings) (before SecuritySettings, err error) {
	if s.cfg.Settings == nil {
		return SecuritySettings{}, apperr.New(apperr.NotAvailable, "settings cannot be changed on this server")
	}
	if before, err = s.SecuritySettings(ctx); err != nil {
		return SecuritySettings{}, err
	}
	if err := s.cfg.Settings.Put(ctx, SecuritySection, st, caller.ID); err != nil {
		return SecuritySettings{}, err
	}
	s.revoked()
	return before, nil
}

// twoFactorPending reports whether a session of an agent with (or
// without) a second factor may only enrol.
func (s *Service) twoFactorPending(ctx context.Context, hasTwoFactor bool) (bool, error) {
	if hasTwoFactor {
		return false, nil
	}
	st, err := s.SecuritySettings(ctx)
	return st.RequireTwoFactor, err
}

// errTwoFactorRequired refuses what an agent without a second factor may
// not do while the installation requires one.
var errTwoFactorRequired = apperr.New(apperr.TwoFactorRequired, "this installation requires two-factor sign-in: set it up first")

// TwoFactorRequired is the refusal of a call from a session that may only
// enrol (principal.Principal.TwoFactorPending).
func TwoFactorRequired() error { return errTwoFactorRequired }
