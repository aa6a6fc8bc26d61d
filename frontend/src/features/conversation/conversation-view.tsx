import { useQuery } from "@connectrpc/connect-query";
import { ArrowLeftIcon, PanelRightCloseIcon, PanelRightOpenIcon } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { Link } from "wouter";
import { Code } from "@connectrpc/connect";
import { ConversationService, ConversationStatus } from "@livechat/api/conversation_pb";
import { EmptyState, ErrorState, FullPageSpinner } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { errorCode } from "@/lib/errors";
import { readSetting, writeSetting } from "@/lib/storage";
import { useDocumentTitle } from "@/lib/use-document-title";
import { useMediaQuery } from "@/lib/use-media-query";
import { Composer } from "./composer";
import { ConversationActions } from "./conversation-actions";
import { CustomerPanel } from "./customer-panel";
import { TagEditor } from "@/features/tags/tag-editor";
import { RatingBadge } from "@/features/reports/rating-badge";
import { customerLabel, statusLabel } from "./labels";
import { Timeline } from "./timeline";
import { TypingIndicator } from "./typing-indicator";
import { useMarkRead } from "./use-mark-read";

const statusVariant = {
  [ConversationStatus.UNSPECIFIED]: "outline",
  [ConversationStatus.WAITING]: "warning",
  [ConversationStatus.ACTIVE]: "default",
  [ConversationStatus.RESOLVED]: "secondary",
  [ConversationStatus.CLOSED]: "outline",
} as const;

/** One conversation: header with actions, the timeline, the composer and the customer panel. */
export function ConversationView({ conversationId, backHref }: { conversationId: string; backHref: string }) {
  const { t } = useI18n();
  const query = useQuery(ConversationService.method.getConversation, { conversationId });
  const conversation = query.data?.conversation;
  // Wide screens show the customer panel beside the timeline (remembered);
  // narrower ones float it over the timeline on demand.
  const wide = useMediaQuery("(min-width: 1280px)");
  const [widePanel, setWidePanel] = useState(() => readSetting("customerPanel", true));
  const [narrowPanel, setNarrowPanel] = useState(false);
  const panelOpen = wide ? widePanel : narrowPanel;
  const floating = panelOpen && !wide;
  const toggle = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const view = useRef<HTMLDivElement>(null);

  // The floating panel covers the timeline: focus goes into it when it
  // opens, and Esc closes it from anywhere in the view, back to the toggle.
  useEffect(() => {
    if (!floating) return;
    panel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      // A dialog or menu handles its own Esc (and marks it handled) first.
      if (e.key !== "Escape" || e.defaultPrevented) return;
      const target = e.target as Node | null;
      if (target !== document.body && !view.current?.contains(target)) return;
      e.preventDefault();
      setNarrowPanel(false);
      toggle.current?.focus();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [floating]);
  useMarkRead(conversation);
  useDocumentTitle(conversation ? customerLabel(conversation, t) : t("nav.inbox"));

  if (query.isPending) return <FullPageSpinner />;
  if (query.isError) {
    return errorCode(query.error) === Code.NotFound || errorCode(query.error) === Code.InvalidArgument ? (
      <EmptyState className="h-full" title={t("conversation.notFound")} />
    ) : (
      <ErrorState className="h-full" error={query.error} onRetry={() => void query.refetch()} />
    );
  }
  if (!conversation) return <EmptyState className="h-full" title={t("conversation.notFound")} />;

  const name = customerLabel(conversation, t);
  const togglePanel = () => {
    if (!wide) return setNarrowPanel(!narrowPanel);
    writeSetting("customerPanel", !widePanel);
    setWidePanel(!widePanel);
  };

  return (
    <div ref={view} className="relative flex h-full min-w-0">
      <section aria-label={t("conversation.label", { name })} className="flex min-w-0 flex-1 flex-col">
        <header className="grid grid-cols-[minmax(0,1fr)] gap-2 border-b px-4 py-2.5">
          <div className="flex items-start gap-2">
            <Button asChild variant="ghost" size="icon-sm" className="md:hidden">
              <Link href={backHref} aria-label={t("common.back")}>
                <ArrowLeftIcon aria-hidden />
              </Link>
            </Button>
            <div className="min-w-0 flex-1">
              <h2 className="truncate font-semibold" data-testid="conversation-title">
                {name}
              </h2>
              <div className="mt-0.5 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-muted-foreground">
                <Badge variant={statusVariant[conversation.status]} data-testid="conversation-status">
                  {t(statusLabel[conversation.status])}
                </Badge>
                <span data-testid="conversation-handler">
                  {conversation.assigneeName
                    ? t("inbox.assignedTo", { name: conversation.assigneeName })
                    : conversation.botName
                      ? t("inbox.heldByBot", { name: conversation.botName })
                      : t("conversation.unassigned")}
                </span>
                {conversation.widgetName && <span className="truncate">· {conversation.widgetName}</span>}
                {conversation.rating && <RatingBadge rating={conversation.rating} />}
              </div>
              <div className="mt-2 max-w-md">
                <TagEditor conversation={conversation} />
              </div>
            </div>
            <Button
              ref={toggle}
              variant="ghost"
              size="icon-sm"
              onClick={togglePanel}
              aria-expanded={panelOpen}
              aria-controls="customer-panel"
              data-testid="customer-panel-toggle"
              aria-label={panelOpen ? t("customer.hidePanel") : t("customer.showPanel")}
            >
              {panelOpen ? <PanelRightCloseIcon aria-hidden /> : <PanelRightOpenIcon aria-hidden />}
            </Button>
          </div>
          <ConversationActions conversation={conversation} />
        </header>
        <Timeline conversationId={conversation.id} customerName={name} />
        <TypingIndicator conversationId={conversation.id} customerName={name} />
        <Composer
          key={conversation.id}
          conversationId={conversation.id}
          replyDisabled={conversation.status === ConversationStatus.CLOSED}
          assignee={conversation.assigneeId ? { id: conversation.assigneeId, name: conversation.assigneeName } : undefined}
          customer={query.data.customer}
        />
      </section>
      {panelOpen && (
        <div
          ref={panel}
          id="customer-panel"
          tabIndex={floating ? -1 : undefined}
          className={cn("w-72 shrink-0 border-l bg-card outline-none", floating && "absolute inset-y-0 right-0 z-30 shadow-xl")}
        >
          <CustomerPanel customer={query.data.customer} conversation={conversation} />
        </div>
      )}
    </div>
  );
}
