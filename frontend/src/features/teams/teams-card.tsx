import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { TeamService, type Team } from "@livechat/api/team_pb";
import type { Agent } from "@livechat/api/auth_pb";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { ErrorState, FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { teamsKey } from "@/lib/query-keys";

const input =
  "h-8 min-w-0 rounded-md border border-input bg-background px-2 text-sm focus-visible:outline-2 focus-visible:outline-ring";

/** Admins' teams: add, rename, delete, and pick members with checkboxes. */
export function TeamsCard({ agents }: { agents: Agent[] }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const teams = useQuery(TeamService.method.listTeams, {});
  const done = () => void qc.invalidateQueries({ queryKey: teamsKey });
  const [name, setName] = useState("");
  const create = useMutation(TeamService.method.createTeam, { onSuccess: () => (setName(""), done()) });
  const [deleting, setDeleting] = useState<Team | null>(null);
  const remove = useMutation(TeamService.method.deleteTeam, { onSuccess: () => (setDeleting(null), done()) });

  return (
    <Card data-testid="teams-card">
      <CardHeader>
        <CardTitle>{t("teams.manageTitle")}</CardTitle>
        <CardDescription>{t("teams.manageDescription")}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <form
          className="flex flex-wrap gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name });
          }}
        >
          <input aria-label={t("teams.newName")} placeholder={t("teams.newName")} className={input} value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
          <Button type="submit" variant="outline" size="sm" disabled={create.isPending || !name.trim()}>
            {t("teams.create")}
          </Button>
          <FormError error={create.error} />
        </form>
        {teams.isPending ? (
          <Skeleton className="h-16" />
        ) : teams.isError ? (
          <ErrorState error={teams.error} onRetry={() => void teams.refetch()} />
        ) : teams.data.teams.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("teams.none")}</p>
        ) : (
          <ul className="grid gap-3">
            {teams.data.teams.map((team) => (
              <TeamRow key={team.id} team={team} agents={agents} onDelete={() => (remove.reset(), setDeleting(team))} onChanged={done} />
            ))}
          </ul>
        )}
      </CardContent>
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={t("teams.delete")}
        description={deleting ? t("teams.deleteConfirm", { name: deleting.name }) : ""}
        confirmLabel={t("teams.delete")}
        onConfirm={() => deleting && remove.mutate({ teamId: deleting.id })}
        pending={remove.isPending}
        error={remove.error}
      />
    </Card>
  );
}

function TeamRow({ team, agents, onDelete, onChanged }: { team: Team; agents: Agent[]; onDelete: () => void; onChanged: () => void }) {
  const { t, tp } = useI18n();
  const [name, setName] = useState(team.name);
  const rename = useMutation(TeamService.method.renameTeam, { onSuccess: onChanged });
  const members = useMutation(TeamService.method.setTeamMembers, { onSuccess: onChanged });
  const toggle = (id: string, on: boolean) =>
    members.mutate({ teamId: team.id, agentIds: on ? [...team.agentIds, id] : team.agentIds.filter((x) => x !== id) });
  return (
    <li className="grid gap-2 rounded-md border p-3" data-testid="team-row">
      <form
        className="flex flex-wrap items-center gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          rename.mutate({ teamId: team.id, name });
        }}
      >
        <input aria-label={t("teams.renameLabel", { name: team.name })} className={input} value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
        <Button type="submit" variant="outline" size="sm" disabled={rename.isPending || name === team.name}>
          {t("teams.rename")}
        </Button>
        <Button type="button" variant="ghost" size="sm" onClick={onDelete}>
          {t("teams.delete")}
        </Button>
        <span className="text-xs text-muted-foreground">{tp("teams.memberCount", team.agentIds.length)}</span>
      </form>
      <fieldset className="flex flex-wrap gap-x-4 gap-y-1" disabled={members.isPending}>
        <legend className="sr-only">{t("teams.members", { name: team.name })}</legend>
        {agents
          .filter((a) => !a.disabled)
          .map((a) => (
            <label key={a.id} className="flex items-center gap-1.5 text-sm">
              <input type="checkbox" className="accent-primary" checked={team.agentIds.includes(a.id)} onChange={(e) => toggle(a.id, e.target.checked)} />
              {a.displayName}
            </label>
          ))}
      </fieldset>
      <FormError error={rename.error ?? members.error} />
    </li>
  );
}
