// Package customers keeps what agents know about customers: their profile
// (name, email, phone, company, notes), the typed custom attributes admins
// define for the installation and each customer's values of them, the
// record of every edit an agent made (who, when, old → new), and the list
// and search of customers.
//
// A customer record is created by the widget (package widgets) when a
// visitor starts a session; the conversation domain (package chat) owns the
// Customer type agents see beside a conversation. This package adds to it.
// Service speaks Go types and knows nothing about Connect; package
// customersapi adapts it to livechatv1connect.CustomerServiceHandler.
package customers

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/tags"
)

// The sizes of what GetCustomer returns and of a customer list page.
const (
	// HistoryConversations is the most conversations GetCustomer returns.
	HistoryConversations = 50
	// HistoryChanges is the most recorded edits GetCustomer returns.
	HistoryChanges = 100
	// DefaultPage and MaxPage bound a ListCustomers page.
	DefaultPage = 30
	MaxPage     = 100
	// Notes is the longest agents' note on a customer, in characters.
	Notes = limits.MessageText
)

// Hub is what the domain tells the realtime hub: that durable events were
// committed (an edited name reaches every agent's inbox).
type Hub interface {
	Committed()
}

// Service holds the rules of customer profiles.
type Service struct {
	pool    *db.Pool
	q       *dbq.Queries
	hub     Hub
	chat    *chat.Service
	widgets Widgets
	geo     Geo
	// The visitors-now list (visitors.go); nil without it.
	site        Site
	siteWidgets SiteWidgets
	box         Sealer
}

// Options are what the service needs besides the pool.
type Options struct {
	// Hub is told of committed events; nil in tests.
	Hub Hub
	// Conversations reads a customer record as agents see it beside a
	// conversation.
	Conversations *chat.Service
	// Widgets answers a widget's tracking switches.
	Widgets Widgets
	// Geo locates client addresses; nil locates nothing.
	Geo Geo
	// Site keeps the visitors on websites now, SiteWidgets finds their
	// widget and Box signs proactive invitations; all three or none.
	Site        Site
	SiteWidgets SiteWidgets
	Box         Sealer
}

// New returns the service over pool.
func New(pool *db.Pool, o Options) *Service {
	return &Service{pool: pool, q: db.Queries(pool), hub: o.Hub, chat: o.Conversations, widgets: o.Widgets, geo: o.Geo,
		site: o.Site, siteWidgets: o.SiteWidgets, box: o.Box}
}

// Profile is a customer as agents see them: the record shown beside a
// conversation, the agents' notes and the custom attribute values.
type Profile struct {
	chat.Customer
	Notes string
	// Custom holds the customer's custom attribute values, by label.
	Custom []Value
	// Context is where the visitor is and has been; nil before the widget
	// reported.
	Context *VisitorContext
	// Tags are the customer's own tags, by name.
	Tags []tags.Tag
}

// Value is one customer's value of a custom attribute.
type Value struct {
	Definition Definition
	Value      string
}

// Change is one recorded edit of one field.
type Change struct {
	// AgentID is nil when the agent was since deleted.
	AgentID   *uuid.UUID
	AgentName string
	// Field is "name", "email", "phone", "company", "notes", "tags" or
	// "attributes.<key>".
	Field     string
	Old, New  string
	ChangedAt time.Time
}

// ConversationSummary is one conversation of a customer's history.
type ConversationSummary struct {
	ID            uuid.UUID
	Status        chat.Status
	CreatedAt     time.Time
	LastMessageAt time.Time
	AssigneeName  string
	// FirstLine is the first message the customer could see.
	FirstLine string
}

// Details is GetCustomer's answer.
type Details struct {
	Profile       Profile
	Conversations []ConversationSummary
	Changes       []Change
}

// Filter selects and pages the customer list.
type Filter struct {
	// Query searches name, email and phone.
	Query string
	// AttributeKey and AttributeValue keep customers whose custom
	// attribute has the value.
	AttributeKey, AttributeValue string
	WidgetID                     *uuid.UUID
	// TagIDs keeps customers who carry any of them, themselves or on one of
	// their conversations.
	TagIDs    []uuid.UUID
	SeenAfter *time.Time
	PageSize  int32
	PageToken string
}

