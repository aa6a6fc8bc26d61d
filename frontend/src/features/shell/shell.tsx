import { lazy, Suspense, useEffect } from "react";
import { Redirect, Route, Switch, useLocation } from "wouter";
import { startTabCoordination } from "@/alerts/tabs";
import { startTitleBadge } from "@/alerts/title";
import { unlockAudioOnFirstGesture } from "@/alerts/tone";
import { ErrorBoundary } from "@/components/error-boundary";
import { EmptyState, FullPageSpinner } from "@/components/states";
import { Toaster } from "@/components/toaster";
import { useI18n } from "@/i18n";
import { useLiveUpdates } from "@/realtime/use-live-updates";
import { useIdleAway } from "./use-idle-away";
import { useMe } from "@/features/auth/use-me";
import { InboxPage } from "@/features/inbox/inbox-page";
import { ConnectionNotice } from "./connection-notice";
import { NotificationPrompt } from "./notification-prompt";
import { ShortcutsDialog } from "./shortcuts-dialog";
import { Sidebar } from "./sidebar";

const AgentsPage = lazy(() => import("@/features/agents/agents-page"));
const TokensPage = lazy(() => import("@/features/tokens/tokens-page"));
const WidgetsPage = lazy(() => import("@/features/widgets/widgets-page"));
const WidgetEditorPage = lazy(() => import("@/features/widgets/widget-editor-page"));
const SettingsPage = lazy(() => import("@/features/settings/settings-page"));
const CannedPage = lazy(() => import("@/features/canned/canned-page"));
const WebhooksPage = lazy(() => import("@/features/webhooks/webhooks-page"));
const WebhookDeliveriesPage = lazy(() => import("@/features/webhooks/deliveries-page"));
const ReportsPage = lazy(() => import("@/features/reports/reports-page"));
const MailPage = lazy(() => import("@/features/mail/mail-page"));
const CustomersPage = lazy(() => import("@/features/customers/customers-page"));
const VisitorsPage = lazy(() => import("@/features/customers/visitors-page"));
const AuditPage = lazy(() => import("@/features/audit/audit-page"));
const PrivacyPage = lazy(() => import("@/features/privacy/privacy-page"));

let started = false;

/** The signed-in dashboard: navigation, live updates and the pages. */
export default function Shell() {
  const me = useMe();
  const { t } = useI18n();
  useLiveUpdates(me.id);
  useIdleAway(me);
  const [location] = useLocation();

  useEffect(() => {
    if (started) return;
    started = true;
    startTabCoordination();
    startTitleBadge();
    unlockAudioOnFirstGesture();
  }, []);

  return (
    <div className="flex h-full">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-background px-3 py-2 focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        {t("a11y.skipToContent")}
      </a>
      <Sidebar />
      <div className="flex min-w-0 flex-1 flex-col">
        <NotificationPrompt />
        <ConnectionNotice />
        <main id="main" className="min-h-0 flex-1">
          {/* A page that fails leaves the navigation working; going elsewhere clears it. */}
          <ErrorBoundary resetKey={location} className="h-full">
            <Suspense fallback={<FullPageSpinner />}>
              <Switch>
                <Route path="/">
                  <Redirect to="/inbox/waiting" replace />
                </Route>
                <Route path="/inbox/:queue/:conversationId?" component={InboxPage} />
                <Route path="/inbox">
                  <Redirect to="/inbox/waiting" replace />
                </Route>
                <Route path="/agents" component={AgentsPage} />
                <Route path="/tokens" component={TokensPage} />
                <Route path="/widgets" component={WidgetsPage} />
                <Route path="/widgets/:widgetId" component={WidgetEditorPage} />
                <Route path="/settings" component={SettingsPage} />
                <Route path="/canned" component={CannedPage} />
                <Route path="/webhooks" component={WebhooksPage} />
                <Route path="/webhooks/:webhookId" component={WebhookDeliveriesPage} />
                <Route path="/reports" component={ReportsPage} />
                <Route path="/email" component={MailPage} />
                <Route path="/customers/:customerId?" component={CustomersPage} />
                <Route path="/visitors" component={VisitorsPage} />
                <Route path="/audit" component={AuditPage} />
                <Route path="/privacy" component={PrivacyPage} />
                <Route>
                  <EmptyState className="h-full" title={t("common.notFound")} />
                </Route>
              </Switch>
            </Suspense>
          </ErrorBoundary>
        </main>
      </div>
      <Toaster />
      <ShortcutsDialog />
    </div>
  );
}
