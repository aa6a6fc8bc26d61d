import { EyeIcon, PenLineIcon } from "lucide-react";
import { SenderType } from "@livechat/api/conversation_pb";
import { useI18n } from "@/i18n";
import { useTypists, useViewers } from "@/realtime/typing";

/**
 * "Lan is replying…" / "Lan is viewing": colleagues typing in, or with the
 * same conversation open, so two agents do not answer the customer at once.
 * Live from TypingEvents and ViewingEvents; it clears when they stop or leave.
 */
export function CollisionWarning({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const replying = useTypists(conversationId).filter((p) => p.senderType === SenderType.AGENT);
  const replyingIds = new Set(replying.map((p) => p.senderId));
  const viewing = useViewers(conversationId).filter((p) => !replyingIds.has(p.senderId));
  const names = (list: { senderName: string }[]) => list.map((p) => p.senderName).join(", ");
  return (
    <span role="status" aria-live="polite" className="ml-auto flex min-w-0 items-center gap-3 text-xs text-warning-foreground" data-testid="collision-warning">
      {replying.length > 0 && (
        <span className="inline-flex items-center gap-1 font-medium" data-testid="collision-replying">
          <PenLineIcon className="size-3.5" aria-hidden />
          {replying.length === 1 ? t("collision.replyingOne", { name: replying[0].senderName }) : t("collision.replyingMany", { names: names(replying) })}
        </span>
      )}
      {viewing.length > 0 && (
        <span className="inline-flex items-center gap-1 text-muted-foreground" data-testid="collision-viewing">
          <EyeIcon className="size-3.5" aria-hidden />
          {viewing.length === 1 ? t("collision.viewingOne", { name: viewing[0].senderName }) : t("collision.viewingMany", { names: names(viewing) })}
        </span>
      )}
    </span>
  );
}
