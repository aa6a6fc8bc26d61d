package customers

import (
	"context"
	"math"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// Type is the type of a custom attribute's values.
type Type string

// The attribute types.
const (
	TypeText    Type = "text"
	TypeNumber  Type = "number"
	TypeBoolean Type = "boolean"
	TypeDate    Type = "date"
)

// AttributeLabel is the longest custom attribute label, in characters.
const AttributeLabel = 64

// MaxDefinitions bounds the custom attributes of an installation (a
// profile shows them all).
const MaxDefinitions = 100

// keyPattern is what a custom attribute key may be (the same rule as the
// customer_attribute_definitions_key_check constraint).
var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Definition is a custom attribute customers may have.
type Definition struct {
	ID        uuid.UUID
	Key       string
	Label     string
	Type      Type
	CreatedAt time.Time
}

// ListDefinitions lists the installation's custom attributes by label.
func (s *Service) ListDefinitions(ctx context.Context, _ principal.Agent) ([]Definition, error) {
	rows, err := s.q.ListAttributeDefinitions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Definition, len(rows))
	for i, r := range rows {
		out[i] = definitionFromRow(r)
	}
	return out, nil
}

// CreateDefinition defines a custom attribute. Errors: AdminRequired;
// AttributeKeyInvalid (field "key"); TextEmpty, TextTooLong, TextInvalid
// (field "label"); Required or InvalidValue (field "type"); AlreadyExists
// (field "key").
func (s *Service) CreateDefinition(ctx context.Context, agent principal.Agent, d Definition) (Definition, error) {
	if err := adminOnly(agent); err != nil {
		return Definition{}, err
	}
	if !keyPattern.MatchString(d.Key) {
		return Definition{}, apperr.New(apperr.AttributeKeyInvalid,
			"a key is 1–32 characters of a-z, 0-9 and _, starting with a letter").WithField("key")
	}
	label, err := limits.Clean("label", d.Label, AttributeLabel, false)
	if err != nil {
		return Definition{}, err
	}
	switch d.Type {
	case "":
		return Definition{}, apperr.New(apperr.Required, "a type is required").WithField("type")
	case TypeText, TypeNumber, TypeBoolean, TypeDate:
	default:
		return Definition{}, apperr.New(apperr.InvalidValue, "unknown type %q", d.Type).WithField("type")
	}
	row, err := s.q.CreateAttributeDefinition(ctx, dbq.CreateAttributeDefinitionParams{Key: d.Key, Label: label, Type: string(d.Type), MaxDefinitions: MaxDefinitions})
	if apperr.Is(err, apperr.NotFound) {
		return Definition{}, apperr.New(apperr.TooManyItems, "an installation has at most %d custom attributes", MaxDefinitions).WithLimit(MaxDefinitions)
	}
	if db.Violated(err, db.AttributeKeyKey) {
		return Definition{}, apperr.Wrap(apperr.AlreadyExists, err, "an attribute with this key exists").WithField("key")
	}
	if err != nil {
		return Definition{}, err
	}
	return definitionFromRow(row), nil
}

// DeleteDefinition deletes a custom attribute and every value of it.
// Errors: AdminRequired; AttributeNotFound.
func (s *Service) DeleteDefinition(ctx context.Context, agent principal.Agent, id uuid.UUID) error {
	if err := adminOnly(agent); err != nil {
		return err
	}
	n, err := s.q.DeleteAttributeDefinition(ctx, id)
	if err == nil && n == 0 {
		err = apperr.New(apperr.AttributeNotFound, "no such attribute")
	}
	return err
}

func adminOnly(agent principal.Agent) error {
	if !agent.IsAdmin() {
		return apperr.New(apperr.AdminRequired, "only admins define custom attributes")
	}
	return nil
}

// definition finds the attribute of key; AttributeNotFound (field) when
// there is none.
func (s *Service) definition(ctx context.Context, q *dbq.Queries, field, key string) (Definition, error) {
	rows, err := q.AttributeDefinitionsByKeys(ctx, []string{key})
	if err != nil {
		return Definition{}, err
	}
	if len(rows) == 0 {
		return Definition{}, apperr.New(apperr.AttributeNotFound, "no attribute has the key %q", key).WithField(field)
	}
	return definitionFromRow(rows[0]), nil
}

