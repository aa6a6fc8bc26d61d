import { useQuery } from "@connectrpc/connect-query";
import { ArrowLeftIcon, PanelRightCloseIcon, PanelRightOpenIcon } from "lucide-react";
import { useState } from "react";
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
import { Composer } from "./composer";
import { ConversationActions } from "./conversation-actions";
import { CustomerPanel } from "./customer-panel";
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
  const [panelOpen, setPanelOpen] = useState(() => readSetting("customerPanel", window.innerWidth >= 1280));
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
    writeSetting("customerPanel", !panelOpen);
    setPanelOpen(!panelOpen);
  };

  return (
    <div className="relative flex h-full min-w-0">
      <section aria-label={t("conversation.label", { name })} className="flex min-w-0 flex-1 flex-col">
        <header className="flex flex-wrap items-center gap-3 border-b px-4 py-2.5">
          <Button asChild variant="ghost" size="icon-sm" className="md:hidden">
            <Link href={backHref} aria-label={t("common.back")}>
              <ArrowLeftIcon aria-hidden />
            </Link>
          </Button>
          <div className="min-w-0 flex-1">
            <h2 className="truncate font-semibold" data-testid="conversation-title">
              {name}
            </h2>
            <div className="flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
              <Badge variant={statusVariant[conversation.status]} data-testid="conversation-status">
                {t(statusLabel[conversation.status])}
              </Badge>
              <span>{conversation.assigneeName ? t("inbox.assignedTo", { name: conversation.assigneeName }) : t("conversation.unassigned")}</span>
              {conversation.widgetName && <span>· {conversation.widgetName}</span>}
            </div>
          </div>
          <ConversationActions conversation={conversation} />
          <Button
            variant="ghost"
            size="icon-sm"
            onClick={togglePanel}
            aria-pressed={panelOpen}
            aria-label={panelOpen ? t("customer.hidePanel") : t("customer.showPanel")}
          >
            {panelOpen ? <PanelRightCloseIcon aria-hidden /> : <PanelRightOpenIcon aria-hidden />}
          </Button>
        </header>
        <Timeline conversationId={conversation.id} customerName={name} />
        <TypingIndicator conversationId={conversation.id} customerName={name} />
        <Composer
          key={conversation.id}
          conversationId={conversation.id}
          replyDisabled={conversation.status === ConversationStatus.CLOSED}
        />
      </section>
      {panelOpen && (
        <div
          className={cn(
            "w-72 shrink-0 border-l bg-card",
            // On narrower screens the panel floats over the timeline.
            "max-xl:absolute max-xl:inset-y-0 max-xl:right-0 max-xl:z-30 max-xl:shadow-xl",
          )}
        >
          <CustomerPanel customer={query.data.customer} conversation={conversation} />
        </div>
      )}
    </div>
  );
}
