package customers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const origin = "https://shop.example.com"

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// env is a running server with a signed-in admin, two agents and a widget.
type env struct {
	*apptest.Team
	widget *livechatv1.Widget
	secret string
}

func newEnv(t *testing.T, opts ...apptest.Option) *env {
	t.Helper()
	tm := apptest.NewTeam(t, opts...)
	w, err := tm.Admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop", AllowedOrigins: []string{origin}}})
	if err != nil {
		t.Fatalf("CreateWidget: %v", err)
	}
	return &env{Team: tm, widget: w.Widget, secret: w.IdentitySecret}
}

// visitor starts a widget session with the details given and, when text is
// not empty, writes it; it returns the customer's id.
func (e *env) visitor(t *testing.T, name, email, text string) string {
	t.Helper()
	h := http.Header{"Origin": {origin}}
	s, err := e.Server.NewClient(h).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: e.widget.SiteKey})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	h.Set("Authorization", "Bearer "+s.VisitorToken)
	v := e.Server.NewClient(h)
	if name != "" || email != "" {
		if _, err := v.Widget.UpdateCustomer(ctx(t), &livechatv1.UpdateCustomerRequest{Name: &name, Email: &email}); err != nil {
			t.Fatalf("visitor UpdateCustomer: %v", err)
		}
	}
	if text != "" {
		if _, err := v.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: text, ClientMessageId: "m1"}); err != nil {
			t.Fatalf("visitor SendMessage: %v", err)
		}
	}
	return s.Customer.Id
}

func (e *env) define(t *testing.T, key, label string, typ livechatv1.AttributeType) *livechatv1.AttributeDefinition {
	t.Helper()
	res, err := e.Admin.Customers.CreateAttributeDefinition(ctx(t), &livechatv1.CreateAttributeDefinitionRequest{Key: key, Label: label, Type: typ})
	if err != nil {
		t.Fatalf("CreateAttributeDefinition %q: %v", key, err)
	}
	return res.Definition
}

func ptr(s string) *string { return &s }

func changeLine(c *livechatv1.CustomerChange) string {
	return c.AgentName + " " + c.Field + ": " + c.OldValue + " → " + c.NewValue
}

// TestAgentEditIsRecorded: every field an agent changes is recorded with
// who, when, the old and the new value; unchanged fields record nothing.
func TestAgentEditIsRecorded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.define(t, "plan", "Plan", livechatv1.AttributeType_ATTRIBUTE_TYPE_TEXT)
	e.define(t, "seats", "Seats", livechatv1.AttributeType_ATTRIBUTE_TYPE_NUMBER)
	id := e.visitor(t, "Ann", "ann@example.com", "hello")

	before := time.Now().Add(-time.Second)
	res, err := e.Lan.Customers.UpdateCustomer(ctx(t), &livechatv1.CustomerServiceUpdateCustomerRequest{
		CustomerId: id, Name: ptr("Ann Lee"), Email: ptr("ann@example.com"), Company: ptr(" Acme "),
		Notes: ptr("Prefers email.\nVIP since 2024."), CustomAttributes: map[string]string{"plan": "gold", "seats": "12.50"},
	})
	if err != nil {
		t.Fatalf("UpdateCustomer: %v", err)
	}
	var got []string
	for _, c := range res.Changes {
		got = append(got, changeLine(c))
		if c.AgentId == "" || c.ChangedAt.AsTime().Before(before) {
			t.Errorf("change without who or when: %v", c)
		}
	}
	want := "lan name: Ann → Ann Lee|lan company:  → Acme|lan notes:  → Prefers email.\nVIP since 2024.|lan attributes.plan:  → gold|lan attributes.seats:  → 12.5"
	if strings.Join(got, "|") != want {
		t.Fatalf("changes\n got %q\nwant %q", strings.Join(got, "|"), want)
	}
	p := res.Profile
	if p.Customer.Name != "Ann Lee" || p.Customer.Company != "Acme" || p.Notes != "Prefers email.\nVIP since 2024." || len(p.CustomAttributes) != 2 ||
		p.CustomAttributes[0].Label != "Plan" || p.CustomAttributes[1].Value != "12.5" {
		t.Fatalf("profile %v", p)
	}

	// A second agent changes one value back; the record shows both edits,
	// newest first, and setting a field to what it is records nothing.
	if _, err := e.Minh.Customers.UpdateCustomer(ctx(t), &livechatv1.CustomerServiceUpdateCustomerRequest{
		CustomerId: id, Name: ptr("Ann Lee"), CustomAttributes: map[string]string{"plan": "", "seats": "12.5"},
	}); err != nil {
		t.Fatal(err)
	}
	d, err := e.Admin.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Changes) != 6 || changeLine(d.Changes[0]) != "minh attributes.plan: gold → " || changeLine(d.Changes[5]) != "lan name: Ann → Ann Lee" {
		t.Fatalf("recorded changes: %v", d.Changes)
	}
	if len(d.Profile.CustomAttributes) != 1 || d.Profile.CustomAttributes[0].Key != "seats" {
		t.Fatalf("attributes after removal: %v", d.Profile.CustomAttributes)
	}

	// The inbox reads the new name.
	list, err := e.Lan.Conversation.ListConversations(ctx(t), &livechatv1.ListConversationsRequest{})
	if err != nil || len(list.Conversations) != 1 || list.Conversations[0].CustomerName != "Ann Lee" {
		t.Fatalf("inbox: %v, %v", list, err)
	}

	// An agent-scope API token edits too, recorded as its owner.
	tok, err := e.Admin.Auth.CreateApiToken(ctx(t), &livechatv1.CreateApiTokenRequest{Name: "crm", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT})
	if err != nil {
		t.Fatal(err)
	}
	bot := e.Server.NewClient(apptest.Bearer(tok.Secret))
	up, err := bot.Customers.UpdateCustomer(ctx(t), &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: id, Phone: ptr("+84 90 123 4567")})
	if err != nil || len(up.Changes) != 1 || changeLine(up.Changes[0]) != "Root phone:  → +84 90 123 4567" {
		t.Fatalf("token UpdateCustomer: %v, %v", up, err)
	}
	if _, err := bot.Customers.ListCustomers(ctx(t), &livechatv1.ListCustomersRequest{Query: "123 45"}); err != nil {
		t.Fatalf("token ListCustomers: %v", err)
	}
}

func TestUpdateValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.define(t, "seats", "Seats", livechatv1.AttributeType_ATTRIBUTE_TYPE_NUMBER)
	e.define(t, "beta", "Beta", livechatv1.AttributeType_ATTRIBUTE_TYPE_BOOLEAN)
	e.define(t, "renews", "Renews", livechatv1.AttributeType_ATTRIBUTE_TYPE_DATE)
	id := e.visitor(t, "Bao", "", "")
	invalid, notFound := connect.CodeInvalidArgument, connect.CodeNotFound
	for _, c := range []struct {
		name   string
		req    *livechatv1.CustomerServiceUpdateCustomerRequest
		code   connect.Code
		reason livechatv1.ErrorReason
		field  string
	}{
		{"bad email", &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: id, Email: ptr("bao@")}, invalid, livechatv1.ErrorReason_ERROR_REASON_INVALID_EMAIL, "email"},
		{"long name", &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: id, Name: ptr(strings.Repeat("n", 201))}, invalid, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "name"},
		{"name on two lines", &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: id, Name: ptr("a\nb")}, invalid, livechatv1.ErrorReason_ERROR_REASON_TEXT_INVALID, "name"},
		{"long notes", &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: id, Notes: ptr(strings.Repeat("n", 4001))}, invalid, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "notes"},
		{"not a number", &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: id, CustomAttributes: map[string]string{"seats": "twelve"}}, invalid, livechatv1.ErrorReason_ERROR_REASON_ATTRIBUTE_VALUE_INVALID, "attributes.seats"},
		{"not a boolean", &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: id, CustomAttributes: map[string]string{"beta": "yes"}}, invalid, livechatv1.ErrorReason_ERROR_REASON_ATTRIBUTE_VALUE_INVALID, "attributes.beta"},
		{"not a date", &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: id, CustomAttributes: map[string]string{"renews": "2026-02-30"}}, invalid, livechatv1.ErrorReason_ERROR_REASON_ATTRIBUTE_VALUE_INVALID, "attributes.renews"},
		{"undefined attribute", &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: id, CustomAttributes: map[string]string{"nope": "1"}}, notFound, livechatv1.ErrorReason_ERROR_REASON_ATTRIBUTE_NOT_FOUND, "attributes.nope"},
		{"malformed id", &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: "x"}, invalid, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "customer_id"},
		{"unknown customer", &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: "00000000-0000-0000-0000-000000000000", Name: ptr("x")}, notFound, livechatv1.ErrorReason_ERROR_REASON_CUSTOMER_NOT_FOUND, ""},
	} {
		_, err := e.Lan.Customers.UpdateCustomer(ctx(t), c.req)
		t.Run(c.name, func(t *testing.T) { apptest.WantField(t, err, c.code, c.reason, c.field) })
	}
	// A refused update changes nothing, not even its valid parts.
	_, err := e.Lan.Customers.UpdateCustomer(ctx(t), &livechatv1.CustomerServiceUpdateCustomerRequest{
		CustomerId: id, Name: ptr("Bảo"), CustomAttributes: map[string]string{"beta": "true", "seats": "x"},
	})
	apptest.WantField(t, err, invalid, livechatv1.ErrorReason_ERROR_REASON_ATTRIBUTE_VALUE_INVALID, "attributes.seats")
	d, err := e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: id})
	if err != nil || d.Profile.Customer.Name != "Bao" || len(d.Changes) != 0 || len(d.Profile.CustomAttributes) != 0 {
		t.Fatalf("after a refused update: %v, %v", d, err)
	}
	// Canonical forms.
	up, err := e.Lan.Customers.UpdateCustomer(ctx(t), &livechatv1.CustomerServiceUpdateCustomerRequest{
		CustomerId: id, CustomAttributes: map[string]string{"beta": "TRUE", "seats": "1e3", "renews": "2027-01-31"},
	})
	if err != nil || len(up.Profile.CustomAttributes) != 3 || up.Profile.CustomAttributes[0].Value != "true" ||
		up.Profile.CustomAttributes[1].Value != "2027-01-31" || up.Profile.CustomAttributes[2].Value != "1000" {
		t.Fatalf("canonical values: %v, %v", up, err)
	}
}

