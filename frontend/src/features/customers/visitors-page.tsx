import { useMutation, useQuery } from "@connectrpc/connect-query";
import { EyeIcon, MessageCircleIcon } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Link } from "wouter";
import { VisitorService, type Visitor } from "@livechat/api/visitor_pb";
import { EmptyState, ErrorState, FormError } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { formatDuration, toMillis, useNow } from "@/lib/format";
import { showToast } from "@/lib/toasts";
import { useDocumentTitle } from "@/lib/use-document-title";

/**
 * Who is on the website now, across every widget: their page, how long
 * they have been on the site, new or returning, and whether they chat. The
 * list is kept in the servers' memory; the event stream says when it
 * changed (visitorsChanged), and the page reads it again.
 */
export default function VisitorsPage() {
  const { t, locale } = useI18n();
  useDocumentTitle(t("visitors.title"));
  const now = useNow(1000);
  const list = useQuery(VisitorService.method.listVisitors, { widgetId: "" });
  const [inviting, setInviting] = useState<Visitor | null>(null);
  const visitors = list.data?.visitors ?? [];
  const total = list.data?.total ?? 0;

  return (
    <div className="flex h-full min-h-0 flex-col">
      <header className="grid gap-1 border-b p-4">
        <h1 className="text-xl font-semibold tracking-tight">{t("visitors.title")}</h1>
        <p className="text-sm text-muted-foreground">
          {t("visitors.subtitle")} {list.data && <span data-testid="visitors-total">{t("visitors.total", { n: total })}</span>}
        </p>
      </header>
      <div className="min-h-0 flex-1 overflow-y-auto">
        {list.isPending ? (
          <div className="grid gap-3 p-4" aria-busy>
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} className="h-12" />
            ))}
          </div>
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : visitors.length === 0 ? (
          <EmptyState icon={<EyeIcon />} title={t("visitors.empty")}>
            {t("visitors.emptyHint")}
          </EmptyState>
        ) : (
          <table className="w-full text-sm" data-testid="visitors-list">
            <thead className="text-left text-xs text-muted-foreground">
              <tr>
                <th className="px-4 py-2 font-medium">{t("visitors.who")}</th>
                <th className="px-4 py-2 font-medium">{t("visitors.page")}</th>
                <th className="px-4 py-2 font-medium">{t("visitors.onSite")}</th>
                <th className="px-4 py-2 font-medium">{t("visitors.chat")}</th>
                <th className="px-4 py-2" />
              </tr>
            </thead>
            <tbody className="divide-y">
              {visitors.map((v) => (
                <tr key={v.widgetId + v.key} data-testid="visitor-row" data-key={v.key}>
                  <td className="px-4 py-2">
                    <div className="font-medium">{v.customerName || t("visitors.anonymous")}</div>
                    <Badge variant="secondary">{v.returning ? t("visitors.returning") : t("visitors.new")}</Badge>
                    {v.pages > 1 && <span className="ml-2 text-xs text-muted-foreground">{t("visitors.tabs", { n: v.pages })}</span>}
                  </td>
                  <td className="max-w-80 px-4 py-2">
                    {v.url ? (
                      <a href={v.url} target="_blank" rel="noreferrer noopener" className="block truncate underline-offset-2 hover:underline" data-testid="visitor-page">
                        {v.title || v.url}
                      </a>
                    ) : (
                      <span className="text-muted-foreground">{t("visitors.noPage")}</span>
                    )}
                  </td>
                  <td className="px-4 py-2 tabular-nums">{formatDuration(Math.max(0, now - toMillis(v.visitStartedAt)), locale)}</td>
                  <td className="px-4 py-2">
                    {v.openConversationId ? (
                      <Link href={`/inbox/all/${v.openConversationId}`} className="inline-flex items-center gap-1 text-primary underline-offset-2 hover:underline">
                        <MessageCircleIcon className="size-4" aria-hidden /> {t("visitors.openChat")}
                      </Link>
                    ) : (
                      <span className="text-muted-foreground">{t("visitors.noChat")}</span>
                    )}
                  </td>
                  <td className="px-4 py-2 text-right">
                    <Button size="sm" variant="outline" onClick={() => setInviting(v)} data-testid="visitor-start">
                      {t("visitors.start")}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {total > visitors.length && <p className="p-4 text-xs text-muted-foreground">{t("visitors.more", { shown: visitors.length, n: total })}</p>}
      </div>
      {inviting && <InviteDialog visitor={inviting} onClose={() => setInviting(null)} />}
    </div>
  );
}

/** Writes the agent's first message to a visitor on the site. */
export function InviteDialog({ visitor, onClose }: { visitor: Pick<Visitor, "widgetId" | "key">; onClose: () => void }) {
  const { t } = useI18n();
  const [text, setText] = useState("");
  const invite = useMutation(VisitorService.method.inviteVisitor, {
    onSuccess: () => {
      showToast(t("visitors.sent"));
      onClose();
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!text.trim()) return;
    invite.mutate({ widgetId: visitor.widgetId, visitorKey: visitor.key, text });
  }
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent>
        <form onSubmit={submit} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>{t("visitors.startTitle")}</DialogTitle>
            <DialogDescription>{t("visitors.startHint")}</DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor="invite-text">{t("visitors.message")}</Label>
            <Textarea
              id="invite-text"
              autoFocus
              value={text}
              maxLength={1000}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.shiftKey) submit(e);
              }}
              data-testid="invite-text"
            />
          </div>
          {invite.error && <FormError error={invite.error} />}
          <DialogFooter>
            <Button type="submit" disabled={!text.trim() || invite.isPending} data-testid="invite-send">
              {t("visitors.send")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
