import type { ReactNode } from "react";
import { AlertCircleIcon, LockIcon, RotateCwIcon } from "lucide-react";
import type { Attachment } from "@livechat/api/attachment_pb";
import { SenderType } from "@livechat/api/conversation_pb";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { formatDateTime, formatTimestamp } from "@/lib/format";
import { MessageAttachments } from "@/features/attachments/message-attachments";
import { Avatar } from "@/components/avatar";
import { RichText } from "./rich-text";

export interface BubbleProps {
  senderType: SenderType;
  senderName: string;
  /** An agent sender's avatar; initials without one. */
  senderAvatarUrl?: string;
  text: string;
  internal: boolean;
  at?: Date;
  /** Not yet confirmed by the server. */
  pending?: boolean;
  failed?: boolean;
  onRetry?: () => void;
  seen?: boolean;
  /** Withdrawn by its sender: shown as deleted, without text. */
  deleted?: boolean;
  /** After the time: the "edited"/"deleted" mark. */
  mark?: ReactNode;
  /** Beside the name: what the reader may do with the message. */
  actions?: ReactNode;
  /** In place of the text, while the message is being edited. */
  editor?: ReactNode;
  attachments?: Attachment[];
}

/**
 * One customer message, agent reply or internal note. Text is rendered in
 * the safe markdown subset, with its line breaks; internal notes look clearly
 * different.
 */
export function MessageBubble({ senderType, senderName, senderAvatarUrl, text, internal, at, pending, failed, onRetry, seen, deleted, mark, actions, editor, attachments = [] }: BubbleProps) {
  const { t, locale } = useI18n();
  const fromCustomer = senderType === SenderType.CUSTOMER;
  return (
    <li
      className={cn("flex px-4 py-1", fromCustomer ? "justify-start" : "justify-end")}
      data-testid={internal ? "note-message" : fromCustomer ? "customer-message" : "agent-message"}
    >
      {/* min-w-0 lets the column shrink below its longest word, so a long
          unbroken string (a tracking URL) wraps instead of widening the thread. */}
      <div className={cn("flex min-w-0 max-w-[min(80%,42rem)] flex-col gap-1", fromCustomer ? "items-start" : "items-end")}>
        <div className="flex items-center gap-1.5 px-1 text-xs text-muted-foreground">
          {internal && (
            <span className="inline-flex items-center gap-1 font-medium text-note-foreground">
              <LockIcon aria-hidden className="size-3" /> {t("message.internalNote")}
            </span>
          )}
          {senderType === SenderType.AGENT && <Avatar name={senderName} src={senderAvatarUrl || undefined} className="size-5 text-[10px]" />}
          <span className="font-medium">{senderName}</span>
          {at && (
            <time dateTime={at.toISOString()} title={formatDateTime(at, locale)}>
              {formatTimestamp(at, locale)}
            </time>
          )}
          {mark}
          {actions}
        </div>
        {editor ??
          ((text || deleted) && (
          <div
            className={cn(
              "max-w-full rounded-2xl px-3.5 py-2 text-sm leading-relaxed whitespace-pre-wrap [overflow-wrap:anywhere]",
              internal
                ? "rounded-tr-sm border border-dashed border-note-border bg-note text-note-foreground"
                : fromCustomer
                  ? "rounded-tl-sm bg-muted text-foreground"
                  : "rounded-tr-sm bg-primary text-primary-foreground",
              pending && !failed && "opacity-60",
              failed && "ring-2 ring-destructive",
              deleted && "italic opacity-70",
            )}
            data-testid="bubble"
          >
            {deleted ? t("message.deletedText") : <RichText text={text} />}
          </div>
          ))}
        {!deleted && <MessageAttachments attachments={attachments} />}
        {pending && !failed && <span className="px-1 text-xs text-muted-foreground">{t("message.sending")}</span>}
        {failed && (
          <span className="flex items-center gap-2 px-1 text-xs text-destructive" role="alert">
            <AlertCircleIcon aria-hidden className="size-3.5" />
            {t("message.failed")}
            {onRetry && (
              <button type="button" className="inline-flex items-center gap-1 font-medium underline" onClick={onRetry}>
                <RotateCwIcon aria-hidden className="size-3" /> {t("common.retry")}
              </button>
            )}
          </span>
        )}
        {seen && <span className="px-1 text-xs text-muted-foreground">{t("message.seen")}</span>}
      </div>
    </li>
  );
}