// TestAttributeDefinitions: admins define and delete; agents list.
func TestAttributeDefinitions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	plan := e.define(t, "plan", "Plan", livechatv1.AttributeType_ATTRIBUTE_TYPE_TEXT)
	if plan.Id == "" || plan.CreatedAt == nil || plan.Type != livechatv1.AttributeType_ATTRIBUTE_TYPE_TEXT {
		t.Fatalf("created %v", plan)
	}
	_, err := e.Lan.Customers.CreateAttributeDefinition(ctx(t), &livechatv1.CreateAttributeDefinitionRequest{Key: "x", Label: "X", Type: livechatv1.AttributeType_ATTRIBUTE_TYPE_TEXT})
	apptest.WantField(t, err, connect.CodePermissionDenied, livechatv1.ErrorReason_ERROR_REASON_ADMIN_REQUIRED, "")
	for _, c := range []struct {
		name   string
		req    *livechatv1.CreateAttributeDefinitionRequest
		code   connect.Code
		reason livechatv1.ErrorReason
		field  string
	}{
		{"taken key", &livechatv1.CreateAttributeDefinitionRequest{Key: "plan", Label: "P", Type: 1}, connect.CodeAlreadyExists, livechatv1.ErrorReason_ERROR_REASON_ALREADY_EXISTS, "key"},
		{"upper-case key", &livechatv1.CreateAttributeDefinitionRequest{Key: "Plan", Label: "P", Type: 1}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_ATTRIBUTE_KEY_INVALID, "key"},
		{"empty label", &livechatv1.CreateAttributeDefinitionRequest{Key: "a", Label: " ", Type: 1}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TEXT_EMPTY, "label"},
		{"no type", &livechatv1.CreateAttributeDefinitionRequest{Key: "a", Label: "A"}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_REQUIRED, "type"},
		{"unknown type", &livechatv1.CreateAttributeDefinitionRequest{Key: "a", Label: "A", Type: 42}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "type"},
	} {
		_, err := e.Admin.Customers.CreateAttributeDefinition(ctx(t), c.req)
		t.Run(c.name, func(t *testing.T) { apptest.WantField(t, err, c.code, c.reason, c.field) })
	}
	list, err := e.Lan.Customers.ListAttributeDefinitions(ctx(t), &livechatv1.ListAttributeDefinitionsRequest{})
	if err != nil || len(list.Definitions) != 1 || list.Definitions[0].Key != "plan" {
		t.Fatalf("ListAttributeDefinitions: %v, %v", list, err)
	}
	id := e.visitor(t, "Chi", "", "")
	if _, err := e.Lan.Customers.UpdateCustomer(ctx(t), &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: id, CustomAttributes: map[string]string{"plan": "gold"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Admin.Customers.DeleteAttributeDefinition(ctx(t), &livechatv1.DeleteAttributeDefinitionRequest{DefinitionId: plan.Id}); err != nil {
		t.Fatalf("DeleteAttributeDefinition: %v", err)
	}
	_, err = e.Admin.Customers.DeleteAttributeDefinition(ctx(t), &livechatv1.DeleteAttributeDefinitionRequest{DefinitionId: plan.Id})
	apptest.WantField(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_ATTRIBUTE_NOT_FOUND, "")
	d, err := e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: id})
	if err != nil || len(d.Profile.CustomAttributes) != 0 || len(d.Changes) != 1 {
		t.Fatalf("values go with the definition, the record stays: %v, %v", d, err)
	}
}