// Page is one page of the customer list.
type Page struct {
	Customers []chat.Customer
	// NextPageToken is "" on the last page.
	NextPageToken string
}

// Update is what an agent changes; nil fields stay as they are.
type Update struct {
	Name, Email, Phone, Company, Notes *string
	// Custom sets custom attributes by key; "" removes the value.
	Custom map[string]string
	// Tags, when not nil, is the whole set of tags the customer is to
	// carry (empty removes them all).
	Tags *[]uuid.UUID
}

// ListCustomers lists customers, most recently seen first.
// Errors: TextTooLong or TextInvalid (field "query"); InvalidValue,
// TooManyItems (page_size, tag_ids); MalformedCursor; InvalidValue (field
// "attribute_key") for a value without a key; AttributeNotFound for an
// unknown attribute key.
func (s *Service) ListCustomers(ctx context.Context, _ principal.Agent, f Filter) (Page, error) {
	n, err := limits.PageSize(f.PageSize, DefaultPage, MaxPage)
	if err != nil {
		return Page{}, err
	}
	query, err := limits.CleanOptional("query", f.Query, limits.SearchQuery, false)
	if err != nil {
		return Page{}, err
	}
	params := dbq.ListCustomersParams{PageLimit: int32(n + 1), TagIds: f.TagIDs}
	if query != "" {
		params.Pattern = limits.LikePattern(strings.ToLower(query))
	}
	if len(f.TagIDs) > limits.ConversationTags {
		return Page{}, apperr.New(apperr.TooManyItems, "filter by at most %d tags", limits.ConversationTags).
			WithField("tag_ids").WithLimit(limits.ConversationTags)
	}
	if params.TagIds == nil {
		params.TagIds = []uuid.UUID{}
	}
	if f.AttributeKey == "" && f.AttributeValue != "" {
		return Page{}, apperr.New(apperr.InvalidValue, "attribute_value needs attribute_key").WithField("attribute_key")
	}
	if f.AttributeKey != "" {
		def, err := s.definition(ctx, s.q, "attribute_key", f.AttributeKey)
		if err != nil {
			return Page{}, err
		}
		params.ByAttribute, params.AttributeID, params.AttributeValue = true, def.ID, f.AttributeValue
	}
	if f.WidgetID != nil {
		params.ByWidget, params.WidgetID = true, *f.WidgetID
	}
	if f.SeenAfter != nil {
		params.HasSeenAfter, params.SeenAfter = true, *f.SeenAfter
	}
	if f.PageToken != "" {
		at, id, err := limits.DecodeTimeCursor(f.PageToken)
		if err != nil {
			return Page{}, err
		}
		params.HasCursor, params.CursorAt, params.CursorID = true, at, id
	}
	ids, err := s.q.ListCustomers(ctx, params)
	if err != nil {
		return Page{}, err
	}
	more := len(ids) > n
	if more {
		ids = ids[:n]
	}
	rows, err := s.q.CustomerProfiles(ctx, ids)
	if err != nil {
		return Page{}, err
	}
	byID := make(map[uuid.UUID]dbq.CustomerProfilesRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	page := Page{Customers: make([]chat.Customer, 0, len(ids))}
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			page.Customers = append(page.Customers, customerFromRow(r))
		}
	}
	if more && len(page.Customers) > 0 {
		last := page.Customers[len(page.Customers)-1]
		page.NextPageToken = limits.EncodeTimeCursor(last.LastSeenAt, last.ID)
	}
	return page, nil
}

