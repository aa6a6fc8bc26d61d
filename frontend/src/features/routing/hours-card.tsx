import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { PlusIcon, XIcon } from "lucide-react";
import { useEffect, useId, useMemo, useState } from "react";
import { create } from "@bufbuild/protobuf";
import { BusinessHoursSchema, ReplyTimeMode, RoutingService, type BusinessHours, type DayHours } from "@livechat/api/routing_pb";
import { OutsideHours } from "@livechat/api/widget_pb";
import { Field } from "@/components/field";
import { ErrorState, FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Switch } from "@/components/ui/switch";
import { useI18n, type MessageKey } from "@/i18n";

// Monday first, as a working week reads; the API numbers Sunday 0.
const week: { day: number; key: MessageKey }[] = [
  { day: 1, key: "hours.day.1" },
  { day: 2, key: "hours.day.2" },
  { day: 3, key: "hours.day.3" },
  { day: 4, key: "hours.day.4" },
  { day: 5, key: "hours.day.5" },
  { day: 6, key: "hours.day.6" },
  { day: 0, key: "hours.day.0" },
];

/** "08:00" for 480; the closing minute 1440 shows as "00:00" (midnight). */
function toTime(minute: number): string {
  const m = minute % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

function fromTime(value: string, closing: boolean): number {
  const [h, m] = value.split(":").map(Number);
  const minute = (h || 0) * 60 + (m || 0);
  return closing && minute === 0 ? 1440 : minute;
}

const zones: string[] = (() => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
})();

