import { useQuery } from "@connectrpc/connect-query";
import type { ReactNode } from "react";
import { Redirect, useLocation, useSearch } from "wouter";
import { AuthService } from "@livechat/api/auth_pb";
import { ErrorState, FullPageSpinner } from "@/components/states";
import { isUnauthenticated } from "@/lib/errors";

/**
 * Shows its children only to a signed-in agent: sends a fresh installation
 * to the setup screen and everyone else to the login screen (coming back
 * here afterwards).
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const [location] = useLocation();
  const search = useSearch();
  const setup = useQuery(AuthService.method.getSetupState, {});
  const setupDone = setup.data?.setupRequired === false;
  const me = useQuery(AuthService.method.getMe, {}, { enabled: setupDone, retry: false });

  if (setup.isPending) return <FullPageSpinner />;
  if (setup.isError) return <ErrorState className="h-full" error={setup.error} onRetry={() => void setup.refetch()} />;
  if (setup.data.setupRequired) return <Redirect to="/setup" replace />;
  if (me.isError && isUnauthenticated(me.error)) {
    const back = location + (search ? `?${search}` : "");
    const next = back === "/" ? "" : `?next=${encodeURIComponent(back)}`;
    return <Redirect to={`/login${next}`} replace />;
  }
  if (me.isError) return <ErrorState className="h-full" error={me.error} onRetry={() => void me.refetch()} />;
  if (!me.data?.agent) return <FullPageSpinner />;
  return <>{children}</>;
}
