import { useMutation } from "@connectrpc/connect-query";
import { useEffect } from "react";
import { ConversationService } from "@livechat/api/conversation_pb";

// The server drops a viewing signal after 20 s unless repeated: repeat
// every 8 s, so one lost call does not end it.
const repeatMs = 8_000;

/**
 * Says "no longer viewing" as the page goes away (reload, tab closed), when
 * React does not unmount. A plain keepalive fetch in the Connect JSON form,
 * because it must start before the page is gone: the client's call is
 * asynchronous and would be cut off.
 */
function leaveOnUnload(conversationId: string) {
  void fetch("/livechat.v1.ConversationService/SetViewing", {
    method: "POST",
    keepalive: true,
    credentials: "include",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ conversationId, viewing: false }),
  }).catch(() => {});
}

/** Tells colleagues that this conversation is open here, until it closes. */
export function useViewingSignal(conversationId: string) {
  const { mutate } = useMutation(ConversationService.method.setViewing);
  useEffect(() => {
    // Failures are harmless: the signal lapses, or the next repeat restores it.
    const tell = (viewing: boolean) => mutate({ conversationId, viewing }, { onError: () => {} });
    tell(true);
    const timer = window.setInterval(() => tell(true), repeatMs);
    const onPageHide = () => leaveOnUnload(conversationId);
    window.addEventListener("pagehide", onPageHide);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener("pagehide", onPageHide);
      tell(false);
    };
  }, [conversationId, mutate]);
}
