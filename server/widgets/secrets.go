package widgets

import (
	"context"
	"fmt"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/secretbox"
)

// identitySecretLabel binds a sealed identity secret to its column, so a
// sealed value copied elsewhere does not open there.
const identitySecretLabel = "widgets.identity_secret"

// sealSecret returns what is stored of a new identity secret: sealed with
// the secrets key, so that a copy of the database alone cannot forge
// verified visitors. Without a box (tests of the domain alone) it is stored
// as it is.
func (s *Service) sealSecret(secret string) (string, error) {
	if s.secrets == nil {
		return secret, nil
	}
	return s.secrets.Seal([]byte(secret), identitySecretLabel)
}

// openSecret returns the identity secret a stored value holds. A value
// stored in plain text (by a version before sealing, until
// SealIdentitySecrets runs at start) is used as it is.
func (s *Service) openSecret(stored string) (string, error) {
	if s.secrets == nil || !secretbox.IsSealed(stored) {
		return stored, nil
	}
	plain, err := s.secrets.Open(stored, identitySecretLabel)
	if err != nil {
		return "", fmt.Errorf("open the identity secret: %w", err)
	}
	return string(plain), nil
}

// SealIdentitySecrets seals every identity secret stored in plain text and
// seals again those sealed with a key other than the current one (after a
// key rotation), and returns how many it changed. It runs at every start:
// it is idempotent, and each row is replaced only if it still holds what
// was read, so instances starting together do not undo each other or a
// rotation of the secret made meanwhile.
func (s *Service) SealIdentitySecrets(ctx context.Context) (int, error) {
	if s.secrets == nil {
		return 0, nil
	}
	rows, err := s.q.ListStoredIdentitySecrets(ctx)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, r := range rows {
		if !s.secrets.NeedsReseal(r.IdentitySecret) {
			continue
		}
		plain, err := s.openSecret(r.IdentitySecret)
		if err != nil {
			return changed, fmt.Errorf("widget %s: %w", r.ID, err)
		}
		sealed, err := s.sealSecret(plain)
		if err != nil {
			return changed, err
		}
		n, err := s.q.ResealIdentitySecret(ctx, dbq.ResealIdentitySecretParams{ID: r.ID, Stored: r.IdentitySecret, Sealed: sealed})
		if err != nil {
			return changed, err
		}
		changed += int(n)
	}
	return changed, nil
}