// setCustom writes the custom attribute values of want ("" removes one),
// in key order, and returns the changes. Errors: AttributeNotFound,
// AttributeValueInvalid and the text reasons (field "attributes.<key>").
func (s *Service) setCustom(ctx context.Context, q *dbq.Queries, customerID uuid.UUID, want map[string]string) ([]Change, error) {
	if len(want) == 0 {
		return nil, nil
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows, err := q.AttributeDefinitionsByKeys(ctx, keys)
	if err != nil {
		return nil, err
	}
	defs := make(map[string]Definition, len(rows))
	for _, r := range rows {
		defs[r.Key] = definitionFromRow(r)
	}
	cur, err := q.CustomerAttributeValues(ctx, []uuid.UUID{customerID})
	if err != nil {
		return nil, err
	}
	old := make(map[string]string, len(cur))
	for _, v := range cur {
		old[v.Key] = v.Value
	}
	var changes []Change
	for _, k := range keys {
		field := "attributes." + k
		def, ok := defs[k]
		if !ok {
			return nil, apperr.New(apperr.AttributeNotFound, "no attribute has the key %q", k).WithField(field)
		}
		v, err := Canonical(def.Type, field, want[k])
		if err != nil {
			return nil, err
		}
		if v == old[k] {
			continue
		}
		if v == "" {
			err = q.DeleteCustomerAttributeValue(ctx, dbq.DeleteCustomerAttributeValueParams{CustomerID: customerID, AttributeID: def.ID})
		} else {
			err = q.SetCustomerAttributeValue(ctx, dbq.SetCustomerAttributeValueParams{CustomerID: customerID, AttributeID: def.ID, Value: v})
		}
		if err != nil {
			return nil, err
		}
		changes = append(changes, Change{Field: field, Old: old[k], New: v})
	}
	return changes, nil
}

// Canonical checks a value against its attribute's type and returns its
// canonical text form ("" stays "": no value). Numbers are written as
// strconv does ("1e3" is "1000"), booleans "true"/"false", dates
// YYYY-MM-DD. Errors: AttributeValueInvalid, or a text reason, with field.
func Canonical(t Type, field, v string) (string, error) {
	v, err := limits.CleanOptional(field, v, limits.CustomerField, false)
	if err != nil || v == "" {
		return v, err
	}
	bad := func(what string) (string, error) {
		return "", apperr.New(apperr.AttributeValueInvalid, "%s must be %s", field, what).WithField(field)
	}
	switch t {
	case TypeNumber:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return bad("a number")
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	case TypeBoolean:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return bad("true or false")
		}
		return strconv.FormatBool(b), nil
	case TypeDate:
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return bad("a date YYYY-MM-DD")
		}
		return d.Format(time.DateOnly), nil
	}
	return v, nil
}

func definitionFromRow(r dbq.CustomerAttributeDefinition) Definition {
	return Definition{ID: r.ID, Key: r.Key, Label: r.Label, Type: Type(r.Type), CreatedAt: r.CreatedAt}
}

// VisitorAttributes is the most attributes one SetVisitorAttributes call
// may set.
const VisitorAttributes = 50

// SetVisitorAttributes stores the custom attributes the host site sets for
// its verified visitor, recorded as the website's changes. Errors:
// IdentityRequired for an unverified visitor; TooManyItems; those of
// UpdateCustomer's attributes.
func (s *Service) SetVisitorAttributes(ctx context.Context, v principal.Visitor, attrs map[string]string) error {
	c, err := s.chat.Customer(ctx, v.CustomerID)
	if err != nil {
		return err
	}
	if c.VerifiedUserID == "" {
		return apperr.New(apperr.IdentityRequired, "attributes are accepted only from a visitor whose identity is verified")
	}
	if len(attrs) > VisitorAttributes {
		return apperr.New(apperr.TooManyItems, "at most %d attributes a call", VisitorAttributes).WithField("attributes").WithLimit(VisitorAttributes)
	}
	return db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if _, err := q.LockCustomerProfile(ctx, v.CustomerID); err != nil {
			return apperr.NotFoundAs(err, apperr.CustomerNotFound, "customer not found")
		}
		changes, err := s.setCustom(ctx, q, v.CustomerID, attrs)
		if err != nil {
			return err
		}
		for _, c := range changes {
			// No agent: the website's change (agent_id null, no name).
			if err := q.InsertCustomerChange(ctx, dbq.InsertCustomerChangeParams{
				CustomerID: v.CustomerID, Field: c.Field, OldValue: c.Old, NewValue: c.New,
			}); err != nil {
				return err
			}
		}
		return nil
	})
}
