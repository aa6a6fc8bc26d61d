import { useQuery } from "@connectrpc/connect-query";
import { AuthService } from "@livechat/api/auth_pb";
import { PresenceDot, presenceLabel, presenceOf } from "@/components/presence-dot";
import { useI18n } from "@/i18n";

/** Everyone on the team with a presence dot, online first. */
export function TeamList() {
  const { t } = useI18n();
  const agents = useQuery(AuthService.method.listAgents, {});
  const list = (agents.data?.agents ?? []).filter((a) => !a.disabled);
  const rank = { online: 0, away: 1, offline: 2 } as const;
  const sorted = [...list].sort((a, b) => rank[presenceOf(a)] - rank[presenceOf(b)] || a.displayName.localeCompare(b.displayName));
  if (sorted.length === 0) return null;
  return (
    <section aria-labelledby="team-heading" className="min-h-0 overflow-y-auto px-3">
      <h2 id="team-heading" className="px-2 pb-1 text-xs font-medium tracking-wide text-muted-foreground uppercase">
        {t("team.title")}
      </h2>
      <ul className="grid gap-0.5" data-testid="team-list">
        {sorted.map((a) => (
          <li key={a.id} className="flex items-center gap-2 rounded-md px-2 py-1 text-sm" title={t(presenceLabel[presenceOf(a)])}>
            <PresenceDot agent={a} />
            <span className="truncate">{a.displayName}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
