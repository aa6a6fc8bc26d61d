import { createStore } from "@/lib/external-store";

/**
 * The conversation open in this tab, so incoming messages there count as
 * read rather than unread and raise no alert while the tab is visible.
 */
export const activeConversation = createStore<string | null>(null);

export function isViewing(conversationId: string): boolean {
  return activeConversation.get() === conversationId && document.visibilityState === "visible";
}
