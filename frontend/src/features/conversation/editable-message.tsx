import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { HistoryIcon, MoreHorizontalIcon, PencilIcon, Trash2Icon } from "lucide-react";
import { useState, type KeyboardEvent } from "react";
import { ConversationService, SenderType, type Message } from "@livechat/api/conversation_pb";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { ErrorState, FormError, Spinner } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { useI18n } from "@/i18n";
import { formatDateTime, toDate, toMillis } from "@/lib/format";
import { applyMessageUpdate } from "@/realtime/message-updates";
import { useIsAdmin, useMe } from "@/features/auth/use-me";
import { MessageBubble } from "./message-bubble";
import { RichText } from "./rich-text";

/**
 * A message from the server in the timeline, with what may be done to it:
 * its sender edits or deletes it while its edit window is open; an edited
 * or deleted message is marked so, and for admins the mark opens the texts
 * it replaced.
 */
export function EditableMessage({ message: m, senderName, seen }: { message: Message; senderName: string; seen: boolean }) {
  const { t } = useI18n();
  const me = useMe();
  const isAdmin = useIsAdmin();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [history, setHistory] = useState(false);
  const own = m.senderType === SenderType.AGENT && m.senderId === me.id;
  // Checked when rendered; the server refuses a late change with its reason.
  const changeable = own && !m.deletedAt && toMillis(m.editableUntil) > Date.now();
  const changed = m.deletedAt ? "deleted" : m.editedAt ? "edited" : null;

  const mark =
    changed &&
    (isAdmin ? (
      <button
        type="button"
        className="inline-flex items-center gap-0.5 underline-offset-2 hover:underline"
        onClick={() => setHistory(true)}
        data-testid="message-history-open"
      >
        <HistoryIcon aria-hidden className="size-3" />
        {t(changed === "deleted" ? "message.deleted" : "message.edited")}
      </button>
    ) : (
      <span data-testid="message-mark">{t(changed === "deleted" ? "message.deleted" : "message.edited")}</span>
    ));

  const actions = changeable && !editing && (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon-sm" className="size-6" aria-label={t("message.actions")} data-testid="message-actions">
          <MoreHorizontalIcon aria-hidden />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuItem onSelect={() => setEditing(true)} data-testid="message-edit">
          <PencilIcon aria-hidden /> {t("message.edit")}
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => setDeleting(true)} data-testid="message-delete">
          <Trash2Icon aria-hidden /> {t("message.delete")}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );

  return (
    <>
      <MessageBubble
        senderType={m.senderType}
        senderName={senderName}
        senderAvatarUrl={m.senderAvatarUrl}
        text={m.text}
        attachments={m.attachments}
        internal={m.internal}
        at={toDate(m.createdAt)}
        seen={seen}
        deleted={!!m.deletedAt}
        mark={mark}
        actions={actions}
        editor={editing ? <MessageEditor message={m} onDone={() => setEditing(false)} /> : undefined}
      />
      {deleting && <DeleteMessageDialog message={m} onClose={() => setDeleting(false)} />}
      {history && <HistoryDialog message={m} onClose={() => setHistory(false)} />}
    </>
  );
}

/** Edits the text in place: Enter saves, Shift+Enter starts a new line, Esc cancels. */
function MessageEditor({ message: m, onDone }: { message: Message; onDone: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const me = useMe();
  const [text, setText] = useState(m.text);
  const edit = useMutation(ConversationService.method.editMessage, {
    onSuccess: (res) => {
      if (res.message) applyMessageUpdate(qc, res.message, me.id);
      onDone();
    },
  });
  const save = () => {
    if (!text.trim() || edit.isPending) return;
    if (text === m.text) return onDone();
    edit.mutate({ messageId: m.id, text });
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onDone();
    } else if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      save();
    }
  };
  return (
    <div className="grid w-[min(32rem,100%)] gap-2" data-testid="message-editor">
      <textarea
        autoFocus
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        rows={Math.min(8, Math.max(2, text.split("\n").length))}
        aria-label={t("message.editLabel")}
        className="w-full resize-y rounded-md border border-input bg-background px-3 py-2 text-sm focus-visible:outline-2 focus-visible:outline-ring"
      />
      <FormError error={edit.error} />
      <div className="flex justify-end gap-2">
        <Button size="sm" variant="outline" onClick={onDone}>
          {t("common.cancel")}
        </Button>
        <Button size="sm" onClick={save} disabled={!text.trim() || edit.isPending} data-testid="message-save">
          {edit.isPending && <Spinner className="size-4" />}
          {t("message.save")}
        </Button>
      </div>
    </div>
  );
}

function DeleteMessageDialog({ message: m, onClose }: { message: Message; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const me = useMe();
  const remove = useMutation(ConversationService.method.deleteMessage, {
    onSuccess: (res) => {
      if (res.message) applyMessageUpdate(qc, res.message, me.id);
      onClose();
    },
  });
  return (
    <ConfirmDialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={t("message.deleteTitle")}
      description={t(m.internal ? "message.deleteNoteDescription" : "message.deleteDescription")}
      confirmLabel={t("message.delete")}
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => remove.mutate({ messageId: m.id })}
    />
  );
}

/** The texts a message had before each change, for admins. */
function HistoryDialog({ message: m, onClose }: { message: Message; onClose: () => void }) {
  const { t, locale } = useI18n();
  const query = useQuery(ConversationService.method.listMessageRevisions, { messageId: m.id });
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent data-testid="message-history">
        <DialogHeader>
          <DialogTitle>{t("message.historyTitle")}</DialogTitle>
          <DialogDescription>{t("message.historyDescription")}</DialogDescription>
        </DialogHeader>
        {query.isPending ? (
          <Spinner className="mx-auto size-5" />
        ) : query.isError ? (
          <ErrorState error={query.error} onRetry={() => void query.refetch()} />
        ) : query.data.revisions.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("message.historyEmpty")}</p>
        ) : (
          <ol className="grid max-h-[60vh] gap-3 overflow-y-auto">
            {query.data.revisions.map((r, i) => {
              const at = toDate(r.replacedAt);
              return (
                <li key={i} className="grid gap-1" data-testid="message-revision">
                  <span className="text-xs text-muted-foreground">
                    {t(r.deleted ? "message.historyDeletedAt" : "message.historyEditedAt", {
                      time: at ? formatDateTime(at, locale) : "",
                    })}
                  </span>
                  <RichText text={r.text} className="rounded-md bg-muted px-3 py-2 text-sm whitespace-pre-wrap [overflow-wrap:anywhere]" />
                </li>
              );
            })}
          </ol>
        )}
      </DialogContent>
    </Dialog>
  );
}
