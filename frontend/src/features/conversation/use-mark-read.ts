import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { ConversationService, type Conversation } from "@livechat/api/conversation_pb";
import { upsertConversation } from "@/realtime/cache-updates";
import { activeConversation } from "@/realtime/active-conversation";
import { useMe } from "@/features/auth/use-me";

function useTabVisible(): boolean {
  const [visible, setVisible] = useState(document.visibilityState === "visible");
  useEffect(() => {
    const on = () => setVisible(document.visibilityState === "visible");
    document.addEventListener("visibilitychange", on);
    return () => document.removeEventListener("visibilitychange", on);
  }, []);
  return visible;
}

/**
 * While a conversation is open in a visible tab: marks it as the one being
 * viewed (no alerts, no unread count for it) and records it read up to its
 * newest message.
 */
export function useMarkRead(conversation: Conversation | undefined): void {
  const qc = useQueryClient();
  const me = useMe();
  const visible = useTabVisible();
  const { mutate } = useMutation(ConversationService.method.markRead);
  const marked = useRef(-1n);
  const id = conversation?.id;

  useEffect(() => {
    if (!id) return;
    activeConversation.set(id);
    return () => {
      if (activeConversation.get() === id) activeConversation.set(null);
    };
  }, [id]);

  useEffect(() => {
    if (!conversation || !visible) return;
    if (conversation.lastSeq <= marked.current && conversation.unreadCount === 0) return;
    const timer = window.setTimeout(() => {
      marked.current = conversation.lastSeq;
      mutate({ conversationId: conversation.id, seq: conversation.lastSeq });
      if (conversation.unreadCount > 0) upsertConversation(qc, { ...conversation, unreadCount: 0 }, me.id);
    }, 400);
    return () => window.clearTimeout(timer);
  }, [conversation, visible, mutate, qc, me.id]);
}
