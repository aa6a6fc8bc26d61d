import { SenderType } from "@livechat/api/conversation_pb";
import { useI18n } from "@/i18n";
import { useTypists } from "@/realtime/typing";

/**
 * "Ann is typing…" for the customer, live from TypingEvents. Colleagues
 * typing show in the composer as replying (CollisionWarning).
 */
export function TypingIndicator({ conversationId, customerName }: { conversationId: string; customerName: string }) {
  const { t } = useI18n();
  const typists = useTypists(conversationId).filter((p) => p.senderType === SenderType.CUSTOMER);
  const names = typists.map((p) => p.senderName || customerName);
  return (
    <div aria-live="polite" className="h-5 px-4 text-xs text-muted-foreground" data-testid="typing-indicator">
      {names.length > 0 && (
        <span className="inline-flex items-center gap-1.5">
          <span className="flex gap-0.5" aria-hidden>
            {[0, 150, 300].map((d) => (
              <span key={d} className="size-1 animate-bounce rounded-full bg-muted-foreground" style={{ animationDelay: `${d}ms` }} />
            ))}
          </span>
          {names.length === 1 ? t("typing.one", { name: names[0] }) : t("typing.many", { names: names.join(", ") })}
        </span>
      )}
    </div>
  );
}
