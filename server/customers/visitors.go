package customers

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/realtime"
	"github.com/opensupport/livechat/server/widgets"
)

// Visitors on the site now: who browses a website with a widget, kept in
// the hub's memory (realtime.Hub.Arrive), never in a table. A page view
// costs no database write; the Browse call reads the widget by its site
// key, and a visitor who has a session is resolved by their token (which
// refreshes the session's last-seen time at most once a minute).

// Site is what the visitors-now list needs of the realtime hub.
type Site interface {
	Arrive(p realtime.VisitorPage) (*realtime.Browser, error)
	Visitors(widgetID uuid.UUID) []realtime.VisitorOnSite
	Invite(widgetID uuid.UUID, key, payload string) bool
}

// SiteWidgets is what the visitors-now list needs of the widgets domain.
type SiteWidgets interface {
	Site(ctx context.Context, siteKey, origin string) (widgets.Widget, error)
	ResolveVisitor(ctx context.Context, token, origin string) (principal.Principal, error)
}

// Sealer signs invitations so any instance can accept them (the server's
// secretbox).
type Sealer interface {
	Seal(plaintext []byte, label string) (string, error)
	Open(sealed, label string) ([]byte, error)
}

// The bounds of the visitors-now list.
const (
	// ListedVisitors is the most visitors ListVisitors returns.
	ListedVisitors = 1000
	// InvitationText is the longest proactive message, in characters (an
	// invitation travels between instances in one notification).
	InvitationText = 1000
	// InvitationTTL is how long an invitation can be accepted.
	InvitationTTL = 10 * time.Minute
	// maxVisit bounds the visit length a browser may claim.
	maxVisit = 7 * 24 * time.Hour
)

const invitationLabel = "visitor invitation"

// BrowseInput is one page view of a visitor, as the widget reports it.
type BrowseInput struct {
	SiteKey, Origin string
	Key             string
	URL, Title      string
	Visit           time.Duration
	Returning       bool
	Opened          bool
	Token           string
}

// Browse puts the visitor's page on the widget's visitors-now list; the
// caller holds the returned Browser while the page is open and calls Leave
// when it closes. Errors: WidgetNotFound; OriginNotAllowed; InvalidValue
// (field "visitor_key", or "opened" when the widget may not track the
// visitor); TextTooLong or TextInvalid (url, title); TooManyVisitors.
func (s *Service) Browse(ctx context.Context, in BrowseInput) (*realtime.Browser, error) {
	if s.site == nil || s.siteWidgets == nil {
		return nil, apperr.New(apperr.Unavailable, "the visitors-now list is not running")
	}
	if !validVisitorKey(in.Key) {
		return nil, apperr.New(apperr.InvalidValue, "visitor_key is 16–64 characters of A-Z a-z 0-9 - _").WithField("visitor_key")
	}
	w, err := s.siteWidgets.Site(ctx, in.SiteKey, in.Origin)
	if err != nil {
		return nil, err
	}
	u, err := limits.CleanOptional("url", in.URL, PageURL, false)
	if err != nil {
		return nil, err
	}
	title, err := limits.CleanOptional("title", in.Title, PageTitle, false)
	if err != nil {
		return nil, err
	}
	var customer uuid.UUID
	if in.Token != "" {
		if p, err := s.siteWidgets.ResolveVisitor(ctx, in.Token, in.Origin); err == nil && p.WidgetID == w.ID {
			customer = p.CustomerID
		}
	}
	tr := w.Settings.Tracking
	if !tr.TrackVisits && !in.Opened && customer == uuid.Nil {
		return nil, apperr.New(apperr.InvalidValue, "this widget lists visitors only once they open it (its \"track visits\" switch is off)").WithField("opened")
	}
	u = pageURL(u, tr.KeepQueryStrings)
	if tr.PagesOff {
		u, title = "", ""
	}
	now := time.Now()
	return s.site.Arrive(realtime.VisitorPage{
		WidgetID: w.ID, Key: in.Key, CustomerID: customer, URL: u, Title: title,
		VisitStart: now.Add(-min(max(in.Visit, 0), maxVisit)), PageOpened: now, Returning: in.Returning,
	})
}

