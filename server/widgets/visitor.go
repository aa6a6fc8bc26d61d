package widgets

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

const (
	// A visitor token is principal.VisitorTokenPrefix and 32 random bytes,
	// base64url.
	visitorTokenLen = len(principal.VisitorTokenPrefix) + 43
	// touchEvery limits last-seen writes to one per visitor session a minute.
	touchEvery = time.Minute
	// VisitorSessionIdle ends a visitor session unused for this long: the
	// widget then starts a new visitor.
	VisitorSessionIdle = 90 * 24 * time.Hour
)

// ResolveVisitor turns a visitor token into the caller it stands for. The
// auth interceptor calls it for `Authorization: Bearer lcv_…`, with the
// call's Origin header ("" when there is none).
//
// It is also where every visitor call is held to the widget's allowed
// origins: a non-empty origin must be allowed by the token's widget. A
// session's last-seen time (and its customer's) is refreshed at most once a
// minute.
//
// Errors: VisitorSessionEnded for an unknown, malformed or revoked token;
// WidgetNotFound when the widget was deleted; OriginNotAllowed for an
// origin the widget does not allow.
func (s *Service) ResolveVisitor(ctx context.Context, token, origin string) (principal.Principal, error) {
	if !strings.HasPrefix(token, principal.VisitorTokenPrefix) || len(token) != visitorTokenLen {
		return principal.Principal{}, apperr.New(apperr.VisitorSessionEnded, "invalid visitor token; start a new session")
	}
	row, err := s.q.ResolveVisitorSession(ctx, hashToken(token))
	if apperr.Is(err, apperr.NotFound) {
		return principal.Principal{}, apperr.Wrap(apperr.VisitorSessionEnded, err, "invalid visitor token; start a new session")
	}
	if err != nil {
		return principal.Principal{}, err
	}
	if row.RevokedAt != nil || time.Since(row.LastSeenAt) > VisitorSessionIdle {
		return principal.Principal{}, apperr.New(apperr.VisitorSessionEnded, "this visitor session has ended; start a new session")
	}
	if row.WidgetDeletedAt != nil {
		return principal.Principal{}, apperr.New(apperr.WidgetNotFound, "this chat widget no longer exists")
	}
	allowed, err := decodeOrigins(row.AllowedOrigins)
	if err != nil {
		return principal.Principal{}, err
	}
	if err := checkOrigin(allowed, origin); err != nil {
		return principal.Principal{}, err
	}
	if time.Since(row.LastSeenAt) > touchEvery {
		// Presence bookkeeping only: a failure must not fail the call.
		_ = s.q.TouchVisitorSession(ctx, row.ID)
	}
	return principal.Principal{
		Kind:             principal.KindVisitor,
		CustomerID:       row.CustomerID,
		WidgetID:         row.WidgetID,
		VisitorSessionID: row.ID,
	}, nil
}

// StartSessionInput is what a widget sends to start or continue a visitor.
type StartSessionInput struct {
	SiteKey string
	// Origin is the call's Origin header ("" for non-browser callers).
	Origin string
	// ClientAddress keys the rate limit (see ClientAddress).
	ClientAddress string
	// Prechat holds the pre-chat answers by field key.
	Prechat map[string]string
	// VisitorToken is a token from an earlier session, to continue.
	VisitorToken string
	// Identity is the host site's signed claim of who the visitor is; the
	// zero Identity is none.
	Identity Identity
}

// Identity is a host site's claim of who the visitor is, signed by its
// backend.
type Identity struct {
	// UserID is the host site's own user id.
	UserID string
	// HMAC is the hex HMAC-SHA256 of UserID keyed with the widget's
	// identity secret (see IdentityHMAC).
	HMAC string
	// Name and Email are optional details, trusted because the HMAC is.
	Name, Email string
}

// Session is a started visitor session.
type Session struct {
	// Token is the visitor token to send as a bearer token.
	Token    string
	Widget   Widget
	Config   Config
	Customer chat.Customer
	// Conversation is the visitor's open or most recent conversation, or
	// nil.
	Conversation *chat.Conversation
	// Visitor is the caller the token stands for.
	Visitor principal.Visitor
}

