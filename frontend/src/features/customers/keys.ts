import { createConnectQueryKey } from "@connectrpc/connect-query";
import { CustomerService } from "@livechat/api/customer_pb";
import { ConversationService } from "@livechat/api/conversation_pb";
import { VisitorService } from "@livechat/api/visitor_pb";
import { transport } from "@/lib/transport";

/** Matches every cached customer profile. */
export const customerDetailsKey = createConnectQueryKey({ schema: CustomerService.method.getCustomer, transport, cardinality: undefined });

/** One customer's profile. */
export function customerKey(customerId: string) {
  return createConnectQueryKey({ schema: CustomerService.method.getCustomer, input: { customerId }, transport, cardinality: "finite" });
}

/** Matches every cached customer list, whatever its search. */
export const customerListsKey = createConnectQueryKey({ schema: CustomerService.method.listCustomers, transport, cardinality: undefined });

/** The custom attribute definitions. */
export const attributeDefinitionsKey = createConnectQueryKey({
  schema: CustomerService.method.listAttributeDefinitions,
  input: {},
  transport,
  cardinality: "finite",
});

/** Matches every cached conversation, whose customer record may have changed. */
export const conversationsWithCustomerKey = createConnectQueryKey({ schema: ConversationService.method.getConversation, transport, cardinality: undefined });

/** Matches every cached visitors-now list. */
export const visitorListsKey = createConnectQueryKey({ schema: VisitorService.method.listVisitors, transport, cardinality: undefined });
