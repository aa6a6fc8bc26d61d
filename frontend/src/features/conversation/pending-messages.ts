import { useSyncExternalStore } from "react";
import type { Attachment } from "@livechat/api/attachment_pb";

/** A reply or note the agent sent that the server has not confirmed yet. */
export interface PendingMessage {
  clientMessageId: string;
  text: string;
  internal: boolean;
  failed: boolean;
  /** The files sent with it, already uploaded. */
  attachments?: Attachment[];
}

const byConversation = new Map<string, PendingMessage[]>();
const listeners = new Set<() => void>();
const none: PendingMessage[] = [];

function set(conversationId: string, list: PendingMessage[]) {
  if (list.length) byConversation.set(conversationId, list);
  else byConversation.delete(conversationId);
  for (const l of listeners) l();
}

export const pendingMessages = {
  add(conversationId: string, m: PendingMessage) {
    const list = (byConversation.get(conversationId) ?? []).filter((p) => p.clientMessageId !== m.clientMessageId);
    set(conversationId, [...list, m]);
  },
  update(conversationId: string, clientMessageId: string, failed: boolean) {
    const list = byConversation.get(conversationId) ?? [];
    set(conversationId, list.map((p) => (p.clientMessageId === clientMessageId ? { ...p, failed } : p)));
  },
  remove(conversationId: string, clientMessageId: string) {
    const list = byConversation.get(conversationId) ?? [];
    set(conversationId, list.filter((p) => p.clientMessageId !== clientMessageId));
  },
};

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function usePendingMessages(conversationId: string): PendingMessage[] {
  return useSyncExternalStore(subscribe, () => byConversation.get(conversationId) ?? none);
}
