import { useInfiniteQuery, useMutation, useQuery } from "@connectrpc/connect-query";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { DownloadIcon, ScrollTextIcon } from "lucide-react";
import { useMemo, useState } from "react";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { AuditExportFormat, AuditFilterSchema, AuditService, type AuditEntry } from "@livechat/api/audit_pb";
import { AuthService } from "@livechat/api/auth_pb";
import { Field } from "@/components/field";
import { Page } from "@/components/page";
import { EmptyState, ErrorState, FormError } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { downloadFile } from "@/lib/download";
import { useI18n, type MessageKey } from "@/i18n";
import { formatDateTime, toDate } from "@/lib/format";
import { SearchBox } from "@/features/inbox/search-box";
import { RetentionCard } from "./retention-card";

const pageSize = 50;
const all = "all";

/** What the filter form holds; dates are the inputs' yyyy-mm-dd values. */
interface FilterForm {
  actorId: string;
  action: string;
  since: string;
  until: string;
  query: string;
}

type FilterInit = MessageInitShape<typeof AuditFilterSchema>;

/** The request filter of a form: whole local days, "until" inclusive. */
function toFilter(f: FilterForm): FilterInit {
  const out: FilterInit = { query: f.query };
  if (f.actorId !== all) out.actorId = f.actorId;
  if (f.action !== all) out.action = f.action;
  if (f.since) out.since = timestampFromDate(new Date(`${f.since}T00:00:00`));
  if (f.until) {
    const end = new Date(`${f.until}T00:00:00`);
    end.setDate(end.getDate() + 1);
    out.until = timestampFromDate(end);
  }
  return out;
}

/** Admins search and download the audit log, and set how long it is kept. */
export default function AuditPage() {
  const { t } = useI18n();
  return (
    <Page title={t("audit.title")} description={t("audit.description")} adminOnly>
      <AuditLog />
      <RetentionCard />
    </Page>
  );
}

