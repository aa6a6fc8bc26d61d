import { useInfiniteQuery, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { MessageSquareQuoteIcon, PencilIcon, PlusIcon, Trash2Icon } from "lucide-react";
import { useMemo, useState } from "react";
import { CannedResponseScope, CannedResponseService, type CannedResponse } from "@livechat/api/canned_pb";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { Page } from "@/components/page";
import { EmptyState, ErrorState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { formatDateTime, formatRelative, toDate, useNow } from "@/lib/format";
import { SearchBox } from "@/features/inbox/search-box";
import { cannedListsKey } from "./keys";
import { ResponseDialog } from "./response-dialog";

const pageSize = 50;

/**
 * Lists the canned responses the agent may use, with search. Admins edit
 * team-wide ones; everyone edits their own personal ones and reads the rest.
 */
export default function CannedPage() {
  const { t } = useI18n();
  const [query, setQuery] = useState("");
  const [editing, setEditing] = useState<CannedResponse | "new" | null>(null);
  const [deleting, setDeleting] = useState<CannedResponse | null>(null);
  const list = useInfiniteQuery(
    CannedResponseService.method.listCannedResponses,
    { query, pageSize, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const responses = useMemo(() => list.data?.pages.flatMap((p) => p.cannedResponses) ?? [], [list.data]);

  return (
    <Page
      title={t("canned.title")}
      description={t("canned.description")}
      actions={
        <Button onClick={() => setEditing("new")} data-testid="canned-new">
          <PlusIcon aria-hidden /> {t("canned.new")}
        </Button>
      }
    >
      <div className="max-w-sm">
        <SearchBox value={query} onChange={setQuery} label={t("canned.search")} />
      </div>
      <Card className="overflow-x-auto">
        {list.isPending ? (
          <div className="grid gap-3 p-5" aria-busy>
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} className="h-10" />
            ))}
          </div>
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : responses.length === 0 ? (
          <EmptyState icon={<MessageSquareQuoteIcon />} title={query ? t("canned.noMatch", { query }) : t("canned.empty")}>
            {query ? null : t("canned.emptyHint")}
          </EmptyState>
        ) : (
          <ul className="divide-y" data-testid="canned-list">
            {responses.map((r) => (
              <ResponseRow key={r.id} response={r} onEdit={() => setEditing(r)} onDelete={() => setDeleting(r)} />
            ))}
          </ul>
        )}
      </Card>
      {list.hasNextPage && (
        <Button variant="outline" className="justify-self-center" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {t("canned.loadMore")}
        </Button>
      )}
      {editing && <ResponseDialog editing={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      {deleting && <DeleteDialog response={deleting} onClose={() => setDeleting(null)} />}
    </Page>
  );
}

function ResponseRow({ response: r, onEdit, onDelete }: { response: CannedResponse; onEdit: () => void; onDelete: () => void }) {
  const { t, locale } = useI18n();
  const now = useNow();
  const updated = toDate(r.updatedAt);
  return (
    <li className="flex items-start gap-4 px-4 py-3" data-testid="canned-row">
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-2">
          <code className="rounded bg-muted px-1.5 py-0.5 text-xs font-semibold">/{r.shortcut}</code>
          <span className="font-medium">{r.title}</span>
          <Badge variant={r.scope === CannedResponseScope.TEAM ? "secondary" : "outline"}>
            {r.scope === CannedResponseScope.TEAM ? t("canned.scopeTeam") : t("canned.scopePersonal")}
          </Badge>
          {Object.keys(r.texts).map((lang) => (
            <Badge key={lang} variant="outline" className="uppercase">
              {lang}
            </Badge>
          ))}
        </div>
        <p className="mt-1 line-clamp-2 text-sm whitespace-pre-wrap text-muted-foreground">{r.text}</p>
        {updated && (
          <p className="mt-1 text-xs text-muted-foreground" title={formatDateTime(updated, locale)}>
            {t("canned.updated", { time: formatRelative(updated, now, locale, t("time.justNow")) })}
          </p>
        )}
      </div>
      {r.editable ? (
        <div className="flex shrink-0 gap-1" role="group" aria-label={t("canned.actionsFor", { shortcut: r.shortcut })}>
          <Button variant="ghost" size="icon-sm" onClick={onEdit} aria-label={`${t("canned.edit")} /${r.shortcut}`} data-testid="canned-edit">
            <PencilIcon aria-hidden />
          </Button>
          <Button variant="ghost" size="icon-sm" onClick={onDelete} aria-label={`${t("canned.delete")} /${r.shortcut}`} data-testid="canned-delete">
            <Trash2Icon aria-hidden />
          </Button>
        </div>
      ) : (
        <span className="shrink-0 text-xs text-muted-foreground">{t("canned.readOnly")}</span>
      )}
    </li>
  );
}

function DeleteDialog({ response, onClose }: { response: CannedResponse; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const remove = useMutation(CannedResponseService.method.deleteCannedResponse, {
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: cannedListsKey });
      onClose();
    },
  });
  return (
    <ConfirmDialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={t("canned.deleteTitle", { shortcut: response.shortcut })}
      description={t("canned.deleteDescription")}
      confirmLabel={t("canned.delete")}
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => remove.mutate({ cannedResponseId: response.id })}
    />
  );
}
