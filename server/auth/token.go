package auth

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// APITokenPrefix starts every API token secret, so a leaked one is
// recognisable (and secret scanners can be taught to find it).
const APITokenPrefix = "lc_"

// shownPrefixLen is how much of a secret is kept in clear to identify it:
// "lc_" and 7 characters (42 bits, nothing a guesser can use).
const shownPrefixLen = len(APITokenPrefix) + 7

// APIToken describes an API token. The secret is never kept.
type APIToken struct {
	ID        uuid.UUID
	Name      string
	Scope     Scope
	Prefix    string
	AgentID   uuid.UUID
	AgentName string
	// BotName is set when the token is a bot: its messages show this name.
	BotName string
	// AvatarURL is the bot's picture (attachments.AvatarURL); filled in
	// by ListAPITokens.
	AvatarURL  string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// CreateAPIToken creates a token acting for the calling agent with the
// given scope and returns it with its secret, which is not stored and
// cannot be shown again. A non-empty botName makes the token a bot: what
// it sends shows that name instead of the agent's. Errors: TextEmpty,
// TextTooLong, TextInvalid (name, bot_name), InvalidValue (scope).
func (s *Service) CreateAPIToken(ctx context.Context, caller principal.Agent, name string, scope Scope, botName string) (APIToken, string, error) {
	agentID := caller.ID
	name, err := limits.Clean("name", name, limits.TokenName, false)
	if err != nil {
		return APIToken{}, "", err
	}
	botName, err = limits.CleanOptional("bot_name", botName, limits.DisplayName, false)
	if err != nil {
		return APIToken{}, "", err
	}
	var bot *string
	if botName != "" {
		bot = &botName
	}
	if scope != ScopeAgent && scope != ScopeAdmin {
		return APIToken{}, "", apperr.New(apperr.InvalidValue, "scope must be agent or admin").WithField("scope")
	}
	random, _, err := newSecret()
	if err != nil {
		return APIToken{}, "", err
	}
	secret := APITokenPrefix + random
	row, err := s.q.CreateApiToken(ctx, dbq.CreateApiTokenParams{
		AgentID: agentID, Name: name, Scope: string(scope), Prefix: secret[:shownPrefixLen],
		TokenHash: hashSecret(secret), Now: s.now(), BotName: bot,
	})
	if err != nil {
		return APIToken{}, "", agentNotFound(err)
	}
	agent, err := s.q.GetAgent(ctx, agentID)
	if err != nil {
		return APIToken{}, "", agentNotFound(err)
	}
	return APIToken{
		ID: row.ID, Name: row.Name, Scope: Scope(row.Scope), Prefix: row.Prefix, AgentID: row.AgentID,
		AgentName: agent.DisplayName, BotName: botName, CreatedAt: row.CreatedAt,
	}, secret, nil
}

// TokenFilter narrows and pages ListAPITokens.
type TokenFilter struct {
	// BotsOnly keeps tokens with a bot name; LiveOnly those not revoked.
	BotsOnly, LiveOnly bool
	// PageSize is 1–limits.AdminListPage; 0 means DefaultAdminListPage.
	PageSize int32
	// PageToken is a previous page's next token.
	PageToken string
}

// ListAPITokens lists tokens, revoked ones included unless the filter
// says, newest first, a page at a time; the token is "" on the last page.
// Errors: TooManyItems or InvalidValue (page_size), MalformedCursor.
func (s *Service) ListAPITokens(ctx context.Context, f TokenFilter) ([]APIToken, string, error) {
	n, err := limits.PageSize(f.PageSize, limits.DefaultAdminListPage, limits.AdminListPage)
	if err != nil {
		return nil, "", err
	}
	p := dbq.ListApiTokensParams{BotsOnly: f.BotsOnly, LiveOnly: f.LiveOnly, PageLimit: int32(n + 1)}
	if f.PageToken != "" {
		if p.CursorAt, p.CursorID, err = limits.DecodeTimeCursor(f.PageToken); err != nil {
			return nil, "", err
		}
		p.HasCursor = true
	}
	rows, err := s.q.ListApiTokens(ctx, p)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > n {
		rows = rows[:n]
		next = limits.EncodeTimeCursor(rows[n-1].CreatedAt, rows[n-1].ID)
	}
	out := make([]APIToken, len(rows))
	for i, r := range rows {
		out[i] = APIToken{
			ID: r.ID, Name: r.Name, Scope: Scope(r.Scope), Prefix: r.Prefix, AgentID: r.AgentID,
			AgentName: r.AgentName, BotName: deref(r.BotName), CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt,
			AvatarURL: attachments.AvatarURL(r.Avatar),
		}
	}
	return out, next, nil
}

// RevokeAPIToken revokes a token at once; revoking a revoked token succeeds
// and keeps the first revocation time. Errors: NotFound.
func (s *Service) RevokeAPIToken(ctx context.Context, id uuid.UUID) (APIToken, error) {
	r, err := s.q.RevokeApiToken(ctx, dbq.RevokeApiTokenParams{Now: s.now(), ID: id})
	if err != nil {
		return APIToken{}, apperr.NotFoundAs(err, apperr.TokenNotFound, "API token not found")
	}
	s.revoked()
	return APIToken{
		ID: r.ID, Name: r.Name, Scope: Scope(r.Scope), Prefix: r.Prefix, AgentID: r.AgentID,
		AgentName: r.AgentName, BotName: deref(r.BotName), CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt,
	}, nil
}

// AuthenticateAPIToken resolves a bearer secret ("lc_…") to the agent it
// acts for. The principal's role is the lower of the agent's role and the
// token's scope. Errors: Unauthenticated, with a message saying why.
func (s *Service) AuthenticateAPIToken(ctx context.Context, secret string) (principal.Principal, error) {
	hash := hashSecret(secret)
	now := s.now()
	row, ok := s.cache.tokens.get(hash, now, s.cfg.CredentialCacheTTL)
	if !ok {
		var err error
		row, err = s.q.GetApiTokenByHash(ctx, hash)
		if apperr.Is(err, apperr.NotFound) {
			return principal.Principal{}, apperr.New(apperr.SignInRequired, "unknown API token")
		}
		if err != nil {
			return principal.Principal{}, err
		}
		s.cache.tokens.put(hash, row, now)
	}
	switch {
	case row.RevokedAt != nil:
		return principal.Principal{}, apperr.New(apperr.TokenRevoked, "this API token was revoked")
	case row.Disabled:
		return principal.Principal{}, apperr.New(apperr.TokenRevoked, "the agent this API token acts for is disabled")
	}
	if row.LastUsedAt == nil || now.Sub(*row.LastUsedAt) >= touchEvery {
		if err := s.q.TouchApiToken(ctx, dbq.TouchApiTokenParams{Now: now, ID: row.ID}); err != nil {
			s.cfg.Log.WarnContext(ctx, "touch API token", "err", err)
		} else {
			s.cache.tokens.update(hash, func(r *dbq.GetApiTokenByHashRow) { r.LastUsedAt = &now })
		}
	}
	role := principalRole(Role(row.Role))
	if scope := principalRole(Role(row.Scope)); scope < role {
		role = scope
	}
	// A bot speaks under its own name: every message, typing indicator and
	// system line it causes shows it.
	name := row.DisplayName
	if row.BotName != nil {
		name = *row.BotName
	}
	return principal.Principal{
		Kind: principal.KindAgent, AgentID: row.AgentID, AgentName: name, Role: role, TokenID: row.ID,
	}, nil
}

// deref is the string s points to, or "".
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