func validVisitorKey(k string) bool {
	if len(k) < 16 || len(k) > 64 {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// VisitorOnSite is one visitor in the visitors-now list.
type VisitorOnSite struct {
	realtime.VisitorOnSite
	CustomerName       string
	OpenConversationID uuid.UUID
}

// ListVisitors lists the widget's visitors now (every widget's for
// uuid.Nil; only the customer's pages unless customerID is uuid.Nil),
// newest page first (at most ListedVisitors), and how many there are.
// Errors: WidgetNotFound.
func (s *Service) ListVisitors(ctx context.Context, widgetID, customerID uuid.UUID) ([]VisitorOnSite, int, error) {
	if widgetID != uuid.Nil {
		if _, err := s.widgets.GetWidget(ctx, widgetID); err != nil {
			return nil, 0, err
		}
	}
	if s.site == nil {
		return nil, 0, nil
	}
	all := s.site.Visitors(widgetID)
	if customerID != uuid.Nil {
		all = slices.DeleteFunc(all, func(v realtime.VisitorOnSite) bool { return v.CustomerID != customerID })
	}
	total := len(all)
	all = all[:min(len(all), ListedVisitors)]
	var ids []uuid.UUID
	for _, v := range all {
		if v.CustomerID != uuid.Nil {
			ids = append(ids, v.CustomerID)
		}
	}
	type known struct {
		name string
		open uuid.UUID
	}
	byID := map[uuid.UUID]known{}
	if len(ids) > 0 {
		rows, err := s.q.VisitorCustomers(ctx, ids)
		if err != nil {
			return nil, 0, err
		}
		for _, r := range rows {
			byID[r.ID] = known{name: r.Name, open: r.OpenConversationID}
		}
	}
	out := make([]VisitorOnSite, len(all))
	for i, v := range all {
		k := byID[v.CustomerID]
		out[i] = VisitorOnSite{VisitorOnSite: v, CustomerName: k.name, OpenConversationID: k.open}
	}
	return out, total, nil
}

// invitation is what an invitation token holds.
type invitation struct {
	ID        uuid.UUID `json:"i"`
	WidgetID  uuid.UUID `json:"w"`
	Key       string    `json:"k"`
	AgentID   uuid.UUID `json:"a"`
	AgentName string    `json:"n"`
	Text      string    `json:"t"`
	Expires   time.Time `json:"e"`
}

// Invitation is what a visitor's widget is shown of an invitation.
type Invitation struct {
	AgentName, Text, Token string
}

// InviteVisitor offers the visitor a chat that starts with the agent's
// message: their open pages get it at once (Browse). Errors:
// WidgetNotFound; ProactiveNotAllowed; TextEmpty, TextTooLong,
// TextInvalid (field "text"); VisitorNotOnSite.
func (s *Service) InviteVisitor(ctx context.Context, agent principal.Agent, widgetID uuid.UUID, key, text string) error {
	w, err := s.widgets.GetWidget(ctx, widgetID)
	if err != nil {
		return err
	}
	if w.Settings.Tracking.ProactiveOff {
		return apperr.New(apperr.ProactiveNotAllowed, "this website does not let agents start chats")
	}
	text, err = limits.Clean("text", text, InvitationText, true)
	if err != nil {
		return err
	}
	if s.site == nil || s.box == nil || !validVisitorKey(key) {
		return apperr.New(apperr.VisitorNotOnSite, "the visitor is not on the site now")
	}
	raw, _ := json.Marshal(invitation{
		ID: uuid.New(), WidgetID: widgetID, Key: key, AgentID: agent.ID, AgentName: agent.Name,
		Text: text, Expires: time.Now().Add(InvitationTTL),
	}) // ids, strings and a time always encode
	token, err := s.box.Seal(raw, invitationLabel)
	if err != nil {
		return apperr.Wrap(apperr.Internal, err, "seal an invitation")
	}
	if !s.site.Invite(widgetID, key, token) {
		return apperr.New(apperr.VisitorNotOnSite, "the visitor is not on the site now (their page closed)")
	}
	return nil
}

// openInvitation reads an invitation token; ok is false for anything
// altered, expired or not this widget's.
func (s *Service) openInvitation(token string, widgetID uuid.UUID) (invitation, bool) {
	if s.box == nil || len(token) > 8000 {
		return invitation{}, false
	}
	raw, err := s.box.Open(token, invitationLabel)
	if err != nil {
		return invitation{}, false
	}
	var inv invitation
	if json.Unmarshal(raw, &inv) != nil || inv.WidgetID != widgetID || time.Now().After(inv.Expires) {
		return invitation{}, false
	}
	return inv, true
}

// ShowInvitation is what a visitor's page shows of an invitation token
// the hub delivered to it; ok is false for a token it cannot read.
func (s *Service) ShowInvitation(token string, widgetID uuid.UUID) (Invitation, bool) {
	inv, ok := s.openInvitation(token, widgetID)
	if !ok {
		return Invitation{}, false
	}
	return Invitation{AgentName: inv.AgentName, Text: inv.Text, Token: token}, true
}

// AcceptInvitation stores the invitation's message as the agent's first
// message to the visitor (see chat.OpenForAgent). Errors:
// InvitationInvalid; as OpenForAgent.
func (s *Service) AcceptInvitation(ctx context.Context, v principal.Visitor, token string) (chat.Conversation, error) {
	inv, ok := s.openInvitation(token, v.WidgetID)
	if !ok {
		return chat.Conversation{}, apperr.New(apperr.InvitationInvalid, "this invitation is not valid here or has expired")
	}
	return s.chat.OpenForAgent(ctx, v, chat.Opener{
		AgentID: inv.AgentID, AgentName: inv.AgentName, Text: inv.Text, Key: "invitation:" + inv.ID.String(),
	})
}
