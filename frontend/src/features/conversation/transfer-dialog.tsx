import { useState } from "react";
import type { Conversation } from "@livechat/api/conversation_pb";
import { PresenceDot, presenceLabel, presenceOf } from "@/components/presence-dot";
import { ErrorState, FormError, Spinner } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { useConversationActions } from "./use-conversation-actions";
import { useAgents } from "@/features/agents/use-agents";

/** Hands a conversation to a colleague, showing who is online. */
export function TransferDialog({ conversation, open, onOpenChange }: { conversation: Conversation; open: boolean; onOpenChange: (o: boolean) => void }) {
  const { t } = useI18n();
  const agents = useAgents({ enabled: open });
  const { assign } = useConversationActions();
  const [choice, setChoice] = useState("");
  const candidates = (agents.data?.agents ?? []).filter((a) => !a.disabled && a.id !== conversation.assigneeId);

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        onOpenChange(o);
        if (!o) {
          setChoice("");
          assign.reset();
        }
      }}
    >
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{t("transfer.title")}</DialogTitle>
          <DialogDescription>{t("transfer.description")}</DialogDescription>
        </DialogHeader>
        {agents.isPending ? (
          <Spinner />
        ) : agents.isError ? (
          <ErrorState error={agents.error} onRetry={() => void agents.refetch()} />
        ) : candidates.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("transfer.nobody")}</p>
        ) : (
          <div role="radiogroup" aria-label={t("transfer.agent")} className="grid max-h-72 gap-1 overflow-y-auto">
            {candidates.map((a) => (
              <label
                key={a.id}
                className={cn(
                  "flex cursor-pointer items-center gap-3 rounded-md border px-3 py-2 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-ring",
                  choice === a.id && "border-primary bg-accent",
                )}
              >
                <input type="radio" name="agent" value={a.id} checked={choice === a.id} onChange={() => setChoice(a.id)} className="sr-only" />
                <PresenceDot agent={a} />
                <span className="flex-1 font-medium">{a.displayName}</span>
                <span className="text-xs text-muted-foreground">{t(presenceLabel[presenceOf(a)])}</span>
              </label>
            ))}
          </div>
        )}
        <FormError error={assign.error} />
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)}>
            {t("common.cancel")}
          </Button>
          <Button
            disabled={!choice || assign.isPending}
            onClick={() =>
              assign.mutate({ conversationId: conversation.id, agentId: choice }, { onSuccess: () => onOpenChange(false) })
            }
          >
            {t("transfer.submit")}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
