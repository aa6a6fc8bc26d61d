import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useQuery } from "@connectrpc/connect-query";
import { BarChart3Icon } from "lucide-react";
import { useMemo, useState } from "react";
import { ReportInterval, ReportService, type GetReportResponse, type ReportTotals } from "@livechat/api/report_pb";
import { TeamService } from "@livechat/api/team_pb";
import { WidgetService } from "@livechat/api/widget_pb";
import { Page } from "@/components/page";
import { EmptyState, ErrorState } from "@/components/states";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n, type MessageKey } from "@/i18n";
import { formatDuration, toDate } from "@/lib/format";
import { BarChart, LineChart, Sparkline } from "./charts";
import { ChartCard, TableCard, type Column } from "./chart-card";

const ranges: { days: number; label: MessageKey }[] = [
  { days: 1, label: "reports.range.today" },
  { days: 7, label: "reports.range.7" },
  { days: 30, label: "reports.range.30" },
  { days: 90, label: "reports.range.90" },
  { days: 365, label: "reports.range.365" },
];

/** The viewer's own time zone, which the report follows. */
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** Midnight of today in the viewer's zone, and `days` days of range ending tomorrow at midnight. */
function rangeOf(days: number): { start: Date; end: Date } {
  const end = new Date();
  end.setHours(24, 0, 0, 0);
  const start = new Date(end);
  start.setDate(start.getDate() - days);
  return { start, end };
}

