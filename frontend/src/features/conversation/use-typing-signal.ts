import { useMutation } from "@connectrpc/connect-query";
import { useCallback, useEffect, useRef } from "react";
import { ConversationService } from "@livechat/api/conversation_pb";

// The server drops an indicator after 6 s unless repeated: repeat every 3 s
// while typing, and clear it after 4 s without a key press.
const repeatMs = 3_000;
const idleMs = 4_000;

/** Tells the customer while the agent types, and stops telling when they stop. */
export function useTypingSignal(conversationId: string) {
  const { mutate } = useMutation(ConversationService.method.setTyping);
  const lastSent = useRef(0);
  const idle = useRef<number | undefined>(undefined);

  const stop = useCallback(() => {
    window.clearTimeout(idle.current);
    if (lastSent.current === 0) return;
    lastSent.current = 0;
    mutate({ conversationId, typing: false });
  }, [conversationId, mutate]);

  const typed = useCallback(() => {
    const now = Date.now();
    if (now - lastSent.current > repeatMs) {
      lastSent.current = now;
      mutate({ conversationId, typing: true });
    }
    window.clearTimeout(idle.current);
    idle.current = window.setTimeout(stop, idleMs);
  }, [conversationId, mutate, stop]);

  useEffect(() => stop, [stop]);

  return { typed, stop };
}
