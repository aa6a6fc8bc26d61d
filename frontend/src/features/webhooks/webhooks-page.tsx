import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { KeyRoundIcon, ListIcon, PencilIcon, PlusIcon, Trash2Icon, WebhookIcon } from "lucide-react";
import { useState } from "react";
import { Link } from "wouter";
import { WebhookService, type Webhook } from "@livechat/api/webhook_pb";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { Page } from "@/components/page";
import { EmptyState, ErrorState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { formatDateTime, formatRelative, toDate, useNow } from "@/lib/format";
import { eventTypeLabel, stateBadge } from "./event-types";
import { webhooksKey } from "./keys";
import { SecretShown, WebhookDialog } from "./webhook-dialog";

type Action = { kind: "create" } | { kind: "edit" | "rotate" | "delete"; webhook: Webhook };

/** Admins add, edit, enable and delete webhooks, and rotate their secrets. */
export default function WebhooksPage() {
  const { t } = useI18n();
  const list = useQuery(WebhookService.method.listWebhooks, {});
  const [action, setAction] = useState<Action | null>(null);
  const close = () => setAction(null);

  return (
    <Page
      title={t("webhooks.title")}
      description={t("webhooks.description")}
      adminOnly
      actions={
        <Button onClick={() => setAction({ kind: "create" })} data-testid="create-webhook">
          <PlusIcon aria-hidden /> {t("webhooks.create")}
        </Button>
      }
    >
      <Card className="overflow-x-auto">
        {list.isPending ? (
          <div className="grid gap-3 p-5">
            {[0, 1].map((i) => (
              <Skeleton key={i} className="h-8" />
            ))}
          </div>
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.webhooks.length === 0 ? (
          <EmptyState icon={<WebhookIcon />} title={t("webhooks.empty")}>
            {t("webhooks.emptyHint")}
          </EmptyState>
        ) : (
          <ul className="divide-y" data-testid="webhooks-list">
            {list.data.webhooks.map((w) => (
              <WebhookRow key={w.id} webhook={w} onAction={(kind) => setAction({ kind, webhook: w })} />
            ))}
          </ul>
        )}
      </Card>
      {action?.kind === "create" && <WebhookDialog onClose={close} />}
      {action?.kind === "edit" && <WebhookDialog webhook={action.webhook} onClose={close} />}
      {action?.kind === "rotate" && <RotateDialog webhook={action.webhook} onClose={close} />}
      {action?.kind === "delete" && <DeleteDialog webhook={action.webhook} onClose={close} />}
    </Page>
  );
}

function WebhookRow({ webhook: w, onAction }: { webhook: Webhook; onAction: (kind: "edit" | "rotate" | "delete") => void }) {
  const { t, locale } = useI18n();
  const now = useNow();
  const badge = stateBadge(w);
  const next = toDate(w.nextAttemptAt);
  return (
    <li className="grid gap-2 px-4 py-3" data-testid="webhook-row">
      <div className="flex flex-wrap items-center gap-2">
        <code className="min-w-0 flex-1 truncate font-mono text-sm" title={w.url}>
          {w.url}
        </code>
        <Badge variant={badge.variant} data-testid="webhook-state">
          {t(badge.label)}
        </Badge>
      </div>
      <div className="flex flex-wrap gap-1">
        {w.eventTypes.map((type) => {
          const label = eventTypeLabel(type);
          return (
            <Badge key={type} variant="outline" className="font-normal">
              {label ? t(label) : type}
            </Badge>
          );
        })}
      </div>
      {w.enabled && w.lastError && (
        <p className="text-sm text-destructive" data-testid="webhook-error">
          {w.lastError}
          {next && <span className="ml-2 text-muted-foreground" title={formatDateTime(next, locale)}>{t("webhooks.nextAttempt", { time: formatRelative(next, now, locale, t("time.justNow")) })}</span>}
        </p>
      )}
      {w.enabled && w.lastError && !next && <p className="text-xs text-muted-foreground">{t("webhooks.failingHint")}</p>}
      <div className="flex flex-wrap gap-2" role="group" aria-label={t("webhooks.actionsFor", { url: w.url })}>
        <Button variant="outline" size="sm" asChild>
          <Link href={`/webhooks/${w.id}`}>
            <ListIcon aria-hidden /> {t("webhooks.deliveries")}
          </Link>
        </Button>
        <Button variant="outline" size="sm" onClick={() => onAction("edit")}>
          <PencilIcon aria-hidden /> {t("webhooks.editAction")}
        </Button>
        <Button variant="outline" size="sm" onClick={() => onAction("rotate")}>
          <KeyRoundIcon aria-hidden /> {t("webhooks.rotate")}
        </Button>
        <Button variant="outline" size="sm" onClick={() => onAction("delete")}>
          <Trash2Icon aria-hidden /> {t("webhooks.delete")}
        </Button>
      </div>
    </li>
  );
}

function RotateDialog({ webhook, onClose }: { webhook: Webhook; onClose: () => void }) {
  const { t } = useI18n();
  const rotate = useMutation(WebhookService.method.rotateWebhookSecret);
  if (rotate.data) {
    return (
      <Dialog open onOpenChange={(o) => !o && onClose()}>
        <DialogContent onInteractOutside={(e) => e.preventDefault()}>
          <SecretShown secret={rotate.data.secret} onDone={onClose} />
        </DialogContent>
      </Dialog>
    );
  }
  return (
    <ConfirmDialog
      open
      variant="default"
      onOpenChange={(o) => !o && onClose()}
      title={t("webhooks.rotateTitle", { url: webhook.url })}
      description={t("webhooks.rotateDescription")}
      confirmLabel={t("webhooks.rotate")}
      pending={rotate.isPending}
      error={rotate.error}
      onConfirm={() => rotate.mutate({ webhookId: webhook.id })}
    />
  );
}

function DeleteDialog({ webhook, onClose }: { webhook: Webhook; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const del = useMutation(WebhookService.method.deleteWebhook, {
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: webhooksKey });
      onClose();
    },
  });
  return (
    <ConfirmDialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={t("webhooks.deleteTitle", { url: webhook.url })}
      description={t("webhooks.deleteDescription")}
      confirmLabel={t("webhooks.delete")}
      pending={del.isPending}
      error={del.error}
      onConfirm={() => del.mutate({ webhookId: webhook.id })}
    />
  );
}
