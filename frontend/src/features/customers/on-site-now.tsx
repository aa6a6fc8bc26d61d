import { useQuery } from "@connectrpc/connect-query";
import { lazy, Suspense, useState } from "react";
import { VisitorService } from "@livechat/api/visitor_pb";
import { Button } from "@/components/ui/button";
import { useI18n } from "@/i18n";

const InviteDialog = lazy(() => import("./visitors-page").then((m) => ({ default: m.InviteDialog })));

/**
 * In the customer panel: whether the customer is on the website now (the
 * visitors-now list, kept live by the event stream), and a way to start a
 * chat with them there.
 */
export function OnSiteNow({ customerId }: { customerId: string }) {
  const { t } = useI18n();
  const [inviting, setInviting] = useState(false);
  const list = useQuery(VisitorService.method.listVisitors, { customerId });
  const v = list.data?.visitors[0];
  if (!v) return null;
  return (
    <div className="mt-4 flex items-center justify-between gap-2 rounded-md border p-2 text-sm" data-testid="on-site-now">
      <span className="min-w-0 truncate">
        <span className="font-medium">{t("visitors.onSiteNow")}</span> {v.title || v.url}
      </span>
      <Button size="sm" variant="outline" onClick={() => setInviting(true)}>
        {t("visitors.start")}
      </Button>
      {inviting && (
        <Suspense fallback={null}>
          <InviteDialog visitor={v} onClose={() => setInviting(false)} />
        </Suspense>
      )}
    </div>
  );
}
