import { TransportProvider } from "@connectrpc/connect-query";
import { QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { Route, Switch } from "wouter";
import { ErrorBoundary } from "@/components/error-boundary";
import { TooltipProvider } from "@/components/ui/tooltip";
import { FullPageSpinner } from "@/components/states";
import { I18nProvider } from "@/i18n";
import { createQueryClient } from "@/lib/query-client";
import { transport } from "@/lib/transport";
import { AuthGate } from "@/features/auth/auth-gate";
import { LoginPage } from "@/features/auth/login-page";
import { SetupPage } from "@/features/auth/setup-page";
import { TwoFactorGate } from "@/features/privacy/two-factor-gate";

// The signed-in dashboard is its own chunk: the login screen loads fast.
const Shell = lazy(() => import("@/features/shell/shell"));

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <TransportProvider transport={transport}>
      <QueryClientProvider client={queryClient}>
        <I18nProvider>
          <TooltipProvider delayDuration={300}>
            <Switch>
              <Route path="/setup" component={SetupPage} />
              <Route path="/login" component={LoginPage} />
              <Route>
                <AuthGate>
                  <TwoFactorGate>
                    <ErrorBoundary className="h-full">
                      <Suspense fallback={<FullPageSpinner />}>
                        <Shell />
                      </Suspense>
                    </ErrorBoundary>
                  </TwoFactorGate>
                </AuthGate>
              </Route>
            </Switch>
          </TooltipProvider>
        </I18nProvider>
      </QueryClientProvider>
    </TransportProvider>
  );
}
