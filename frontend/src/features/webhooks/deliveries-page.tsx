import { useInfiniteQuery, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { ArrowLeftIcon, HistoryIcon, ListIcon, RotateCwIcon } from "lucide-react";
import { useMemo, useState } from "react";
import { Link, useParams } from "wouter";
import { WebhookService, type WebhookDelivery } from "@livechat/api/webhook_pb";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { Page } from "@/components/page";
import { EmptyState, ErrorState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { formatDateTime, toDate } from "@/lib/format";
import { showToast } from "@/lib/toasts";
import { useErrorText } from "@/lib/use-error-text";
import { eventTypeLabel } from "./event-types";
import { webhooksKey } from "./keys";

const pageSize = 50;

/** One webhook's delivery log, newest first, with resend and replay-from. */
export default function WebhookDeliveriesPage() {
  const { t } = useI18n();
  const { webhookId = "" } = useParams<{ webhookId: string }>();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const webhooks = useQuery(WebhookService.method.listWebhooks, {});
  const webhook = webhooks.data?.webhooks.find((w) => w.id === webhookId);
  const log = useInfiniteQuery(
    WebhookService.method.listWebhookDeliveries,
    { webhookId, pageSize, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const deliveries = useMemo(() => log.data?.pages.flatMap((p) => p.deliveries) ?? [], [log.data]);
  const [replaying, setReplaying] = useState<WebhookDelivery | null>(null);
  const refresh = () => {
    void log.refetch();
    void qc.invalidateQueries({ queryKey: webhooksKey });
  };
  const resend = useMutation(WebhookService.method.resendWebhookDelivery, {
    onSuccess: () => {
      showToast(t("webhooks.resent"));
      refresh();
    },
    onError: (err) => showToast(errorText(err)),
  });
  const replay = useMutation(WebhookService.method.replayWebhook, {
    onSuccess: () => {
      showToast(t("webhooks.replayStarted"));
      setReplaying(null);
      refresh();
    },
  });

  return (
    <Page
      title={t("webhooks.deliveries")}
      description={webhook?.url}
      adminOnly
      actions={
        <div className="flex gap-2">
          <Button variant="outline" asChild>
            <Link href="/webhooks">
              <ArrowLeftIcon aria-hidden /> {t("webhooks.back")}
            </Link>
          </Button>
          <Button variant="outline" onClick={refresh} aria-label={t("common.retry")}>
            <RotateCwIcon aria-hidden />
          </Button>
        </div>
      }
    >
      <Card className="overflow-x-auto">
        {log.isPending ? (
          <div className="grid gap-3 p-5">
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} className="h-8" />
            ))}
          </div>
        ) : log.isError ? (
          <ErrorState error={log.error} onRetry={() => void log.refetch()} />
        ) : deliveries.length === 0 ? (
          <EmptyState icon={<ListIcon />} title={t("webhooks.deliveriesEmpty")}>
            {t("webhooks.deliveriesEmptyHint")}
          </EmptyState>
        ) : (
          <table className="w-full text-sm" data-testid="deliveries-table">
            <thead className="border-b text-left text-xs text-muted-foreground">
              <tr>
                <th className="px-4 py-2.5 font-medium">{t("webhooks.colTime")}</th>
                <th className="px-4 py-2.5 font-medium">{t("webhooks.colEvent")}</th>
                <th className="px-4 py-2.5 font-medium">{t("webhooks.colResult")}</th>
                <th className="px-4 py-2.5 font-medium">{t("webhooks.colLatency")}</th>
                <th className="px-4 py-2.5 font-medium">{t("webhooks.colResponse")}</th>
                <th className="px-4 py-2.5">
                  <span className="sr-only">{t("common.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <DeliveryRow key={d.id} delivery={d} resending={resend.isPending && resend.variables?.deliveryId === d.id} onResend={() => resend.mutate({ deliveryId: d.id })} onReplay={() => setReplaying(d)} />
              ))}
            </tbody>
          </table>
        )}
        {log.hasNextPage && (
          <div className="border-t p-3 text-center">
            <Button variant="outline" size="sm" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}>
              {t("webhooks.loadMore")}
            </Button>
          </div>
        )}
      </Card>
      {replaying && (
        <ConfirmDialog
          open
          variant="default"
          onOpenChange={(o) => !o && setReplaying(null)}
          title={t("webhooks.replayTitle")}
          description={t("webhooks.replayDescription")}
          confirmLabel={t("webhooks.replay")}
          pending={replay.isPending}
          error={replay.error}
          onConfirm={() => replay.mutate({ webhookId, fromDeliveryId: replaying.id })}
        />
      )}
    </Page>
  );
}

function DeliveryRow({ delivery: d, resending, onResend, onReplay }: { delivery: WebhookDelivery; resending: boolean; onResend: () => void; onReplay: () => void }) {
  const { t, locale } = useI18n();
  const at = toDate(d.createdAt);
  const label = eventTypeLabel(d.eventType);
  return (
    <tr className="border-b align-top last:border-0" data-testid="delivery-row">
      <td className="px-4 py-2.5 whitespace-nowrap text-muted-foreground">{at && formatDateTime(at, locale)}</td>
      <td className="px-4 py-2.5">
        <div>{label ? t(label) : d.eventType}</div>
        <code className="text-xs text-muted-foreground">{d.messageId}</code>
        <div className="text-xs text-muted-foreground">
          {t("webhooks.attempt", { n: d.attempt })}
          {d.manual && ` · ${t("webhooks.manual")}`}
        </div>
      </td>
      <td className="px-4 py-2.5">
        <Badge variant={d.succeeded ? "secondary" : "destructive"} data-testid="delivery-result">
          {d.succeeded ? t("webhooks.ok", { code: d.responseStatus }) : d.responseStatus ? t("webhooks.failedCode", { code: d.responseStatus }) : t("webhooks.failedNoResponse")}
        </Badge>
      </td>
      <td className="px-4 py-2.5 whitespace-nowrap text-muted-foreground">{d.latencyMs} ms</td>
      <td className="max-w-64 px-4 py-2.5">
        <code className="line-clamp-2 text-xs break-all text-muted-foreground">{d.error || d.responseExcerpt}</code>
      </td>
      <td className="px-4 py-2.5 text-right whitespace-nowrap">
        <Button variant="outline" size="sm" onClick={onResend} disabled={resending}>
          <RotateCwIcon aria-hidden /> {t("webhooks.resend")}
        </Button>{" "}
        <Button variant="outline" size="sm" onClick={onReplay}>
          <HistoryIcon aria-hidden /> {t("webhooks.replayFrom")}
        </Button>
      </td>
    </tr>
  );
}
