package auth

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/totp"
)

// challengeTTL is how long a sign-in challenge (a right password awaiting
// its second factor) stays valid.
const challengeTTL = 5 * time.Minute

// recoveryCodeCount is how many recovery codes an enrolment hands out.
const recoveryCodeCount = 10

// totpIssuer names the installation in authenticator apps.
const totpIssuer = "Livechat"

var (
	errWrongCode      = apperr.New(apperr.WrongCode, "the code is wrong or was already used").WithField("code")
	errSignInExpired  = apperr.New(apperr.SignInExpired, "this sign-in has expired: enter your password again")
	errNoPendingTwoFA = apperr.New(apperr.TwoFactorState, "start two-factor enrolment first")
)

// Enrolment is a started TOTP enrolment: the secret, shown to the agent
// until they confirm it, in base32 and as an otpauth:// URI.
type Enrolment struct {
	Secret string
	URI    string
}

// LoginResult is the outcome of a right password: either a session, or,
// for an agent with a second factor, a Challenge for CompleteLogin.
type LoginResult struct {
	Agent     Agent
	Session   Session
	Challenge string
}

// twoFactorEnabled reports whether the agent has a confirmed second factor.
func (s *Service) twoFactorEnabled(ctx context.Context, q *dbq.Queries, agentID uuid.UUID) (bool, error) {
	tf, err := q.GetTwoFactor(ctx, agentID)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	return err == nil && tf.ConfirmedAt != nil, err
}

// startChallenge records a right password for an agent with a second factor
// and returns the opaque challenge that CompleteLogin takes.
func (s *Service) startChallenge(ctx context.Context, agentID uuid.UUID, c Client) (string, error) {
	token, hash, err := newSecret()
	if err != nil {
		return "", err
	}
	now := s.now()
	if err := s.q.DeleteOldSignInChallenges(ctx, now.Add(-challengeTTL)); err != nil {
		s.cfg.Log.WarnContext(ctx, "sweep sign-in challenges", "err", err)
	}
	err = s.q.CreateSignInChallenge(ctx, dbq.CreateSignInChallengeParams{
		TokenHash: hash, AgentID: agentID, Ip: limits.Printable(c.IP, 64), ExpiresAt: now.Add(challengeTTL),
	})
	return token, err
}

// CompleteLogin exchanges a sign-in challenge and a TOTP or recovery code
// for a session. Wrong codes count as failed sign-ins of the username from
// c (the same keys as Login), so a stolen password does not buy unlimited
// guesses. Errors: SignInExpired, WrongCode, SignInThrottled.
func (s *Service) CompleteLogin(ctx context.Context, challenge, code string, c Client) (Agent, Session, error) {
	if err := requireFields("challenge", challenge, "code", code); err != nil {
		return Agent{}, Session{}, err
	}
	hash := hashSecret(challenge)
	ch, err := s.q.GetSignInChallengeForUpdate(ctx, hash)
	if apperr.Is(err, apperr.NotFound) {
		return Agent{}, Session{}, errSignInExpired
	}
	if err != nil {
		return Agent{}, Session{}, err
	}
	if ch.UsedAt != nil || !s.now().Before(ch.ExpiresAt) {
		return Agent{}, Session{}, errSignInExpired
	}
	attempt, err := s.admitLogin(ctx, loginKeys(ch.Username, c))
	if err != nil {
		return Agent{}, Session{}, err
	}
	var sess Session
	var row dbq.Agent
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		ch, err := q.GetSignInChallengeForUpdate(ctx, hash)
		if err != nil || ch.UsedAt != nil {
			return errSignInExpired
		}
		if row, err = q.GetAgent(ctx, ch.AgentID); err != nil || row.Disabled {
			return errSignInExpired
		}
		if err := s.checkCode(ctx, q, ch.AgentID, code); err != nil {
			return err
		}
		if err := q.UseSignInChallenge(ctx, dbq.UseSignInChallengeParams{Now: s.now(), TokenHash: hash}); err != nil {
			return err
		}
		sess, err = s.createSession(ctx, q, ch.AgentID, c)
		return err
	})
	if err != nil {
		if apperr.Is(err, apperr.WrongCode) {
			s.sweepLoginFailures(ctx)
		}
		return Agent{}, Session{}, err
	}
	if err := s.loginSucceeded(ctx, attempt); err != nil {
		return Agent{}, Session{}, err
	}
	row.LastSeenAt = &[]time.Time{s.now()}[0]
	a := s.agentFrom(row)
	a.TwoFactor = true
	return a, sess, nil
}

