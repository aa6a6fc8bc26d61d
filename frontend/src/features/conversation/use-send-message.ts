import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { ConversationService } from "@livechat/api/conversation_pb";
import { newClientMessageId } from "@/lib/ids";
import { applyMessage } from "@/realtime/cache-updates";
import { useMe } from "@/features/auth/use-me";
import { pendingMessages } from "./pending-messages";

/**
 * Sends a reply or an internal note. The message shows at once as pending;
 * a failed one stays with a retry that reuses its idempotency key, so a
 * retry after a lost response never posts it twice.
 */
export function useSendMessage(conversationId: string) {
  const qc = useQueryClient();
  const me = useMe();
  const mutation = useMutation(ConversationService.method.sendMessage, {
    onSuccess: (res, vars) => {
      if (res.message) applyMessage(qc, res.message, me.id, true);
      pendingMessages.remove(conversationId, vars.clientMessageId ?? "");
    },
    onError: (_err, vars) => pendingMessages.update(conversationId, vars.clientMessageId ?? "", true),
  });

  function send(text: string, internal: boolean, clientMessageId = newClientMessageId()) {
    pendingMessages.add(conversationId, { clientMessageId, text, internal, failed: false });
    mutation.mutate({ conversationId, text, internal, clientMessageId });
  }

  return { send, error: mutation.error };
}