function AuditLog() {
  const { t } = useI18n();
  const [form, setForm] = useState<FilterForm>({ actorId: all, action: all, since: "", until: "", query: "" });
  const filter = useMemo(() => toFilter(form), [form]);
  const badRange = form.since !== "" && form.until !== "" && form.until < form.since;
  const list = useInfiniteQuery(
    AuditService.method.listAuditEntries,
    { filter, pageSize, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined, enabled: !badRange },
  );
  const agents = useQuery(AuthService.method.listAgents, {});
  const entries = useMemo(() => list.data?.pages.flatMap((p) => p.entries) ?? [], [list.data]);
  const actions = list.data?.pages[0]?.knownActions ?? [];
  const set = (patch: Partial<FilterForm>) => setForm((f) => ({ ...f, ...patch }));

  return (
    <>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5" data-testid="audit-filters">
        <div className="grid gap-1.5">
          <span className="text-sm font-medium" aria-hidden>
            {t("audit.search")}
          </span>
          <SearchBox value={form.query} onChange={(query) => set({ query })} label={t("audit.searchPlaceholder")} />
        </div>
        <Field label={t("audit.actor")}>
          <Select value={form.actorId} onValueChange={(actorId) => set({ actorId })}>
            <SelectTrigger data-testid="audit-actor">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={all}>{t("audit.anyone")}</SelectItem>
              {agents.data?.agents.map((a) => (
                <SelectItem key={a.id} value={a.id}>
                  {a.displayName} ({a.username})
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </Field>
        <Field label={t("audit.action")}>
          <Select value={form.action} onValueChange={(action) => set({ action })}>
            <SelectTrigger data-testid="audit-action">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={all}>{t("audit.anyAction")}</SelectItem>
              {actions.map((a) => (
                <SelectItem key={a} value={a}>
                  <ActionLabel action={a} />
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </Field>
        <Field label={t("audit.since")}>
          <Input type="date" value={form.since} onChange={(e) => set({ since: e.target.value })} data-testid="audit-since" />
        </Field>
        <Field label={t("audit.until")} error={badRange ? t("audit.badRange") : null}>
          <Input type="date" value={form.until} onChange={(e) => set({ until: e.target.value })} data-testid="audit-until" />
        </Field>
      </div>
      <ExportButtons filter={filter} disabled={badRange} />
      <Card className="overflow-x-auto">
        {badRange ? (
          <EmptyState icon={<ScrollTextIcon />} title={t("audit.badRange")} />
        ) : list.isPending ? (
          <div className="grid gap-3 p-5" aria-busy>
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} className="h-8" />
            ))}
          </div>
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : entries.length === 0 ? (
          <EmptyState icon={<ScrollTextIcon />} title={t("audit.empty")} />
        ) : (
          <table className="w-full text-sm" data-testid="audit-table">
            <thead className="border-b text-left text-xs text-muted-foreground">
              <tr>
                <th className="px-4 py-2.5 font-medium">{t("audit.when")}</th>
                <th className="px-4 py-2.5 font-medium">{t("audit.who")}</th>
                <th className="px-4 py-2.5 font-medium">{t("audit.what")}</th>
                <th className="px-4 py-2.5 font-medium">{t("audit.target")}</th>
                <th className="px-4 py-2.5 font-medium">{t("audit.from")}</th>
                <th className="px-4 py-2.5 font-medium">{t("audit.details")}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <EntryRow key={e.id.toString()} entry={e} />
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {list.hasNextPage && (
        <Button variant="outline" className="justify-self-center" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {t("audit.loadMore")}
        </Button>
      )}
    </>
  );
}

function ActionLabel({ action }: { action: string }) {
  const { t } = useI18n();
  const key = `audit.action.${action}` as MessageKey;
  const text = t(key);
  // An action newer than this dashboard shows its name.
  return <>{text === key ? action : text}</>;
}

function EntryRow({ entry: e }: { entry: AuditEntry }) {
  const { t, locale } = useI18n();
  const at = toDate(e.at);
  const details = e.details && Object.keys(e.details).length > 0 ? JSON.stringify(e.details) : "";
  return (
    <tr className="border-b align-top last:border-0" data-testid="audit-row">
      <td className="px-4 py-2.5 whitespace-nowrap text-muted-foreground">{at && formatDateTime(at, locale)}</td>
      <td className="px-4 py-2.5">
        {e.actorName || <span className="text-muted-foreground">{e.actorId ? e.actorId : t("audit.nobody")}</span>}
        {e.tokenId && (
          <Badge variant="outline" className="ml-1">
            {t("audit.viaToken")}
          </Badge>
        )}
      </td>
      <td className="px-4 py-2.5">
        <ActionLabel action={e.action} />
      </td>
      <td className="px-4 py-2.5">
        {e.targetName || e.targetId}
        {e.targetType && <div className="text-xs text-muted-foreground">{e.targetType}</div>}
      </td>
      <td className="px-4 py-2.5 font-mono text-xs">{e.clientIp}</td>
      <td className="max-w-md px-4 py-2.5">
        {details && <code className="line-clamp-3 text-xs break-all text-muted-foreground" title={details}>{details}</code>}
      </td>
    </tr>
  );
}

function ExportButtons({ filter, disabled }: { filter: FilterInit; disabled: boolean }) {
  const { t } = useI18n();
  const exp = useMutation(AuditService.method.exportAuditEntries, {
    onSuccess: (res) => {
      downloadFile(res.data, res.contentType, res.filename);
    },
  });
  return (
    <div className="flex flex-wrap items-center gap-2">
      {[
        { format: AuditExportFormat.CSV, label: t("audit.exportCsv") },
        { format: AuditExportFormat.JSON, label: t("audit.exportJson") },
      ].map(({ format, label }) => (
        <Button
          key={format}
          variant="outline"
          size="sm"
          disabled={disabled || exp.isPending}
          onClick={() => exp.mutate({ filter, format })}
          data-testid={`audit-export-${format === AuditExportFormat.CSV ? "csv" : "json"}`}
        >
          <DownloadIcon aria-hidden /> {label}
        </Button>
      ))}
      {exp.data?.truncated && (
        <p role="status" className="text-sm text-warning">
          {t("audit.exportTruncated", { count: exp.data.count })}
        </p>
      )}
      <FormError error={exp.error} />
    </div>
  );
}
