import { useQuery } from "@connectrpc/connect-query";
import { PanelsTopLeftIcon, PlusIcon, TriangleAlertIcon } from "lucide-react";
import { Link } from "wouter";
import { WidgetService } from "@livechat/api/widget_pb";
import { Page } from "@/components/page";
import { EmptyState, ErrorState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";

/** Admins see every website's widget and open one to edit it. */
export default function WidgetsPage() {
  const { t, tp } = useI18n();
  const widgets = useQuery(WidgetService.method.listWidgets, {});
  const newButton = (
    <Button asChild data-testid="new-widget">
      <Link href="/widgets/new">
        <PlusIcon aria-hidden /> {t("widgets.new")}
      </Link>
    </Button>
  );

  return (
    <Page title={t("widgets.title")} description={t("widgets.description")} actions={newButton} adminOnly>
      {widgets.isPending ? (
        <div className="grid gap-3 md:grid-cols-2">
          <Skeleton className="h-28" />
          <Skeleton className="h-28" />
        </div>
      ) : widgets.isError ? (
        <ErrorState error={widgets.error} onRetry={() => void widgets.refetch()} />
      ) : widgets.data.widgets.length === 0 ? (
        <Card>
          <EmptyState icon={<PanelsTopLeftIcon />} title={t("widgets.empty")}>
            {t("widgets.emptyHint")}
          </EmptyState>
        </Card>
      ) : (
        <ul className="grid gap-3 md:grid-cols-2" data-testid="widgets-list">
          {widgets.data.widgets.map((w) => {
            const origins = w.settings?.allowedOrigins ?? [];
            return (
              <li key={w.id}>
                <Link
                  href={`/widgets/${w.id}`}
                  className="block rounded-xl border bg-card p-4 shadow-xs hover:border-primary focus-visible:outline-2 focus-visible:outline-ring"
                >
                  <div className="flex items-center gap-2">
                    <span aria-hidden className="size-4 rounded-full border" style={{ backgroundColor: w.settings?.appearance?.primaryColor }} />
                    <span className="font-medium">{w.settings?.name}</span>
                  </div>
                  <code className="mt-2 block text-xs text-muted-foreground">{w.siteKey}</code>
                  <div className="mt-3">
                    {origins.length === 0 ? (
                      <Badge variant="warning">
                        <TriangleAlertIcon aria-hidden /> {t("widgets.anyOrigin")}
                      </Badge>
                    ) : (
                      <Badge variant="secondary">{tp("widgets.originCount", origins.length)}</Badge>
                    )}
                  </div>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </Page>
  );
}