// StartSession starts a visitor session on a widget, or continues one:
//
//   - A valid earlier token of this widget continues its visitor (same
//     token, customer and conversations), unless that visitor was verified
//     and the call does not prove the same identity again (the host site's
//     user signed out, or someone else uses the browser): then a new
//     anonymous visitor starts.
//   - A verified identity (HMAC of the user id with the widget's secret)
//     links to the customer of that user id, created on first use. An
//     anonymous visitor who proves an identity that has no customer yet
//     becomes that customer, keeping their conversation.
//   - Pre-chat answers are stored on the customer by field type; required
//     fields must have a value once the answers are applied.
//
// Only calls that create a session count against the per-address limit, so
// reloading pages with a valid token never runs into it.
//
// Errors: WidgetNotFound for an unknown site key; OriginNotAllowed;
// IdentityInvalid for a wrong HMAC; Required, InvalidValue, InvalidEmail or
// a text reason for bad or missing pre-chat answers or identity fields;
// RateLimited (with the time to wait) over the limit.
func (s *Service) StartSession(ctx context.Context, in StartSessionInput) (Session, error) {
	w, err := s.widgetBySiteKey(ctx, in.SiteKey)
	if err != nil {
		return Session{}, err
	}
	if err := checkOrigin(w.Settings.AllowedOrigins, in.Origin); err != nil {
		return Session{}, err
	}
	if w.identitySecret, err = s.openSecret(w.identitySecret); err != nil {
		return Session{}, err
	}
	id, err := verifyIdentity(w, in.Identity)
	if err != nil {
		return Session{}, err
	}
	sess, err := s.startSession(ctx, w, in, id)
	if db.Violated(err, db.CustomerVerifiedUserKey) {
		// Two first visits of one verified user raced to create their
		// customer; the loser now finds it.
		sess, err = s.startSession(ctx, w, in, id)
	}
	return sess, err
}

// identity is a verified identity's claim, or nil.
type identity struct {
	userID, name, email string
}

