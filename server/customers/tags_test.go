package customers_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect/v2"
	"github.com/google/uuid"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/limits"
)

func tagNames(p *livechatv1.CustomerProfile) string {
	var out []string
	for _, t := range p.GetTags() {
		out = append(out, t.Name)
	}
	return strings.Join(out, ",")
}

// TestCustomerTags: a customer's own tags are set as a whole, listed by
// name, recorded as a change, filter the customer list beside their
// conversations' tags, and go with a deleted tag.
func TestCustomerTags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mai := e.visitor(t, "Mai", "mai@example.com", "hi")
	binh := e.visitor(t, "Binh", "", "hello")
	tag := func(name string) string {
		t.Helper()
		r, err := e.Lan.Tags.CreateTag(ctx(t), &livechatv1.CreateTagRequest{Name: name, Color: livechatv1.TagColor_TAG_COLOR_RED})
		if err != nil {
			t.Fatalf("CreateTag %s: %v", name, err)
		}
		return r.Tag.Id
	}
	vip, reseller := tag("VIP"), tag("Reseller")
	set := func(id string, ids ...string) (*livechatv1.CustomerServiceUpdateCustomerResponse, error) {
		return e.Lan.Customers.UpdateCustomer(ctx(t), &livechatv1.CustomerServiceUpdateCustomerRequest{
			CustomerId: id, Tags: &livechatv1.CustomerTagSet{TagIds: ids},
		})
	}

	res, err := set(mai, vip, reseller, vip)
	if err != nil {
		t.Fatalf("UpdateCustomer tags: %v", err)
	}
	if got := tagNames(res.Profile); got != "Reseller,VIP" {
		t.Fatalf("tags %q, want Reseller,VIP", got)
	}
	if len(res.Changes) != 1 || changeLine(res.Changes[0]) != "lan tags:  → Reseller, VIP" {
		t.Fatalf("changes %v", res.Changes)
	}
	// The same set again records nothing; an update without tags leaves them.
	if res, err = set(mai, reseller, vip); err != nil || len(res.Changes) != 0 {
		t.Fatalf("same set: %v, %v", res.GetChanges(), err)
	}
	if res, err = e.Lan.Customers.UpdateCustomer(ctx(t), &livechatv1.CustomerServiceUpdateCustomerRequest{CustomerId: mai, Company: ptr("Acme")}); err != nil || tagNames(res.Profile) != "Reseller,VIP" {
		t.Fatalf("update without tags: %v, %v", res, err)
	}

	// The list's tag filter finds the customer's own tags and, as before,
	// their conversations'.
	list := func(tagID string) string {
		t.Helper()
		r, err := e.Lan.Customers.ListCustomers(ctx(t), &livechatv1.ListCustomersRequest{TagIds: []string{tagID}})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range r.Customers {
			out = append(out, c.Name)
		}
		return strings.Join(out, ",")
	}
	if got := list(vip); got != "Mai" {
		t.Fatalf("customers tagged VIP: %q", got)
	}
	d, err := e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: binh})
	if err != nil || len(d.Conversations) != 1 {
		t.Fatalf("GetCustomer: %v, %v", d, err)
	}
	if _, err := e.Lan.Conversation.SetConversationTags(ctx(t), &livechatv1.SetConversationTagsRequest{ConversationId: d.Conversations[0].Id, TagIds: []string{reseller}}); err != nil {
		t.Fatal(err)
	}
	if got := list(reseller); got != "Binh,Mai" && got != "Mai,Binh" {
		t.Fatalf("customers with Reseller: %q", got)
	}

	// Bad sets change nothing.
	invalid, notFound := connect.CodeInvalidArgument, connect.CodeNotFound
	_, err = set(mai, vip, uuid.NewString())
	apptest.WantField(t, err, notFound, livechatv1.ErrorReason_ERROR_REASON_NOT_FOUND, "tags.tag_ids")
	_, err = set(mai, "nope")
	apptest.WantField(t, err, invalid, livechatv1.ErrorReason_ERROR_REASON_MALFORMED_ID, "tags.tag_ids")
	many := make([]string, limits.ConversationTags+1)
	for i := range many {
		many[i] = uuid.NewString()
	}
	_, err = set(mai, many...)
	apptest.WantField(t, err, invalid, livechatv1.ErrorReason_ERROR_REASON_TOO_MANY_ITEMS, "tags.tag_ids")
	_, err = set(uuid.NewString(), vip)
	apptest.WantField(t, err, notFound, livechatv1.ErrorReason_ERROR_REASON_CUSTOMER_NOT_FOUND, "")
	if d, _ := e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: mai}); tagNames(d.Profile) != "Reseller,VIP" {
		t.Fatalf("after refused sets: %q", tagNames(d.Profile))
	}

	// A deleted tag leaves every customer; an empty set removes the rest.
	if _, err := e.Admin.Tags.DeleteTag(ctx(t), &livechatv1.DeleteTagRequest{TagId: vip}); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.Lan.Customers.GetCustomer(ctx(t), &livechatv1.GetCustomerRequest{CustomerId: mai}); tagNames(d.Profile) != "Reseller" {
		t.Fatalf("after deleting VIP: %q", tagNames(d.Profile))
	}
	if res, err = set(mai); err != nil || tagNames(res.Profile) != "" || len(res.Changes) != 1 || changeLine(res.Changes[0]) != "lan tags: Reseller → " {
		t.Fatalf("clearing: %v, %v", res, err)
	}
}