// GetCustomer returns a customer's profile, their conversations newest
// first and their newest recorded edits. CustomerNotFound for an unknown id.
func (s *Service) GetCustomer(ctx context.Context, _ principal.Agent, id uuid.UUID) (Details, error) {
	p, err := s.profile(ctx, id)
	if err != nil {
		return Details{}, err
	}
	convs, err := s.q.CustomerConversations(ctx, dbq.CustomerConversationsParams{CustomerID: id, PageLimit: HistoryConversations})
	if err != nil {
		return Details{}, err
	}
	d := Details{Profile: p, Conversations: make([]ConversationSummary, len(convs))}
	for i, c := range convs {
		d.Conversations[i] = ConversationSummary{
			ID: c.ID, Status: chat.Status(c.Status), CreatedAt: c.CreatedAt, LastMessageAt: c.LastMessageAt,
			AssigneeName: c.AssigneeName, FirstLine: c.FirstLine,
		}
	}
	changes, err := s.q.ListCustomerChanges(ctx, dbq.ListCustomerChangesParams{CustomerID: id, PageLimit: HistoryChanges})
	if err != nil {
		return Details{}, err
	}
	d.Changes = make([]Change, len(changes))
	for i, c := range changes {
		d.Changes[i] = Change{AgentID: c.AgentID, AgentName: c.AgentName, Field: c.Field, Old: c.OldValue, New: c.NewValue, ChangedAt: c.ChangedAt}
	}
	return d, nil
}

// profile reads one customer's profile.
func (s *Service) profile(ctx context.Context, id uuid.UUID) (Profile, error) {
	c, err := s.chat.Customer(ctx, id)
	if err != nil {
		return Profile{}, err
	}
	rows, err := s.q.CustomerProfiles(ctx, []uuid.UUID{id})
	if err != nil {
		return Profile{}, err
	}
	if len(rows) == 0 {
		return Profile{}, apperr.New(apperr.CustomerNotFound, "customer not found")
	}
	vals, err := s.q.CustomerAttributeValues(ctx, []uuid.UUID{id})
	if err != nil {
		return Profile{}, err
	}
	p := Profile{Customer: c, Notes: rows[0].Notes, Custom: make([]Value, len(vals))}
	for i, v := range vals {
		p.Custom[i] = Value{Definition: Definition{ID: v.ID, Key: v.Key, Label: v.Label, Type: Type(v.Type)}, Value: v.Value}
	}
	vc, err := s.visitorContext(ctx, s.q, id)
	if err != nil {
		return Profile{}, err
	}
	if !vc.UpdatedAt.IsZero() {
		p.Context = vc
	}
	tagRows, err := s.q.CustomerTags(ctx, id)
	if err != nil {
		return Profile{}, err
	}
	p.Tags = make([]tags.Tag, len(tagRows))
	for i, t := range tagRows {
		p.Tags[i] = tags.Tag{ID: t.ID, Name: t.Name, Color: tags.Color(t.Color)}
	}
	return p, nil
}

// UpdateCustomer applies an agent's edit and records each changed field
// (who, when, old → new) in the same transaction; a field set to its
// current value records nothing. It returns the new profile and the
// changes recorded.
// Errors: TextTooLong or TextInvalid (the field's name; notes may hold
// several lines); InvalidEmail; AttributeNotFound or AttributeValueInvalid
// (field "attributes.<key>"); CustomerNotFound.
func (s *Service) UpdateCustomer(ctx context.Context, agent principal.Agent, id uuid.UUID, u Update) (Profile, []Change, error) {
	in, err := checkUpdate(u)
	if err != nil {
		return Profile{}, nil, err
	}
	var changes []Change
	announce := false
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		changes, announce = nil, false
		old, err := q.LockCustomerProfile(ctx, id)
		if err != nil {
			return apperr.NotFoundAs(err, apperr.CustomerNotFound, "customer not found")
		}
		next := old
		record := func(field string, cur *string, want *string) {
			if want == nil || *want == *cur {
				return
			}
			changes = append(changes, Change{Field: field, Old: *cur, New: *want})
			*cur = *want
		}
		record("name", &next.Name, in.Name)
		record("email", &next.Email, in.Email)
		record("phone", &next.Phone, in.Phone)
		record("company", &next.Company, in.Company)
		record("notes", &next.Notes, in.Notes)
		announce = next.Name != old.Name || next.Email != old.Email || next.Phone != old.Phone
		if len(changes) > 0 {
			if err := q.SetCustomerProfile(ctx, dbq.SetCustomerProfileParams{
				ID: id, Name: next.Name, Email: next.Email, Phone: next.Phone, Company: next.Company, Notes: next.Notes,
			}); err != nil {
				return err
			}
		}
		custom, err := s.setCustom(ctx, q, id, in.Custom)
		if err != nil {
			return err
		}
		changes = append(changes, custom...)
		tagChange, err := setTags(ctx, q, id, in.Tags)
		if err != nil {
			return err
		}
		changes = append(changes, tagChange...)
		agentID := agent.ID
		for _, c := range changes {
			if err := q.InsertCustomerChange(ctx, dbq.InsertCustomerChangeParams{
				CustomerID: id, AgentID: &agentID, AgentName: agent.Name, Field: c.Field, OldValue: c.Old, NewValue: c.New,
			}); err != nil {
				return err
			}
		}
		if len(changes) > 0 {
			// For webhooks (customer.updated).
			if err := q.AnnounceCustomer(ctx, dbq.AnnounceCustomerParams{Kind: "customer_updated", CustomerID: id}); err != nil {
				return err
			}
		}
		if announce {
			return q.AnnounceCustomerChange(ctx, id)
		}
		return nil
	})
	if err != nil {
		return Profile{}, nil, err
	}
	if (announce || len(changes) > 0) && s.hub != nil {
		s.hub.Committed()
	}
	now := time.Now()
	for i := range changes {
		agentID := agent.ID
		changes[i].AgentID, changes[i].AgentName, changes[i].ChangedAt = &agentID, agent.Name, now
	}
	p, err := s.profile(ctx, id)
	return p, changes, err
}

