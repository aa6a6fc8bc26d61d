import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useEffect, useState, type FormEvent } from "react";
import type { PreviewRetentionResponse } from "@livechat/api/privacy_pb";
import { PrivacyService } from "@livechat/api/privacy_pb";
import { WidgetService } from "@livechat/api/widget_pb";
import { Field } from "@/components/field";
import { ErrorState, FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";

const maxDays = 3650;
const rules = ["conversations", "attachments", "sessions"] as const;
type Rule = (typeof rules)[number];
type Periods = Record<Rule, string>;
/** A widget's override: "" follows the installation. */
type Override = { widgetId: string } & Periods;

function valid(v: string, optional = false): boolean {
  if (optional && v.trim() === "") return true;
  const n = Number(v);
  return v.trim() !== "" && Number.isInteger(n) && n >= 0 && n <= maxDays;
}

const optional = (v: string) => (v.trim() === "" ? undefined : Number(v));

/**
 * Retention policies (admins): how long closed conversations' text, files
 * and visitor sessions are kept, for the installation and per widget, with
 * a dry run counting what each rule would remove now.
 */
export function RetentionPolicyCard() {
  const { t } = useI18n();
  const current = useQuery(PrivacyService.method.getRetentionSettings, {});
  const widgets = useQuery(WidgetService.method.listWidgets, {});
  const [form, setForm] = useState<Periods>({ conversations: "0", attachments: "0", sessions: "0" });
  const [overrides, setOverrides] = useState<Override[]>([]);
  useEffect(() => {
    const s = current.data?.settings;
    if (!s) return;
    setForm({ conversations: String(s.closedConversationDays), attachments: String(s.attachmentDays), sessions: String(s.visitorSessionDays) });
    setOverrides(
      s.widgets.map((w) => ({
        widgetId: w.widgetId,
        conversations: w.closedConversationDays === undefined ? "" : String(w.closedConversationDays),
        attachments: w.attachmentDays === undefined ? "" : String(w.attachmentDays),
        sessions: w.visitorSessionDays === undefined ? "" : String(w.visitorSessionDays),
      })),
    );
  }, [current.data]);
  const preview = useMutation(PrivacyService.method.previewRetention);
  const save = useMutation(PrivacyService.method.updateRetentionSettings);
  const ok = rules.every((r) => valid(form[r])) && overrides.every((o) => rules.every((r) => valid(o[r], true)));
  const settings = {
    closedConversationDays: Number(form.conversations),
    attachmentDays: Number(form.attachments),
    visitorSessionDays: Number(form.sessions),
    widgets: overrides.map((o) => ({
      widgetId: o.widgetId,
      closedConversationDays: optional(o.conversations),
      attachmentDays: optional(o.attachments),
      visitorSessionDays: optional(o.sessions),
    })),
  };
  const changed = () => {
    preview.reset();
    save.reset();
  };
  const set = (patch: Partial<Periods>) => {
    setForm((f) => ({ ...f, ...patch }));
    changed();
  };
  const setOverride = (widgetId: string, patch: Partial<Periods>) => {
    setOverrides((os) => os.map((o) => (o.widgetId === widgetId ? { ...o, ...patch } : o)));
    changed();
  };
  const widgetName = (id: string) => widgets.data?.widgets.find((w) => w.id === id)?.settings?.name ?? id;
  const free = (widgets.data?.widgets ?? []).filter((w) => !overrides.some((o) => o.widgetId === w.id));
  const [adding, setAdding] = useState("");

  function submit(e: FormEvent) {
    e.preventDefault();
    if (ok) save.mutate({ settings });
  }

  const label: Record<Rule, string> = {
    conversations: t("retention.conversations"),
    attachments: t("retention.attachments"),
    sessions: t("retention.sessions"),
  };

  return (
    <Card data-testid="retention-card">
      <CardHeader>
        <CardTitle>{t("retention.title")}</CardTitle>
        <CardDescription>{t("retention.description")}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-3">
        {current.isPending ? (
          <Skeleton className="h-9 max-w-sm" />
        ) : current.isError ? (
          <ErrorState error={current.error} onRetry={() => void current.refetch()} />
        ) : (
          <form className="grid gap-3" onSubmit={submit} noValidate>
            <div className="grid max-w-md gap-3">
              {rules.map((r) => (
                <Field key={r} label={label[r]} error={valid(form[r]) ? null : t("retention.invalid", { max: maxDays })}>
                  <Input
                    type="number"
                    inputMode="numeric"
                    min={0}
                    max={maxDays}
                    value={form[r]}
                    data-testid={`retention-${r}`}
                    onChange={(e) => set({ [r]: e.target.value })}
                  />
                </Field>
              ))}
            </div>
            <fieldset className="grid gap-2" data-testid="retention-widgets">
              <legend className="text-sm font-medium">{t("retention.widgets")}</legend>
              <p className="text-xs text-muted-foreground">{t("retention.widgetsHint")}</p>
              {overrides.length > 0 && (
                <table className="w-full max-w-3xl text-sm">
                  <thead>
                    <tr className="text-left text-xs text-muted-foreground">
                      <th className="py-1 font-normal">{t("retention.widget")}</th>
                      <th className="py-1 font-normal">{t("retention.short.conversations")}</th>
                      <th className="py-1 font-normal">{t("retention.short.attachments")}</th>
                      <th className="py-1 font-normal">{t("retention.short.sessions")}</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {overrides.map((o) => (
                      <tr key={o.widgetId} data-testid="retention-widget-row">
                        <td className="py-1 pr-2">{widgetName(o.widgetId)}</td>
                        {rules.map((r) => (
                          <td key={r} className="py-1 pr-2">
                            <Input
                              type="number"
                              inputMode="numeric"
                              min={0}
                              max={maxDays}
                              placeholder={t("retention.inherit")}
                              aria-label={`${widgetName(o.widgetId)}: ${label[r]}`}
                              aria-invalid={!valid(o[r], true)}
                              value={o[r]}
                              onChange={(e) => setOverride(o.widgetId, { [r]: e.target.value })}
                            />
                          </td>
                        ))}
                        <td className="py-1">
                          <Button
                            type="button"
                            variant="ghost"
                            size="sm"
                            onClick={() => {
                              setOverrides((os) => os.filter((x) => x.widgetId !== o.widgetId));
                              changed();
                            }}
                          >
                            {t("retention.removeOverride")}
                          </Button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {widgets.isError ? (
                <ErrorState error={widgets.error} onRetry={() => void widgets.refetch()} />
              ) : (
                free.length > 0 && (
                  <div className="flex max-w-md gap-2">
                    <select
                      className="h-9 flex-1 rounded-md border bg-background px-2 text-sm"
                      aria-label={t("retention.widget")}
                      value={adding}
                      onChange={(e) => setAdding(e.target.value)}
                      data-testid="retention-add-widget"
                    >
                      <option value="">{t("retention.pickWidget")}</option>
                      {free.map((w) => (
                        <option key={w.id} value={w.id}>
                          {w.settings?.name ?? w.id}
                        </option>
                      ))}
                    </select>
                    <Button
                      type="button"
                      variant="outline"
                      disabled={!adding}
                      onClick={() => {
                        setOverrides((os) => [...os, { widgetId: adding, conversations: "", attachments: "", sessions: "" }]);
                        setAdding("");
                        changed();
                      }}
                    >
                      {t("retention.addOverride")}
                    </Button>
                  </div>
                )
              )}
            </fieldset>
            <div className="flex gap-2">
              <Button type="button" variant="outline" disabled={!ok || preview.isPending} onClick={() => preview.mutate({ settings })}>
                {t("retention.preview")}
              </Button>
              <Button type="submit" disabled={!ok || save.isPending}>
                {t("common.save")}
              </Button>
            </div>
          </form>
        )}
        {preview.data && <PreviewResult data={preview.data} widgetName={widgetName} />}
        <FormError error={preview.error ?? save.error} />
        {save.isSuccess && (
          <p role="status" className="text-sm text-success">
            {t("common.saved")}
          </p>
        )}
      </CardContent>
    </Card>
  );
}

/** The dry run's counts: per rule, in all and per widget. */
function PreviewResult({ data, widgetName }: { data: PreviewRetentionResponse; widgetName: (id: string) => string }) {
  const { t } = useI18n();
  const rows = [{ name: t("retention.allWidgets"), c: data }, ...data.widgets.map((w) => ({ name: widgetName(w.widgetId), c: w }))];
  return (
    <div role="status" className="grid gap-1 text-sm" data-testid="retention-preview">
      <p>{t("retention.previewIntro")}</p>
      <table className="w-full max-w-3xl">
        <thead>
          <tr className="text-left text-xs text-muted-foreground">
            <th className="py-1 font-normal">{t("retention.widget")}</th>
            <th className="py-1 font-normal">{t("retention.count.conversations")}</th>
            <th className="py-1 font-normal">{t("retention.count.attachments")}</th>
            <th className="py-1 font-normal">{t("retention.count.sessions")}</th>
            <th className="py-1 font-normal">{t("retention.count.pageHistories")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ name, c }, i) => (
            <tr key={i} className={i === 0 ? "font-medium" : undefined}>
              <td className="py-0.5 pr-2">{name}</td>
              <td className="py-0.5">{Number(c.closedConversations)}</td>
              <td className="py-0.5">{Number(c.attachments)}</td>
              <td className="py-0.5">{Number(c.visitorSessions)}</td>
              <td className="py-0.5">{Number(c.pageHistories)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
