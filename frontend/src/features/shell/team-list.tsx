import { RotateCwIcon } from "lucide-react";
import { PresenceDot, presenceLabel, presenceOf } from "@/components/presence-dot";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { useErrorText } from "@/lib/use-error-text";
import { useAgents } from "@/features/agents/use-agents";

/** Everyone on the team with a presence dot, online first. */
export function TeamList() {
  const { t } = useI18n();
  const errorText = useErrorText();
  const agents = useAgents();
  const list = (agents.data?.agents ?? []).filter((a) => !a.disabled);
  const rank = { online: 0, away: 1, invisible: 2, offline: 3 } as const;
  const sorted = [...list].sort((a, b) => rank[presenceOf(a)] - rank[presenceOf(b)] || a.displayName.localeCompare(b.displayName));
  if (agents.isSuccess && sorted.length === 0) return null;
  return (
    <section aria-labelledby="team-heading" className="min-h-0 overflow-y-auto px-3">
      <h2 id="team-heading" className="px-2 pb-1 text-xs font-medium tracking-wide text-muted-foreground uppercase">
        {t("team.title")}
      </h2>
      {agents.isPending ? (
        <div className="grid gap-2 px-2 py-1" aria-busy="true" aria-label={t("common.loading")} data-testid="team-loading">
          {[0, 1, 2].map((i) => (
            <div key={i} className="flex items-center gap-2">
              <Skeleton className="size-2.5 rounded-full" />
              <Skeleton className="h-3.5 flex-1" />
            </div>
          ))}
        </div>
      ) : agents.isError ? (
        <div role="alert" className="grid gap-1.5 px-2 py-1 text-xs text-muted-foreground" data-testid="team-error">
          <p>
            {t("team.loadFailed")} {errorText(agents.error)}
          </p>
          <div>
            <Button variant="outline" size="sm" onClick={() => void agents.refetch()} disabled={agents.isFetching}>
              <RotateCwIcon aria-hidden /> {t("common.retry")}
            </Button>
          </div>
        </div>
      ) : (
        <ul className="grid gap-0.5" data-testid="team-list">
          {sorted.map((a) => (
            <li key={a.id} className="flex items-center gap-2 rounded-md px-2 py-1 text-sm" title={t(presenceLabel[presenceOf(a)])}>
              <PresenceDot agent={a} />
              <span className="truncate">{a.displayName}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
