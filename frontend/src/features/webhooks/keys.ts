import { createConnectQueryKey } from "@connectrpc/connect-query";
import { WebhookService } from "@livechat/api/webhook_pb";
import { transport } from "@/lib/transport";

/** The query key of the webhook list. */
export const webhooksKey = createConnectQueryKey({
  schema: WebhookService.method.listWebhooks,
  input: {},
  transport,
  cardinality: "finite",
});