// TestGetCustomerHistory: conversations newest first, each with its first
// line, never an internal note.
func TestGetCustomerHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.visitor(t, "Dung", "", "My order is late")
	list, err := e.Lan.Conversation.ListConversations(ctx(t), &livechatv1.ListConversationsRequest{})
	if err != nil || len(list.Conversations) != 1 {
		t.Fatal(list, err)
	}
	// An older, finished conversation of the same customer, which began
	// with an internal note the customer never saw.
	if _, err := e.Server.Pool.Exec(ctx(t), `
		WITH c AS (
			INSERT INTO conversations (customer_id, widget_id, status, created_at, last_message_at, last_seq)
			SELECT id, widget_id, 'closed', now() - interval '30 days', now() - interval '30 days', 2 FROM customers WHERE id = $1
			RETURNING id, customer_id)
		INSERT INTO messages (conversation_id, seq, sender_type, sender_id, text, internal, client_message_id)
		SELECT c.id, 1, 'agent', (SELECT id FROM agents WHERE username = 'lan'), 'note: refund?', true, 'n1' FROM c
		UNION ALL
		SELECT c.id, 2, 'customer', c.customer_id, 'Where is my refund?', false, 'old-1' FROM c`, id); err != nil {
		t.Fatal(err)
	}
	d, err := e.Minh.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Conversations) != 2 || d.Conversations[0].Id != list.Conversations[0].Id ||
		d.Conversations[0].FirstLine != "My order is late" || d.Conversations[0].Status != livechatv1.ConversationStatus_CONVERSATION_STATUS_WAITING ||
		d.Conversations[1].FirstLine != "Where is my refund?" || d.Conversations[1].Status != livechatv1.ConversationStatus_CONVERSATION_STATUS_CLOSED {
		t.Fatalf("history: %v", d.Conversations)
	}
	if d.Profile.Customer.Name != "Dung" || d.Profile.Customer.WidgetName != "Shop" {
		t.Fatalf("profile: %v", d.Profile)
	}
	_, err = e.Minh.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: "00000000-0000-0000-0000-000000000000"})
	apptest.WantField(t, err, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_CUSTOMER_NOT_FOUND, "")
}

func names(cs []*livechatv1.Customer) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return strings.Join(out, ",")
}