func (s *Service) startSession(ctx context.Context, w Widget, in StartSessionInput, id *identity) (Session, error) {
	// Who the earlier token belongs to, when it is a usable one.
	var prev *dbq.Customer
	var prevSession uuid.UUID
	if in.VisitorToken != "" && strings.HasPrefix(in.VisitorToken, principal.VisitorTokenPrefix) && len(in.VisitorToken) == visitorTokenLen {
		row, err := s.q.ResolveVisitorSession(ctx, hashToken(in.VisitorToken))
		switch {
		case apperr.Is(err, apperr.NotFound):
		case err != nil:
			return Session{}, err
		case row.RevokedAt == nil && row.WidgetID == w.ID && time.Since(row.LastSeenAt) <= VisitorSessionIdle:
			c, err := s.q.GetVisitorCustomer(ctx, row.CustomerID)
			if err != nil {
				return Session{}, err
			}
			prev, prevSession = &c.Customer, row.ID
		}
	}

	// Choose the customer: continue, switch to a verified one, or new.
	var target *dbq.Customer // nil: a new customer
	continueToken := false
	switch {
	case id == nil:
		if prev != nil && prev.VerifiedUserID == nil {
			target, continueToken = prev, true
		}
	case prev != nil && prev.VerifiedUserID != nil && *prev.VerifiedUserID == id.userID:
		target, continueToken = prev, true
	default:
		cid, err := s.q.GetVerifiedCustomerID(ctx, dbq.GetVerifiedCustomerIDParams{WidgetID: w.ID, VerifiedUserID: &id.userID})
		switch {
		case err == nil:
			c, err := s.q.GetVisitorCustomer(ctx, cid)
			if err != nil {
				return Session{}, err
			}
			target = &c.Customer
		case !apperr.Is(err, apperr.NotFound):
			return Session{}, err
		case prev != nil && prev.VerifiedUserID == nil:
			target, continueToken = prev, true
		}
	}

	// Required answers are checked when the form is submitted and when an
	// anonymous visitor is created; continuing a visitor or linking an
	// identity without answers must not fail because of a form the visitor
	// has not been shown yet.
	enforce := len(in.Prechat) > 0 || (target == nil && id == nil)
	fields, err := applyPrechat(w.Settings.Prechat, target, id, in.Prechat, enforce)
	if err != nil {
		return Session{}, err
	}
	if !continueToken {
		if err := s.hit(ctx, "start_session:"+in.ClientAddress, s.limits.StartSessions, s.limits.StartSessionWindow, "new chat sessions from your address"); err != nil {
			return Session{}, err
		}
	} else if len(in.Prechat) > 0 {
		if err := s.hitDetails(ctx, target.ID); err != nil {
			return Session{}, err
		}
	}

	token := in.VisitorToken
	if !continueToken {
		token = newVisitorToken()
	}
	sessionID := prevSession
	var customerID uuid.UUID
	var updated int64 // conversation_updated events written
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		var err error
		// Webhooks hear of customers created and changed (customer_created,
		// customer_updated); UpdateVisitorCustomer below records changed
		// details itself.
		announce := ""
		switch {
		case id != nil && target != nil && target.VerifiedUserID == nil:
			customerID, err = q.VerifyVisitorCustomer(ctx, dbq.VerifyVisitorCustomerParams{
				ID: target.ID, VerifiedUserID: &id.userID, Name: id.name, Email: id.email,
			})
			announce = "customer_updated"
		case id != nil:
			var row dbq.UpsertVerifiedCustomerRow
			row, err = q.UpsertVerifiedCustomer(ctx, dbq.UpsertVerifiedCustomerParams{
				WidgetID: w.ID, VerifiedUserID: &id.userID, Name: id.name, Email: id.email,
			})
			customerID = row.ID
			if row.Inserted {
				announce = "customer_created"
			}
		case target != nil:
			customerID = target.ID
		default:
			customerID, err = q.CreateVisitorCustomer(ctx, dbq.CreateVisitorCustomerParams{
				WidgetID: w.ID, Name: fields.name, Email: fields.email, Phone: fields.phone, Attributes: fields.attributesJSON(),
			})
			announce = "customer_created"
		}
		if err != nil {
			return err
		}
		if announce != "" {
			if err := q.AnnounceCustomer(ctx, dbq.AnnounceCustomerParams{Kind: announce, CustomerID: customerID}); err != nil {
				return err
			}
		}
		merged := false
		if id != nil && prev != nil && prev.VerifiedUserID == nil && prev.ID != customerID {
			if merged, err = mergeVisitor(ctx, q, prev.ID, customerID); err != nil {
				return err
			}
		}
		if updated, err = q.UpdateVisitorCustomer(ctx, dbq.UpdateVisitorCustomerParams{
			ID: customerID, Name: fields.name, Email: fields.email, Phone: fields.phone, Attributes: fields.attributesJSON(),
		}); err != nil {
			return err
		}
		if merged || announce != "" {
			updated++
		}
		if fields.emailGiven {
			// Only an address the visitor gave or the host site verified is
			// ever mailed (package mail).
			if err := q.RecordGivenAddress(ctx, dbq.RecordGivenAddressParams{CustomerID: customerID, Address: fields.email}); err != nil {
				return err
			}
		}
		if !continueToken {
			sessionID, err = q.CreateVisitorSession(ctx, dbq.CreateVisitorSessionParams{
				TokenHash: hashToken(token), WidgetID: w.ID, CustomerID: customerID,
			})
			if err != nil {
				return err
			}
			// The earlier token stops working: its visitor was verified and
			// this call did not prove that identity (the host's user signed
			// out, or someone else uses the browser), or it proved another.
			if prevSession != uuid.Nil {
				err = q.RevokeVisitorSession(ctx, prevSession)
			}
		}
		return err
	})
	if err != nil {
		return Session{}, err
	}
	if updated > 0 {
		s.committed()
	}
	if !continueToken && prevSession != uuid.Nil {
		s.sessionsEnded()
	}
	v := principal.Visitor{CustomerID: customerID, WidgetID: w.ID, SessionID: sessionID}
	cust, err := s.customer(ctx, customerID)
	if err != nil {
		return Session{}, err
	}
	conv, err := s.conversation(ctx, v)
	if err != nil {
		return Session{}, err
	}
	cfg, err := s.publicConfig(ctx, w)
	if err != nil {
		return Session{}, err
	}
	return Session{
		Token:        token,
		Widget:       w,
		Config:       cfg,
		Customer:     cust,
		Conversation: conv,
		Visitor:      v,
	}, nil
}

