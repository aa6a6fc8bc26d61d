import { Link } from "wouter";
import { plainText } from "@livechat/markdown";
import { ConversationStatus, SenderType, type Conversation } from "@livechat/api/conversation_pb";
import { Avatar } from "@/components/avatar";
import { Badge } from "@/components/ui/badge";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { formatRelative } from "@/lib/format";
import { activityOf } from "@/realtime/cache-updates";
import { customerLabel, statusLabel } from "@/features/conversation/labels";
import { TagChip } from "@/features/tags/tag-chip";
import { WaitingTime } from "./waiting-time";

/** One row of the inbox: who, the latest line, when, waiting time and unread count. */
export function ConversationListItem({
  conversation: c,
  href,
  selected,
  showStatus,
  now,
}: {
  conversation: Conversation;
  href: string;
  selected: boolean;
  showStatus: boolean;
  now: number;
}) {
  const { t, locale } = useI18n();
  const name = customerLabel(c, t);
  const last = c.lastMessage;
  const prefix = last?.internal
    ? t("inbox.previewNote")
    : last?.senderType === SenderType.AGENT
      ? t("inbox.previewAgent", { name: last.senderName })
      : "";
  const preview = last
    ? last.senderType === SenderType.SYSTEM
      ? t("inbox.previewSystem")
      : last.deletedAt
        ? t("message.deleted")
        : plainText(last.text)
    : t("inbox.noMessages");
  const activity = activityOf(c);
  const unread = c.unreadCount > 0;
  const waiting = c.waitingSince && (c.status === ConversationStatus.WAITING || c.status === ConversationStatus.ACTIVE);

  return (
    <Link
      href={href}
      aria-current={selected ? "true" : undefined}
      data-testid="conversation-item"
      data-conversation-id={c.id}
      className={cn(
        "flex gap-3 border-b px-3 py-3 hover:bg-accent/60 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-ring",
        selected && "bg-accent",
      )}
    >
      <Avatar name={name} className="mt-0.5" />
      <div className="min-w-0 flex-1">
        <div className="flex items-baseline gap-2">
          <span className={cn("flex-1 truncate text-sm", unread ? "font-semibold" : "font-medium")}>{name}</span>
          {activity > 0 && (
            <time className="shrink-0 text-xs text-muted-foreground" dateTime={new Date(activity).toISOString()}>
              {formatRelative(new Date(activity), now, locale, t("time.justNow"))}
            </time>
          )}
        </div>
        <p className={cn("mt-0.5 truncate text-sm", unread ? "text-foreground" : "text-muted-foreground")}>
          {prefix && <span className={cn(last?.internal && "text-note-foreground")}>{prefix} </span>}
          {preview}
        </p>
        <div className="mt-1 flex flex-wrap items-center gap-2">
          {waiting && c.waitingSince && <WaitingTime since={c.waitingSince} now={now} />}
          {showStatus && <Badge variant="outline">{t(statusLabel[c.status])}</Badge>}
          {c.tags.map((tag) => (
            <TagChip key={tag.id} tag={tag} />
          ))}
          {c.assigneeName && (
            <span className="truncate text-xs text-muted-foreground">{t("inbox.assignedTo", { name: c.assigneeName })}</span>
          )}
          {!c.assigneeName && c.botName && (
            <span className="truncate text-xs text-muted-foreground">{t("inbox.heldByBot", { name: c.botName })}</span>
          )}
          {!c.assigneeName && !c.botName && c.widgetName && <span className="truncate text-xs text-muted-foreground">{c.widgetName}</span>}
          {unread && (
            <Badge className="ml-auto" data-testid="unread-badge" aria-label={t("inbox.unread", { count: c.unreadCount })}>
              {c.unreadCount}
            </Badge>
          )}
        </div>
      </div>
    </Link>
  );
}
