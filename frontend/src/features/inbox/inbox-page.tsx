import { useInfiniteQuery } from "@connectrpc/connect-query";
import { MessagesSquareIcon } from "lucide-react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Redirect, useLocation, useParams } from "wouter";
import { AssignmentFilter, ConversationService } from "@livechat/api/conversation_pb";
import { EmptyState } from "@/components/states";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { conversationPageSize } from "@/lib/query-keys";
import { useDocumentTitle } from "@/lib/use-document-title";
import { useHotkey } from "@/lib/use-hotkey";
import { ConversationView } from "@/features/conversation/conversation-view";
import { ConversationList } from "./conversation-list";
import { QueueTabs } from "./queue-tabs";
import { queueById, type Queue } from "./queues";
import { SearchBox } from "./search-box";
import { FilterBar, filterInput, noFilter, type InboxFilter } from "./filter-bar";

/** The inbox: queues and conversations on the left, the open conversation on the right. */
export function InboxPage() {
  const params = useParams<{ queue: string; conversationId?: string }>();
  const queue = queueById(params.queue);
  if (!queue) return <Redirect to="/inbox/waiting" replace />;
  return <Inbox queue={queue} conversationId={params.conversationId} />;
}

function Inbox({ queue, conversationId }: { queue: Queue; conversationId?: string }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const [search, setSearch] = useState("");
  const [filter, setFilter] = useState<InboxFilter>(noFilter);
  // An assignee narrows only queues that take anyone's conversations.
  const assigneeAllowed = queue.assignment === AssignmentFilter.ALL;
  const effective = assigneeAllowed ? filter : { ...filter, assigneeId: "" };
  const searchRef = useRef<HTMLInputElement>(null);
  // The open conversation names the tab itself.
  useDocumentTitle(conversationId ? null : t(queue.label));

  const list = useInfiniteQuery(
    ConversationService.method.listConversations,
    {
      statuses: queue.statuses,
      assignment: queue.assignment,
      ...(queue.heldByBot ? { heldByBot: true } : {}),
      query: search,
      ...filterInput(effective),
      pageSize: conversationPageSize,
      pageToken: "",
    },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const conversations = useMemo(() => list.data?.pages.flatMap((p) => p.conversations) ?? [], [list.data]);

  const move = useCallback(
    (step: 1 | -1, focusItem = false) => {
      if (conversations.length === 0) return;
      const at = conversations.findIndex((c) => c.id === conversationId);
      const next = at === -1 ? (step === 1 ? 0 : conversations.length - 1) : Math.min(conversations.length - 1, Math.max(0, at + step));
      const id = conversations[next].id;
      navigate(`/inbox/${queue.id}/${id}`);
      requestAnimationFrame(() => {
        const item = document.querySelector<HTMLElement>(`[data-conversation-id="${id}"]`);
        item?.scrollIntoView({ block: "nearest" });
        if (focusItem) item?.focus();
      });
    },
    [conversations, conversationId, navigate, queue.id],
  );
  useHotkey(["j"], () => move(1));
  useHotkey(["k"], () => move(-1));
  useHotkey(["/"], () => searchRef.current?.focus());
  useHotkey(["c", "r"], () => document.getElementById("composer")?.focus());

  // A new search starts from the top of the list.
  const listRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    listRef.current?.scrollTo({ top: 0 });
  }, [search, queue.id, filter]);

  return (
    <div className="flex h-full">
      <section
        aria-label={t("nav.inbox")}
        className={cn("flex w-full min-w-0 flex-col border-r md:w-72 md:shrink-0 lg:w-80 2xl:w-96", conversationId && "hidden md:flex")}
        onKeyDown={(e) => {
          // Arrow keys move through the list while focus is in it.
          const inList = (e.target as HTMLElement).closest("[data-testid=conversation-list]");
          if (!inList || (e.key !== "ArrowDown" && e.key !== "ArrowUp")) return;
          e.preventDefault();
          move(e.key === "ArrowDown" ? 1 : -1, true);
        }}
      >
        <div className="grid gap-3 border-b p-3">
          <h1 className="sr-only">{t("nav.inbox")}</h1>
          <QueueTabs current={queue.id} />
          <SearchBox ref={searchRef} value={search} onChange={setSearch} />
          <FilterBar value={effective} onChange={setFilter} assigneeAllowed={assigneeAllowed} />
        </div>
        <div ref={listRef} className="min-h-0 flex-1 overflow-y-auto">
          <ConversationList
            query={list}
            conversations={conversations}
            queue={queue}
            search={search}
            filtered={Object.values(effective).some(Boolean)}
            selectedId={conversationId}
          />
        </div>
      </section>
      <div className={cn("min-w-0 flex-1", !conversationId && "hidden md:block")}>
        {conversationId ? (
          <ConversationView key={conversationId} conversationId={conversationId} backHref={`/inbox/${queue.id}`} />
        ) : (
          <EmptyState className="h-full" icon={<MessagesSquareIcon />} title={t("inbox.selectTitle")}>
            {t("inbox.selectHint")}
          </EmptyState>
        )}
      </div>
    </div>
  );
}
