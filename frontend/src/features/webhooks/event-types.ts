import { WebhookEventType, WebhookState, type Webhook } from "@livechat/api/webhook_pb";
import type { MessageKey } from "@/i18n";

/** Every event type, in the order the form offers them, with its label. */
export const eventTypes: { type: WebhookEventType; label: MessageKey }[] = [
  { type: WebhookEventType.CONVERSATION_CREATED, label: "webhooks.type.conversation.created" },
  { type: WebhookEventType.CONVERSATION_UPDATED, label: "webhooks.type.conversation.updated" },
  { type: WebhookEventType.CONVERSATION_ASSIGNED, label: "webhooks.type.conversation.assigned" },
  { type: WebhookEventType.CONVERSATION_RESOLVED, label: "webhooks.type.conversation.resolved" },
  { type: WebhookEventType.CONVERSATION_HANDED_OFF, label: "webhooks.type.conversation.handedOff" },
  { type: WebhookEventType.CSAT_SUBMITTED, label: "webhooks.type.csat.submitted" },
  { type: WebhookEventType.MESSAGE_CREATED, label: "webhooks.type.message.created" },
  { type: WebhookEventType.MESSAGE_EDITED, label: "webhooks.type.message.edited" },
  { type: WebhookEventType.MESSAGE_DELETED, label: "webhooks.type.message.deleted" },
  { type: WebhookEventType.CUSTOMER_CREATED, label: "webhooks.type.customer.created" },
  { type: WebhookEventType.CUSTOMER_UPDATED, label: "webhooks.type.customer.updated" },
];

/** The label of one type. */
export function eventTypeLabel(t: WebhookEventType): MessageKey | undefined {
  return eventTypes.find((e) => e.type === t)?.label;
}

/** How a webhook's delivery is going, as a badge label and variant. */
export function stateBadge(w: Webhook): { label: MessageKey; variant: "secondary" | "warning" | "destructive" | "outline" } {
  if (!w.enabled) return { label: "webhooks.stateDisabled", variant: "outline" };
  switch (w.state) {
    case WebhookState.FAILING:
      return { label: "webhooks.stateFailing", variant: "destructive" };
    case WebhookState.RETRYING:
      return { label: "webhooks.stateRetrying", variant: "warning" };
    default:
      return { label: "webhooks.stateHealthy", variant: "secondary" };
  }
}

/** A URL is worth sending when it looks like an absolute http(s) address; the server decides the rest. */
export function urlLooksValid(url: string): boolean {
  try {
    const u = new URL(url.trim());
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "" && url.trim().length <= 2048;
  } catch {
    return false;
  }
}
