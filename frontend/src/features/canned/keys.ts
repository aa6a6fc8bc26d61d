import { createConnectQueryKey } from "@connectrpc/connect-query";
import { CannedResponseService } from "@livechat/api/canned_pb";
import { transport } from "@/lib/transport";

/** Matches every cached list of canned responses (the page's and the picker's), whatever its search. */
export const cannedListsKey = createConnectQueryKey({
  schema: CannedResponseService.method.listCannedResponses,
  transport,
  cardinality: undefined,
});
