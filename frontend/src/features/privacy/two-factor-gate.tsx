import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { ShieldCheckIcon } from "lucide-react";
import { useState, type ReactNode } from "react";
import { AuthService } from "@livechat/api/auth_pb";
import { Button } from "@/components/ui/button";
import { useI18n } from "@/i18n";
import { meKey } from "@/lib/query-keys";
import { TwoFactorCard } from "@/features/settings/two-factor-card";

/**
 * Where the installation requires two-factor sign-in, an agent without it
 * sees only the enrolment until it is done (the server refuses their other
 * calls meanwhile); the page stays until they have seen their recovery
 * codes and chosen to continue.
 */
export function TwoFactorGate({ children }: { children: ReactNode }) {
  const me = useQuery(AuthService.method.getMe, {}, { retry: false });
  const pending = (me.data?.twoFactorRequired ?? false) && !(me.data?.agent?.twoFactorEnabled ?? false);
  const [enrolling, setEnrolling] = useState(false);
  if (pending && !enrolling) setEnrolling(true);
  if (!enrolling) return <>{children}</>;
  return <EnrolPage done={!pending} onContinue={() => setEnrolling(false)} />;
}

function EnrolPage({ done, onContinue }: { done: boolean; onContinue: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const logout = useMutation(AuthService.method.logout, { onSuccess: () => void qc.invalidateQueries({ queryKey: meKey }) });
  return (
    <main className="mx-auto grid max-w-xl gap-4 p-6" data-testid="two-factor-gate">
      <div className="flex items-center gap-3">
        <ShieldCheckIcon aria-hidden className="size-8 text-primary" />
        <h1 className="text-xl font-semibold">{t("enrol.title")}</h1>
      </div>
      <p className="text-sm text-muted-foreground">{t("enrol.description")}</p>
      <TwoFactorCard />
      <div className="flex gap-2">
        <Button onClick={onContinue} disabled={!done} data-testid="enrol-continue">
          {t("enrol.continue")}
        </Button>
        <Button variant="outline" onClick={() => logout.mutate({})} disabled={logout.isPending}>
          {t("enrol.signOut")}
        </Button>
      </div>
    </main>
  );
}