/** How fast, how many, how happy: the team's figures for a range. Admins only. */
export default function ReportsPage() {
  const { t } = useI18n();
  const [days, setDays] = useState(30);
  const [widgetId, setWidgetId] = useState("");
  const [teamId, setTeamId] = useState("");
  const { start, end } = useMemo(() => rangeOf(days), [days]);
  const widgets = useQuery(WidgetService.method.listWidgets, {});
  const teams = useQuery(TeamService.method.listTeams, {});
  const report = useQuery(ReportService.method.getReport, {
    start: timestampFromDate(start),
    end: timestampFromDate(end),
    timeZone: zone,
    interval: days === 1 ? ReportInterval.HOUR : ReportInterval.DAY,
    widgetId,
    teamId,
    compare: true,
  });

  return (
    <Page title={t("reports.title")} description={t("reports.description", { zone })} adminOnly>
      <div className="flex flex-wrap items-end gap-4">
        <label className="grid gap-1 text-sm font-medium">
          {t("reports.range")}
          <select className="h-9 rounded-md border bg-background px-2" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {ranges.map((r) => (
              <option key={r.days} value={r.days}>
                {t(r.label)}
              </option>
            ))}
          </select>
        </label>
        <label className="grid gap-1 text-sm font-medium">
          {t("reports.widget")}
          <select className="h-9 rounded-md border bg-background px-2" value={widgetId} onChange={(e) => setWidgetId(e.target.value)}>
            <option value="">{t("reports.allWidgets")}</option>
            {widgets.data?.widgets.map((w) => (
              <option key={w.id} value={w.id}>
                {w.settings?.name}
              </option>
            ))}
          </select>
        </label>
        <label className="grid gap-1 text-sm font-medium">
          {t("reports.team")}
          <select className="h-9 rounded-md border bg-background px-2" value={teamId} onChange={(e) => setTeamId(e.target.value)}>
            <option value="">{t("reports.allTeams")}</option>
            {teams.data?.teams.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {report.isPending ? (
        <div className="grid gap-4 md:grid-cols-3">
          {[0, 1, 2, 3, 4, 5].map((i) => (
            <Skeleton key={i} className="h-24" />
          ))}
        </div>
      ) : report.isError ? (
        <ErrorState error={report.error} onRetry={() => void report.refetch()} />
      ) : (
        <Report data={report.data} hourly={days === 1} />
      )}
    </Page>
  );
}

function Report({ data, hourly }: { data: GetReportResponse; hourly: boolean }) {
  const { t, locale } = useI18n();
  const dur = (s: number) => formatDuration(s * 1000, locale);
  const num = (v: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(v);
  const labelFmt = new Intl.DateTimeFormat(locale, hourly ? { hour: "2-digit", minute: "2-digit", timeZone: zone } : { month: "short", day: "numeric", timeZone: zone });
  const isoFmt = new Intl.DateTimeFormat("sv-SE", hourly ? { dateStyle: "short", timeStyle: "short", timeZone: zone } : { dateStyle: "short", timeZone: zone });
  const starts = data.buckets.map((b) => toDate(b.start)!);
  const labels = starts.map((d) => labelFmt.format(d));
  const keys = starts.map((d) => isoFmt.format(d));
  const tot = data.totals!;
  if (tot.conversations === 0n && tot.ratings === 0n) {
    return <EmptyState icon={<BarChart3Icon />} title={t("reports.empty")} />;
  }
  const n = (v: bigint) => Number(v);
  const opt = (v: number | undefined) => (v === undefined ? null : v);

  const volume = { conversations: data.buckets.map((b) => n(b.conversations)), missed: data.buckets.map((b) => n(b.missed)) };
  const frt = { p50: data.buckets.map((b) => opt(b.firstResponseP50)), p90: data.buckets.map((b) => opt(b.firstResponseP90)) };
  const dist = tot.csatDistribution.map(n);
  const durCol = (label: string): Column => ({ label, format: dur });

  return (
    <>
      <Summary totals={tot} previous={data.previous} dur={dur} num={num} />
      <ChartCard
        title={t("reports.volume")}
        name="volume"
        columns={[{ label: t("reports.col.date") }, { label: t("reports.col.conversations") }, { label: t("reports.col.missed") }]}
        rows={keys.map((k, i) => [k, volume.conversations[i], volume.missed[i]])}
      >
        <BarChart
          label={t("reports.volume")}
          labels={labels}
          series={[
            { name: t("reports.col.conversations"), color: "text-primary", values: volume.conversations },
            { name: t("reports.col.missed"), color: "text-destructive", values: volume.missed },
          ]}
        />
      </ChartCard>
      <ChartCard
        title={t("reports.firstResponse")}
        name="first-response"
        columns={[{ label: t("reports.col.date") }, durCol(t("reports.col.p50")), durCol(t("reports.col.p90"))]}
        rows={keys.map((k, i) => [k, frt.p50[i], frt.p90[i]])}
      >
        <LineChart
          label={t("reports.firstResponse")}
          labels={labels}
          format={dur}
          series={[
            { name: t("reports.col.p50"), color: "text-primary", values: frt.p50 },
            { name: t("reports.col.p90"), color: "text-amber-500", values: frt.p90 },
          ]}
        />
      </ChartCard>
      <ChartCard
        title={t("reports.csat")}
        name="csat"
        columns={[{ label: t("reports.col.score") }, { label: t("reports.col.ratings") }]}
        rows={dist.map((v, i) => [String(i + 1), v])}
      >
        <BarChart label={t("reports.csat")} labels={["1", "2", "3", "4", "5"]} series={[{ name: t("reports.col.ratings"), color: "text-amber-500", values: dist }]} />
      </ChartCard>
      <Agents data={data} dur={dur} num={num} />
      <Breakdowns data={data} dur={dur} num={num} />
    </>
  );
}

/** The range's figures by team and by tag, each a table with its CSV. */
function Breakdowns({ data, dur, num }: { data: GetReportResponse; dur: (s: number) => string; num: (v: number) => string }) {
  const { t, tp } = useI18n();
  const figures = (first: string): Column[] => [
    { label: first },
    { label: t("reports.col.conversations") },
    { label: t("reports.col.missed") },
    { label: t("reports.medianFirstResponse"), format: dur },
    { label: t("reports.medianResolution"), format: dur },
    { label: t("reports.col.ratings") },
    { label: t("reports.csatAverage"), format: num },
  ];
  type Figures = GetReportResponse["teams"][number] | GetReportResponse["tags"][number];
  const row = (name: string, f: Figures) => [
    name,
    Number(f.conversations),
    Number(f.missed),
    f.firstResponseP50 ?? null,
    f.resolutionP50 ?? null,
    Number(f.ratings),
    f.csatAverage ?? null,
  ];
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <TableCard
        title={t("reports.byTeam")}
        name="teams"
        columns={figures(t("reports.col.team"))}
        rows={data.teams.map((team) => row(team.teamId ? team.teamName : t("reports.noTeam"), team))}
        empty={t("reports.noTeams")}
      />
      <TableCard
        title={t("reports.byTag")}
        name="tags"
        columns={figures(t("reports.col.tag"))}
        rows={data.tags.map((tag) => row(tag.tagName, tag))}
        empty={t("reports.noTags")}
        footer={data.otherTags > 0 && <p className="mt-2 text-sm text-muted-foreground">{tp("reports.otherTags", data.otherTags)}</p>}
      />
    </div>
  );
}

function change(now: number, before: number | undefined): string {
  if (before === undefined || before === 0) return "";
  const pct = Math.round(((now - before) / before) * 100);
  return `${pct > 0 ? "+" : ""}${pct}%`;
}

function Summary({ totals, previous, dur, num }: { totals: ReportTotals; previous?: ReportTotals; dur: (s: number) => string; num: (v: number) => string }) {
  const { t } = useI18n();
  const tiles: { label: MessageKey; value: string; delta: string }[] = [
    { label: "reports.col.conversations", value: num(Number(totals.conversations)), delta: change(Number(totals.conversations), previous && Number(previous.conversations)) },
    { label: "reports.col.missed", value: num(Number(totals.missed)), delta: change(Number(totals.missed), previous && Number(previous.missed)) },
    {
      label: "reports.medianFirstResponse",
      value: totals.firstResponseP50 === undefined ? "—" : dur(totals.firstResponseP50),
      delta: totals.firstResponseP50 === undefined ? "" : change(totals.firstResponseP50, previous?.firstResponseP50),
    },
    {
      label: "reports.medianResolution",
      value: totals.resolutionP50 === undefined ? "—" : dur(totals.resolutionP50),
      delta: totals.resolutionP50 === undefined ? "" : change(totals.resolutionP50, previous?.resolutionP50),
    },
    { label: "reports.messagesPerConversation", value: num(totals.messagesPerConversation), delta: change(totals.messagesPerConversation, previous?.messagesPerConversation) },
    {
      label: "reports.csatAverage",
      value: totals.csatAverage === undefined ? "—" : `${num(totals.csatAverage)} / 5 · ${Math.round((totals.csatSatisfied ?? 0) * 100)}%`,
      delta: totals.csatAverage === undefined ? "" : change(totals.csatAverage, previous?.csatAverage),
    },
  ];
  return (
    <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="report-summary">
      {tiles.map((tile) => (
        <Card key={tile.label}>
          <CardHeader className="pb-1">
            <CardTitle className="text-sm font-medium text-muted-foreground">{t(tile.label)}</CardTitle>
          </CardHeader>
          <CardContent>
            <div className="text-2xl font-semibold tabular-nums">{tile.value}</div>
            {tile.delta && <div className="text-xs text-muted-foreground">{t("reports.vsPrevious", { change: tile.delta })}</div>}
          </CardContent>
        </Card>
      ))}
    </div>
  );
}

function Agents({ data, dur, num }: { data: GetReportResponse; dur: (s: number) => string; num: (v: number) => string }) {
  const { t } = useI18n();
  const cols: Column[] = [
    { label: t("reports.col.agent") },
    { label: t("reports.col.handled") },
    { label: t("reports.medianFirstResponse"), format: dur },
    { label: t("reports.col.ratings") },
    { label: t("reports.csatAverage"), format: num },
  ];
  const rows = data.agents.map((a) => [a.agentName, Number(a.handled), a.firstResponseP50 ?? null, Number(a.ratings), a.csatAverage ?? null]);
  return (
    <ChartCard title={t("reports.agents")} name="agents" columns={cols} rows={rows}>
      {rows.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t("reports.noAgents")}</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-sm" data-testid="agents-table">
            <thead>
              <tr>
                {cols.map((c) => (
                  <th key={c.label} scope="col" className="border-b px-2 py-1 text-left font-medium">
                    {c.label}
                  </th>
                ))}
                <th scope="col" className="border-b px-2 py-1 text-left font-medium">
                  {t("reports.col.trend")}
                </th>
              </tr>
            </thead>
            <tbody>
              {data.agents.map((a, i) => (
                <tr key={a.agentId}>
                  <th scope="row" className="border-b px-2 py-1 text-left font-normal">
                    {a.agentName}
                  </th>
                  {rows[i].slice(1).map((v, j) => (
                    <td key={j} className="border-b px-2 py-1 tabular-nums">
                      {v === null ? "—" : cols[j + 1].format ? cols[j + 1].format!(v as number) : String(v)}
                    </td>
                  ))}
                  <td className="border-b px-2 py-1">
                    <Sparkline values={a.handledByBucket.map(Number)} label={t("reports.sparkline", { name: a.agentName })} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </ChartCard>
  );
}
