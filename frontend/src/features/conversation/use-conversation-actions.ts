import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { ConversationService, type Conversation } from "@livechat/api/conversation_pb";
import { IntegrationService } from "@livechat/api/integration_pb";
import { upsertConversation } from "@/realtime/cache-updates";
import { useMe } from "@/features/auth/use-me";

/** Claim, assign, status changes and handoffs from a bot, each putting the new state straight into the cache. */
export function useConversationActions() {
  const qc = useQueryClient();
  const me = useMe();
  const onSuccess = (res: { conversation?: Conversation }) => {
    if (res.conversation) upsertConversation(qc, res.conversation, me.id);
  };
  return {
    claim: useMutation(ConversationService.method.claimConversation, { onSuccess }),
    assign: useMutation(ConversationService.method.assignConversation, { onSuccess }),
    setStatus: useMutation(ConversationService.method.setConversationStatus, { onSuccess }),
    handOff: useMutation(IntegrationService.method.handOffConversation, { onSuccess }),
  };
}