// setTags replaces a customer's tags with want (nil leaves them) and
// returns the change to record: the names before and after, or nothing when
// the set is the same.
func setTags(ctx context.Context, q *dbq.Queries, id uuid.UUID, want *[]uuid.UUID) ([]Change, error) {
	if want == nil {
		return nil, nil
	}
	names := func() (string, error) {
		rows, err := q.CustomerTags(ctx, id)
		if err != nil {
			return "", err
		}
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = r.Name
		}
		return strings.Join(out, ", "), nil
	}
	if len(*want) > 0 {
		n, err := q.CountTags(ctx, *want)
		if err != nil {
			return nil, err
		}
		if int(n) != len(*want) {
			return nil, apperr.New(apperr.NotFound, "tag not found").WithField("tags.tag_ids")
		}
	}
	before, err := names()
	if err != nil {
		return nil, err
	}
	if err := q.SetCustomerTags(ctx, dbq.SetCustomerTagsParams{CustomerID: id, TagIds: *want}); err != nil {
		return nil, err
	}
	after, err := names()
	if err != nil || after == before {
		return nil, err
	}
	return []Change{{Field: "tags", Old: before, New: after}}, nil
}

// checkUpdate validates and trims an update's profile fields.
func checkUpdate(u Update) (Update, error) {
	out := Update{Custom: u.Custom}
	if u.Tags != nil {
		ids := tags.Distinct(*u.Tags)
		if len(ids) > limits.ConversationTags {
			return Update{}, apperr.New(apperr.TooManyItems, "a customer carries at most %d tags", limits.ConversationTags).WithField("tags.tag_ids")
		}
		out.Tags = &ids
	}
	for _, f := range []struct {
		name      string
		in        *string
		out       **string
		max       int
		multiline bool
	}{
		{"name", u.Name, &out.Name, limits.CustomerField, false},
		{"phone", u.Phone, &out.Phone, limits.CustomerField, false},
		{"company", u.Company, &out.Company, limits.CustomerField, false},
		{"notes", u.Notes, &out.Notes, Notes, true},
	} {
		if f.in == nil {
			continue
		}
		v, err := limits.CleanOptional(f.name, *f.in, f.max, f.multiline)
		if err != nil {
			return Update{}, err
		}
		*f.out = &v
	}
	if u.Email != nil {
		v, err := limits.CleanEmail("email", *u.Email)
		if err != nil {
			return Update{}, err
		}
		out.Email = &v
	}
	return out, nil
}

func customerFromRow(r dbq.CustomerProfilesRow) chat.Customer {
	c := chat.Customer{
		ID: r.ID, Name: r.Name, Email: r.Email, Phone: r.Phone, Company: r.Company,
		WidgetID: r.WidgetID, WidgetName: r.WidgetName, FirstSeenAt: r.CreatedAt, LastSeenAt: r.LastSeenAt,
	}
	if r.VerifiedUserID != nil {
		c.VerifiedUserID = *r.VerifiedUserID
	}
	return c
}
