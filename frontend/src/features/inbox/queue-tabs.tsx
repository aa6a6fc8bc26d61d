import { useQuery } from "@connectrpc/connect-query";
import { Link } from "wouter";
import { ConversationService } from "@livechat/api/conversation_pb";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { queues } from "./queues";

/** The inbox queues with their live counts (none for the bots' view). */
export function QueueTabs({ current }: { current: string }) {
  const { t } = useI18n();
  const counts = useQuery(ConversationService.method.getInboxCounts, {});
  return (
    <nav aria-label={t("queue.label")}>
      {/* Two columns until the list is wide enough for three: the longest
          labels ("Unassigned", "Đã giải quyết") must show whole. */}
      <ul className="grid grid-cols-2 gap-1 2xl:grid-cols-3">
        {queues.map((q) => {
          const count = q.count ? counts.data?.[q.count] : undefined;
          const active = q.id === current;
          return (
            <li key={q.id}>
              <Link
                href={`/inbox/${q.id}`}
                aria-current={active ? "page" : undefined}
                data-testid={`queue-${q.id}`}
                className={cn(
                  "flex items-center justify-between gap-1 rounded-md px-2 py-1.5 text-xs hover:bg-accent focus-visible:outline-2 focus-visible:outline-ring",
                  active ? "bg-primary text-primary-foreground hover:bg-primary/90" : "text-muted-foreground",
                )}
              >
                <span className="truncate font-medium">{t(q.label)}</span>
                <span
                  data-testid={`queue-count-${q.id}`}
                  className={cn("tabular-nums", q.id === "waiting" && count ? "font-semibold" : "")}
                >
                  {q.count ? (count ?? "·") : ""}
                </span>
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
