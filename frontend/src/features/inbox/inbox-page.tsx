import { useInfiniteQuery, useQuery } from "@connectrpc/connect-query";
import { MessagesSquareIcon, SearchXIcon } from "lucide-react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, Redirect, useLocation, useParams } from "wouter";
import { AssignmentFilter, ConversationService, ConversationStatus } from "@livechat/api/conversation_pb";
import { TeamService } from "@livechat/api/team_pb";
import { ViewService } from "@livechat/api/view_pb";
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
import { SaveView } from "@/features/views/save-view";

/** The inbox: queues and conversations on the left, the open conversation on the right. */
export function InboxPage() {
  const params = useParams<{ queue: string; conversationId?: string }>();
  const { t } = useI18n();
  const special = useSavedQueue(params.queue);
  const queue = queueById(params.queue) ?? special.queue;
  if (!queue) {
    if (special.pending) return <div className="p-4" aria-busy="true" aria-label={t("common.loading")} />;
    if (special.missing) {
      return (
        <EmptyState className="h-full" icon={<SearchXIcon />} title={t("views.notFound")}>
          <Link href="/inbox/waiting" className="underline">
            {t("queue.waiting")}
          </Link>
        </EmptyState>
      );
    }
    return <Redirect to="/inbox/waiting" replace />;
  }
  return <Inbox queue={queue} conversationId={params.conversationId} />;
}

/** A saved view ("view-<id>") or a team's inbox ("team-<id>") as a queue. */
function useSavedQueue(id: string): { queue?: Queue; pending: boolean; missing: boolean } {
  const viewId = id.startsWith("view-") ? id.slice(5) : "";
  const teamId = id.startsWith("team-") ? id.slice(5) : "";
  const views = useQuery(ViewService.method.listViews, {}, { enabled: viewId !== "" });
  const teams = useQuery(TeamService.method.listTeams, {}, { enabled: teamId !== "" });
  const { t } = useI18n();
  if (viewId) {
    const v = views.data?.views.find((x) => x.id === viewId);
    if (!v) return { pending: views.isPending, missing: !views.isPending };
    const { statuses, assignment, $typeName: _, pageSize: _s, pageToken: _p, ...rest } = v.filter ?? ({ statuses: [], assignment: AssignmentFilter.ALL } as never);
    return {
      queue: { id, label: "views.title", empty: "views.listEmpty", statuses, assignment, count: "open", title: v.name, filter: rest },
      pending: false,
      missing: false,
    };
  }
  if (teamId) {
    const team = teams.data?.teams.find((x) => x.id === teamId);
    if (!team) return { pending: teams.isPending, missing: !teams.isPending };
    return {
      queue: {
        id,
        label: "teams.title",
        empty: "teams.listEmpty",
        statuses: [ConversationStatus.WAITING, ConversationStatus.ACTIVE],
        assignment: AssignmentFilter.ALL,
        count: "open",
        title: t("teams.inbox", { name: team.name }),
        filter: { teamId },
      },
      pending: false,
      missing: false,
    };
  }
  return { pending: false, missing: false };
}

/** The filter bar's and search box's fields that are set: they narrow a saved view further. */
function setFields(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => (Array.isArray(v) ? v.length > 0 : Boolean(v))));
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
  useDocumentTitle(conversationId ? null : (queue.title ?? t(queue.label)));

  // The request: the queue's (or saved view's) filters, narrowed by what
  // the search box and the filter bar set.
  const request = {
    statuses: queue.statuses,
    assignment: queue.assignment,
    query: "",
    tagIds: [] as string[],
    widgetId: "",
    assigneeId: "",
    teamId: "",
    ...(queue.heldByBot ? { heldByBot: true } : {}),
    ...queue.filter,
    ...setFields({ query: search, ...filterInput(effective) }),
  };
  const list = useInfiniteQuery(
    ConversationService.method.listConversations,
    { ...request, pageSize: conversationPageSize, pageToken: "" },
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
          {queue.title && (
            <h2 className="truncate text-sm font-semibold" data-testid="inbox-title">
              {queue.title}
            </h2>
          )}
          <SearchBox ref={searchRef} value={search} onChange={setSearch} />
          <FilterBar value={effective} onChange={setFilter} assigneeAllowed={assigneeAllowed} />
          <SaveView filter={request} />
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