// mergeVisitor moves an anonymous visitor's conversations to the customer of
// the user they proved to be, and announces them, unless the user is in the
// middle of a conversation of their own: then that one continues and the
// anonymous one stays apart (on a shared browser it may be someone else's).
// Reports whether it merged.
func mergeVisitor(ctx context.Context, q *dbq.Queries, from, into uuid.UUID) (bool, error) {
	busy, err := q.HasOpenConversation(ctx, into)
	if err != nil || busy {
		return false, err
	}
	if err := q.MergeCustomerInto(ctx, dbq.MergeCustomerIntoParams{FromID: from, IntoID: into}); err != nil {
		return false, err
	}
	return true, q.AnnounceCustomerChange(ctx, into)
}

// verifyIdentity checks a host site's identity claim. No claim (or an empty
// user id) is no identity; a claim with a wrong HMAC is refused, never
// downgraded to anonymous, so a broken integration is noticed at once.
func verifyIdentity(w Widget, in Identity) (*identity, error) {
	if in.UserID == "" && in.HMAC == "" {
		return nil, nil
	}
	if in.UserID == "" {
		return nil, apperr.New(apperr.Required, "identity.user_id is required with an identity HMAC").WithField("identity.user_id")
	}
	// The user id is the host site's key, compared as it is: not trimmed.
	if utf8.RuneCountInString(in.UserID) > limits.VerifiedUserID || !utf8.ValidString(in.UserID) {
		return nil, apperr.New(apperr.InvalidValue, "identity.user_id must be 1–%d characters", limits.VerifiedUserID).
			WithField("identity.user_id").WithLimit(limits.VerifiedUserID)
	}
	if !ValidIdentityHMAC(w.identitySecret, in.UserID, in.HMAC) {
		return nil, apperr.New(apperr.IdentityInvalid, "identity verification failed: the HMAC does not match this user id and widget")
	}
	name, err := limits.CleanOptional("identity.name", in.Name, limits.CustomerField, false)
	if err != nil {
		return nil, err
	}
	email, err := limits.CleanEmail("identity.email", in.Email)
	if err != nil {
		return nil, err
	}
	return &identity{userID: in.UserID, name: name, email: email}, nil
}

// IdentityHMAC is what a host site's backend computes for a user: the
// lower-case hex HMAC-SHA256 of the user id keyed with the widget's
// identity secret.
func IdentityHMAC(secret, userID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(userID))
	return hex.EncodeToString(m.Sum(nil))
}

// ValidIdentityHMAC reports, in constant time, whether mac is the identity
// HMAC of userID under secret (hex, either case).
func ValidIdentityHMAC(secret, userID, mac string) bool {
	got, err := hex.DecodeString(mac)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(userID))
	return hmac.Equal(got, m.Sum(nil))
}

// customerFields are the values a customer ends up with.
type customerFields struct {
	name, email, phone string
	attributes         map[string]string
	// emailGiven: email is the visitor's own answer or the verified
	// identity's, so it may be mailed (not just the stored value).
	emailGiven bool
}

func (f customerFields) attributesJSON() []byte {
	b, _ := json.Marshal(f.attributes) // a map of strings always encodes
	return b
}

// applyPrechat merges pre-chat answers into a customer's current values
// (a verified identity's name and email win, being the host site's) and
// checks them against the widget's form; with enforce, an enabled form's
// required fields must have a value afterwards.
func applyPrechat(form PrechatForm, cur *dbq.Customer, id *identity, answers map[string]string, enforce bool) (customerFields, error) {
	f := customerFields{attributes: map[string]string{}}
	if cur != nil {
		f.name, f.email, f.phone = cur.Name, cur.Email, cur.Phone
		if len(cur.Attributes) > 0 {
			_ = json.Unmarshal(cur.Attributes, &f.attributes) // written by us as a string map
			if f.attributes == nil {
				f.attributes = map[string]string{}
			}
		}
	}
	byKey := make(map[string]PrechatField, len(form.Fields))
	for _, fld := range form.Fields {
		byKey[fld.Key] = fld
	}
	for key, raw := range answers {
		field := "prechat[" + key + "]"
		fld, ok := byKey[key]
		if !ok {
			return f, apperr.New(apperr.InvalidValue, "unknown pre-chat field %q", key).WithField(field)
		}
		v, err := limits.CleanOptional(field, raw, limits.CustomerField, false)
		if err != nil {
			return f, err
		}
		if v == "" {
			continue
		}
		switch fld.Type {
		case FieldName:
			f.name = v
		case FieldEmail:
			if v, err = limits.CleanEmail(field, v); err != nil {
				return f, err
			}
			f.email, f.emailGiven = v, true
		case FieldPhone:
			f.phone = v
		default:
			f.attributes[key] = v
		}
	}
	if id != nil {
		if id.name != "" {
			f.name = id.name
		}
		if id.email != "" {
			f.email, f.emailGiven = id.email, true
		}
	}
	if enforce && form.Enabled {
		for _, fld := range form.Fields {
			if !fld.Required {
				continue
			}
			var v string
			switch fld.Type {
			case FieldName:
				v = f.name
			case FieldEmail:
				v = f.email
			case FieldPhone:
				v = f.phone
			default:
				v = f.attributes[fld.Key]
			}
			if v == "" {
				return f, apperr.New(apperr.Required, "%s is required", fld.Label).WithField("prechat[" + fld.Key + "]")
			}
		}
	}
	return f, nil
}

