import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { create } from "@bufbuild/protobuf";
import { AuditService, GetAuditSettingsResponseSchema } from "@livechat/api/audit_pb";
import { Field } from "@/components/field";
import { ErrorState, FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { auditListsKey, auditSettingsKey } from "./keys";

/** The bounds the server enforces on the audit log's retention. */
const minDays = 30;
const maxDays = 3650;

/** How long the audit log is kept (admins). */
export function RetentionCard() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const settings = useQuery(AuditService.method.getAuditSettings, {});
  const [days, setDays] = useState("");
  useEffect(() => {
    if (settings.data?.settings) setDays(String(settings.data.settings.retentionDays));
  }, [settings.data]);
  const save = useMutation(AuditService.method.updateAuditSettings, {
    onSuccess: (res) => {
      qc.setQueryData(auditSettingsKey, create(GetAuditSettingsResponseSchema, { settings: res.settings }));
      // The change is itself an entry of the log.
      void qc.invalidateQueries({ queryKey: auditListsKey });
    },
  });
  const value = Number(days);
  const invalid = days.trim() === "" || !Number.isInteger(value) || value < minDays || value > maxDays;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!invalid) save.mutate({ settings: { retentionDays: value } });
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("audit.retention")}</CardTitle>
        <CardDescription>{t("audit.retentionDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        {settings.isPending ? (
          <Skeleton className="h-9 max-w-sm" />
        ) : settings.isError ? (
          <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />
        ) : (
          <form className="flex max-w-sm items-end gap-3" onSubmit={submit} noValidate>
            <Field label={t("audit.retentionDays")} error={invalid ? t("audit.retentionInvalid", { min: minDays, max: maxDays }) : null}>
              <Input
                type="number"
                inputMode="numeric"
                min={minDays}
                max={maxDays}
                value={days}
                data-testid="audit-retention-days"
                onChange={(e) => {
                  setDays(e.target.value);
                  save.reset();
                }}
              />
            </Field>
            <Button type="submit" disabled={invalid || save.isPending} data-testid="audit-retention-save">
              {t("common.save")}
            </Button>
          </form>
        )}
        <FormError error={save.error} />
        {save.isSuccess && (
          <p role="status" className="mt-2 text-sm text-success">
            {t("common.saved")}
          </p>
        )}
      </CardContent>
    </Card>
  );
}
