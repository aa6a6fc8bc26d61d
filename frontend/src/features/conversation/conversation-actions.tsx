import { ArrowRightLeftIcon, BotOffIcon, CheckCircle2Icon, HandIcon, RotateCcwIcon, XCircleIcon } from "lucide-react";
import { useState } from "react";
import { ConversationStatus, type Conversation } from "@livechat/api/conversation_pb";
import { FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { useI18n } from "@/i18n";
import { useIsAdmin, useMe } from "@/features/auth/use-me";
import { TranscriptButton } from "@/features/mail/transcript-button";
import { TransferDialog } from "./transfer-dialog";
import { useConversationActions } from "./use-conversation-actions";

/** The moves the lifecycle allows from the current status (see conversation.proto). */
export function ConversationActions({ conversation: c }: { conversation: Conversation }) {
  const { t } = useI18n();
  const me = useMe();
  const isAdmin = useIsAdmin();
  const { claim, setStatus, handOff } = useConversationActions();
  const [transferOpen, setTransferOpen] = useState(false);
  const busy = claim.isPending || setStatus.isPending || handOff.isPending;
  const status = (s: ConversationStatus) => setStatus.mutate({ conversationId: c.id, status: s });
  const canTransfer =
    c.status === ConversationStatus.WAITING || (c.status === ConversationStatus.ACTIVE && (c.assigneeId === me.id || isAdmin || !c.assigneeId));
  const error = claim.error ?? setStatus.error ?? handOff.error;

  return (
    <div className="grid gap-1">
      <div className="flex flex-wrap gap-2">
        {c.botName && (
          <Button size="sm" variant="outline" disabled={busy} onClick={() => handOff.mutate({ conversationId: c.id })} data-testid="hand-off">
            <BotOffIcon aria-hidden /> {t("action.handOff")}
          </Button>
        )}
        {c.status === ConversationStatus.WAITING && (
          <Button size="sm" disabled={busy} onClick={() => claim.mutate({ conversationId: c.id })} data-testid="claim">
            <HandIcon aria-hidden /> {t("action.claim")}
          </Button>
        )}
        {canTransfer && (
          <Button size="sm" variant="outline" disabled={busy} onClick={() => setTransferOpen(true)} data-testid="transfer">
            <ArrowRightLeftIcon aria-hidden /> {c.assigneeId ? t("action.transfer") : t("action.assign")}
          </Button>
        )}
        {c.status === ConversationStatus.ACTIVE && (
          <Button size="sm" variant="outline" disabled={busy} onClick={() => status(ConversationStatus.RESOLVED)} data-testid="resolve">
            <CheckCircle2Icon aria-hidden /> {t("action.resolve")}
          </Button>
        )}
        {(c.status === ConversationStatus.ACTIVE || c.status === ConversationStatus.RESOLVED) && (
          <Button size="sm" variant="ghost" disabled={busy} onClick={() => status(ConversationStatus.CLOSED)} data-testid="close">
            <XCircleIcon aria-hidden /> {t("action.close")}
          </Button>
        )}
        {(c.status === ConversationStatus.RESOLVED || c.status === ConversationStatus.CLOSED) && (
          <Button size="sm" variant="outline" disabled={busy} onClick={() => status(ConversationStatus.ACTIVE)} data-testid="reopen">
            <RotateCcwIcon aria-hidden /> {t("action.reopen")}
          </Button>
        )}
        <TranscriptButton conversation={c} />
      </div>
      <FormError error={error} />
      {transferOpen && <TransferDialog conversation={c} open={transferOpen} onOpenChange={setTransferOpen} />}
    </div>
  );
}
