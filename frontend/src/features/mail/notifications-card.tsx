import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useEffect, useState, type FormEvent } from "react";
import { MailService } from "@livechat/api/mail_pb";
import { Field } from "@/components/field";
import { ErrorState, FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { useI18n } from "@/i18n";

/** The agent's own email notifications: where to, and about what. */
export function MailNotificationsCard() {
  const { t, lang } = useI18n();
  const get = useQuery(MailService.method.getMyNotifications, {});
  const [form, setForm] = useState({ address: "", newConversations: false, assigned: false });
  const loaded = get.data?.notifications;
  useEffect(() => {
    if (loaded) setForm({ address: loaded.address, newConversations: loaded.newConversations, assigned: loaded.assigned });
  }, [loaded]);
  const save = useMutation(MailService.method.updateMyNotifications, { onSuccess: () => void get.refetch() });
  const needsAddress = (form.newConversations || form.assigned) && form.address.trim() === "";

  function submit(e: FormEvent) {
    e.preventDefault();
    if (needsAddress) return;
    save.mutate({ notifications: { ...form, address: form.address.trim(), language: lang } });
  }
  function change(next: Partial<typeof form>) {
    setForm({ ...form, ...next });
    save.reset();
  }

  return (
    <Card data-testid="mail-notifications">
      <CardHeader>
        <CardTitle>{t("notify.title")}</CardTitle>
        <CardDescription>{t("notify.description")}</CardDescription>
      </CardHeader>
      <CardContent>
        {get.isError ? (
          <ErrorState error={get.error} onRetry={() => void get.refetch()} />
        ) : (
          <form className="grid max-w-md gap-4" onSubmit={submit} noValidate aria-busy={get.isPending}>
            <Field label={t("notify.address")} error={needsAddress ? t("notify.addressRequired") : null}>
              <Input
                type="email"
                autoComplete="email"
                value={form.address}
                disabled={get.isPending}
                data-testid="notify-address"
                onChange={(e) => change({ address: e.target.value })}
              />
            </Field>
            <SwitchRow
              id="notify-new"
              label={t("notify.newConversations")}
              checked={form.newConversations}
              disabled={get.isPending}
              onChange={(v) => change({ newConversations: v })}
            />
            <SwitchRow
              id="notify-assigned"
              label={t("notify.assigned")}
              checked={form.assigned}
              disabled={get.isPending}
              onChange={(v) => change({ assigned: v })}
            />
            <FormError error={save.error} />
            {save.isSuccess && (
              <p role="status" className="text-sm text-success">
                {t("settings.idleAwaySaved")}
              </p>
            )}
            <div>
              <Button type="submit" disabled={save.isPending || get.isPending || needsAddress} data-testid="notify-save">
                {t("settings.save")}
              </Button>
            </div>
          </form>
        )}
      </CardContent>
    </Card>
  );
}

function SwitchRow(p: { id: string; label: string; checked: boolean; disabled: boolean; onChange: (on: boolean) => void }) {
  return (
    <div className="flex items-center gap-3">
      <Switch id={p.id} checked={p.checked} disabled={p.disabled} onCheckedChange={p.onChange} data-testid={p.id} />
      <Label htmlFor={p.id} className="flex-1">
        {p.label}
      </Label>
    </div>
  );
}
