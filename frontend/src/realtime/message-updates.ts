import type { InfiniteData, QueryClient } from "@tanstack/react-query";
import type { ListMessagesResponse, Message } from "@livechat/api/conversation_pb";
import { messagesKey } from "@/lib/query-keys";
import { findConversation, upsertConversation } from "./cache-updates";

/**
 * A message was edited or deleted (a MESSAGE_UPDATED event, or this tab's
 * own change): its new state replaces the cached one in the timeline and,
 * when it is the newest, in the conversation's preview. A message this tab
 * has not loaded stays unloaded; it arrives as it now is when loaded.
 */
export function applyMessageUpdate(qc: QueryClient, m: Message, myId: string): void {
  qc.setQueryData<InfiniteData<ListMessagesResponse>>(messagesKey(m.conversationId), (old) => {
    if (!old) return old;
    let changed = false;
    const pages = old.pages.map((page) => {
      const i = page.messages.findIndex((x) => x.id === m.id);
      if (i < 0) return page;
      changed = true;
      const messages = page.messages.slice();
      messages[i] = m;
      return { ...page, messages };
    });
    return changed ? { ...old, pages } : old;
  });
  const conv = findConversation(qc, m.conversationId);
  if (conv?.lastMessage?.id === m.id) upsertConversation(qc, { ...conv, lastMessage: m }, myId);
}
