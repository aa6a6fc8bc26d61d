import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { AssignmentMode, RoutingService } from "@livechat/api/routing_pb";
import { AuthService } from "@livechat/api/auth_pb";
import { TeamService } from "@livechat/api/team_pb";
import { ErrorState, FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";

const modes = [
  { mode: AssignmentMode.MANUAL, label: "routing.mode.manual", hint: "routing.mode.manualHint" },
  { mode: AssignmentMode.AUTO, label: "routing.mode.auto", hint: "routing.mode.autoHint" },
] as const;

/** A widget's assignment mode: agents claim from the queue, or the server hands conversations out. */
export function RoutingCard({ widgetId }: { widgetId: string }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const query = useQuery(RoutingService.method.getWidgetRouting, { widgetId });
  const stored = query.data?.routing?.mode ?? AssignmentMode.MANUAL;
  const [mode, setMode] = useState(stored);
  useEffect(() => setMode(stored), [stored]);
  const storedBot = query.data?.routing?.botTokenId ?? "";
  const [bot, setBot] = useState(storedBot);
  useEffect(() => setBot(storedBot), [storedBot]);
  // Bots are API tokens with a bot name; only admins see this card.
  const bots = useQuery(AuthService.method.listApiTokens, { botsOnly: true, liveOnly: true, pageSize: 500 });
  const storedTeam = query.data?.routing?.teamId ?? "";
  const [team, setTeam] = useState(storedTeam);
  useEffect(() => setTeam(storedTeam), [storedTeam]);
  const teams = useQuery(TeamService.method.listTeams, {});
  const changed = mode !== stored || bot !== storedBot || team !== storedTeam;
  const update = useMutation(RoutingService.method.updateWidgetRouting, {
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["connect-query", { serviceName: RoutingService.typeName }] }),
  });

  return (
    <Card data-testid="routing-card">
      <CardHeader>
        <CardTitle>{t("routing.title")}</CardTitle>
        <CardDescription>{t("routing.description")}</CardDescription>
      </CardHeader>
      <CardContent>
        {query.isPending ? (
          <Skeleton className="h-20" />
        ) : query.isError ? (
          <ErrorState error={query.error} onRetry={() => void query.refetch()} />
        ) : (
          <form
            className="grid gap-4"
            onSubmit={(e) => {
              e.preventDefault();
              // The hours and reply time are saved with the mode: keep them.
              update.mutate({
                widgetId,
                routing: { hours: query.data.routing?.hours, replyTime: query.data.routing?.replyTime, mode, botTokenId: bot, teamId: team },
              });
            }}
          >
            <fieldset className="grid gap-2">
              <legend className="sr-only">{t("routing.mode")}</legend>
              {modes.map((m) => (
                <label key={m.mode} className="flex cursor-pointer items-start gap-3 rounded-md border p-3 has-[:checked]:border-primary has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring">
                  <input
                    type="radio"
                    name="assignment-mode"
                    className="mt-1 accent-primary"
                    value={m.mode}
                    checked={mode === m.mode}
                    onChange={() => setMode(m.mode)}
                    data-testid={`routing-mode-${m.mode === AssignmentMode.AUTO ? "auto" : "manual"}`}
                  />
                  <span className="grid gap-0.5">
                    <span className="text-sm font-medium">{t(m.label)}</span>
                    <span className="text-sm text-muted-foreground">{t(m.hint)}</span>
                  </span>
                </label>
              ))}
            </fieldset>
            <label className="grid gap-1 text-sm">
              <span className="font-medium">{t("routing.team")}</span>
              <select
                className="h-9 rounded-md border border-input bg-background px-2 text-sm focus-visible:outline-2 focus-visible:outline-ring"
                value={team}
                onChange={(e) => setTeam(e.target.value)}
                data-testid="routing-team"
              >
                <option value="">{t("routing.teamAny")}</option>
                {teams.data?.teams.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
              </select>
              <span className="text-muted-foreground">{t("routing.teamHint")}</span>
            </label>
            <div className="grid gap-1.5">
              <label htmlFor="routing-bot" className="text-sm font-medium">
                {t("routing.bot")}
              </label>
              <select
                id="routing-bot"
                className="h-9 rounded-md border bg-background px-2 text-sm focus-visible:outline-2 focus-visible:outline-ring"
                value={bot}
                onChange={(e) => setBot(e.target.value)}
                aria-describedby="routing-bot-help"
                data-testid="routing-bot"
              >
                <option value="">{t("routing.botNone")}</option>
                {storedBot && !bots.data?.tokens.some((tk) => tk.id === storedBot) && (
                  <option value={storedBot}>{query.data.routing?.botName || storedBot}</option>
                )}
                {bots.data?.tokens.map((tk) => (
                  <option key={tk.id} value={tk.id}>
                    {tk.botName}
                  </option>
                ))}
              </select>
              <p id="routing-bot-help" className="text-sm text-muted-foreground">
                {t("routing.botHelp")}
              </p>
            </div>
            <div className="flex flex-wrap items-center gap-3">
              <Button type="submit" variant="outline" disabled={update.isPending || !changed} data-testid="save-routing">
                {t("common.save")}
              </Button>
              {update.isSuccess && !changed && (
                <span role="status" className="text-sm text-muted-foreground">
                  {t("common.saved")}
                </span>
              )}
              <FormError error={update.error} />
            </div>
          </form>
        )}
      </CardContent>
    </Card>
  );
}
