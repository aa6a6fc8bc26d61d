import { useInfiniteQuery } from "@connectrpc/connect-query";
import { ArrowDownIcon } from "lucide-react";
import { Fragment, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { ConversationService, SenderType, type Message } from "@livechat/api/conversation_pb";
import { EmptyState, ErrorState, Spinner } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { toDate } from "@/lib/format";
import { messagePageSize } from "@/lib/query-keys";
import { useCustomerReadSeq } from "@/realtime/read-markers";
import { useMe } from "@/features/auth/use-me";
import { EditableMessage } from "./editable-message";
import { MessageBubble } from "./message-bubble";
import { usePendingMessages } from "./pending-messages";
import { SystemLine, systemText } from "./system-line";
import { useSendMessage } from "./use-send-message";

const nearBottomPx = 120;

/**
 * The conversation's timeline: customer, agent and system messages and
 * internal notes, oldest first, loading older pages when scrolled to the
 * top and following new messages while the agent is at the bottom.
 */
export function Timeline({ conversationId, customerName }: { conversationId: string; customerName: string }) {
  const { t, locale } = useI18n();
  const me = useMe();
  const query = useInfiniteQuery(
    ConversationService.method.listMessages,
    { conversationId, pageSize: messagePageSize, beforeSeq: 0n },
    {
      pageParamKey: "beforeSeq",
      getNextPageParam: (page) => (page.hasMore && page.messages.length ? page.messages[0].seq : undefined),
    },
  );
  const pending = usePendingMessages(conversationId);
  const { send } = useSendMessage(conversationId);
  const readSeq = useCustomerReadSeq(conversationId);

  const messages = useMemo(() => {
    const pages = query.data?.pages ?? [];
    const all: Message[] = [];
    for (let i = pages.length - 1; i >= 0; i--) all.push(...pages[i].messages);
    return all;
  }, [query.data]);
  const visiblePending = pending.filter((p) => !messages.some((m) => m.clientMessageId === p.clientMessageId && m.senderId === me.id));
  const lastSeenReply = useMemo(() => {
    if (!readSeq) return undefined;
    return messages.findLast((m) => m.senderType === SenderType.AGENT && !m.internal && m.seq <= readSeq)?.id;
  }, [messages, readSeq]);

  // New messages are read out politely; the history loaded with the
  // conversation, older pages and the agent's own messages are not.
  const [announcement, setAnnouncement] = useState({ n: 0, text: "" });
  const announcedUpTo = useRef<bigint | null>(null);
  useEffect(() => {
    if (!query.isSuccess) return;
    const top = messages.at(-1)?.seq ?? 0n;
    const from = announcedUpTo.current;
    if (from === null || top <= from) {
      if (from === null) announcedUpTo.current = top;
      return;
    }
    announcedUpTo.current = top;
    const lines = messages
      .filter((m) => m.seq > from && m.senderId !== me.id)
      .map((m) => {
        if (m.senderType === SenderType.SYSTEM) return systemText(m, t);
        const name = m.senderType === SenderType.CUSTOMER ? m.senderName || customerName : m.senderName;
        return t(m.internal ? "timeline.announceNote" : "timeline.announceMessage", { name, text: m.text });
      });
    if (lines.length) setAnnouncement((a) => ({ n: a.n + 1, text: lines.join("\n") }));
  }, [messages, query.isSuccess, me.id, customerName, t]);

  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [showJump, setShowJump] = useState(false);
  const firstId = messages[0]?.id;
  const lastId = messages.at(-1)?.id;
  const prevFirst = useRef<{ id?: string; height: number }>({ height: 0 });

  // Keep the view steady when older messages are prepended, and follow new
  // ones when the agent is at the bottom (or sent them).
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const before = prevFirst.current;
    if (before.id && firstId !== before.id && lastId) {
      el.scrollTop += el.scrollHeight - before.height;
    } else if (atBottom.current || messages.at(-1)?.senderId === me.id) {
      el.scrollTop = el.scrollHeight;
      setShowJump(false);
    } else {
      setShowJump(true);
    }
    prevFirst.current = { id: firstId, height: el.scrollHeight };
  }, [firstId, lastId, visiblePending.length, messages, me.id]);

  // Load older messages when the top comes into view.
  const topSentinel = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  useEffect(() => {
    const el = topSentinel.current;
    if (!el || !hasNextPage) return;
    const io = new IntersectionObserver((entries) => {
      if (entries[0]?.isIntersecting && !isFetchingNextPage) void fetchNextPage();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < nearBottomPx;
    if (atBottom.current) setShowJump(false);
    prevFirst.current = { id: firstId, height: el.scrollHeight };
  }

  function jumpToBottom() {
    const el = scroller.current;
    if (el) el.scrollTo({ top: el.scrollHeight, behavior: "smooth" });
  }

  if (query.isPending) {
    return (
      <div className="grid flex-1 content-end gap-4 p-4" aria-busy="true" aria-label={t("common.loading")}>
        <Skeleton className="h-10 w-2/5" />
        <Skeleton className="ml-auto h-10 w-1/3" />
        <Skeleton className="h-16 w-1/2" />
      </div>
    );
  }
  if (query.isError) return <ErrorState className="flex-1" error={query.error} onRetry={() => void query.refetch()} />;

  const dayFormat = new Intl.DateTimeFormat(locale, { dateStyle: "full" });
  let lastDay = "";

  return (
    <div className="relative min-h-0 flex-1">
      <div ref={scroller} onScroll={onScroll} className="h-full overflow-y-auto py-4" data-testid="timeline">
        <div ref={topSentinel} />
        {hasNextPage && (
          <div className="flex justify-center pb-2">
            <Button variant="ghost" size="sm" disabled={isFetchingNextPage} onClick={() => void fetchNextPage()}>
              {isFetchingNextPage && <Spinner className="size-4" />}
              {t("timeline.loadOlder")}
            </Button>
          </div>
        )}
        {messages.length === 0 && visiblePending.length === 0 && <EmptyState title={t("timeline.empty")} />}
        <ol aria-label={t("timeline.label")} className="grid grid-cols-[minmax(0,1fr)] gap-1">
          {messages.map((m) => {
            const at = toDate(m.createdAt);
            const day = at ? at.toDateString() : "";
            const separator = day && day !== lastDay ? dayFormat.format(at) : null;
            lastDay = day || lastDay;
            return (
              <Fragment key={m.id}>
                {separator && (
                  <li className="py-2 text-center text-xs font-medium text-muted-foreground" aria-hidden>
                    {separator}
                  </li>
                )}
                {m.senderType === SenderType.SYSTEM ? (
                  <SystemLine message={m} />
                ) : (
                  <EditableMessage
                    message={m}
                    senderName={m.senderType === SenderType.CUSTOMER ? m.senderName || customerName : m.senderName}
                    seen={m.id === lastSeenReply}
                  />
                )}
              </Fragment>
            );
          })}
          {visiblePending.map((p) => (
            <MessageBubble
              key={p.clientMessageId}
              senderType={SenderType.AGENT}
              senderName={me.displayName}
              senderAvatarUrl={me.avatarUrl}
              text={p.text}
              internal={p.internal}
              pending
              failed={p.failed}
              attachments={p.attachments}
              onRetry={() => send(p.text, p.internal, p.clientMessageId, p.attachments)}
            />
          ))}
        </ol>
      </div>
      <div aria-live="polite" className="sr-only" data-testid="timeline-announcer">
        {announcement.text && <p key={announcement.n}>{announcement.text}</p>}
      </div>
      {showJump && (
        <Button size="sm" variant="secondary" className="absolute bottom-3 left-1/2 -translate-x-1/2 shadow-md" onClick={jumpToBottom}>
          <ArrowDownIcon aria-hidden /> {t("timeline.newMessages")}
        </Button>
      )}
    </div>
  );
}
