import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { ArrowDownIcon, ArrowUpIcon, PencilIcon, RotateCwIcon, Trash2Icon, UsersRoundIcon } from "lucide-react";
import { useState } from "react";
import { Link, useLocation } from "wouter";
import { TeamService } from "@livechat/api/team_pb";
import { ViewService, type SavedView } from "@livechat/api/view_pb";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { viewsKey } from "@/lib/query-keys";
import { useErrorText } from "@/lib/use-error-text";
import { useIsAdmin, useMe } from "@/features/auth/use-me";

const item =
  "flex h-8 min-w-0 flex-1 items-center gap-2 rounded-md px-2 text-sm text-muted-foreground hover:bg-accent hover:text-accent-foreground focus-visible:outline-2 focus-visible:outline-ring";
const iconButton =
  "inline-flex size-6 shrink-0 items-center justify-center rounded text-muted-foreground hover:bg-accent hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring disabled:opacity-40";

/** The count of a view as the sidebar shows it. */
export function viewCount(v: SavedView): string {
  return v.countMore ? "1000+" : String(v.count);
}

/**
 * The agent's saved views with their live counts, and the team inboxes.
 * Each view can be renamed, moved and deleted from the keyboard: the
 * buttons follow the link in the tab order.
 */
export function ViewsNav() {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [location] = useLocation();
  const qc = useQueryClient();
  const views = useQuery(ViewService.method.listViews, {});
  const list = views.data?.views ?? [];
  const [editing, setEditing] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [deleting, setDeleting] = useState<SavedView | null>(null);
  const done = () => void qc.invalidateQueries({ queryKey: viewsKey });
  const update = useMutation(ViewService.method.updateView, { onSuccess: () => (setEditing(null), done()) });
  const remove = useMutation(ViewService.method.deleteView, { onSuccess: () => (setDeleting(null), done()) });
  const reorder = useMutation(ViewService.method.reorderViews, { onSuccess: (res) => qc.setQueryData(viewsKey, { $typeName: "livechat.v1.ListViewsResponse", views: res.views } as never) });

  const move = (i: number, step: -1 | 1) => {
    const ids = list.map((v) => v.id);
    [ids[i], ids[i + step]] = [ids[i + step], ids[i]];
    reorder.mutate({ viewIds: ids });
  };

  return (
    <div className="grid gap-4 px-3">
      <section aria-labelledby="views-heading" data-testid="views-nav">
        <h2 id="views-heading" className="px-2 pb-1 text-xs font-medium tracking-wide text-muted-foreground uppercase">
          {t("views.title")}
        </h2>
        {views.isPending ? (
          <div className="grid gap-2 px-2 py-1" aria-busy="true" aria-label={t("common.loading")}>
            {[0, 1].map((i) => (
              <Skeleton key={i} className="h-3.5" />
            ))}
          </div>
        ) : views.isError ? (
          <div role="alert" className="grid gap-1.5 px-2 py-1 text-xs text-muted-foreground">
            <p>
              {t("views.loadFailed")} {errorText(views.error)}
            </p>
            <div>
              <Button variant="outline" size="sm" onClick={() => void views.refetch()} disabled={views.isFetching}>
                <RotateCwIcon aria-hidden /> {t("common.retry")}
              </Button>
            </div>
          </div>
        ) : list.length === 0 ? (
          <p className="px-2 py-1 text-xs text-muted-foreground">{t("views.empty")}</p>
        ) : (
          <ul className="grid gap-0.5">
            {list.map((v, i) => {
              const href = `/inbox/view-${v.id}`;
              const active = location === href || location.startsWith(`${href}/`);
              if (editing === v.id) {
                return (
                  <li key={v.id}>
                    <form
                      className="grid gap-1 px-1 py-1"
                      onSubmit={(e) => {
                        e.preventDefault();
                        update.mutate({ viewId: v.id, name });
                      }}
                    >
                      <input
                        autoFocus
                        aria-label={t("views.name")}
                        className="h-7 rounded-md border border-input bg-background px-2 text-sm"
                        value={name}
                        maxLength={64}
                        onChange={(e) => setName(e.target.value)}
                        onKeyDown={(e) => {
                          if (e.key === "Escape") setEditing(null);
                        }}
                      />
                      {update.error && (
                        <p role="alert" className="text-xs text-destructive">
                          {errorText(update.error)}
                        </p>
                      )}
                    </form>
                  </li>
                );
              }
              return (
                <li key={v.id} className="group flex items-center gap-0.5" data-testid="saved-view">
                  <Link
                    href={href}
                    aria-current={active ? "page" : undefined}
                    aria-label={`${v.name} (${v.countMore ? t("views.countMore") : t("views.count", { count: v.count })})`}
                    className={cn(item, active && "bg-accent font-medium text-accent-foreground")}
                  >
                    <span className="flex-1 truncate">{v.name}</span>
                    <span className="text-xs tabular-nums" data-testid="saved-view-count" aria-hidden>
                      {viewCount(v)}
                    </span>
                  </Link>
                  <span className="flex gap-0.5 opacity-0 group-focus-within:opacity-100 group-hover:opacity-100">
                    <button type="button" className={iconButton} aria-label={t("views.moveUp", { name: v.name })} disabled={i === 0 || reorder.isPending} onClick={() => move(i, -1)}>
                      <ArrowUpIcon aria-hidden className="size-3.5" />
                    </button>
                    <button type="button" className={iconButton} aria-label={t("views.moveDown", { name: v.name })} disabled={i === list.length - 1 || reorder.isPending} onClick={() => move(i, 1)}>
                      <ArrowDownIcon aria-hidden className="size-3.5" />
                    </button>
                    <button
                      type="button"
                      className={iconButton}
                      aria-label={t("views.rename", { name: v.name })}
                      onClick={() => {
                        update.reset();
                        setName(v.name);
                        setEditing(v.id);
                      }}
                    >
                      <PencilIcon aria-hidden className="size-3.5" />
                    </button>
                    <button type="button" className={iconButton} aria-label={t("views.delete", { name: v.name })} onClick={() => (remove.reset(), setDeleting(v))}>
                      <Trash2Icon aria-hidden className="size-3.5" />
                    </button>
                  </span>
                </li>
              );
            })}
          </ul>
        )}
        {reorder.error && (
          <p role="alert" className="px-2 text-xs text-destructive">
            {t("views.actionFailed")} {errorText(reorder.error)}
          </p>
        )}
      </section>
      <TeamInboxes />
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={deleting ? t("views.delete", { name: deleting.name }) : ""}
        description={deleting ? t("views.deleteConfirm", { name: deleting.name }) : ""}
        confirmLabel={t("views.deleteButton")}
        onConfirm={() => deleting && remove.mutate({ viewId: deleting.id })}
        pending={remove.isPending}
        error={remove.error}
      />
    </div>
  );
}

/** The inboxes of the agent's teams (every team for admins). */
function TeamInboxes() {
  const { t } = useI18n();
  const [location] = useLocation();
  const me = useMe();
  const admin = useIsAdmin();
  const teams = useQuery(TeamService.method.listTeams, {});
  const myId = me.id;
  const mine = (teams.data?.teams ?? []).filter((team) => admin || team.agentIds.includes(myId));
  if (mine.length === 0) return null;
  return (
    <section aria-labelledby="teams-heading" data-testid="team-inboxes">
      <h2 id="teams-heading" className="px-2 pb-1 text-xs font-medium tracking-wide text-muted-foreground uppercase">
        {t("teams.title")}
      </h2>
      <ul className="grid gap-0.5">
        {mine.map((team) => {
          const href = `/inbox/team-${team.id}`;
          const active = location === href || location.startsWith(`${href}/`);
          return (
            <li key={team.id} className="flex">
              <Link href={href} aria-current={active ? "page" : undefined} className={cn(item, active && "bg-accent font-medium text-accent-foreground")}>
                <UsersRoundIcon aria-hidden className="size-3.5 shrink-0" />
                <span className="truncate">{t("teams.inbox", { name: team.name })}</span>
              </Link>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
