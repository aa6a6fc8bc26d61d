import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useEffect, useState, type FormEvent } from "react";
import { PrivacyService } from "@livechat/api/privacy_pb";
import { Field } from "@/components/field";
import { ErrorState, FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";

const maxDays = 3650;

function valid(v: string): boolean {
  const n = Number(v);
  return v.trim() !== "" && Number.isInteger(n) && n >= 0 && n <= maxDays;
}

/** Retention policies (admins): how long closed conversations' text and visitor sessions are kept, with a dry run. */
export function RetentionPolicyCard() {
  const { t } = useI18n();
  const current = useQuery(PrivacyService.method.getRetentionSettings, {});
  const [form, setForm] = useState({ conversations: "0", sessions: "0" });
  useEffect(() => {
    const s = current.data?.settings;
    if (s) setForm({ conversations: String(s.closedConversationDays), sessions: String(s.visitorSessionDays) });
  }, [current.data]);
  const preview = useMutation(PrivacyService.method.previewRetention);
  const save = useMutation(PrivacyService.method.updateRetentionSettings);
  const ok = valid(form.conversations) && valid(form.sessions);
  const settings = { closedConversationDays: Number(form.conversations), visitorSessionDays: Number(form.sessions) };
  const set = (patch: Partial<typeof form>) => {
    setForm((f) => ({ ...f, ...patch }));
    preview.reset();
    save.reset();
  };

  function submit(e: FormEvent) {
    e.preventDefault();
    if (ok) save.mutate({ settings });
  }

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
          <form className="grid max-w-md gap-3" onSubmit={submit} noValidate>
            <Field label={t("retention.conversations")} error={valid(form.conversations) ? null : t("retention.invalid", { max: maxDays })}>
              <Input type="number" inputMode="numeric" min={0} max={maxDays} value={form.conversations} onChange={(e) => set({ conversations: e.target.value })} />
            </Field>
            <Field label={t("retention.sessions")} error={valid(form.sessions) ? null : t("retention.invalid", { max: maxDays })}>
              <Input type="number" inputMode="numeric" min={0} max={maxDays} value={form.sessions} onChange={(e) => set({ sessions: e.target.value })} />
            </Field>
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
        {preview.data && (
          <p role="status" className="text-sm">
            {t("retention.previewResult", {
              conversations: Number(preview.data.closedConversations),
              sessions: Number(preview.data.visitorSessions),
            })}
          </p>
        )}
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
