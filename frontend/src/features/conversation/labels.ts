import { ConversationStatus, type Conversation } from "@livechat/api/conversation_pb";
import type { I18n, MessageKey } from "@/i18n";

/** How to call a customer: their name, else their email, else "Visitor #abc123". */
export function customerLabel(c: Pick<Conversation, "customerName" | "customerEmail" | "customerId">, t: I18n["t"]): string {
  return c.customerName || c.customerEmail || t("customer.visitor", { id: c.customerId.replace(/-/g, "").slice(-6) });
}

export const statusLabel: Record<ConversationStatus, MessageKey> = {
  [ConversationStatus.UNSPECIFIED]: "status.unknown",
  [ConversationStatus.WAITING]: "conversation.status.waiting",
  [ConversationStatus.ACTIVE]: "conversation.status.active",
  [ConversationStatus.RESOLVED]: "conversation.status.resolved",
  [ConversationStatus.CLOSED]: "conversation.status.closed",
};