// checkCode accepts a TOTP code of a time step newer than the last one
// accepted (and remembers it), or an unused recovery code (and spends it).
// It runs in the caller's transaction, which locks the second factor's row
// so two requests cannot both spend one code. Errors: WrongCode,
// TwoFactorState when the agent has no confirmed second factor.
func (s *Service) checkCode(ctx context.Context, q *dbq.Queries, agentID uuid.UUID, code string) error {
	tf, err := q.GetTwoFactorForUpdate(ctx, agentID)
	if apperr.Is(err, apperr.NotFound) || (err == nil && tf.ConfirmedAt == nil) {
		return apperr.New(apperr.TwoFactorState, "two-factor sign-in is not enabled")
	}
	if err != nil {
		return err
	}
	code = strings.TrimSpace(code)
	if len(code) > 64 {
		return errWrongCode
	}
	if step, ok := totp.Verify(tf.Secret, strings.ReplaceAll(code, " ", ""), s.now(), tf.LastStep); ok {
		return q.SetTwoFactorStep(ctx, dbq.SetTwoFactorStepParams{LastStep: step, AgentID: agentID})
	}
	n, err := q.UseRecoveryCode(ctx, dbq.UseRecoveryCodeParams{
		Now: s.now(), AgentID: agentID, CodeHash: hashSecret(normalizeRecoveryCode(code)),
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return errWrongCode
	}
	return nil
}

// StartTwoFactorEnrolment makes a new TOTP secret for the caller, replacing
// an unconfirmed one. Errors: TwoFactorState when one is already enabled.
func (s *Service) StartTwoFactorEnrolment(ctx context.Context, caller principal.Agent) (Enrolment, error) {
	row, err := s.q.GetAgent(ctx, caller.ID)
	if err != nil {
		return Enrolment{}, agentNotFound(err)
	}
	secret, err := totp.NewSecret()
	if err != nil {
		return Enrolment{}, err
	}
	if err := s.q.StartTwoFactor(ctx, dbq.StartTwoFactorParams{AgentID: caller.ID, Secret: secret, Now: s.now()}); err != nil {
		return Enrolment{}, err
	}
	// The upsert leaves a confirmed factor alone; read back which secret won.
	tf, err := s.q.GetTwoFactor(ctx, caller.ID)
	if err != nil {
		return Enrolment{}, err
	}
	if tf.ConfirmedAt != nil {
		return Enrolment{}, apperr.New(apperr.TwoFactorState, "two-factor sign-in is already enabled")
	}
	return Enrolment{Secret: totp.EncodeSecret(tf.Secret), URI: totp.URI(totpIssuer, row.Username, tf.Secret)}, nil
}

// ConfirmTwoFactor enables the pending second factor with a current code
// and returns fresh recovery codes, which exist nowhere else in clear.
// Errors: WrongCode, TwoFactorState when no enrolment is pending.
func (s *Service) ConfirmTwoFactor(ctx context.Context, caller principal.Agent, code string) ([]string, error) {
	if err := requireFields("code", code); err != nil {
		return nil, err
	}
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		tf, err := q.GetTwoFactorForUpdate(ctx, caller.ID)
		if apperr.Is(err, apperr.NotFound) {
			return errNoPendingTwoFA
		}
		if err != nil {
			return err
		}
		if tf.ConfirmedAt != nil {
			return apperr.New(apperr.TwoFactorState, "two-factor sign-in is already enabled")
		}
		step, ok := totp.Verify(tf.Secret, strings.ReplaceAll(code, " ", ""), s.now(), -1)
		if !ok {
			return errWrongCode
		}
		if err := q.ConfirmTwoFactor(ctx, dbq.ConfirmTwoFactorParams{Now: s.now(), LastStep: step, AgentID: caller.ID}); err != nil {
			return err
		}
		if err := q.DeleteRecoveryCodes(ctx, caller.ID); err != nil {
			return err
		}
		return q.AddRecoveryCodes(ctx, dbq.AddRecoveryCodesParams{AgentID: caller.ID, CodeHashes: hashes})
	})
	if err != nil {
		return nil, err
	}
	// Sessions cached as "no second factor" must let the agent in now.
	s.revoked()
	return codes, nil
}

