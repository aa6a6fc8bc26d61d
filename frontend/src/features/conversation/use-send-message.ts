import { callUnaryMethod, useMutation, useTransport } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import type { Attachment } from "@livechat/api/attachment_pb";
import { ConversationService, ConversationStatus } from "@livechat/api/conversation_pb";
import { newClientMessageId } from "@/lib/ids";
import { applyConversationEvent, applyMessage, findConversation } from "@/realtime/cache-updates";
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
  const transport = useTransport();
  const mutation = useMutation(ConversationService.method.sendMessage, {
    onMutate: () => ({ wasWaiting: findConversation(qc, conversationId)?.status === ConversationStatus.WAITING }),
    onSuccess: (res, vars, context) => {
      if (res.message) applyMessage(qc, res.message, me.id, true);
      pendingMessages.remove(conversationId, vars.clientMessageId ?? "");
      // The first reply to a waiting conversation claims it on the server.
      // Its event will say so; reading the new state now shows it at once
      // (status, assignee, the Claim button gone) even while the stream is
      // slow or reconnecting.
      if (!vars.internal && context?.wasWaiting) {
        void callUnaryMethod(transport, ConversationService.method.getConversation, { conversationId })
          .then((got) => got.conversation && applyConversationEvent(qc, got.conversation, me.id))
          .catch(() => {}); // The event brings the same news.
      }
    },
    onError: (_err, vars) => pendingMessages.update(conversationId, vars.clientMessageId ?? "", true),
  });

  function send(text: string, internal: boolean, clientMessageId = newClientMessageId(), attachments: Attachment[] = []) {
    pendingMessages.add(conversationId, { clientMessageId, text, internal, failed: false, attachments });
    mutation.mutate({ conversationId, text, internal, clientMessageId, attachmentIds: attachments.map((a) => a.id) });
  }

  return { send, error: mutation.error };
}
