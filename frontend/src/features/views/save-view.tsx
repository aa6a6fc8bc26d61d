import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { BookmarkPlusIcon } from "lucide-react";
import { useState } from "react";
import { useLocation } from "wouter";
import type { ListConversationsRequest } from "@livechat/api/conversation_pb";
import { ViewService } from "@livechat/api/view_pb";
import { useI18n } from "@/i18n";
import { viewsKey } from "@/lib/query-keys";
import { useErrorText } from "@/lib/use-error-text";

type Filter = Partial<Omit<ListConversationsRequest, "$typeName" | "$unknown">>;

const control =
  "h-8 min-w-0 rounded-md border border-input bg-background px-2 text-xs focus-visible:outline-2 focus-visible:outline-ring";

/**
 * "Save view": saves the inbox's current filters (the queue, the search and
 * the filter bar) under a name, then opens the new view. Enter saves, Esc
 * cancels.
 */
export function SaveView({ filter }: { filter: Filter }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const create = useMutation(ViewService.method.createView, {
    onSuccess: (res) => {
      setOpen(false);
      setName("");
      void qc.invalidateQueries({ queryKey: viewsKey });
      if (res.view) navigate(`/inbox/view-${res.view.id}`);
    },
  });

  if (!open) {
    return (
      <div>
        <button type="button" className={`${control} inline-flex items-center gap-1 hover:bg-accent`} title={t("views.saveTitle")} onClick={() => (create.reset(), setOpen(true))}>
          <BookmarkPlusIcon aria-hidden className="size-3.5" /> {t("views.save")}
        </button>
      </div>
    );
  }
  return (
    <form
      className="grid gap-1"
      aria-label={t("views.saveTitle")}
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ name, filter: { ...filter, pageSize: 0, pageToken: "" } });
      }}
    >
      <div className="flex gap-1">
        <input
          autoFocus
          aria-label={t("views.name")}
          placeholder={t("views.namePlaceholder")}
          className={`${control} flex-1`}
          value={name}
          maxLength={64}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setOpen(false);
          }}
        />
        <button type="submit" className={`${control} bg-primary text-primary-foreground`} disabled={create.isPending}>
          {t("views.confirm")}
        </button>
        <button type="button" className={control} onClick={() => setOpen(false)}>
          {t("views.cancel")}
        </button>
      </div>
      {create.error && (
        <p role="alert" className="text-xs text-destructive">
          {t("views.saveFailed")} {errorText(create.error)}
        </p>
      )}
    </form>
  );
}
