import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { TriangleAlertIcon } from "lucide-react";
import { useState, type FormEvent } from "react";
import { WebhookEventType, WebhookService, type Webhook } from "@livechat/api/webhook_pb";
import { CopyButton } from "@/components/copy-button";
import { Field } from "@/components/field";
import { FormError } from "@/components/states";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Switch } from "@/components/ui/switch";
import { useI18n } from "@/i18n";
import { webhooksKey } from "./keys";
import { eventTypes, urlLooksValid } from "./event-types";

/**
 * Creates a webhook (then shows its secret, once) or edits one: URL, event
 * types, enabled and the private-network permission.
 */
export function WebhookDialog({ webhook, onClose }: { webhook?: Webhook; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [url, setUrl] = useState(webhook?.url ?? "");
  const [types, setTypes] = useState<WebhookEventType[]>(webhook?.eventTypes ?? [WebhookEventType.MESSAGE_CREATED, WebhookEventType.CONVERSATION_CREATED]);
  const [enabled, setEnabled] = useState(webhook?.enabled ?? true);
  const [allowPrivate, setAllowPrivate] = useState(webhook?.allowPrivateNetwork ?? false);
  const done = () => void qc.invalidateQueries({ queryKey: webhooksKey });
  const create = useMutation(WebhookService.method.createWebhook, { onSuccess: done });
  const update = useMutation(WebhookService.method.updateWebhook, {
    onSuccess: () => {
      done();
      onClose();
    },
  });
  const pending = create.isPending || update.isPending;
  const ok = urlLooksValid(url) && types.length > 0;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!ok) return;
    const input = { url: url.trim(), eventTypes: types, enabled, allowPrivateNetwork: allowPrivate };
    if (webhook) update.mutate({ webhookId: webhook.id, ...input });
    else create.mutate(input);
  }

  function toggle(type: WebhookEventType, on: boolean) {
    setTypes((ts) => (on ? [...ts.filter((x) => x !== type), type] : ts.filter((x) => x !== type)));
  }

  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent onInteractOutside={(e) => create.data && e.preventDefault()}>
        {create.data ? (
          <SecretShown secret={create.data.secret} onDone={onClose} />
        ) : (
          <>
            <DialogHeader>
              <DialogTitle>{webhook ? t("webhooks.edit") : t("webhooks.create")}</DialogTitle>
              <DialogDescription>{t("webhooks.createDescription")}</DialogDescription>
            </DialogHeader>
            <form className="grid gap-4" onSubmit={submit} noValidate>
              <Field label={t("webhooks.url")} hint={t("webhooks.urlHint")}>
                <Input autoFocus type="url" inputMode="url" maxLength={2048} value={url} onChange={(e) => setUrl(e.target.value)} data-testid="webhook-url" />
              </Field>
              <fieldset className="grid gap-2">
                <legend className="mb-1 text-sm font-medium">{t("webhooks.events")}</legend>
                <div className="grid gap-1.5 sm:grid-cols-2">
                  {eventTypes.map((e) => (
                    <label key={e.type} className="flex items-center gap-2 text-sm">
                      <input type="checkbox" className="size-4 accent-primary" checked={types.includes(e.type)} onChange={(ev) => toggle(e.type, ev.target.checked)} />
                      {t(e.label)}
                    </label>
                  ))}
                </div>
                {types.length === 0 && <p className="text-xs text-destructive">{t("webhooks.eventsHint")}</p>}
              </fieldset>
              <label className="flex items-center justify-between gap-4 text-sm">
                <span className="font-medium">{t("webhooks.enabled")}</span>
                <Switch checked={enabled} onCheckedChange={setEnabled} data-testid="webhook-enabled" />
              </label>
              <label className="flex items-start justify-between gap-4 text-sm">
                <span>
                  <span className="font-medium">{t("webhooks.allowPrivate")}</span>
                  <span className="block text-xs text-muted-foreground">{t("webhooks.allowPrivateHint")}</span>
                </span>
                <Switch checked={allowPrivate} onCheckedChange={setAllowPrivate} data-testid="webhook-allow-private" />
              </label>
              <FormError error={create.error ?? update.error} />
              <DialogFooter>
                <Button type="button" variant="outline" onClick={onClose}>
                  {t("common.cancel")}
                </Button>
                <Button type="submit" disabled={!ok || pending} data-testid="webhook-save">
                  {webhook ? t("webhooks.save") : t("webhooks.create")}
                </Button>
              </DialogFooter>
            </form>
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}

/** The secret, shown once after creating or rotating. */
export function SecretShown({ secret, onDone }: { secret: string; onDone: () => void }) {
  const { t } = useI18n();
  return (
    <>
      <DialogHeader>
        <DialogTitle>{t("webhooks.secretTitle")}</DialogTitle>
        <DialogDescription>{t("webhooks.secretDescription")}</DialogDescription>
      </DialogHeader>
      <div className="grid gap-4">
        <Alert variant="warning">
          <TriangleAlertIcon aria-hidden />
          <span>{t("webhooks.secretShownOnce")}</span>
        </Alert>
        <div className="flex items-center gap-2">
          <code className="min-w-0 flex-1 rounded-md border bg-muted px-3 py-2 font-mono text-xs break-all" data-testid="webhook-secret">
            {secret}
          </code>
          <CopyButton text={secret} />
        </div>
        <DialogFooter>
          <Button onClick={onDone}>{t("common.done")}</Button>
        </DialogFooter>
      </div>
    </>
  );
}
