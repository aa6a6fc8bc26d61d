import { create } from "@bufbuild/protobuf";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { AuthService, GetSecuritySettingsResponseSchema } from "@livechat/api/auth_pb";
import { ErrorState, FormError } from "@/components/states";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { Switch } from "@/components/ui/switch";
import { useI18n } from "@/i18n";
import { meKey } from "@/lib/query-keys";
import { transport } from "@/lib/transport";

const securityKey = createConnectQueryKey({ schema: AuthService.method.getSecuritySettings, input: {}, transport, cardinality: "finite" });

/** The installation's sign-in rules (admins): require two-factor sign-in for everyone. */
export function SecurityCard() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const id = useId();
  const settings = useQuery(AuthService.method.getSecuritySettings, {});
  const save = useMutation(AuthService.method.updateSecuritySettings, {
    onSuccess: (res) => {
      qc.setQueryData(securityKey, create(GetSecuritySettingsResponseSchema, { settings: res.settings }));
      // The admin may now have to enrol too.
      void qc.invalidateQueries({ queryKey: meKey });
    },
  });
  const on = save.isPending ? (save.variables?.settings?.requireTwoFactor ?? false) : (settings.data?.settings?.requireTwoFactor ?? false);

  return (
    <Card data-testid="security-card">
      <CardHeader>
        <CardTitle>{t("security.title")}</CardTitle>
        <CardDescription>{t("security.description")}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-2">
        {settings.isPending ? (
          <Skeleton className="h-6 max-w-sm" />
        ) : settings.isError ? (
          <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />
        ) : (
          <div className="flex items-start gap-3">
            <Switch
              id={id}
              checked={on}
              disabled={save.isPending}
              aria-describedby={`${id}-hint`}
              data-testid="require-two-factor"
              onCheckedChange={(requireTwoFactor) => save.mutate({ settings: { requireTwoFactor } })}
            />
            <div className="grid gap-1">
              <Label htmlFor={id}>{t("security.requireTwoFactor")}</Label>
              <p id={`${id}-hint`} className="text-xs text-muted-foreground">
                {t("security.requireTwoFactorHint")}
              </p>
            </div>
          </div>
        )}
        <FormError error={save.error} />
        {save.isSuccess && (
          <p role="status" className="text-sm text-success">
            {t("security.saved")}
          </p>
        )}
      </CardContent>
    </Card>
  );
}