// TestListCustomers: search over name, email and phone, the attribute,
// widget, tag and last-seen filters, and the pages.
func TestListCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.define(t, "plan", "Plan", livechatv1.AttributeType_ATTRIBUTE_TYPE_TEXT)
	an := e.visitor(t, "An Nguyen", "an@shop.vn", "")
	binh := e.visitor(t, "Binh Tran", "binh@example.com", "")
	cuong := e.visitor(t, "Cuong Le", "cuong@example.com", "hi")
	if _, err := e.Lan.Customers.UpdateCustomer(ctx(t), &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: binh, Phone: ptr("+84 912 000 111"), CustomAttributes: map[string]string{"plan": "Gold"}}); err != nil {
		t.Fatal(err)
	}
	// A known order of last visits: An most recent.
	for i, id := range []string{an, binh, cuong} {
		if _, err := e.Server.Pool.Exec(ctx(t), `UPDATE customers SET last_seen_at = now() - make_interval(mins => $2) WHERE id = $1`, id, i); err != nil {
			t.Fatal(err)
		}
	}
	list := func(req *livechatv1.ListCustomersRequest) string {
		t.Helper()
		res, err := e.Lan.Customers.ListCustomers(ctx(t), req)
		if err != nil {
			t.Fatalf("ListCustomers %v: %v", req, err)
		}
		return names(res.Customers)
	}
	for _, c := range []struct {
		name string
		req  *livechatv1.ListCustomersRequest
		want string
	}{
		{"all, last seen first", &livechatv1.ListCustomersRequest{}, "An Nguyen,Binh Tran,Cuong Le"},
		{"by name, any case", &livechatv1.ListCustomersRequest{Query: "TRAN"}, "Binh Tran"},
		{"by email", &livechatv1.ListCustomersRequest{Query: "@example.com"}, "Binh Tran,Cuong Le"},
		{"by phone", &livechatv1.ListCustomersRequest{Query: "912 000"}, "Binh Tran"},
		{"wildcards are literal", &livechatv1.ListCustomersRequest{Query: "%"}, ""},
		{"by attribute, any case", &livechatv1.ListCustomersRequest{AttributeKey: "plan", AttributeValue: "gold"}, "Binh Tran"},
		{"by widget", &livechatv1.ListCustomersRequest{WidgetId: e.widget.Id}, "An Nguyen,Binh Tran,Cuong Le"},
		{"by other widget", &livechatv1.ListCustomersRequest{WidgetId: "00000000-0000-0000-0000-000000000000"}, ""},
		{"seen since", &livechatv1.ListCustomersRequest{SeenAfter: timestamppb.New(time.Now().Add(-90 * time.Second))}, "An Nguyen,Binh Tran"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := list(c.req); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}

	t.Run("by tag of a conversation", func(t *testing.T) {
		tag, err := e.Lan.Tags.CreateTag(ctx(t), &livechatv1.CreateTagRequest{Name: "vip", Color: livechatv1.TagColor_TAG_COLOR_RED})
		if err != nil {
			t.Fatal(err)
		}
		convs, err := e.Lan.Conversation.ListConversations(ctx(t), &livechatv1.ListConversationsRequest{})
		if err != nil || len(convs.Conversations) != 1 {
			t.Fatal(convs, err)
		}
		if _, err := e.Lan.Conversation.SetConversationTags(ctx(t), &livechatv1.SetConversationTagsRequest{ConversationId: convs.Conversations[0].Id, TagIds: []string{tag.Tag.Id}}); err != nil {
			t.Fatal(err)
		}
		if got := list(&livechatv1.ListCustomersRequest{TagIds: []string{tag.Tag.Id}}); got != "Cuong Le" {
			t.Fatalf("got %q", got)
		}
	})

	t.Run("pages", func(t *testing.T) {
		var got []string
		tok := ""
		for range 5 {
			res, err := e.Lan.Customers.ListCustomers(ctx(t), &livechatv1.ListCustomersRequest{PageSize: 2, PageToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, names(res.Customers))
			if tok = res.NextPageToken; tok == "" {
				break
			}
		}
		if strings.Join(got, "|") != "An Nguyen,Binh Tran|Cuong Le" {
			t.Fatalf("pages %q", got)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			req    *livechatv1.ListCustomersRequest
			code   connect.Code
			reason livechatv1.ErrorReason
			field  string
		}{
			{"page token", &livechatv1.ListCustomersRequest{PageToken: "nope!"}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_CURSOR, "page_token"},
			{"page size", &livechatv1.ListCustomersRequest{PageSize: 101}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TOO_MANY_ITEMS, "page_size"},
			{"long query", &livechatv1.ListCustomersRequest{Query: strings.Repeat("q", 201)}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_TEXT_TOO_LONG, "query"},
			{"widget id", &livechatv1.ListCustomersRequest{WidgetId: "w"}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "widget_id"},
			{"value without key", &livechatv1.ListCustomersRequest{AttributeValue: "gold"}, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE, "attribute_key"},
			{"unknown key", &livechatv1.ListCustomersRequest{AttributeKey: "tier"}, connect.CodeNotFound, livechatv1.ErrorReason_ERROR_REASON_ATTRIBUTE_NOT_FOUND, "attribute_key"},
		} {
			_, err := e.Lan.Customers.ListCustomers(ctx(t), c.req)
			t.Run(c.name, func(t *testing.T) { apptest.WantField(t, err, c.code, c.reason, c.field) })
		}
	})
}