// RevokedVisitorSessions returns those of ids (visitor sessions) that ended:
// revoked, unused for VisitorSessionIdle, or of a deleted widget. The
// realtime hub ends the streams they opened.
func (s *Service) RevokedVisitorSessions(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	return s.q.RevokedVisitorSessions(ctx, dbq.RevokedVisitorSessionsParams{Ids: ids, IdleSeconds: VisitorSessionIdle.Seconds()})
}

// UpdateCustomerInput holds the details a visitor sets; nil fields stay.
type UpdateCustomerInput struct {
	Name, Email, Phone *string
}

// UpdateCustomer sets the calling visitor's own name, email or phone.
//
// A visitor may change their details Limits.DetailUpdates times per
// Limits.DetailUpdateWindow (pre-chat answers on a continued session
// count too): each change reaches every agent's stream.
//
// Errors: IdentityLocked for a verified customer (the host site owns those
// details); InvalidEmail, or a text reason for a field over 200 characters;
// RateLimited (with the time to wait) over the limit.
func (s *Service) UpdateCustomer(ctx context.Context, v principal.Visitor, in UpdateCustomerInput) (chat.Customer, error) {
	row, err := s.q.GetVisitorCustomer(ctx, v.CustomerID)
	if err != nil {
		return chat.Customer{}, apperr.NotFoundAs(err, apperr.CustomerNotFound, "customer not found")
	}
	c := row.Customer
	if c.VerifiedUserID != nil {
		return chat.Customer{}, apperr.New(apperr.IdentityLocked, "your details come from the website you are signed in to and cannot be changed here")
	}
	if err := s.hitDetails(ctx, c.ID); err != nil {
		return chat.Customer{}, err
	}
	set := func(field string, dst *string, v *string, email bool) error {
		if v == nil {
			return nil
		}
		clean := func(field, v string) (string, error) {
			return limits.CleanOptional(field, v, limits.CustomerField, false)
		}
		if email {
			clean = limits.CleanEmail
		}
		t, err := clean(field, *v)
		if err != nil {
			return err
		}
		*dst = t
		return nil
	}
	if err := set("name", &c.Name, in.Name, false); err != nil {
		return chat.Customer{}, err
	}
	if err := set("email", &c.Email, in.Email, true); err != nil {
		return chat.Customer{}, err
	}
	if err := set("phone", &c.Phone, in.Phone, false); err != nil {
		return chat.Customer{}, err
	}
	var updated int64
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		var err error
		if updated, err = q.UpdateVisitorCustomer(ctx, dbq.UpdateVisitorCustomerParams{
			ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Attributes: c.Attributes,
		}); err != nil {
			return err
		}
		if in.Email == nil {
			return nil
		}
		// The visitor typed it: it may be mailed (package mail).
		return q.RecordGivenAddress(ctx, dbq.RecordGivenAddressParams{CustomerID: c.ID, Address: c.Email})
	})
	if err != nil {
		return chat.Customer{}, err
	}
	if updated > 0 {
		s.committed()
	}
	return s.customer(ctx, c.ID)
}

// customer loads a customer as the API shows it, from the chat domain,
// which owns customer records as agents and visitors see them.
func (s *Service) customer(ctx context.Context, id uuid.UUID) (chat.Customer, error) {
	if s.chatDomain == nil {
		return chat.Customer{}, errNoChat
	}
	return s.chatDomain.Customer(ctx, id)
}

// newVisitorToken returns a new random visitor token.
func newVisitorToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return principal.VisitorTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is how a token is stored and looked up.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
