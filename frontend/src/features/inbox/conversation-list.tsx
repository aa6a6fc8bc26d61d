import type { UseInfiniteQueryResult, InfiniteData } from "@tanstack/react-query";
import type { ConnectError } from "@connectrpc/connect";
import { InboxIcon, SearchXIcon } from "lucide-react";
import type { Conversation, ListConversationsResponse } from "@livechat/api/conversation_pb";
import { EmptyState, ErrorState, Spinner } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { useNow } from "@/lib/format";
import { ConversationListItem } from "./conversation-list-item";
import type { Queue } from "./queues";

/** The conversations of one queue, with loading, empty, error and "load more" states. */
export function ConversationList({
  query,
  conversations,
  queue,
  search,
  filtered,
  selectedId,
}: {
  query: UseInfiniteQueryResult<InfiniteData<ListConversationsResponse>, ConnectError>;
  conversations: Conversation[];
  queue: Queue;
  search: string;
  /** Whether the filter bar narrows the list. */
  filtered: boolean;
  selectedId?: string;
}) {
  const { t } = useI18n();
  const now = useNow(15_000);

  if (query.isPending) {
    return (
      <div className="grid gap-4 p-4" aria-busy="true" aria-label={t("common.loading")}>
        {Array.from({ length: 6 }, (_, i) => (
          <div key={i} className="flex gap-3">
            <Skeleton className="size-8 rounded-full" />
            <div className="grid flex-1 gap-2">
              <Skeleton className="h-3.5 w-1/2" />
              <Skeleton className="h-3 w-5/6" />
            </div>
          </div>
        ))}
      </div>
    );
  }
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  if (conversations.length === 0) {
    return search ? (
      <EmptyState icon={<SearchXIcon />} title={t("inbox.noResults")}>
        {t("inbox.noResultsHint", { query: search })}
      </EmptyState>
    ) : filtered ? (
      <EmptyState icon={<SearchXIcon />} title={t("inbox.noResults")}>
        {t("filters.noResults")}
      </EmptyState>
    ) : (
      <EmptyState icon={<InboxIcon />} title={t(queue.empty)} />
    );
  }

  return (
    <div>
      <ul aria-label={queue.title ?? t(queue.label)} data-testid="conversation-list">
        {conversations.map((c) => (
          <li key={c.id}>
            <ConversationListItem
              conversation={c}
              href={`/inbox/${queue.id}/${c.id}`}
              selected={c.id === selectedId}
              showStatus={queue.id === "all" || Boolean(search) || filtered}
              now={now}
            />
          </li>
        ))}
      </ul>
      {query.hasNextPage && (
        <div className="flex justify-center p-3">
          <Button variant="ghost" size="sm" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
            {query.isFetchingNextPage ? <Spinner className="size-4" /> : null}
            {t("inbox.loadMore")}
          </Button>
        </div>
      )}
    </div>
  );
}