// DisableTwoFactor removes the caller's second factor after checking their
// password and a code; both count as sign-in attempts from c.
// Errors: WrongPassword, WrongCode, TwoFactorState, SignInThrottled;
// TwoFactorRequired while the installation requires a second factor.
func (s *Service) DisableTwoFactor(ctx context.Context, caller principal.Agent, password, code string, c Client) error {
	if err := requireFields("password", password, "code", code); err != nil {
		return err
	}
	if st, err := s.SecuritySettings(ctx); err != nil {
		return err
	} else if st.RequireTwoFactor {
		return errTwoFactorRequired
	}
	attempt, err := s.checkOwnPassword(ctx, caller.ID, password, c, "password")
	if err != nil {
		return err
	}
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := s.checkCode(ctx, q, caller.ID, code); err != nil {
			return err
		}
		return removeTwoFactor(ctx, q, caller.ID)
	})
	if err != nil {
		return err
	}
	return s.loginSucceeded(ctx, attempt)
}

// ResetTwoFactor removes an agent's second factor (an admin's action).
// Errors: AgentNotFound.
func (s *Service) ResetTwoFactor(ctx context.Context, agentID uuid.UUID) error {
	if err := db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if _, err := q.GetAgentForUpdate(ctx, agentID); err != nil {
			return agentNotFound(err)
		}
		return removeTwoFactor(ctx, q, agentID)
	}); err != nil {
		return err
	}
	// Where a second factor is required, the agent's sessions may now only
	// enrol again.
	s.revoked()
	return nil
}

func removeTwoFactor(ctx context.Context, q *dbq.Queries, agentID uuid.UUID) error {
	if _, err := q.DeleteTwoFactor(ctx, agentID); err != nil {
		return err
	}
	return q.DeleteRecoveryCodes(ctx, agentID)
}

// requireFields takes pairs of a field name and its value and fails with
// Required for the first empty value.
func requireFields(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return apperr.New(apperr.Required, "%s is required", pairs[i]).WithField(pairs[i])
		}
	}
	return nil
}

// recoveryAlphabet avoids letters and digits that look alike.
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCodes returns recoveryCodeCount codes of the form xxxxx-xxxxx
// (about 49 bits each) and their hashes.
func newRecoveryCodes() ([]string, [][]byte, error) {
	codes := make([]string, recoveryCodeCount)
	hashes := make([][]byte, recoveryCodeCount)
	for i := range codes {
		var b [10]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, nil, err
		}
		var sb strings.Builder
		for j, x := range b {
			if j == 5 {
				sb.WriteByte('-')
			}
			// 256 is not a multiple of the alphabet's length; the bias is
			// small and the codes are single-use and throttled.
			sb.WriteByte(recoveryAlphabet[int(x)%len(recoveryAlphabet)])
		}
		codes[i] = sb.String()
		hashes[i] = hashSecret(normalizeRecoveryCode(codes[i]))
	}
	return codes, hashes, nil
}

// normalizeRecoveryCode lets a recovery code be typed with or without its
// dash and in either case.
func normalizeRecoveryCode(s string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s)))
}
