import { SystemEventKind, type Message } from "@livechat/api/conversation_pb";
import { useI18n, type I18n, type MessageKey } from "@/i18n";
import { formatDateTime, formatTimestamp, toDate } from "@/lib/format";

const wording: Partial<Record<SystemEventKind, MessageKey>> = {
  [SystemEventKind.CLAIMED]: "system.claimed",
  [SystemEventKind.ASSIGNED]: "system.assigned",
  [SystemEventKind.RESOLVED]: "system.resolved",
  [SystemEventKind.CLOSED]: "system.closed",
  [SystemEventKind.REOPENED]: "system.reopened",
  [SystemEventKind.HANDED_OFF]: "system.handedOff",
};

/** The words of a lifecycle line, in the agent's language. */
export function systemText(message: Message, t: I18n["t"]): string {
  const ev = message.systemEvent;
  // Routing assigns with the assignee as actor: "was assigned to Lan".
  const routed = ev?.kind === SystemEventKind.ASSIGNED && !!ev.actorName && ev.actorName === ev.targetName;
  const key = routed ? "system.assignedTo" : ev ? wording[ev.kind] : undefined;
  return key ? t(key, { actor: ev?.actorName || t("system.someone"), target: ev?.targetName ?? "" }) : message.text;
}

/** A lifecycle line ("Lan claimed the conversation"), worded in the agent's language. */
export function SystemLine({ message }: { message: Message }) {
  const { t, locale } = useI18n();
  const text = systemText(message, t);
  const at = toDate(message.createdAt);
  return (
    <li className="flex items-center gap-3 px-4 py-1 text-xs text-muted-foreground" data-testid="system-message">
      <span className="h-px flex-1 bg-border" aria-hidden />
      <span className="text-center">
        {text}
        {at && (
          <time className="ml-1.5" dateTime={at.toISOString()} title={formatDateTime(at, locale)}>
            · {formatTimestamp(at, locale)}
          </time>
        )}
      </span>
      <span className="h-px flex-1 bg-border" aria-hidden />
    </li>
  );
}