/** A widget's business hours, what happens outside them, and the reply time visitors are told. */
export function HoursCard({ widgetId }: { widgetId: string }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const query = useQuery(RoutingService.method.getWidgetRouting, { widgetId });
  const stored = query.data?.routing;
  const initial = useMemo(() => {
    const h = create(BusinessHoursSchema, stored?.hours ?? {});
    if (!h.timeZone || (!h.enabled && h.timeZone === "UTC")) h.timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    if (h.outside === OutsideHours.UNSPECIFIED) h.outside = OutsideHours.OFFLINE_FORM;
    return h;
  }, [stored]);
  const [hours, setHours] = useState<BusinessHours>(initial);
  const [replyMode, setReplyMode] = useState<ReplyTimeMode>(stored?.replyTime?.mode || ReplyTimeMode.MEASURED);
  const [fixed, setFixed] = useState(String(stored?.replyTime?.fixedMinutes || 5));
  const [holiday, setHoliday] = useState("");
  useEffect(() => {
    setHours(initial);
    setReplyMode(stored?.replyTime?.mode || ReplyTimeMode.MEASURED);
    setFixed(String(stored?.replyTime?.fixedMinutes || 5));
  }, [initial, stored]);
  const update = useMutation(RoutingService.method.updateWidgetRouting, {
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["connect-query", { serviceName: RoutingService.typeName }] }),
  });
  const zonesId = useId();

  if (query.isPending) {
    return (
      <Card>
        <CardContent className="pt-6">
          <Skeleton className="h-40" />
        </CardContent>
      </Card>
    );
  }
  if (query.isError) {
    return (
      <Card>
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      </Card>
    );
  }

  const dayOf = (day: number) => hours.days.find((d) => d.day === day);
  const setDay = (day: number, next: Partial<DayHours> | null) => {
    const others = hours.days.filter((d) => d.day !== day);
    const cur = dayOf(day) ?? { day, openMinute: 480, closeMinute: 1020 };
    setHours({ ...hours, days: next ? [...others, { ...cur, ...next } as DayHours] : others });
  };
  const badDays = hours.days.filter((d) => d.openMinute >= d.closeMinute).map((d) => d.day);
  const addHoliday = () => {
    if (!holiday || hours.holidays.includes(holiday)) return;
    setHours({ ...hours, holidays: [...hours.holidays, holiday].sort() });
    setHoliday("");
  };

  return (
    <Card data-testid="hours-card">
      <CardHeader>
        <CardTitle>{t("hours.title")}</CardTitle>
        <CardDescription>{t("hours.description")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form
          className="grid gap-5"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (badDays.length) return;
            update.mutate({
              widgetId,
              // Plain values, not the edited message: its days were added
              // as plain objects, which a message would not serialise.
              routing: {
                mode: stored?.mode,
                teamId: stored?.teamId,
                hours: {
                  enabled: hours.enabled,
                  timeZone: hours.timeZone,
                  days: hours.days.map(({ day, openMinute, closeMinute }) => ({ day, openMinute, closeMinute })),
                  holidays: hours.holidays,
                  outside: hours.outside,
                },
                replyTime: { mode: replyMode, fixedMinutes: replyMode === ReplyTimeMode.FIXED ? Number(fixed) || 0 : 0 },
                // Saved with the hours: keep the bot that answers first.
                botTokenId: stored?.botTokenId,
              },
            });
          }}
        >
          <div className="flex items-center gap-3">
            <Switch id="hours-enabled" checked={hours.enabled} onCheckedChange={(enabled) => setHours({ ...hours, enabled })} data-testid="hours-enabled" />
            <Label htmlFor="hours-enabled">{t("hours.enabled")}</Label>
          </div>

          <fieldset className="grid gap-4" disabled={!hours.enabled}>
            <legend className="sr-only">{t("hours.title")}</legend>
            <Field label={t("hours.timeZone")} hint={t("hours.timeZoneHint")}>
              <Input list={zonesId} value={hours.timeZone} onChange={(e) => setHours({ ...hours, timeZone: e.target.value })} data-testid="hours-zone" />
            </Field>
            <datalist id={zonesId}>
              {zones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>

            <div className="grid gap-2" role="group" aria-label={t("hours.week")}>
              <span className="text-sm font-medium">{t("hours.week")}</span>
              {week.map(({ day, key }) => {
                const d = dayOf(day);
                const name = t(key);
                return (
                  <div key={day} className="flex flex-wrap items-center gap-3" data-testid={`hours-day-${day}`}>
                    <label className="flex w-32 items-center gap-2 text-sm">
                      <input type="checkbox" className="size-4 accent-primary" checked={!!d} onChange={(e) => setDay(day, e.target.checked ? {} : null)} />
                      {name}
                    </label>
                    {d ? (
                      <>
                        <Input
                          type="time"
                          className="h-8 w-32"
                          aria-label={t("hours.opensOn", { day: name })}
                          value={toTime(d.openMinute)}
                          aria-invalid={badDays.includes(day) || undefined}
                          onChange={(e) => setDay(day, { openMinute: fromTime(e.target.value, false) })}
                        />
                        <span aria-hidden>–</span>
                        <Input
                          type="time"
                          className="h-8 w-32"
                          aria-label={t("hours.closesOn", { day: name })}
                          value={toTime(d.closeMinute)}
                          aria-invalid={badDays.includes(day) || undefined}
                          onChange={(e) => setDay(day, { closeMinute: fromTime(e.target.value, true) })}
                        />
                        {badDays.includes(day) && (
                          <span role="alert" className="text-xs text-destructive">
                            {t("hours.badDay")}
                          </span>
                        )}
                      </>
                    ) : (
                      <span className="text-sm text-muted-foreground">{t("hours.closed")}</span>
                    )}
                  </div>
                );
              })}
            </div>

            <div className="grid gap-2">
              <span className="text-sm font-medium" id={`${zonesId}-holidays`}>
                {t("hours.holidays")}
              </span>
              {hours.holidays.length === 0 ? (
                <p className="text-sm text-muted-foreground">{t("hours.noHolidays")}</p>
              ) : (
                <ul className="flex flex-wrap gap-2" aria-labelledby={`${zonesId}-holidays`}>
                  {hours.holidays.map((date) => (
                    <li key={date} className="flex items-center gap-1 rounded-md border px-2 py-0.5 text-sm">
                      {date}
                      <Button
                        type="button"
                        variant="ghost"
                        size="icon-sm"
                        aria-label={t("hours.removeHoliday", { date })}
                        onClick={() => setHours({ ...hours, holidays: hours.holidays.filter((h) => h !== date) })}
                      >
                        <XIcon aria-hidden />
                      </Button>
                    </li>
                  ))}
                </ul>
              )}
              <div className="flex gap-2">
                <Input
                  type="date"
                  className="h-8 w-44"
                  aria-label={t("hours.holidayDate")}
                  value={holiday}
                  onChange={(e) => setHoliday(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter") {
                      e.preventDefault();
                      addHoliday();
                    }
                  }}
                />
                <Button type="button" variant="outline" size="sm" onClick={addHoliday} disabled={!holiday}>
                  <PlusIcon aria-hidden /> {t("hours.addHoliday")}
                </Button>
              </div>
            </div>

            <fieldset className="grid gap-2">
              <legend className="mb-1 text-sm font-medium">{t("hours.outside")}</legend>
              {(
                [
                  [OutsideHours.OFFLINE_FORM, "hours.outside.offline"],
                  [OutsideHours.NOTICE, "hours.outside.notice"],
                ] as const
              ).map(([value, key]) => (
                <label key={value} className="flex items-center gap-2 text-sm">
                  <input
                    type="radio"
                    name="outside-hours"
                    className="accent-primary"
                    checked={hours.outside === value}
                    onChange={() => setHours({ ...hours, outside: value })}
                  />
                  {t(key)}
                </label>
              ))}
            </fieldset>
          </fieldset>

          <div className="grid gap-3 sm:grid-cols-2">
            <Field label={t("hours.reply")} hint={t("hours.replyHint")}>
              {(control) => (
                <Select value={String(replyMode)} onValueChange={(v) => setReplyMode(Number(v) as ReplyTimeMode)}>
                  <SelectTrigger {...control}>
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value={String(ReplyTimeMode.MEASURED)}>{t("hours.reply.measured")}</SelectItem>
                    <SelectItem value={String(ReplyTimeMode.FIXED)}>{t("hours.reply.fixed")}</SelectItem>
                    <SelectItem value={String(ReplyTimeMode.HIDDEN)}>{t("hours.reply.hidden")}</SelectItem>
                  </SelectContent>
                </Select>
              )}
            </Field>
            {replyMode === ReplyTimeMode.FIXED && (
              <Field label={t("hours.reply.minutes")}>
                <Input type="number" inputMode="numeric" min={1} max={1440} value={fixed} onChange={(e) => setFixed(e.target.value)} />
              </Field>
            )}
          </div>

          <div className="flex flex-wrap items-center gap-3">
            <Button type="submit" variant="outline" disabled={update.isPending} data-testid="save-hours">
              {t("common.save")}
            </Button>
            {update.isSuccess && !update.isPending && (
              <span role="status" className="text-sm text-muted-foreground">
                {t("common.saved")}
              </span>
            )}
            <FormError error={update.error} />
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
